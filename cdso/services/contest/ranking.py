"""Rankings and prizes, computed by the city administrator, reviewed, then published.

Individual rule (docs/rules.md), applied exactly: higher score, then the prediction closest to
the true figure (no prediction comes last), then the shorter time, then the earlier
submission (then the attempt recorded first, for a tie to the second). Which attempts compete,
the order and the true figure are defined once in `counting` (staff never count).

Prizes across rankings are contest settings: with `one_weekly_prize_per_person` a round
(weekly) ranking skips people who won a prize in the published ranking of an earlier
round; without `weekly_winner_may_win_final` the whole-contest (final) ranking skips
people who won a published weekly prize.

Collective rule: units by coverage (finished ÷ adult population; unknown population last),
then by number finished, as of the end of the window (cumulative since the contest
opened). A unit with no adult population on record wins no coverage prize: before
publishing, each such unit (with someone finished) is filled in (then recomputed) or
excluded with a reason. Organisations inside a unit have no population: by number finished, then by the
share of their registered people who finished.

A published run is frozen: its entries are stored and nothing rewrites them. Recomputing a
published ranking needs a reason and is logged; the new run replaces the old one (which is
marked superseded) when it is published in turn.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select

from cdso.extensions import db
from cdso.formatting import moment_phrase, sort_key
from cdso.models import (Attempt, AuditLog, Contest, Organisation,
                         RankingEntry, RankingRun, Registration, Round, Unit)
from cdso.services.contest import counting
from cdso.services.figures import stats
from cdso.services.integrity import exclusion

PRIZE_LEVELS = [("nhat", "Giải Nhất"), ("nhi", "Giải Nhì"), ("ba", "Giải Ba"),
                ("kk", "Giải Khuyến khích")]
DEFAULT_PRIZES = {
    "round": {"nhat": 1, "nhi": 2, "ba": 3, "kk": 5},
    "contest": {"nhat": 1, "nhi": 3, "ba": 5, "kk": 10},
    "unit": {"nhat": 1, "nhi": 2, "ba": 3, "kk": 5},
}
MAX_PRIZES = 500
RESERVE = 20  # people ranked after the last prize, for the review (a winner disqualified)
KIND_LABELS = {"individual": "Cá nhân", "unit": "Tập thể (xã, phường, đặc khu)"}
BY_SCORE, BY_PREDICTION, BY_TIME, BY_SUBMISSION, BY_RECORDING = (
    "điểm", "dự đoán", "thời gian", "thời điểm nộp", "thứ tự ghi nhận")
BY_COVERAGE, BY_FINISHED, BY_NAME = "tỷ lệ bao phủ", "số hoàn thành", "tên đơn vị"


class RankingError(ValueError):
    """An action the rules refuse; the message is for the administrator."""


truth_value = counting.truth_figure
window = counting.window


def run_title(run: RankingRun) -> str:
    where = run.round.name if run.round is not None else "Toàn cuộc thi"
    return f"{where} — {KIND_LABELS[run.kind]}"


def clean_prize_counts(form: dict) -> tuple[dict[str, int], dict[str, str]]:
    """Prize counts typed in the compute form; errors by field name."""
    counts, errors = {}, {}
    for key, label in PRIZE_LEVELS:
        raw = (form.get(f"prize_{key}") or "").strip()
        if not raw.isdigit() or int(raw) > MAX_PRIZES:
            errors[f"prize_{key}"] = f"Số {label.lower()}: nhập số nguyên từ 0 đến {MAX_PRIZES}."
            continue
        counts[key] = int(raw)
    if not errors and sum(counts.values()) == 0:
        errors["prize_nhat"] = "Cần ít nhất một giải."
    return counts, errors


current_published = counting.published_run


def _drafts(contest_id: int, round_id: int | None, kind: str) -> list[RankingRun]:
    return list(db.session.scalars(select(RankingRun).where(
        RankingRun.contest_id == contest_id, RankingRun.kind == kind,
        RankingRun.round_id.is_(None) if round_id is None else RankingRun.round_id == round_id,
        RankingRun.published_at.is_(None), RankingRun.superseded_at.is_(None))))


def compute(contest: Contest, round_: Round | None, kind: str, prizes: dict[str, int],
            actor_id: int | None, now: dt.datetime, reason: str = "") -> RankingRun:
    """A new draft run (earlier drafts of the same ranking are set aside). Flushes."""
    if kind not in KIND_LABELS:
        raise RankingError("Loại xếp hạng không hợp lệ.")
    round_id = round_.id if round_ is not None else None
    published = current_published(contest.id, round_id, kind)
    reason = " ".join((reason or "").split())
    if published is not None and len(reason) < 5:
        raise RankingError("Bảng xếp hạng này đã công bố. Muốn tính lại, xin ghi rõ lý do "
                           "(ít nhất 5 ký tự); việc tính lại được ghi nhật ký.")
    for draft in _drafts(contest.id, round_id, kind):
        draft.superseded_at = now
    start, end = window(contest, round_)
    as_of = min(now, end)
    run = RankingRun(contest_id=contest.id, round_id=round_id, round=round_, kind=kind,
                     window_start=start, window_end=end, computed_at=now,
                     computed_by_id=actor_id)
    if kind == "individual":
        run.truth_value = truth_value(contest, counting.provisional_moment(contest, round_, now))
        rows = _individual_rows(contest, round_, run.truth_value, start, end,
                                sum(prizes.values()) + RESERVE)
    else:
        rows = _unit_rows(contest, as_of)
    db.session.add(run)
    db.session.flush()
    _store(run, rows, prizes)
    detail = {"round_id": round_id, "kind": kind, "prizes": prizes}
    if published is not None:
        detail.update(replaces=published.id, reason=reason)
    db.session.add(AuditLog(at=now, actor_id=actor_id, target_type="ranking_run",
                            target_id=run.id, detail=detail,
                            action="ranking.recompute" if published else "ranking.compute"))
    db.session.flush()
    return run


def _prize_winners(contest: Contest, round_ids):
    """Accounts that won a prize in a published ranking of one of these rounds."""
    return (select(RankingEntry.account_id)
            .join(RankingRun, RankingRun.id == RankingEntry.run_id)
            .where(RankingRun.contest_id == contest.id, RankingRun.kind == "individual",
                   RankingRun.published_at.is_not(None), RankingRun.superseded_at.is_(None),
                   RankingEntry.prize.is_not(None), RankingEntry.account_id.is_not(None),
                   RankingRun.round_id.in_(round_ids)))


def _prior_winners(contest: Contest, round_: Round | None):
    """Accounts the contest's settings keep out of this ranking's prizes, or None."""
    if round_ is None:
        if contest.weekly_winner_may_win_final:
            return None
        return _prize_winners(contest, select(Round.id).where(Round.contest_id == contest.id))
    if not contest.one_weekly_prize_per_person:
        return None
    return _prize_winners(contest, select(Round.id).where(
        Round.contest_id == contest.id, Round.ends_at <= round_.starts_at))


def _individual_rows(contest: Contest, round_: Round | None, truth: int,
                     start: dt.datetime, end: dt.datetime, limit: int) -> list[dict]:
    """The first `limit` people in ranking order, each with the attempt that counts.

    Competing attempts are read in `counting.order_terms` order with a LIMIT (a bounded
    top-N sort in one pass over the window, no sort of millions of rows); a person's first
    row is their counting attempt (the same one `counting.counting_attempt` names), later
    rows of the same person are skipped. If people with several attempts fill the batch, a
    larger one is read."""
    gap = func.abs(Attempt.prediction - truth)
    no_prediction = case((Attempt.prediction.is_(None), 1), else_=0)
    query = (select(Attempt.id, Attempt.account_id, Attempt.registration_id, Attempt.score,
                    gap.label("gap"), no_prediction.label("no_prediction"),
                    Attempt.duration_seconds, Attempt.finished_at)
             .where(*counting.competing(contest.id, start, end, bulk=True))
             .order_by(*counting.order_terms(truth)))
    prior = _prior_winners(contest, round_)
    if prior is not None:
        query = query.where(Attempt.account_id.not_in(prior))
    invalid = exclusion.excluded_attempt_ids(contest.id)  # reviewed as invalid, left out
    if invalid:
        query = query.where(Attempt.id.not_in(invalid))
    batch = limit * 4
    while True:
        fetched = db.session.execute(query.limit(batch)).mappings().all()
        best: dict[int, dict] = {}
        for row in fetched:
            best.setdefault(row["account_id"], row)
            if len(best) == limit:
                break
        if len(best) == limit or len(fetched) < batch:
            break
        batch *= 4
    units = dict(db.session.execute(select(Registration.id, Registration.unit_id).where(
        Registration.id.in_([row["registration_id"] for row in best.values()]))).all())
    rows, above = [], None
    for row in best.values():
        rows.append({"account_id": row["account_id"], "attempt_id": row["id"],
                     "unit_id": units[row["registration_id"]], "score": row["score"],
                     "prediction_gap": row["gap"], "duration_seconds": row["duration_seconds"],
                     "finished_at": row["finished_at"],
                     "decided_by": _individual_decider(above, row) if above else ""})
        above = row
    return rows


def _individual_decider(above, row) -> str:
    if above["score"] != row["score"]:
        return BY_SCORE
    if (above["no_prediction"], above["gap"]) != (row["no_prediction"], row["gap"]):
        return BY_PREDICTION
    if above["duration_seconds"] != row["duration_seconds"]:
        return BY_TIME
    if above["finished_at"] != row["finished_at"]:
        return BY_SUBMISSION
    return BY_RECORDING


def _unit_rows(contest: Contest, as_of: dt.datetime) -> list[dict]:
    figures = stats.city_figures(contest.id, as_of).by_unit
    names = {unit_id: name for unit_id, name in db.session.execute(select(Unit.id, Unit.name))}

    def key(unit_id):
        f = figures[unit_id]
        return (f.coverage is None, -(f.coverage or 0), -f.finished, sort_key(names[unit_id]))

    rows, above = [], None
    for unit_id in sorted(figures, key=key):
        f = figures[unit_id]
        decided = ""
        if above is not None:
            decided = (BY_COVERAGE if above.coverage != f.coverage else
                       BY_FINISHED if above.finished != f.finished else BY_NAME)
        rows.append({"unit_id": unit_id, "finished_count": f.finished,
                     "coverage": f.coverage, "decided_by": decided})
        above = f
    return rows


def _store(run: RankingRun, rows: list[dict], prizes: dict[str, int]) -> None:
    levels = [label for key, label in PRIZE_LEVELS for _ in range(prizes.get(key, 0))]
    for place, row in enumerate(rows, start=1):
        eligible = run.kind == "individual" or (
            row["finished_count"] > 0 and row["coverage"] is not None)
        prize = levels[place - 1] if eligible and place <= len(levels) else None
        db.session.add(RankingEntry(run_id=run.id, place=place, prize=prize, **row))
    db.session.flush()


def publish(run: RankingRun, actor_id: int, now: dt.datetime) -> RankingRun | None:
    """Publish a draft; the ranking it replaces (if any) is superseded. Returns that one."""
    if run.superseded_at is not None:
        raise RankingError("Bảng này đã được thay bằng một lần tính sau; không công bố được.")
    if run.published_at is not None:
        raise RankingError("Bảng này đã được công bố.")
    if run.computed_at < run.window_end:
        raise RankingError(
            f"Bảng này được tính trước khi thời gian xét giải kết thúc "
            f"({moment_phrase(run.window_end)}): xin tính lại sau thời điểm đó rồi công bố.")
    from cdso.services.contest.coverage_prizes import units_without_population
    missing = units_without_population(run)
    if missing:
        names = ", ".join(entry.unit.name for entry in missing[:10])
        more = f" và {len(missing) - 10} đơn vị khác" if len(missing) > 10 else ""
        raise RankingError(
            f"Chưa công bố được: {len(missing)} đơn vị chưa có dân số trưởng thành nên không "
            f"xét được giải theo tỷ lệ bao phủ ({names}{more}). Xin nhập dân số rồi tính lại, "
            "hoặc ghi lý do loại từng đơn vị khỏi xét giải.")
    replaced = current_published(run.contest_id, run.round_id, run.kind)
    if replaced is not None:
        replaced.superseded_at = now
    run.published_at = now
    run.published_by_id = actor_id
    db.session.add(AuditLog(at=now, actor_id=actor_id, action="ranking.publish",
                            target_type="ranking_run", target_id=run.id,
                            detail={"supersedes": replaced.id if replaced else None}))
    db.session.flush()
    return replaced


def published_runs(contest_id: int) -> list[RankingRun]:
    """The rankings in force: the whole contest first, then rounds in order; people
    before units."""
    runs = db.session.scalars(select(RankingRun).outerjoin(Round).where(
        RankingRun.contest_id == contest_id, RankingRun.published_at.is_not(None),
        RankingRun.superseded_at.is_(None))).all()
    return sorted(runs, key=lambda r: (r.round is not None,
                                       r.round.starts_at if r.round else r.window_start,
                                       r.kind != "individual"))


@dataclass
class OrganisationPlace:
    place: int
    name: str
    registered: int
    finished: int
    share: float | None
    decided_by: str


def organisation_ranking(contest_id: int, unit_id: int, as_of: dt.datetime
                         ) -> list[OrganisationPlace]:
    figures = stats.unit_figures_by(contest_id, unit_id, as_of, "organisation_id")
    names = {org_id: name for org_id, name in db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.unit_id == unit_id))}
    for org_id in names:
        figures.setdefault(org_id, stats.Figures())

    def share(f) -> float | None:
        return f.finished / f.registered if f.registered else None

    def key(org_id):
        f = figures[org_id]
        return (-f.finished, -(share(f) or 0), sort_key(names[org_id]))

    places, above = [], None
    for org_id in sorted((o for o in figures if o in names), key=key):
        f = figures[org_id]
        decided = ""
        if above is not None:
            decided = (BY_FINISHED if above.finished != f.finished else
                       "tỷ lệ hoàn thành" if share(above) != share(f) else "tên đơn vị")
        places.append(OrganisationPlace(len(places) + 1, names[org_id], f.registered,
                                        f.finished, share(f), decided))
        above = f
    return places
