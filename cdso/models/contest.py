"""A contest edition, its rounds and its topic quotas: settings are data."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db

PREDICTION_RULES = {
    "registered_at_close": "Số thí sinh đăng ký tại thời điểm kết thúc",
    "finished_at_close": "Số thí sinh hoàn thành bài thi tại thời điểm kết thúc",
    "attempts_at_close": "Số lượt thi tại thời điểm kết thúc",
}
CERTIFICATE_KINDS = {
    "participation": "Chứng nhận tham gia (mọi bài thi đã nộp)",
    "achievement": "Chứng nhận đạt (điểm từ mức đạt trở lên)",
}


class Contest(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))  # "Sở Khoa học và Công nghệ"
    parent_agency: Mapped[str] = mapped_column(String(200))  # "UBND thành phố Hải Phòng"
    opens_at: Mapped[dt.datetime]  # naive UTC
    closes_at: Mapped[dt.datetime]
    is_current: Mapped[bool] = mapped_column(default=False)
    questions_per_attempt: Mapped[int] = mapped_column(default=20)
    time_limit_minutes: Mapped[int] = mapped_column(default=20)
    attempts_allowed: Mapped[int] = mapped_column(default=3)
    pass_mark: Mapped[int] = mapped_column(default=16)  # correct answers needed to pass
    min_age: Mapped[int] = mapped_column(default=6)
    max_age: Mapped[int] = mapped_column(default=100)
    cccd_required: Mapped[bool] = mapped_column(default=False)
    prediction_question: Mapped[str] = mapped_column(Text)
    prediction_rule: Mapped[str] = mapped_column(String(30), default="registered_at_close")
    certificate_kind: Mapped[str] = mapped_column(String(20), default="participation")
    rules_text: Mapped[str] = mapped_column(Text)
    # Prizes across rankings (stated on /the-le).
    weekly_winner_may_win_final: Mapped[bool] = mapped_column(default=True,
                                                               server_default=true())
    one_weekly_prize_per_person: Mapped[bool] = mapped_column(default=True,
                                                              server_default=true())
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="")
    signer_name: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[dt.datetime]
    # Integrity thresholds (name -> number; missing names take the defaults of
    # services.integrity.settings) and whether attempts reviewed as invalid are left out.
    integrity_settings: Mapped[dict | None] = mapped_column(JSON)
    exclude_invalid: Mapped[bool] = mapped_column(default=False, server_default=false())

    rounds: Mapped[list[Round]] = relationship(back_populates="contest", order_by="Round.starts_at")
    quotas: Mapped[list[TopicQuota]] = relationship(back_populates="contest")

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @property
    def prediction_rule_label(self) -> str:
        """How the true answer of the prediction question is computed, in Vietnamese."""
        return PREDICTION_RULES.get(self.prediction_rule, "")


class Round(db.Model):
    """A window of the contest with its own ranking (e.g. one week)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]

    contest: Mapped[Contest] = relationship(back_populates="rounds")


class TopicQuota(db.Model):
    """How many questions of a topic each attempt draws."""

    __table_args__ = (UniqueConstraint("contest_id", "topic_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    count: Mapped[int]

    contest: Mapped[Contest] = relationship(back_populates="quotas")
    topic = relationship("Topic")
