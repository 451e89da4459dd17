"""Answers by topic, kept on write in hourly and minute buckets like the figures
(cdso.services.figures.stats) and read as of a moment the same way: the hours before the
moment's hour, the minutes of its hour before its minute, and its own minute counted from
the answers themselves. An answer counts when its attempt is recorded as finished.

A cell (unit or organisation × topic) holds the graded answers, the correct ones and its
people: each person once, on their first finished online attempt (every attempt draws
every topic with a quota, so those are the people who answered the topic). Paper results
carry no answers and count in no topic.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, case, distinct, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from cdso.extensions import db
from cdso.models import (Attempt, AttemptQuestion, AttemptStatus, ChoiceStat, ItemStat,
                         Question, Registration, TopicBucket, TopicMinute)
from cdso.services.figures.stats import hour_of, minute_of


@dataclass
class Cell:
    answered: int = 0
    correct: int = 0
    people: int = 0

    @property
    def rate(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    def add(self, other: Cell) -> None:
        self.answered += other.answered
        self.correct += other.correct
        self.people += other.people


def _upsert(table, keys: list[str], rows: list[dict], counts: list[str]) -> None:
    """One multi-row INSERT … ON CONFLICT adding `counts` (no read, no lost update)."""
    if not rows:
        return
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in counts})
    db.session.execute(statement)


def _is_first_online(attempt: Attempt) -> bool:
    return not db.session.scalar(select(exists().where(
        Attempt.registration_id == attempt.registration_id, Attempt.id != attempt.id,
        Attempt.status == AttemptStatus.FINISHED.value, Attempt.source == "online")))


def record_attempt(registration: Registration, attempt: Attempt,
                   recorded_at: dt.datetime) -> None:
    """Count a just-graded online attempt's answers by topic and by question version."""
    if attempt.source != "online":
        return
    answers = db.session.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.chosen_choice_id,
               AttemptQuestion.is_correct, Question.topic_id)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id == attempt.id)).all()
    if not answers:
        return
    score = sum(1 for a in answers if a.is_correct)
    topics: dict[int, Counter] = {}
    for answer in answers:
        slot = topics.setdefault(answer.topic_id, Counter())
        slot["answered"] += 1
        slot["correct"] += 1 if answer.is_correct else 0
    people = 1 if _is_first_online(attempt) else 0
    base = dict(contest_id=attempt.contest_id, unit_id=registration.unit_id,
                organisation_id=registration.organisation_id or 0)
    for model, column, start in ((TopicBucket, "hour", hour_of(recorded_at)),
                                 (TopicMinute, "minute", minute_of(recorded_at))):
        rows = [{**base, column: start, "topic_id": topic_id, "answered": c["answered"],
                 "correct": c["correct"], "people": people}
                for topic_id, c in sorted(topics.items())]
        _upsert(model.__table__, ["contest_id", column, "unit_id", "organisation_id",
                                  "topic_id"], rows, ["answered", "correct", "people"])
    items, choices = [], Counter()
    for answer in answers:
        x = 1 if answer.is_correct else 0
        rest = score - x
        items.append({"contest_id": attempt.contest_id, "question_id": answer.question_id,
                      "answered": 1, "correct": x, "sum_rest": rest, "sum_rest2": rest * rest,
                      "sum_x_rest": x * rest})
        choices[(answer.question_id, answer.chosen_choice_id or 0)] += 1
    items.sort(key=lambda r: r["question_id"])
    _upsert(ItemStat.__table__, ["contest_id", "question_id"], items,
            ["answered", "correct", "sum_rest", "sum_rest2", "sum_x_rest"])
    _upsert(ChoiceStat.__table__, ["contest_id", "question_id", "choice_id"],
            [{"contest_id": attempt.contest_id, "question_id": q, "choice_id": c, "chosen": n}
             for (q, c), n in sorted(choices.items())], ["chosen"])


# --- reading as of a moment ----------------------------------------------------------

def bucket_sums(model, column: str, contest_id: int, start, end, dims: tuple[str, ...],
          unit_id: int | None) -> dict:
    moment = getattr(model, column)
    query = select(*(getattr(model, d) for d in dims), func.sum(model.answered),
                   func.sum(model.correct), func.sum(model.people)
                   ).where(model.contest_id == contest_id, moment < end)
    if start is not None:
        query = query.where(moment >= start)
    if unit_id is not None:
        query = query.where(model.unit_id == unit_id)
    query = query.group_by(*(getattr(model, d) for d in dims))
    return {tuple(row[:-3]): Cell(*(int(c or 0) for c in row[-3:]))
            for row in db.session.execute(query)}


def _first_online():
    """SQL: the attempt is its person's first finished online attempt."""
    earlier = aliased(Attempt)
    return ~exists().where(
        earlier.registration_id == Attempt.registration_id,
        earlier.status == AttemptStatus.FINISHED.value, earlier.source == "online",
        or_(earlier.recorded_at < Attempt.recorded_at,
            and_(earlier.recorded_at == Attempt.recorded_at, earlier.id < Attempt.id)))


def source_sums(contest_id: int, start: dt.datetime, end: dt.datetime,
                 dims: tuple[str, ...], unit_id: int | None) -> dict:
    """The answers of the attempts recorded in [start, end), from the source tables."""
    columns = {"unit_id": Registration.unit_id,
               "organisation_id": func.coalesce(Registration.organisation_id, 0),
               "topic_id": Question.topic_id}
    keys = [columns[d] for d in dims]
    query = _answers_query(contest_id, *keys).where(Attempt.recorded_at >= start,
                                                     Attempt.recorded_at < end)
    if unit_id is not None:
        query = query.where(Registration.unit_id == unit_id)
    if "topic_id" not in dims:
        raise ValueError("topic sums are always by topic")
    return {tuple(row[:-3]): Cell(*(int(c or 0) for c in row[-3:]))
            for row in db.session.execute(query.group_by(*keys))}


def cells_by(contest_id: int, as_of: dt.datetime, dims: tuple[str, ...] = ("unit_id", "topic_id"),
             unit_id: int | None = None, since: dt.datetime | None = None) -> dict:
    """{(dim values…): Cell} as of a moment; `since` (an hour start) keeps only what was
    recorded from then on."""
    hour, minute = hour_of(as_of), minute_of(as_of)
    result = bucket_sums(TopicBucket, "hour", contest_id, since, hour, dims, unit_id)

    def add(more: dict) -> None:
        for key, cell in more.items():
            result.setdefault(key, Cell()).add(cell)

    if minute > hour:
        add(bucket_sums(TopicMinute, "minute", contest_id, hour, minute, dims, unit_id))
    if as_of > minute:
        add(source_sums(contest_id, minute, as_of, dims, unit_id))
    return result


# --- rebuilding from the answers -------------------------------------------------------

def rebuild(contest_id: int) -> None:
    """Recount the topic buckets and item statistics of a contest from the answers (after a
    bulk load, after this feature's migration, or to repair)."""
    from cdso.services.figures.stats import _truncated
    for model, column in ((TopicBucket, "hour"), (TopicMinute, "minute")):
        db.session.execute(model.__table__.delete().where(model.contest_id == contest_id))
        start = _truncated(Attempt.recorded_at, column)
        rows = []
        keys = (start, Registration.unit_id, func.coalesce(Registration.organisation_id, 0),
                Question.topic_id)
        for moment, unit_id, org_id, topic_id, answered, correct, people in db.session.execute(
                _answers_query(contest_id, *keys).group_by(*keys)):
            if isinstance(moment, str):
                moment = dt.datetime.fromisoformat(moment)
            rows.append({"contest_id": contest_id, column: moment, "unit_id": unit_id,
                         "organisation_id": org_id, "topic_id": topic_id,
                         "answered": answered, "correct": int(correct or 0), "people": people})
        if rows:
            db.session.execute(model.__table__.insert(), rows)
    _rebuild_items(contest_id)
    db.session.flush()


def _answers_query(contest_id: int, *keys):
    """SQL: `keys`, then the answers, the correct ones and the people answering for the
    first time, over the finished online attempts of a contest (group and filter after)."""
    first = case((_first_online(), Attempt.id))
    return (select(*keys, func.count(),
                   func.sum(case((AttemptQuestion.is_correct, 1), else_=0)),
                   func.count(distinct(first)))
            .select_from(AttemptQuestion)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .join(Registration, Registration.id == Attempt.registration_id)
            .join(Question, Question.id == AttemptQuestion.question_id)
            .where(Attempt.contest_id == contest_id, Attempt.source == "online",
                   Attempt.status == AttemptStatus.FINISHED.value))


def _rebuild_items(contest_id: int) -> None:
    for model in (ItemStat, ChoiceStat):
        db.session.execute(model.__table__.delete().where(model.contest_id == contest_id))
    x = case((AttemptQuestion.is_correct, 1), else_=0)
    rest = Attempt.score - x
    finished = [Attempt.contest_id == contest_id, Attempt.source == "online",
                Attempt.status == AttemptStatus.FINISHED.value]
    items = db.session.execute(
        select(AttemptQuestion.question_id, func.count(), func.sum(x), func.sum(rest),
               func.sum(rest * rest), func.sum(x * rest))
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(*finished)
        .group_by(AttemptQuestion.question_id)).all()
    if items:
        db.session.execute(ItemStat.__table__.insert(), [
            {"contest_id": contest_id, "question_id": q, "answered": n, "correct": int(c or 0),
             "sum_rest": int(s or 0), "sum_rest2": int(s2 or 0), "sum_x_rest": int(sx or 0)}
            for q, n, c, s, s2, sx in items])
    choice = func.coalesce(AttemptQuestion.chosen_choice_id, 0)
    chosen = db.session.execute(
        select(AttemptQuestion.question_id, choice, func.count())
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(*finished)
        .group_by(AttemptQuestion.question_id, choice)).all()
    if chosen:
        db.session.execute(ChoiceStat.__table__.insert(), [
            {"contest_id": contest_id, "question_id": q, "choice_id": c, "chosen": n}
            for q, c, n in chosen])

