"""The one way an uploaded table comes in, for every import:

    read (with the upload guard) -> check the rows -> preview (errors as RowError)
    -> confirm with the one signed token -> apply all or nothing (a background job)
    -> audit (each kind's apply writes its AuditLog line).

`stage` keeps the upload in an `ImportJob` row at the preview; the confirmation form
carries only a signed token naming that row, for this account; `confirm` queues it once
(a second click, or a second tab, finds it already queued); `run` applies it in one
transaction that also marks the job done, so a worker that dies midway leaves nothing.

Each kind registers the function that checks and applies its rows (`register`); the
function raises `Rejected` with the row errors when the rows no longer pass."""
from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, ImportBatch, ImportJob
from cdso.services.imports.errors import RowError, TableError

log = logging.getLogger(__name__)
SALT = "cdso.import"
MAX_AGE = 6 * 3600  # a preview can be confirmed for 6 hours
ACTIVE = ("queued", "running")
NOTHING_WRITTEN = "Thất bại, chưa ghi gì."


class Rejected(Exception):
    """The rows do not pass (any more): nothing was written."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass
class Outcome:
    message: str  # what happened, for a person
    batch_id: int | None = None
    extra: dict = field(default_factory=dict)  # kind-specific figures kept with the job


Apply = Callable[[ImportJob, bytes], Outcome]
KINDS: dict[str, Apply] = {}


def register(kind: str, apply: Apply) -> None:
    KINDS[kind] = apply


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def previous_batch(kind: str, digest: str) -> ImportBatch | None:
    return db.session.scalar(select(ImportBatch).where(ImportBatch.kind == kind,
                                                       ImportBatch.sha256 == digest))


def stage(kind: str, filename: str, data: bytes, account: Account,
          params: dict | None = None) -> ImportJob:
    """Keep a checked upload until it is confirmed (flushes)."""
    job = ImportJob(kind=kind, status="preview", account_id=account.id,
                    unit_id=account.unit_id, filename=(filename or "")[-200:],
                    sha256=sha256(data), data=data, params=params or {},
                    created_at=utcnow(), done=0, total=0)
    db.session.add(job)
    db.session.flush()
    return job


def _serializer(secret: str):
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(secret, salt=SALT)


def token_for(job: ImportJob, secret: str) -> str:
    return _serializer(secret).dumps({"j": job.id, "a": job.account_id, "k": job.kind})


def open_token(token: str, account: Account, kind: str, secret: str) -> ImportJob:
    """The job a preview of this account staged in the last hours (raises TableError)."""
    from itsdangerous import BadData
    try:
        payload = _serializer(secret).loads(token or "", max_age=MAX_AGE)
        job = db.session.get(ImportJob, int(payload["j"]))
        if job is None or payload.get("a") != account.id or job.account_id != account.id \
                or job.kind != kind or payload.get("k") != kind:
            raise BadData("another account, kind or job")
        return job
    except (BadData, KeyError, TypeError, ValueError):
        raise TableError("Bản xem trước đã hết hạn hoặc không hợp lệ. "
                         "Xin tải tệp lên lại.") from None


def confirm(job: ImportJob) -> ImportJob:
    """Queue a staged job once. The same file confirmed again, from this preview or
    another one, gives the job already queued or running (the caller commits)."""
    same = db.session.scalar(select(ImportJob).where(
        ImportJob.kind == job.kind, ImportJob.sha256 == job.sha256,
        ImportJob.status.in_(ACTIVE), ImportJob.id != job.id).limit(1))
    if same is not None and job.status == "preview":
        return same
    claimed = db.session.execute(update(ImportJob).where(
        ImportJob.id == job.id, ImportJob.status == "preview").values(
        status="queued", queued_at=utcnow())).rowcount
    db.session.refresh(job)
    if claimed:
        log.info("import job %s queued (%s, %s)", job.id, job.kind, job.filename)
    return job


def cancel(job: ImportJob) -> bool:
    """Cancel a job that has not started applying (the caller commits)."""
    done = db.session.execute(update(ImportJob).where(
        ImportJob.id == job.id, ImportJob.status.in_(("preview", "queued"))).values(
        status="cancelled", finished_at=utcnow(), data=None,
        message="Đã huỷ, chưa ghi gì.")).rowcount
    db.session.refresh(job)
    return bool(done)


def _claim(job_id: int) -> bool:
    claimed = db.session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.status == "queued").values(
        status="running", started_at=utcnow())).rowcount
    db.session.commit()
    return bool(claimed)


def _fail(job_id: int, message: str, errors: list[RowError] | None = None) -> None:
    db.session.rollback()
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        status="failed", finished_at=utcnow(), data=None, message=message,
        result={"errors": [e.as_dict() for e in errors or []]}))
    db.session.commit()


def run(job_id: int) -> str:
    """Apply a queued job: everything and the job marked done in one commit, or nothing
    and the job marked failed. Returns the final status."""
    if not _claim(job_id):
        return "skipped"  # cancelled, or already taken by another worker
    job = db.session.get(ImportJob, job_id)
    try:
        outcome = KINDS[job.kind](job, job.data or b"")
        job.status, job.finished_at = "done", utcnow()
        job.message, job.batch_id, job.data = outcome.message, outcome.batch_id, None
        job.result = {"errors": [], **outcome.extra}
        db.session.commit()
    except Rejected as rejected:
        _fail(job_id, f"{NOTHING_WRITTEN} {rejected}", rejected.errors)
    except IntegrityError:
        _fail(job_id, f"{NOTHING_WRITTEN} Tệp này vừa được nhập ở một phiên khác, hoặc có "
                      "người trong tệp vừa đăng ký. Xin tải tệp lên lại để kiểm tra.")
    except TableError as problem:
        _fail(job_id, f"{NOTHING_WRITTEN} {problem}")
    except Exception:
        log.exception("import job %s failed", job_id)
        _fail(job_id, f"{NOTHING_WRITTEN} Lỗi hệ thống khi nhập; xin thử lại sau.")
    return db.session.get(ImportJob, job_id).status


def row_errors(job: ImportJob) -> list[RowError]:
    return [RowError.from_dict(e) for e in (job.result or {}).get("errors", [])]


# Progress: the job's transaction is not committed until the end, so the count of rows
# done goes elsewhere (Redis, see cdso.jobs); checks call `tick` every few hundred rows.
_reporter: contextvars.ContextVar[Callable[[int, int], None] | None] = \
    contextvars.ContextVar("import_progress", default=None)


def tick(done: int, total: int) -> None:
    reporter = _reporter.get()
    if reporter is not None:
        reporter(done, total)


def reporting(reporter: Callable[[int, int], None]):
    return _reporter.set(reporter)


def stale_previews(now: dt.datetime) -> int:
    """Drop the uploads of previews never confirmed (run by `cdso sweep`)."""
    cutoff = now - dt.timedelta(seconds=MAX_AGE)
    return db.session.execute(update(ImportJob).where(
        ImportJob.status == "preview", ImportJob.created_at < cutoff,
        ImportJob.data.is_not(None)).values(data=None, status="cancelled",
                                            message="Hết hạn xác nhận.")).rowcount
