"""A background job: an uploaded table on its way in (checked, staged at the preview,
applied), a batch of login slips, or a batch of documents.

The upload itself is kept here between the preview and the confirmation (any app node or
worker can read it), with the job's state, so a page left and opened again, or a worker
that died, still tells the truth. A file the job made (slips PDF, ZIP of documents) is
kept in `output` for a day so it can be downloaded again."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from cdso.extensions import db


class ImportJob(db.Model):
    __table_args__ = (Index("ix_import_job_kind_sha256", "kind", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # imports: members | results | questions; others: slips | documents
    kind: Mapped[str] = mapped_column(String(20))
    # [checking ->] preview -> queued -> running -> done | failed | cancelled
    # ("checking": a large upload's check runs as a job before its preview)
    status: Mapped[str] = mapped_column(String(12), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once the job ends
    params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    queued_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)  # the outcome, for a person
    result: Mapped[dict | None] = mapped_column(JSON)  # batch id, counts, row errors
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    output: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # the file, a day
    output_name: Mapped[str | None] = mapped_column(String(200))

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
