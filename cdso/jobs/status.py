"""What a job page shows: the job's state from the database, its progress from Redis,
and the truth about a job whose worker died (its transaction never committed, so
nothing was written: "thất bại, chưa ghi gì")."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, ImportJob, Role
from cdso.services.imports.pipeline import NOTHING_WRITTEN

DEAD = f"{NOTHING_WRITTEN} Máy xử lý dừng giữa chừng; xin xác nhận lại từ đầu."
GRACE = dt.timedelta(seconds=30)  # between the commit of "queued" and RQ's enqueue
DEAD_CHECK = f"{NOTHING_WRITTEN} Máy xử lý dừng giữa chừng khi kiểm tra; xin tải tệp lên lại."
LOST = f"{NOTHING_WRITTEN} Hàng đợi không còn giữ việc này; xin tải tệp lên lại."


@dataclass
class View:
    job: ImportJob
    done: int
    total: int

    @property
    def percent(self) -> int:
        if self.job.status == "done":
            return 100
        share = 200 if self.job.status == "checking" else 100  # a check is half an import
        return min(99, self.done * share // self.total) if self.total else 0

    @property
    def checking_rows(self) -> bool:
        """An import's checks tick the first half of the total, its writes the second."""
        return self.job.status == "checking" or self.done * 2 < self.total


def visible_to(job: ImportJob, account: Account) -> bool:
    """The person who sent it, a clerk of the same unit, or the city administrator."""
    if job.account_id == account.id or account.role == Role.ADMIN.value:
        return True
    return account.role == Role.CLERK.value and job.unit_id is not None \
        and job.unit_id == account.unit_id


def _mark_failed(job: ImportJob, message: str, status: str) -> None:
    db.session.execute(update(ImportJob).where(
        ImportJob.id == job.id, ImportJob.status == status).values(
        status="failed", finished_at=utcnow(), message=message, data=None))
    db.session.commit()
    db.session.refresh(job)


def _rq_lost(job: ImportJob, task: str = "run_job") -> bool:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    from cdso.jobs.queue import connection, rq_id
    try:
        rq_job = Job.fetch(rq_id(job.id, task), connection=connection())
    except NoSuchJobError:
        return True
    except Exception:
        return False  # Redis unreachable: say nothing rather than something wrong
    return rq_job.get_status(refresh=False) in (JobStatus.FAILED, JobStatus.STOPPED,
                                                JobStatus.CANCELED)


def look(job: ImportJob) -> View:
    from cdso.jobs import progress
    if not current_app.config.get("JOBS_SYNC"):
        if job.status == "running" and progress.alive(job.id) is False:
            _mark_failed(job, DEAD, "running")
        elif job.status == "queued" and job.queued_at < utcnow() - GRACE and _rq_lost(job):
            _mark_failed(job, LOST, "queued")
        elif job.status == "checking":
            _look_at_check(job)
    found = progress.read(job.id) if job.status in ("running", "checking") else None
    done, total = found or (0, 0)
    return View(job, done, total)


def _look_at_check(job: ImportJob) -> None:
    from cdso.jobs import progress
    if job.started_at is not None and progress.alive(job.id) is False:
        _mark_failed(job, DEAD_CHECK, "checking")
    elif job.started_at is None and job.queued_at < utcnow() - GRACE \
            and _rq_lost(job, "run_check"):
        _mark_failed(job, LOST, "checking")


def recent(kind: str, account: Account, limit: int = 5) -> list[ImportJob]:
    """The latest jobs of this kind the account may follow (imports: confirmed or being
    checked), newest first."""
    from sqlalchemy import or_, select
    query = select(ImportJob).where(ImportJob.kind == kind, ImportJob.status != "preview")
    if account.role == Role.CLERK.value and account.unit_id:
        query = query.where(or_(ImportJob.account_id == account.id,
                                ImportJob.unit_id == account.unit_id))
    elif account.role != Role.ADMIN.value:
        query = query.where(ImportJob.account_id == account.id)
    return list(db.session.scalars(query.order_by(ImportJob.id.desc()).limit(limit)))
