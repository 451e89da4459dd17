"""Official documents (công văn, báo cáo): drafts and frozen issued copies."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db

class DocumentTemplate(db.Model):
    """The editable default texts of one kind of document (edited by the city administrator)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), unique=True)
    fields: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class Document(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)  # None: city
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | issued
    as_of: Mapped[dt.datetime]  # the moment the figures are taken at
    fields: Mapped[dict] = mapped_column(JSON)  # every editable text of the document
    figures: Mapped[dict | None] = mapped_column(JSON)  # snapshot frozen at issue
    created_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[dt.datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    issued_at: Mapped[dt.datetime | None]
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # the unfilled places confirmed as blank on purpose at issue (documents.blanks.Blank)
    blanks: Mapped[list | None] = mapped_column(JSON)

    unit = relationship("Unit")
    created_by = relationship("Account", foreign_keys=[created_by_id])
    issued_by = relationship("Account", foreign_keys=[issued_by_id])
