"""Certificates: found by an unguessable code, revocable with a reason."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db


class Certificate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # normalised, no dashes
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # participation | achievement
    issued_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    attempt = relationship("Attempt")
    account = relationship("Account", foreign_keys=[account_id])
