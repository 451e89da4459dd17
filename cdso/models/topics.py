"""Answers counted on write by topic (kept in hourly and minute buckets like the figures),
and by question version (item statistics for the bank's editors)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cdso.extensions import db
from cdso.models.figures import bucket_keys

TOPIC_COUNTS = ["answered", "correct", "people"]


class _TopicCounts:
    """Per contest, unit, organisation (0 = none) and topic: the graded answers of
    finished attempts, the correct ones, and the people counted in the topic (each
    person once, on their first finished online attempt)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    organisation_id: Mapped[int] = mapped_column(default=0)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    answered: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)


class TopicBucket(_TopicCounts, db.Model):
    """The topic counts recorded in one hour."""

    __table_args__ = bucket_keys("hour", "topic_id", TOPIC_COUNTS, unique="uq_topic_bucket_key",
                                 by_unit="ix_topic_bucket_unit", by_city="ix_topic_bucket_hour",
                                 city_has_organisation=False)

    hour: Mapped[dt.datetime]  # start of the hour, naive UTC


class TopicMinute(_TopicCounts, db.Model):
    """The topic counts recorded in one minute."""

    __table_args__ = bucket_keys("minute", "topic_id", TOPIC_COUNTS,
                                 unique="uq_topic_minute_key", by_unit="ix_topic_minute_unit",
                                 by_city="ix_topic_minute_city")

    minute: Mapped[dt.datetime]  # start of the minute, naive UTC


class ItemStat(db.Model):
    """One question version in one contest: answers, correct ones, and the sums that give
    the correlation of the item's score x with the rest of the attempt's score y."""

    __table_args__ = (UniqueConstraint("contest_id", "question_id", name="uq_item_stat_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    answered: Mapped[int] = mapped_column(default=0)  # drawn in a finished attempt
    correct: Mapped[int] = mapped_column(default=0)  # Σx
    sum_rest: Mapped[int] = mapped_column(BigInteger, default=0)  # Σy
    sum_rest2: Mapped[int] = mapped_column(BigInteger, default=0)  # Σy²
    sum_x_rest: Mapped[int] = mapped_column(BigInteger, default=0)  # Σxy


class ChoiceStat(db.Model):
    """How many finished attempts chose one option (choice_id 0: left unanswered)."""

    __table_args__ = (UniqueConstraint("contest_id", "question_id", "choice_id",
                                       name="uq_choice_stat_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    choice_id: Mapped[int] = mapped_column(default=0)
    chosen: Mapped[int] = mapped_column(default=0)
