"""The one way an uploaded table comes in, for every import:

    read (with the upload guard) -> check the rows -> preview (errors as RowError)
    -> confirm with the one signed token -> apply all or nothing (a background job)
    -> audit (each kind's apply writes its AuditLog line).

`stage` keeps the upload in an `ImportJob` row at the preview; the confirmation form
carries only a signed token naming that row, for this account; `confirm` queues it once
(a second click, or a second tab, finds it already queued); `run` applies it in one
transaction that also marks the job done, so a worker that dies midway leaves nothing.

Each kind registers the function that checks and applies its rows (`register`); the
function raises `Rejected` with the row errors when the rows no longer pass. A kind may
also register the check of its preview (`register_check`): a large upload is staged as
"checking" and checked by a job (`check`), whose summary the preview page then shows.

The same machinery runs jobs with nothing uploaded (`order`: a batch of login slips, a
ZIP of documents): queued at once, run all or nothing by `run`, and the file they make
kept with the job (`Outcome.file`) for a day (`stale_previews`)."""
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
OUTPUT_AGE = 24 * 3600  # a job's file (slips carry one-time passwords) is kept for a day
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
    file: bytes | None = None  # a file the job made, downloadable from its page
    file_name: str = ""


Apply = Callable[[ImportJob, bytes], Outcome]
Check = Callable[[ImportJob, bytes], dict]  # -> {"ok": bool, ...} (JSON), never writes
KINDS: dict[str, Apply] = {}
CHECKS: dict[str, Check] = {}


def register(kind: str, apply: Apply) -> None:
    KINDS[kind] = apply


def register_check(kind: str, check: Check) -> None:
    CHECKS[kind] = check


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def previous_batch(kind: str, digest: str) -> ImportBatch | None:
    return db.session.scalar(select(ImportBatch).where(ImportBatch.kind == kind,
                                                       ImportBatch.sha256 == digest))


def stage(kind: str, filename: str, data: bytes, account: Account,
          params: dict | None = None, *, status: str = "preview",
          digest: str | None = None) -> ImportJob:
    """Keep an upload until it is confirmed (flushes); "checking" while its check runs."""
    now = utcnow()
    job = ImportJob(kind=kind, status=status, account_id=account.id,
                    unit_id=account.unit_id, filename=(filename or "")[-200:],
                    sha256=digest or sha256(data), data=data, params=params or {},
                    created_at=now, queued_at=now if status == "checking" else None,
                    done=0, total=0)
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
        if (job.result or {}).get("check", {}).get("ok") is False:
            raise BadData("its check found errors")
        return job
    except (BadData, KeyError, TypeError, ValueError):
        raise TableError("Bản xem trước đã hết hạn hoặc không hợp lệ. "
                         "Xin tải tệp lên lại.") from None


def _active(kind: str, digest: str, other_than: int | None = None) -> ImportJob | None:
    return db.session.scalar(select(ImportJob).where(
        ImportJob.kind == kind, ImportJob.sha256 == digest, ImportJob.status.in_(ACTIVE),
        ImportJob.id != (other_than or 0)).limit(1))


def confirm(job: ImportJob) -> ImportJob:
    """Queue a staged job once. The same file confirmed again, from this preview or
    another one, gives the job already queued or running (the caller commits)."""
    same = _active(job.kind, job.sha256, job.id)
    if same is not None and job.status == "preview":
        return same
    claimed = db.session.execute(update(ImportJob).where(
        ImportJob.id == job.id, ImportJob.status == "preview").values(
        status="queued", queued_at=utcnow())).rowcount
    db.session.refresh(job)
    if claimed:
        log.info("import job %s queued (%s, %s)", job.id, job.kind, job.filename)
    return job


def order(kind: str, key: str, name: str, account: Account,
          params: dict) -> tuple[ImportJob, bool]:
    """Queue a job with nothing uploaded: (the job, queued just now). The same order
    (`key`) while one is queued or running gives that one: a double click runs once
    (the caller commits)."""
    digest = sha256(key.encode())
    same = _active(kind, digest)
    if same is not None:
        return same, False
    return confirm(stage(kind, name, b"", account, params, digest=digest)), True


def cancel(job: ImportJob) -> bool:
    """Cancel a job that has not started applying (the caller commits)."""
    done = db.session.execute(update(ImportJob).where(
        ImportJob.id == job.id,
        ImportJob.status.in_(("checking", "preview", "queued"))).values(
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
        job.output, job.output_name = outcome.file, outcome.file_name or None
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


def check(job_id: int) -> str:
    """Check a staged upload ("checking") and keep the summary its preview shows; nothing
    else is written. An upload with errors is not kept. Returns the final status."""
    started = db.session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.status == "checking",
        ImportJob.started_at.is_(None)).values(started_at=utcnow())).rowcount
    db.session.commit()
    if not started:
        return "skipped"  # cancelled, or already taken by another worker
    job = db.session.get(ImportJob, job_id)
    try:
        summary = CHECKS[job.kind](job, job.data or b"")
    except TableError as problem:
        summary = {"ok": False, "file_error": str(problem)}
    except Exception:
        log.exception("check of import job %s failed", job_id)
        summary = {"ok": False, "file_error": "Lỗi hệ thống khi kiểm tra tệp; xin thử lại sau."}
    db.session.rollback()
    values = {"status": "preview", "started_at": None, "result": {"check": summary}}
    if not summary.get("ok"):
        values["data"] = None
    db.session.execute(update(ImportJob).where(
        ImportJob.id == job_id, ImportJob.status == "checking").values(**values))
    db.session.commit()
    return db.session.get(ImportJob, job_id).status


def checked(job_id: int, account: Account, kind: str) -> ImportJob | None:
    """This account's upload of this kind whose check has ended (its preview), or None."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.account_id != account.id or job.kind != kind \
            or job.status != "preview" or "check" not in (job.result or {}):
        return None
    return job


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
    """Drop the uploads of previews never confirmed, and the files jobs made more than a
    day ago (run by `cdso sweep`)."""
    cutoff = now - dt.timedelta(seconds=MAX_AGE)
    dropped = db.session.execute(update(ImportJob).where(
        ImportJob.status.in_(("checking", "preview")), ImportJob.created_at < cutoff,
        ImportJob.data.is_not(None)).values(data=None, status="cancelled",
                                            message="Hết hạn xác nhận.")).rowcount
    return dropped + db.session.execute(update(ImportJob).where(
        ImportJob.finished_at < now - dt.timedelta(seconds=OUTPUT_AGE),
        ImportJob.output.is_not(None)).values(output=None)).rowcount
