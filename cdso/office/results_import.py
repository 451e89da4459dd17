"""Nhập kết quả thi giấy: a ward clerk (their unit) or the city administrator imports the
results of paper sessions or of another platform, marked with their source: upload,
row-by-row report, confirm (all or nothing; rows imported before are skipped)."""
from __future__ import annotations

from flask import abort, current_app, flash, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.formatting import number, utcnow
from cdso.models import Attempt, ImportBatch, Registration, Role, Unit
from cdso.office.routes import bp
from cdso.services.imports import results as results_import
from cdso.services.imports import tabular
from cdso.services.contest.current import current_contest
from cdso.web import htmx
from cdso.web.decorators import roles_required
from cdso.services.exports.download import download

SALT = "cdso.results-import"
ROLES = (Role.CLERK, Role.ADMIN)
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
    html = htmx.render("office/results_import/index.html", "office/results_import/_workspace.html",
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


def _checked(unit, contest, filename: str, data: bytes):
    rows = tabular.read_table(filename, data, results_import.COLUMNS)
    return results_import.check_results(rows, contest, unit, utcnow())


@bp.get("/nhap-ket-qua", endpoint="results_import")
@roles_required(*ROLES)
def results_import_page():
    return _page(_scope_unit())


@bp.get("/nhap-ket-qua/mau.<fmt>")
@roles_required(*ROLES)
def results_import_template(fmt: str):
    _scope_unit()
    if fmt == "xlsx":
        data = tabular.template_xlsx(results_import.COLUMNS, "Mẫu nhập kết quả thi",
                                     results_import.EXAMPLES)
        return download(data, "mau-nhap-ket-qua.xlsx", personal=False)
    if fmt == "csv":
        return download(tabular.template_csv(results_import.COLUMNS), "mau-nhap-ket-qua.csv",
                        personal=False)
    abort(404)


@bp.post("/nhap-ket-qua/xem-truoc")
@roles_required(*ROLES)
def results_import_preview():
    unit, contest = _scope_unit(), current_contest()
    if contest is None:
        return _page(unit, 422)
    source, source_error = _source()
    upload = request.files.get("tep")
    filename = upload.filename if upload else ""
    try:
        data = upload.read() if upload else b""
        report = _checked(unit, contest, filename, data)
    except tabular.TableError as problem:
        return _page(unit, 422, file_error=str(problem), source=source, source_error=source_error)
    if source_error:
        return _page(unit, 422, source=source, source_error=source_error)
    token = tabular.seal_upload(filename, data, current_user.id,
                                current_app.config["SECRET_KEY"], SALT)
    return _page(unit, 200 if report.ok else 422, report=report, token=token,
                 filename=filename, source=source)


@bp.post("/nhap-ket-qua/xac-nhan")
@roles_required(*ROLES)
def results_import_confirm():
    unit, contest = _scope_unit(), current_contest()
    if contest is None:
        return _page(unit, 422)
    source, source_error = _source()
    token = request.form.get("token", "")
    try:
        filename, data = tabular.open_upload(token, current_user.id,
                                             current_app.config["SECRET_KEY"], SALT)
        report = _checked(unit, contest, filename, data)
    except tabular.TableError as problem:
        return _page(unit, 422, file_error=str(problem), source=source)
    if source_error or not report.ok:
        return _page(unit, 422, report=report, token=token, filename=filename, source=source,
                     source_error=source_error)
    try:
        batch = results_import.import_results(
            report, contest, current_user, source=source, filename=filename,
            digest=tabular.sha256(data), now=utcnow(), ip=request.remote_addr)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _page(unit, 409, source=source, file_error=(
            "Chưa nhập gì: tệp này vừa được nhập ở một phiên khác, hoặc có người trong tệp "
            "vừa đăng ký. Xin tải tệp lên lại để kiểm tra."))
    if batch is None:
        flash(f"Không có kết quả mới: cả {number(len(report.already_imported))} dòng đã được "
              "nhập trước đây.", "info")
    else:
        skipped = (f"; bỏ qua {number(len(report.already_imported))} dòng đã nhập trước đây"
                   if report.already_imported else "")
        flash(f"Đã nhập {number(len(report.rows))} lượt thi, tạo "
              f"{number(report.new_people)} tài khoản mới{skipped}.", "success")
    return htmx.redirect_to("office.results_import")
