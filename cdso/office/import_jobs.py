"""Việc nhập đang chạy: the page of a confirmed import (progress, cancel, outcome, report),
shared by every import. It polls with htmx every second; without JavaScript the page
refreshes itself. Someone else's job (another unit) answers 404."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from cdso.extensions import db
from cdso.jobs import status as job_status
from cdso.jobs.queue import enqueue_import
from cdso.models import ImportJob
from cdso.office.routes import bp
from cdso.services.imports import errors as import_errors
from cdso.services.imports import pipeline
from cdso.services.exports.download import download
from cdso.web import pages

KIND_LABELS = {"members": "Đăng ký theo danh sách", "results": "Nhập kết quả thi giấy",
               "questions": "Nhập câu hỏi"}
BACK = {"members": "office.members_import", "results": "office.results_import",
        "questions": "office.bank_import_upload"}


@bp.context_processor
def _recent_jobs() -> dict:
    return {"recent_import_jobs": lambda kind: job_status.recent(kind, current_user)}


def outcome_url(job: ImportJob) -> str:
    if job.kind == "members" and job.batch_id:
        return url_for("office.members_import_batch", batch_id=job.batch_id)
    if job.kind == "questions":
        return url_for("office.bank")
    return url_for(BACK[job.kind])


def start(job: ImportJob):
    """Queue a staged job once (a second confirmation finds the first), then show it.
    When it already ended (JOBS_SYNC), go straight to its outcome as before jobs."""
    queued = pipeline.confirm(job)
    db.session.commit()
    if queued.id == job.id and queued.status == "queued" and queued.started_at is None:
        enqueue_import(queued.id)
        db.session.refresh(queued)
    if queued.status == "done":
        flash(queued.message, "success")
        return pages.redirect_to_url(outcome_url(queued))
    return pages.redirect_to("office.import_job", job_id=queued.id)


def _job_or_404(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status == "preview" or not job_status.visible_to(job, current_user):
        abort(404)
    return job


@bp.get("/nhap/<int:job_id>", endpoint="import_job")
def import_job_page(job_id: int):
    view = job_status.look(_job_or_404(job_id))
    return pages.render("office/imports/job.html", "office/imports/_job.html", view=view,
                       kind_label=KIND_LABELS[view.job.kind], back=url_for(BACK[view.job.kind]),
                       outcome=outcome_url(view.job) if view.job.status == "done" else None,
                       errors=pipeline.row_errors(view.job))


@bp.post("/nhap/<int:job_id>/huy")
def import_job_cancel(job_id: int):
    job = _job_or_404(job_id)
    if pipeline.cancel(job):
        db.session.commit()
        flash("Đã huỷ việc nhập; chưa ghi gì.", "success")
    else:
        flash("Việc nhập đã bắt đầu ghi hoặc đã xong nên không huỷ được.", "error")
    return pages.redirect_to("office.import_job", job_id=job.id)


@bp.get("/nhap/<int:job_id>/bao-cao.csv")
def import_job_report(job_id: int):
    job = _job_or_404(job_id)
    if not job.finished:
        return redirect(url_for("office.import_job", job_id=job.id), code=303)
    errors = pipeline.row_errors(job)
    lines = [import_errors.RowError(0, job.filename, [job.message or ""]), *errors]
    return download(import_errors.errors_csv(lines), f"bao-cao-nhap-{job.id}.csv")


