"""Reviews of integrity signals (docs/integrity.md): what a city official concluded."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db

VERDICTS = {
    "reviewed": "Đã xem xét",
    "invalid": "Không hợp lệ",
}


class IntegrityReview(db.Model):
    """One signal as reviewed: the accounts and attempts it touched when it was reviewed.
    A signal that later touches more accounts is shown as not reviewed again."""

    __table_args__ = (UniqueConstraint("contest_id", "signal_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    signal_key: Mapped[str] = mapped_column(String(120))
    verdict: Mapped[str] = mapped_column(String(12))  # reviewed | invalid
    note: Mapped[str] = mapped_column(Text, default="")
    account_ids: Mapped[list] = mapped_column(JSON)
    attempt_ids: Mapped[list] = mapped_column(JSON)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewed_at: Mapped[dt.datetime]

    reviewed_by = relationship("Account")
