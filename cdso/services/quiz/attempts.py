"""The quiz: drawing an attempt, saving answers, finishing and grading, sweeping.

The server's clock rules: an attempt's deadline is fixed when it starts (never after the
contest closes); answers are taken until the deadline plus GRACE (latency), and an
attempt past that is finished with the answers saved before it.

Concurrency, so that one attempt always has one score, counted once:
- start: the unique (registration, number) makes two concurrent starts one attempt;
- save (answering.py): one UPDATE of the answered row, guarded by the attempt being open
  and the row not graded yet; a finish grades every row, so a save in flight either
  commits first (and is graded) or sees the row graded and writes nothing;
- prediction: reads the attempt row FOR SHARE (PostgreSQL), so a finish waits for it;
- finish: a conditional UPDATE ... WHERE status = 'open': only one caller grades it.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from sqlalchemy import bindparam, case, false, func, insert, select
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.formatting import clock, datetime_short, utcnow
from cdso.models import (Account, Attempt, AttemptQuestion, AttemptStatus, Choice, Contest,
                         Registration)
from cdso.services.figures import stats, topics
from cdso.services.quiz.draw import draw_questions

GRACE = dt.timedelta(seconds=10)
SEQ_STEP = 1000  # a page's answer order keys: its base, then one more for each tap on it
MAX_PREDICTION = 100_000_000
OPEN, FINISHED = AttemptStatus.OPEN.value, AttemptStatus.FINISHED.value
FINISHED_MESSAGE = "Bài thi này đã nộp, không thể sửa câu trả lời nữa."
STALE_PREDICTION_MESSAGE = ("Dự đoán vừa được lưu bằng một lần gửi sau, nên lần gửi này không "
                            "thay đổi gì. Con số đang được lưu hiện ở dưới đây.")
STALE_MESSAGE = ("Câu này vừa được trả lời bằng một lần chọn sau, nên lần gửi này không thay "
                 "đổi gì. Phương án đang được lưu là phương án đã đánh dấu dưới đây.")


class QuizRefused(Exception):
    """Something the rules refuse; the message is for the participant."""


class AttemptNotFound(LookupError):
    """No such attempt for this account (a forged or someone else's id): answer 404."""


class QuestionNotInAttempt(AttemptNotFound):
    """The participant's own attempt has no question at that position."""


class AttemptFinished(QuizRefused):
    pass


class AttemptExpired(QuizRefused):
    pass


class InvalidAnswer(QuizRefused):
    pass


class StaleAnswer(QuizRefused):
    """An earlier tap arriving after a later one was saved: it changes nothing."""


class StartRaced(QuizRefused):
    """Another request started this attempt and this transaction cannot see it yet:
    roll back and start again (the new transaction sees it and resumes it)."""


@dataclass
class Slot:
    position: int
    row_id: int
    question_id: int
    choice_ids: list[int]
    chosen: int | None
    seq: int = 0  # the order key of the saved answer

    @property
    def next_seq(self) -> int:
        """The base key of a page showing this question: above every key saved so far."""
        return page_seq(self.seq)


def page_seq(saved: int) -> int:
    """The base order key of a page showing a value saved with key `saved`."""
    return (saved // SEQ_STEP + 1) * SEQ_STEP


def _write_seq(sent: int | None, saved_seq: int, value, saved_value, stale: str) -> int | None:
    """The order key to write `value` with, or None when there is nothing to write (the
    saved value again, from this page or a late one). A late, earlier send that would
    change the saved value raises StaleAnswer. No key sent counts as the page's base; a
    key is never taken above what a page showing the saved value could send."""
    base = page_seq(saved_seq)
    seq = base if sent is None else min(max(sent, 0), base + SEQ_STEP - 1)
    if seq < saved_seq:
        if value == saved_value:
            return None
        raise StaleAnswer(stale)
    if value == saved_value and seq == saved_seq:
        return None
    return seq


def _refusal(attempt_id: int, stale: str) -> QuizRefused:
    """Why a conditional write changed no row: the attempt was finished meanwhile, or a
    later send was saved first."""
    status = db.session.scalar(select(Attempt.status).where(Attempt.id == attempt_id))
    return StaleAnswer(stale) if status == OPEN else AttemptFinished(FINISHED_MESSAGE)


@dataclass
class Sheet:
    """An attempt as the participant works on it: no answer key in here."""

    attempt_id: int
    contest_id: int
    number: int
    status: str
    started_at: dt.datetime
    deadline: dt.datetime
    prediction: int | None
    prediction_seq: int = 0  # the order key of the saved prediction (see save_answer)
    slots: list[Slot] = field(default_factory=list)

    @property
    def next_prediction_seq(self) -> int:
        return page_seq(self.prediction_seq)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def count(self) -> int:
        return len(self.slots)

    def slot(self, position: int) -> Slot | None:
        return self.slots[position - 1] if 1 <= position <= len(self.slots) else None

    @property
    def unanswered(self) -> list[int]:
        return [s.position for s in self.slots if s.chosen is None]

    def first_unanswered(self) -> int | None:
        return next(iter(self.unanswered), None)

    def expired(self, now: dt.datetime) -> bool:
        return now > self.deadline + GRACE


_AQ = AttemptQuestion
# Built once: constructing a statement costs more CPU than running it (the answer step).
_SHEET = (select(Attempt.account_id, Attempt.contest_id, Attempt.number, Attempt.status,
                 Attempt.started_at, Attempt.deadline, Attempt.prediction,
                 Attempt.prediction_seq, _AQ.position,
                 _AQ.id, _AQ.question_id, _AQ.choice_order, _AQ.chosen_choice_id,
                 _AQ.answer_seq)
          .join(_AQ, _AQ.attempt_id == Attempt.id).where(Attempt.id == bindparam("attempt_id"))
          .order_by(_AQ.position))
_SHEET_LOCKED = _SHEET.with_for_update(read=True, of=Attempt)


def load_sheet(attempt_id: int, account_id: int, *, lock: bool = False) -> Sheet:
    """The attempt and its drawn questions in one query; `lock` holds the attempt row
    FOR SHARE until the transaction ends (for writes that must not race a finish)."""
    rows = db.session.execute(_SHEET_LOCKED if lock else _SHEET,
                              {"attempt_id": attempt_id}).all()
    if not rows or rows[0][0] != account_id:
        raise AttemptNotFound(attempt_id)
    return sheet_of(attempt_id, rows)


def sheet_of(attempt_id: int, rows) -> Sheet:
    """The Sheet of rows laid out as _SHEET's first 14 columns (further ones ignored),
    read by position: a name lookup on each of 20 rows cost a tenth of an answer step."""
    first = rows[0]
    return Sheet(attempt_id, *first[1:8],
                 [Slot(r[8], r[9], r[10], [int(x) for x in r[11].split(",")], r[12], r[13])
                  for r in rows])


def _check_writable(sheet: Sheet, now: dt.datetime) -> None:
    if not sheet.is_open:
        raise AttemptFinished(FINISHED_MESSAGE)
    if sheet.expired(now):
        raise AttemptExpired(
            f"Đã hết giờ làm bài lúc {clock(sheet.deadline)}. Câu trả lời vừa gửi đến sau giờ "
            "đó nên không được tính; bài thi đã được nộp với các câu trả lời đã lưu trước đó.")


# --- starting -----------------------------------------------------------------------------

def open_attempt(registration_id: int) -> Attempt | None:
    return db.session.scalars(select(Attempt).where(
        Attempt.registration_id == registration_id, Attempt.status == OPEN)
        .order_by(Attempt.number.desc())).first()


def attempts_used(registration_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.max(Attempt.number), 0)).where(
        Attempt.registration_id == registration_id))


def start_attempt(contest: Contest, registration: Registration, *, now: dt.datetime | None = None,
                  assisted_by: Account | None = None, rng: random.Random | None = None) -> Attempt:
    """The participant's open attempt, or a new one drawn now. Flushes, never commits."""
    now = now or utcnow()
    if now < contest.opens_at:
        raise QuizRefused(f"Cuộc thi bắt đầu lúc {datetime_short(contest.opens_at)}. "
                          "Xin quay lại khi Cuộc thi mở.")
    if now >= contest.closes_at:
        raise QuizRefused(f"Cuộc thi đã kết thúc lúc {datetime_short(contest.closes_at)}.")
    # One statement, one snapshot: the open attempt and the numbers used are seen together,
    # so a start that commits meanwhile is either seen here or collides on the number.
    used, open_id = db.session.execute(
        select(func.coalesce(func.max(Attempt.number), 0),
               func.max(case((Attempt.status == OPEN, Attempt.id))))
        .where(Attempt.registration_id == registration.id)).one()
    if open_id is not None:
        current = db.session.get(Attempt, open_id)
        if now <= current.deadline + GRACE:
            return current
        finish_attempt(current.id, now, by="deadline")
    if used >= contest.attempts_allowed:
        raise QuizRefused(f"Bạn đã dùng hết {contest.attempts_allowed} lượt thi của Cuộc thi.")
    drawn = draw_questions(contest, rng or random.SystemRandom())
    if not drawn:
        raise QuizRefused("Ngân hàng câu hỏi chưa sẵn sàng. Xin thử lại sau.")
    attempt = Attempt(
        contest_id=contest.id, registration_id=registration.id,
        account_id=registration.account_id, number=used + 1, status=OPEN, started_at=now,
        deadline=min(now + dt.timedelta(minutes=contest.time_limit_minutes), contest.closes_at),
        question_count=len(drawn), assisted_by_id=assisted_by.id if assisted_by else None)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            db.session.execute(insert(AttemptQuestion), [
                dict(attempt_id=attempt.id, position=index, question_id=question_id,
                     choice_order=",".join(str(c) for c in choice_ids))
                for index, (question_id, choice_ids) in enumerate(drawn, start=1)])
    except IntegrityError:  # another request started this attempt number a moment ago
        current = open_attempt(registration.id)
        if current is not None:
            return current
        raise StartRaced("Bạn vừa bắt đầu một lượt thi ở nơi khác. Xin tải lại trang.") from None
    return attempt


# --- answering ----------------------------------------------------------------------------

# save_answer, the hot path, is in cdso/services/quiz/answering.py (one statement).

def parse_prediction(raw: str) -> int | None:
    """"84.360", "84 360", "84360" -> 84360; empty -> None."""
    value = re.sub(r"[\s.,]", "", raw or "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidAnswer("Xin nhập dự đoán là một số nguyên, ví dụ 85.000.")
    number = int(value)
    if number > MAX_PREDICTION:
        raise InvalidAnswer("Con số dự đoán lớn quá mức có thể. Xin kiểm tra lại.")
    return number


_SAVE_PREDICTION = Attempt.__table__.update().where(
    Attempt.__table__.c.id == bindparam("the_attempt"), Attempt.__table__.c.status == OPEN,
    Attempt.__table__.c.prediction_seq <= bindparam("new_seq")
).values(prediction=bindparam("new_value"), prediction_seq=bindparam("new_seq"))


def save_prediction(attempt_id: int, account_id: int, raw: str, now: dt.datetime,
                    seq: int | None = None) -> Sheet:
    """Save the prediction; `seq` orders the sends as in save_answer, so a late, earlier
    send never overwrites the number the resident last saw saved."""
    sheet = load_sheet(attempt_id, account_id, lock=True)
    _check_writable(sheet, now)
    value = parse_prediction(raw)
    if value is None:
        return sheet
    seq = _write_seq(seq, sheet.prediction_seq, value, sheet.prediction,
                     STALE_PREDICTION_MESSAGE)
    if seq is None:
        return sheet
    written = db.session.execute(_SAVE_PREDICTION, dict(the_attempt=attempt_id, new_seq=seq,
                                                        new_value=value))
    if written.rowcount != 1:
        raise _refusal(attempt_id, STALE_PREDICTION_MESSAGE)
    sheet.prediction, sheet.prediction_seq = value, seq
    return sheet


# --- finishing ----------------------------------------------------------------------------

def _answer_pattern(attempt_id: int) -> str:
    """The chosen answers by their shown place: "ABDC-A…" ("-" unanswered)."""
    rows = db.session.execute(select(AttemptQuestion.choice_order, AttemptQuestion.chosen_choice_id)
                              .where(AttemptQuestion.attempt_id == attempt_id)
                              .order_by(AttemptQuestion.position)).all()
    letters = []
    for order, chosen in rows:
        shown = order.split(",")
        letters.append("ABCDEFGH"[shown.index(str(chosen))]
                       if chosen is not None and str(chosen) in shown else "-")
    return "".join(letters)[:100]


def finish_attempt(attempt_id: int, now: dt.datetime, *, by: str = "participant") -> bool:
    """Finish and grade an open attempt, and count it in the figures; True when this call
    did it, False when it was already finished (a second click, a second tab)."""
    row = db.session.execute(select(Attempt.started_at, Attempt.deadline, Attempt.registration_id)
                             .where(Attempt.id == attempt_id)).one_or_none()
    if row is None:
        return False
    finished_at = min(now, row.deadline)
    attempts, answers = Attempt.__table__, AttemptQuestion.__table__
    changed = db.session.execute(
        attempts.update().where(attempts.c.id == attempt_id, attempts.c.status == OPEN).values(
            status=FINISHED, finished_at=finished_at, recorded_at=now, finished_by=by,
            duration_seconds=max(0, int((finished_at - row.started_at).total_seconds())))
    ).rowcount
    if changed != 1:
        return False
    correct = select(Choice.is_correct).where(
        Choice.id == answers.c.chosen_choice_id).scalar_subquery()
    db.session.execute(answers.update().where(answers.c.attempt_id == attempt_id)
                       .values(is_correct=func.coalesce(correct, false())))
    score = db.session.scalar(select(func.count()).select_from(answers).where(
        answers.c.attempt_id == attempt_id, answers.c.is_correct.is_(True)))
    db.session.execute(attempts.update().where(attempts.c.id == attempt_id).values(
        score=score, answer_pattern=_answer_pattern(attempt_id)))
    attempt = db.session.get(Attempt, attempt_id, populate_existing=True)
    registration = db.session.get(Registration, row.registration_id)
    stats.record_finished_attempt(registration, attempt, recorded_at=now)
    topics.record_attempt(registration, attempt, recorded_at=now)
    return True


def sweep_expired(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Finish every open attempt past its deadline (and the grace); returns how many."""
    now = now or utcnow()
    done = 0
    while True:
        ids = list(db.session.scalars(select(Attempt.id).where(
            Attempt.status == OPEN, Attempt.deadline < now - GRACE)
            .order_by(Attempt.deadline).limit(batch)))
        progress = sum(finish_attempt(attempt_id, now, by="sweep") for attempt_id in ids)
        done += progress
        if len(ids) < batch or not progress:
            return done


def finish_expired_of(account_id: int, now: dt.datetime) -> list[int]:
    """Finish this person's attempts that ran out of time (on their next request);
    returns the numbers of the attempts it finished."""
    expired = db.session.execute(select(Attempt.id, Attempt.number).where(
        Attempt.account_id == account_id, Attempt.status == OPEN,
        Attempt.deadline < now - GRACE)).all()
    return [number for attempt_id, number in expired
            if finish_attempt(attempt_id, now, by="deadline")]


from cdso.services.quiz.answering import SessionEnded, save_answer  # noqa: E402,F401
