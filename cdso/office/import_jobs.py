"""Việc đang chạy: the page of a background job (progress, cancel, outcome, report, the
file it made), shared by every import, the check of a large upload, login slips and
document batches. It polls with htmx every second; without JavaScript the page refreshes
itself. Someone else's job (another unit) answers 404."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from cdso.extensions import db
from cdso.jobs import status as job_status
from cdso.jobs.queue import enqueue
from cdso.models import ImportJob
from cdso.office.routes import bp
from cdso.services.exports.download import download
from cdso.services.imports import errors as import_errors
from cdso.services.imports import guard, pipeline
from cdso.web import pages

INLINE_CHECK_BYTES = 256 * 1024  # about 3,000 rows of CSV: checked inside the request


@dataclass(frozen=True)
class Kind:
    label: str
    noun: str  # "Huỷ <noun> này"
    back: str  # the endpoint the job came from
    preview: str | None = None  # where a checked upload's preview is shown


KINDS = {
    "members": Kind("Đăng ký theo danh sách", "việc nhập", "office.members_import",
                    "office.members_import_checked"),
    "results": Kind("Nhập kết quả thi giấy", "việc nhập", "office.results_import",
                    "office.results_import_checked"),
    "questions": Kind("Nhập câu hỏi", "việc nhập", "office.bank_import_upload"),
    "slips": Kind("In phiếu đăng nhập", "việc in phiếu", "office.members_import"),
    "documents": Kind("Tập văn bản của các đơn vị", "việc gom văn bản", "office.documents"),
}


@bp.context_processor
def _recent_jobs() -> dict:
    return {"recent_import_jobs": lambda kind: job_status.recent(kind, current_user)}


def back_url(job: ImportJob) -> str:
    batch_id = (job.params or {}).get("batch_id")
    if job.kind == "slips" and batch_id:
        return url_for("office.members_import_batch", batch_id=batch_id)
    return url_for(KINDS[job.kind].back)


def outcome_url(job: ImportJob) -> str:
    if job.output is not None:
        return url_for("office.import_job_file", job_id=job.id)
    if job.kind == "members" and job.batch_id:
        return url_for("office.members_import_batch", batch_id=job.batch_id)
    if job.kind == "questions":
        return url_for("office.bank")
    return back_url(job)


def start(job: ImportJob):
    """Queue a staged job once (a second confirmation finds the first), then show it."""
    staged = job.status == "preview"  # not yet queued by an earlier click
    queued = pipeline.confirm(job)
    return follow(queued, fresh=staged and queued.id == job.id)


def order(kind: str, key: str, name: str, params: dict):
    """Queue a job with nothing uploaded (the same order twice runs once), then show it."""
    return follow(*pipeline.order(kind, key, name, current_user, params))


def follow(queued: ImportJob, fresh: bool):
    """Commit, hand a job queued just now (`fresh`) to the worker and go to its page.
    When it already ended (JOBS_SYNC), go straight to its outcome as before jobs."""
    db.session.commit()
    if fresh and queued.status == "queued" and queued.started_at is None:
        enqueue(queued.id)
        db.session.refresh(queued)
    if queued.status == "done":
        flash(queued.message, "success")
        return pages.redirect_to_url(outcome_url(queued))
    return pages.redirect_to("office.import_job", job_id=queued.id)


def check(kind: str, filename: str, data: bytes, params: dict, preview):
    """Stage an upload and check it: here for a small file, on a worker for a large one,
    whose page then leads to the preview. `preview(job)` renders the checked upload."""
    guard.check_size(data, guard.limits())  # TableError: refused before it is kept
    job = pipeline.stage(kind, filename, data, current_user, params, status="checking")
    db.session.commit()
    small = len(data) * (4 if filename.lower().endswith(".xlsx") else 1) <= INLINE_CHECK_BYTES
    enqueue(job.id, "run_check", here=small)
    db.session.refresh(job)
    if job.status == "checking":
        return pages.redirect_to("office.import_job", job_id=job.id)
    page = preview(job)
    if not (job.result or {}).get("check", {}).get("ok"):
        db.session.delete(job)  # refused at once: nothing is kept
        db.session.commit()
    return page


def checked_or_404(job_id: int, kind: str) -> ImportJob:
    """This person's upload of this kind whose check has ended, for its preview page."""
    job = pipeline.checked(job_id, current_user, kind)
    if job is None:
        abort(404)
    return job


def _job_or_404(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None or not job_status.visible_to(job, current_user):
        abort(404)
    if job.status == "preview" and "check" not in (job.result or {}):
        abort(404)  # a staged upload is not a job yet
    return job


@bp.get("/nhap/<int:job_id>", endpoint="import_job")
def import_job_page(job_id: int):
    job = _job_or_404(job_id)
    kind = KINDS[job.kind]
    if job.status == "preview":  # its check has ended: the preview is its uploader's
        if job.account_id != current_user.id:
            abort(404)
        return pages.redirect_to(kind.preview, job_id=job.id)
    view = job_status.look(job)
    return pages.render("office/imports/job.html", "office/imports/_job.html", view=view,
                        kind=kind, back=back_url(job),
                        outcome=outcome_url(job) if job.status == "done" else None,
                        errors=pipeline.row_errors(job))


@bp.post("/nhap/<int:job_id>/huy")
def import_job_cancel(job_id: int):
    job = _job_or_404(job_id)
    noun = KINDS[job.kind].noun
    if pipeline.cancel(job):
        db.session.commit()
        flash(f"Đã huỷ {noun}; chưa ghi gì.", "success")
    else:
        flash(f"{noun.capitalize()} đã bắt đầu ghi hoặc đã xong nên không huỷ được.", "error")
    return pages.redirect_to("office.import_job", job_id=job.id)


@bp.get("/nhap/<int:job_id>/bao-cao.csv")
def import_job_report(job_id: int):
    job = _job_or_404(job_id)
    if not job.finished:
        return redirect(url_for("office.import_job", job_id=job.id), code=303)
    errors = pipeline.row_errors(job)
    lines = [import_errors.RowError(0, job.filename, [job.message or ""]), *errors]
    return download(import_errors.errors_csv(lines), f"bao-cao-nhap-{job.id}.csv")


@bp.get("/nhap/<int:job_id>/tep")
def import_job_file(job_id: int):
    """The file the job made, for a day after it ended (personal data: never cached)."""
    job = _job_or_404(job_id)
    if job.status != "done" or job.output is None:
        if job.status == "done":
            flash("Tệp đã được xoá sau một ngày; xin tạo lại.", "error")
        return redirect(url_for("office.import_job", job_id=job.id), code=303)
    return download(job.output, job.output_name or f"ket-qua-{job.id}")
