"""Which attempt counts for a person in a ranking, and against which true figure.

One rule, one place (docs/rules.md, "The attempt that counts"); the ranking, /ket-qua, the certificate,
/giai-thuong (through the stored ranking), the winners exports and the unit reports all
ask here:

- A ranking is the whole contest (`round_` None) or one round (a week). Its window is
  [start, end); an attempt competes in it when it finished inside the window.
- The attempt that counts for a person in a ranking: their finished attempt in the window
  with the higher score, then the prediction closest to the ranking's true figure (no
  prediction comes last), then the shorter time, then the earlier submission, then the
  attempt recorded first.
- The true figure of a ranking: the contest's figure named by `prediction_rule` as of the
  end of that ranking's window. Once the ranking is published, the figure stored with it;
  before, the figure as of now (or the window's end), marked provisional ("tạm tính").
- A published ranking is frozen: it counts the attempts recorded before it was computed
  (a paper result imported later counts once the ranking is recomputed and published).
- Staff accounts (officials of every role, and accounts flagged as organisers or tests)
  never count: no attempt of theirs competes in any ranking.
- Imported (paper) results count against the same attempt limit as online ones.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import aliased

from cdso.extensions import db
from cdso.models import Account, Attempt, AttemptStatus, Contest, RankingRun, Round
from cdso.services.accounts import staff


def staff_accounts():
    """SELECT of the ids of staff accounts: they count in no figure and no ranking."""
    return select(Account.id).where(staff.staff())


def not_staff(bulk: bool = False):
    """WHERE term: the attempt's account is not staff. For one person (or one row of a list)
    a lookup of that account by its key; for a whole ranking, the few staff ids at once
    (one pass over the accounts, never one lookup per attempt)."""
    if bulk:
        return Attempt.account_id.not_in(staff_accounts())
    owner = aliased(Account)
    return ~exists().where(owner.id == Attempt.account_id, staff.staff(owner))


def window(contest: Contest, round_: Round | None) -> tuple[dt.datetime, dt.datetime]:
    if round_ is None:
        return contest.opens_at, contest.closes_at
    return round_.starts_at, round_.ends_at


def round_of(contest: Contest, moment: dt.datetime | None) -> Round | None:
    """The round whose window holds the moment (None: outside every round)."""
    if moment is None:
        return None
    return next((r for r in contest.rounds if r.starts_at <= moment < r.ends_at), None)


def truth_figure(contest: Contest, moment: dt.datetime) -> int:
    """The contest's figure named by its prediction rule, as of the moment (through the
    figures shared between app nodes: a minute's figures are summed once)."""
    from cdso.services.figures import cache
    total = cache.city_figures(contest.id, moment).total
    rule = contest.prediction_rule
    if rule == "finished_at_close":
        return total.finished
    if rule == "attempts_at_close":
        return total.attempts
    return total.registered


def published_run(contest_id: int, round_id: int | None, kind: str) -> RankingRun | None:
    """The ranking in force (published, not superseded), if any."""
    return db.session.scalars(select(RankingRun).where(
        RankingRun.contest_id == contest_id, RankingRun.kind == kind,
        RankingRun.round_id.is_(None) if round_id is None else RankingRun.round_id == round_id,
        RankingRun.published_at.is_not(None), RankingRun.superseded_at.is_(None))).first()


@dataclass(frozen=True)
class Truth:
    """The true figure a ranking judges predictions against."""

    value: int
    provisional: bool  # the ranking is not published yet: "tạm tính"
    as_of: dt.datetime  # the moment the figure is counted at
    frozen_at: dt.datetime | None = None  # published: attempts recorded before this count


def truth_for(contest: Contest, round_: Round | None, now: dt.datetime) -> Truth:
    run = published_run(contest.id, round_.id if round_ else None, "individual")
    if run is not None and run.truth_value is not None:
        return Truth(run.truth_value, False, min(run.computed_at, run.window_end),
                     run.computed_at)
    moment = provisional_moment(contest, round_, now)
    return Truth(truth_figure(contest, moment), True, moment)


def provisional_moment(contest: Contest, round_: Round | None, now: dt.datetime) -> dt.datetime:
    """The moment a ranking's figure is counted at before it is published: now, to the
    whole minute (as every figure is shown), or the end of the ranking's window."""
    return min(now.replace(second=0, microsecond=0), window(contest, round_)[1])


def order_terms(truth: int | None) -> list:
    """ORDER BY terms, best attempt first (truth None: the prediction is not compared)."""
    terms = [Attempt.score.desc()]
    if truth is not None:
        terms += [case((Attempt.prediction.is_(None), 1), else_=0),
                  func.abs(Attempt.prediction - truth)]
    return terms + [case((Attempt.duration_seconds.is_(None), 1), else_=0),
                    Attempt.duration_seconds, Attempt.finished_at, Attempt.id]


def competing(contest_id: int, start: dt.datetime, end: dt.datetime,
              bulk: bool = False) -> list:
    """WHERE terms: the attempts that compete in a ranking of this window."""
    return [Attempt.contest_id == contest_id, Attempt.status == AttemptStatus.FINISHED.value,
            Attempt.score.is_not(None), Attempt.finished_at >= start, Attempt.finished_at < end,
            not_staff(bulk)]


def counting_attempt(contest: Contest, account_id: int, round_: Round | None,
                     truth: int | None, recorded_before: dt.datetime | None = None
                     ) -> Attempt | None:
    """THE attempt that counts for a person in a ranking (None: none competes);
    `recorded_before`: only the attempts recorded before then (a frozen ranking)."""
    start, end = window(contest, round_)
    where = competing(contest.id, start, end) + [Attempt.account_id == account_id]
    if recorded_before is not None:
        where.append(Attempt.recorded_at < recorded_before)
    return db.session.scalars(
        select(Attempt).where(*where).order_by(*order_terms(truth)).limit(1)).first()


def counting_attempt_of(registration_column, contest: Contest, round_: Round | None,
                        truth: int | None, recorded_before: dt.datetime | None = None,
                        column=Attempt.number):
    """The same choice inside a query over registrations (exports, unit reports): a
    correlated scalar subquery giving `column` of the counting attempt of the row's
    registration (`registration_column`, e.g. Registration.id): one indexed lookup per
    person, never a sort of the whole contest."""
    start, end = window(contest, round_)
    where = competing(contest.id, start, end) + [Attempt.registration_id == registration_column]
    if recorded_before is not None:
        where.append(Attempt.recorded_at < recorded_before)
    return (select(column).where(*where).order_by(*order_terms(truth)).limit(1)
            .scalar_subquery())


@dataclass(frozen=True)
class Standing:
    """A person's counting attempt in one ranking, with the figure it is judged against."""

    round: Round | None
    attempt: Attempt | None
    truth: Truth

    @property
    def label(self) -> str:
        return self.round.name if self.round is not None else "Toàn cuộc thi"


def standing(contest: Contest, account_id: int, round_: Round | None,
             now: dt.datetime) -> Standing:
    truth = truth_for(contest, round_, now)
    return Standing(round_, counting_attempt(contest, account_id, round_, truth.value,
                                             truth.frozen_at), truth)


def used_attempts(registration_id: int) -> int:
    """Attempts already used (online or imported): the highest attempt number."""
    return db.session.scalar(select(func.coalesce(func.max(Attempt.number), 0)).where(
        Attempt.registration_id == registration_id)) or 0


def used_attempts_by_phone(contest: Contest, phones: list[str]) -> dict[str, int]:
    """used_attempts for many people at once, by the phone of their account."""
    from cdso.models import Registration
    used: dict[str, int] = {}
    for start in range(0, len(phones), 500):
        rows = db.session.execute(
            select(Account.phone, func.max(Attempt.number))
            .join(Registration, Registration.account_id == Account.id)
            .join(Attempt, Attempt.registration_id == Registration.id)
            .where(Registration.contest_id == contest.id,
                   Account.phone.in_(phones[start:start + 500]))
            .group_by(Account.phone))
        used.update({phone: int(count or 0) for phone, count in rows})
    return used


def attempts_left(contest: Contest, used: int) -> int:
    """How many more attempts (online or imported) the contest allows after `used`."""
    return max(0, contest.attempts_allowed - used)


OVERRIDE_MIN, OVERRIDE_MAX = 10, 500


def clean_override(reason: str | None) -> tuple[str, str | None]:
    """An official's written reason for letting an attempt past the limit: (reason, error)."""
    reason = " ".join((reason or "").split())
    if len(reason) < OVERRIDE_MIN:
        return reason, (f"Muốn nhập dòng này, xin ghi rõ lý do cho phép vượt giới hạn "
                        f"(ít nhất {OVERRIDE_MIN} ký tự).") if reason else None
    if len(reason) > OVERRIDE_MAX:
        return reason[:OVERRIDE_MAX], f"Lý do dài quá {OVERRIDE_MAX} ký tự."
    return reason, None


def prediction_scope(contest: Contest, moment: dt.datetime) -> str:
    """What the prediction question asks about, for an attempt finishing at `moment`:
    the figure at the end of its round for the round's ranking, at the end of the contest
    for the whole-contest ranking (shown with the question, and the same words on /the-le)."""
    from cdso.formatting import moment_phrase
    figure = contest.prediction_rule_label.lower().removesuffix(" tại thời điểm kết thúc")
    final = f"tính đến khi Cuộc thi kết thúc ({moment_phrase(contest.closes_at)})"
    round_ = round_of(contest, moment)
    if round_ is None:
        return f"Con số đúng là {figure} {final}."
    return (f"Con số đúng là {figure}: với xếp hạng {round_.name}, tính đến khi {round_.name} "
            f"kết thúc ({moment_phrase(round_.ends_at)}); với xếp hạng toàn Cuộc thi, {final}.")


def prediction_rule_text(contest: Contest) -> str:
    """The same rule for /the-le, for every round at once."""
    from cdso.formatting import moment_phrase
    figure = contest.prediction_rule_label.lower().removesuffix(" tại thời điểm kết thúc")
    final = f"tính đến khi Cuộc thi kết thúc ({moment_phrase(contest.closes_at)})"
    if not contest.rounds:
        return f"Con số đúng là {figure} {final}."
    return (f"Con số đúng là {figure}: với xếp hạng của mỗi đợt, tính đến khi đợt đó kết thúc; "
            f"với xếp hạng toàn Cuộc thi, {final}.")
