"""Nhập kết quả thi giấy: a ward clerk (their unit) or the city administrator imports the
results of paper sessions or of another platform, marked with their source: upload,
row-by-row report, confirm (all or nothing; rows imported before are skipped)."""
from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import number
from cdso.models import Attempt, ImportBatch, Registration, Role, Unit
from cdso.office import import_jobs
from cdso.office.routes import bp
from cdso.services.imports import results as results_import
from cdso.services.imports import pipeline, tabular
from cdso.services.contest.current import current_contest
from cdso.web import pages
from cdso.services.exports.download import download

MAX_SOURCE = 200


def _scope_unit() -> Unit | None:
    """The clerk's unit; None for the city administrator (every unit)."""
    if current_user.role == Role.ADMIN.value:
        return None
    unit = db.session.get(Unit, current_user.unit_id) if current_user.unit_id else None
    if unit is None:
        abort(404)
    return unit


def _batches(unit: Unit | None, limit: int = 20) -> list[tuple[ImportBatch, int]]:
    """Result imports touching the scope, newest first, with their attempts in scope."""
    query = (select(ImportBatch, func.count(Attempt.id))
             .join(Attempt, Attempt.import_batch_id == ImportBatch.id)
             .where(ImportBatch.kind == "results"))
    if unit is not None:
        query = query.join(Registration, Registration.id == Attempt.registration_id).where(
            Registration.unit_id == unit.id)
    query = query.group_by(ImportBatch.id).order_by(ImportBatch.created_at.desc()).limit(limit)
    return [(batch, int(count)) for batch, count in db.session.execute(query)]


def _page(unit, status: int = 200, **context):
    context.setdefault("file_error", None)
    context.setdefault("source_error", None)
    context.setdefault("report", None)
    context.setdefault("source", "")
    contest = current_contest()
    first_last = results_import.contest_days(contest) if contest else None
    html = pages.render("office/results_import/index.html", "office/results_import/_workspace.html",
                       unit=unit, contest=contest, contest_days=first_last,
                       batches=_batches(unit), **context)
    return html, status


def _source() -> tuple[str, str | None]:
    source = " ".join((request.form.get("source") or "").split())
    if not source:
        return "", ("Xin ghi nguồn của kết quả, ví dụ «Thi trên giấy tại nhà văn hoá thôn "
                    "Đông, ngày 25/10/2025».")
    if len(source) > MAX_SOURCE:
        return source[:MAX_SOURCE], f"Nguồn dài quá {number(MAX_SOURCE)} ký tự."
    return source, None


def _overrides() -> dict[int, str]:
    """The reasons typed for rows past the attempt limit (fields vuot-<row number>)."""
    return {int(key[5:]): value[:1000] for key, value in request.form.items()
            if key.startswith("vuot-") and key[5:].isdigit()}


@bp.get("/nhap-ket-qua", endpoint="results_import")
def results_import_page():
    return _page(_scope_unit())


@bp.get("/nhap-ket-qua/mau.<fmt>")
def results_import_template(fmt: str):
    _scope_unit()
    made = tabular.template_file(fmt, results_import.COLUMNS, "Mẫu nhập kết quả thi",
                                 results_import.EXAMPLES, "mau-nhap-ket-qua")
    if made is None:
        abort(404)
    return download(*made, personal=False)


@bp.post("/nhap-ket-qua/xem-truoc")
def results_import_preview():
    """Check the file (a large one on a worker, whose page leads to the preview)."""
    unit, contest = _scope_unit(), current_contest()
    if contest is None:
        return _page(unit, 422)
    source, source_error = _source()
    if source_error:
        return _page(unit, 422, source=source, source_error=source_error)
    upload = request.files.get("tep")
    filename = upload.filename if upload else ""
    try:
        return import_jobs.check("results", filename, upload.read() if upload else b"",
                                 {"ip": request.remote_addr, "source": source},
                                 lambda job: _checked_page(unit, job))
    except tabular.TableError as problem:
        return _page(unit, 422, file_error=str(problem), source=source)


def _checked_page(unit, job, overrides: dict[int, str] | None = None):
    """The preview of a checked file; rows past the attempt limit wait for a reason at
    the confirmation (with `overrides`: as typed, marked when one is missing)."""
    kept, source = (job.result or {}).get("check") or {}, (job.params or {}).get("source", "")
    if kept.get("file_error"):
        return _page(unit, 422, file_error=kept["file_error"], source=source)
    report = results_import.preview_of(kept, overrides)
    ok = bool(kept.get("ok"))
    token = pipeline.token_for(job, current_app.config["SECRET_KEY"]) if ok else None
    if overrides is not None:
        for item in report.pending:
            item.error = item.error or ("Chưa có lý do cho phép: dòng này vượt giới hạn số lượt "
                                        "thi nên chưa được nhập.")
    return _page(unit, 200 if ok and overrides is None else 422, report=report,
                 token=token, filename=job.filename, source=source)


@bp.get("/nhap-ket-qua/xem-truoc/<int:job_id>")
def results_import_checked(job_id: int):
    """The preview of a file checked by a worker (the uploader's only)."""
    return _checked_page(_scope_unit(), import_jobs.checked_or_404(job_id, "results"))


@bp.post("/nhap-ket-qua/xac-nhan")
def results_import_confirm():
    unit, contest = _scope_unit(), current_contest()
    if contest is None:
        return _page(unit, 422)
    try:
        job = pipeline.open_token(request.form.get("token", ""), current_user, "results",
                                  current_app.config["SECRET_KEY"])
    except tabular.TableError as problem:
        return _page(unit, 422, file_error=str(problem), source=_source()[0])
    overrides = _overrides()
    if results_import.preview_of((job.result or {}).get("check") or {}, overrides).pending:
        return _checked_page(unit, job, overrides)  # a row past the limit has no reason yet
    job.params = {**(job.params or {}), "overrides": {str(k): v for k, v in overrides.items()}}
    return import_jobs.start(job)
