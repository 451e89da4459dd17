"""Đăng ký theo danh sách: a clerk (their unit) or a unit reporter (their organisation)
enrols members from an XLSX/CSV list: upload, check (a large list on a worker), preview,
confirm (all or none), then print the login slips (a background job)."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from cdso.models import GROUP_LABELS, ImportBatch, Role
from cdso.office import import_jobs
from cdso.office.routes import bp
from cdso.services.imports import enrolment
from cdso.services.imports import kinds, pipeline, tabular
from cdso.services.contest.current import current_contest
from cdso.web import pages
from cdso.services.exports.download import download

PREVIEW_ROWS = kinds.PREVIEW_ROWS


def _scope() -> enrolment.EnrolmentScope:
    scope = enrolment.scope_of(current_user)
    if scope is None:
        abort(404)
    return scope


def _page(scope, status: int = 200, **context):
    context.setdefault("file_error", None)
    context.setdefault("report", None)
    html = pages.render("office/members_import/index.html", "office/members_import/_workspace.html",
                       scope=scope, contest=current_contest(), open_contest=enrolment.open_contest(),
                       batches=enrolment.batches(scope), preview_rows=PREVIEW_ROWS,
                       group_labels={g.value: label for g, label in GROUP_LABELS.items()},
                       org_names={o.id: o.name for o in scope.organisations.values()},
                       **context)
    return html, status


@bp.get("/dang-ky-danh-sach", endpoint="members_import")
def members_import_page():
    return _page(_scope())


@bp.get("/dang-ky-danh-sach/mau.<fmt>")
def members_import_template(fmt: str):
    _scope()
    made = tabular.template_file(fmt, enrolment.COLUMNS, "Mẫu danh sách đăng ký dự thi",
                                 enrolment.EXAMPLES, "mau-danh-sach-dang-ky")
    if made is None:
        abort(404)
    return download(*made, personal=False)


@bp.post("/dang-ky-danh-sach/xem-truoc")
def members_import_preview():
    """Check the list (a large one on a worker, whose page leads to the preview)."""
    scope, contest = _scope(), enrolment.open_contest()
    if contest is None:
        return _page(scope, 422)
    upload = request.files.get("tep")
    filename = upload.filename if upload else ""
    try:
        return import_jobs.check("members", filename, upload.read() if upload else b"",
                                 {"ip": request.remote_addr},
                                 lambda job: _checked_page(scope, job))
    except tabular.TableError as problem:
        return _page(scope, 422, file_error=str(problem))


def _checked_page(scope, job):
    kept = (job.result or {}).get("check") or {}
    if kept.get("file_error"):
        return _page(scope, 422, file_error=kept["file_error"])
    report = enrolment.preview_of(kept)
    token = pipeline.token_for(job, current_app.config["SECRET_KEY"]) if report.ok else None
    return _page(scope, 200 if report.ok else 422, report=report, token=token,
                 filename=job.filename, already=pipeline.previous_batch("members", job.sha256))


@bp.get("/dang-ky-danh-sach/xem-truoc/<int:job_id>")
def members_import_checked(job_id: int):
    """The preview of a list checked by a worker (the uploader's only)."""
    return _checked_page(_scope(), import_jobs.checked_or_404(job_id, "members"))


@bp.post("/dang-ky-danh-sach/xac-nhan")
def members_import_confirm():
    scope, contest = _scope(), enrolment.open_contest()
    if contest is None:
        return _page(scope, 422)
    try:
        job = pipeline.open_token(request.form.get("token", ""), current_user, "members",
                                  current_app.config["SECRET_KEY"])
    except tabular.TableError as problem:
        return _page(scope, 422, file_error=str(problem))
    return import_jobs.start(job)


def _batch_or_404(scope, batch_id: int) -> ImportBatch:
    batch = enrolment.batch_in_scope(batch_id, scope)
    if batch is None:
        abort(404)
    return batch


@bp.get("/dang-ky-danh-sach/<int:batch_id>")
def members_import_batch(batch_id: int):
    scope = _scope()
    batch = _batch_or_404(scope, batch_id)
    accounts = enrolment.batch_accounts(batch, scope)
    return render_template("office/members_import/batch.html", scope=scope, batch=batch,
                           accounts=accounts, parts=enrolment.slip_parts(len(accounts)),
                           waiting=sum(1 for a in accounts if a.must_change_password),
                           full_phones=current_user.role == Role.CLERK.value)


@bp.post("/dang-ky-danh-sach/<int:batch_id>/phieu")
def members_import_slips(batch_id: int):
    """Print login slips (form field `phan`: one part, or none for every part) as a
    background job; the passwords change only when the whole file is made."""
    scope = _scope()
    batch = _batch_or_404(scope, batch_id)
    count = len(enrolment.batch_accounts(batch, scope))
    every = [part for part, _first, _last in enrolment.slip_parts(count)]
    chosen = request.form.get("phan", "")
    parts = [int(chosen)] if chosen.isdigit() else every
    if not set(parts) <= set(every):
        abort(404)
    what = f"phần {parts[0]}" if len(parts) == 1 and len(every) > 1 else "cả danh sách"
    site = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return import_jobs.order("slips", f"slips:{batch.id}:{parts}",
                             f"Phiếu {what} «{batch.filename}»"[:200],
                             {"batch_id": batch.id, "parts": parts, "ip": request.remote_addr,
                              "site_url": site})
