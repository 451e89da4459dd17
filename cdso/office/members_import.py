"""Đăng ký theo danh sách: a clerk (their unit) or a unit reporter (their organisation)
enrols members from an XLSX/CSV list: upload, preview, confirm (all or none), then print
the login slips."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import GROUP_LABELS, ImportBatch, Role
from cdso.office import import_jobs
from cdso.office.routes import bp
from cdso.services.imports import enrolment
from cdso.services.imports import pipeline, tabular
from cdso.services.accounts.assisted import render_slips_pdf
from cdso.services.contest.current import current_contest
from cdso.web import pages
from cdso.services.exports.download import download

PREVIEW_ROWS = 30


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
    if fmt == "xlsx":
        data = tabular.template_xlsx(enrolment.COLUMNS, "Mẫu danh sách đăng ký dự thi",
                                     enrolment.EXAMPLES)
        return download(data, "mau-danh-sach-dang-ky.xlsx", personal=False)
    if fmt == "csv":
        return download(tabular.template_csv(enrolment.COLUMNS), "mau-danh-sach-dang-ky.csv",
                        personal=False)
    abort(404)


@bp.post("/dang-ky-danh-sach/xem-truoc")
def members_import_preview():
    scope, contest = _scope(), enrolment.open_contest()
    if contest is None:
        return _page(scope, 422)
    upload = request.files.get("tep")
    filename = upload.filename if upload else ""
    try:
        data = upload.read() if upload else b""
        report = enrolment.check_upload(filename, data, contest, scope)
    except tabular.TableError as problem:
        return _page(scope, 422, file_error=str(problem))
    token = None
    if report.ok:
        job = pipeline.stage("members", filename, data, current_user,
                             {"ip": request.remote_addr})
        db.session.commit()
        token = pipeline.token_for(job, current_app.config["SECRET_KEY"])
    already = pipeline.previous_batch("members", tabular.sha256(data))
    return _page(scope, 200 if report.ok else 422, report=report, token=token,
                 filename=filename, already=already)


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


@bp.post("/dang-ky-danh-sach/<int:batch_id>/phieu-<int:part>.pdf")
def members_import_slips(batch_id: int, part: int):
    scope = _scope()
    batch = _batch_or_404(scope, batch_id)
    slips = enrolment.issue_slips(batch, scope, part, current_user, ip=request.remote_addr)
    if slips is None:
        abort(404)
    contest = current_contest()
    pdf = render_slips_pdf(slips, contest_name=contest.name if contest else "",
                           site_url=current_app.config.get("PUBLIC_BASE_URL") or request.host_url,
                           issued_at=utcnow())
    db.session.commit()  # the new passwords count only once their slips exist
    return download(pdf, f"phieu-dang-nhap-{batch.id}-{part}.pdf")
