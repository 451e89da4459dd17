"""The question bank. Questions are immutable once created: an edit is a new version."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db


class QuestionStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    SUPERSEDED = "superseded"  # replaced by a newer version


DIFFICULTY_LABELS = {1: "Dễ", 2: "Trung bình", 3: "Khó"}


class Topic(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Question(db.Model):
    __table_args__ = (Index("ix_question_topic_status", "topic_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(64), index=True)  # hash of folded text
    explanation: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default=QuestionStatus.ACTIVE.value)
    root_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))  # first version
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    topic: Mapped[Topic] = relationship()
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position"
    )

    @property
    def correct_choice(self) -> Choice:
        return next(c for c in self.choices if c.is_correct)


class Choice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(300))
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")
