"""Attempts and what each one drew, showed and was answered."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db


class AttemptStatus(enum.StrEnum):
    OPEN = "open"
    FINISHED = "finished"


class Attempt(db.Model):
    __table_args__ = (
        # The attempt number makes "attempts allowed" hold under concurrent starts.
        UniqueConstraint("registration_id", "number"),
        Index("ix_attempt_contest_finished", "contest_id", "finished_at"),
        Index("ix_attempt_contest_recorded", "contest_id", "recorded_at"),
        Index("ix_attempt_status_deadline", "status", "deadline"),
        # A paper row (its idempotency key) is imported once, even from two files at once.
        Index("ux_attempt_external_ref", "contest_id", "external_ref", unique=True,
              postgresql_where=text("external_ref IS NOT NULL"),
              sqlite_where=text("external_ref IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    number: Mapped[int]  # 1, 2, 3 … for this person
    status: Mapped[str] = mapped_column(String(10), default=AttemptStatus.OPEN.value)
    started_at: Mapped[dt.datetime]
    deadline: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    recorded_at: Mapped[dt.datetime | None]  # when the system counted it (= finished_at online)
    finished_by: Mapped[str | None] = mapped_column(String(12))  # participant|deadline|sweep|import
    question_count: Mapped[int]
    score: Mapped[int | None]
    duration_seconds: Mapped[int | None]
    prediction: Mapped[int | None]
    prediction_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    source: Mapped[str] = mapped_column(String(20), default="online")  # online | import
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    external_ref: Mapped[str | None] = mapped_column(String(64))  # idempotency key of an import row
    # The chosen answers by their shown place, "ABDC-A…" ("-" unanswered), written when an
    # online attempt is finished: identical patterns across accounts are a signal.
    answer_pattern: Mapped[str | None] = mapped_column(String(100))

    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position"
    )
    registration = relationship("Registration")
    account = relationship("Account", foreign_keys=[account_id])

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.OPEN.value


# The public individual ranking reads finished attempts in ranking order.
Index("ix_attempt_ranking", Attempt.contest_id, Attempt.score.desc(), Attempt.duration_seconds,
      Attempt.finished_at, postgresql_where=text("status = 'finished'"),
      sqlite_where=text("status = 'finished'"))


# Identical answer patterns across accounts (integrity signals).
Index("ix_attempt_pattern", Attempt.contest_id, Attempt.answer_pattern, Attempt.finished_at,
      postgresql_where=text("answer_pattern IS NOT NULL"),
      sqlite_where=text("answer_pattern IS NOT NULL"))


class AttemptQuestion(db.Model):
    """One drawn question of an attempt: the version shown, the choice order, the answer."""

    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))
    position: Mapped[int]  # 1-based
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    choice_order: Mapped[str] = mapped_column(String(100))  # "12,9,10,11": choice ids as shown
    chosen_choice_id: Mapped[int | None] = mapped_column(ForeignKey("choice.id"))
    answered_at: Mapped[dt.datetime | None]
    answer_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    is_correct: Mapped[bool | None]  # filled when the attempt is graded

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    question = relationship("Question")

    @property
    def choice_ids(self) -> list[int]:
        return [int(x) for x in self.choice_order.split(",")]
