"""Tài khoản cán bộ: the city creates ward clerks (one by one or from an XLSX); a clerk
creates unit reporters and team members for their unit; reset a password, lock, unlock."""
from __future__ import annotations

from flask import flash, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.formatting import by_name, utcnow
from cdso.models import ROLE_LABELS, Account, Role
from cdso.models.unit import ORG_KIND_LABELS
from cdso.office.routes import bp
from cdso.services.accounts import officials as accounts_admin
from cdso.services.imports.errors import RowError, TableError
from cdso.services.accounts import login_alerts, scope
from cdso.web import pages
from cdso.web.pagination import page_number, paginate
from cdso.services.exports.download import download
from cdso.lazy import lazy_import

clerk_import = lazy_import("cdso.services.imports.clerks")  # openpyxl
population = lazy_import("cdso.services.units.population")  # openpyxl

PAGE_SIZE = 50


def _page(form=None, errors=None, import_errors=None):
    query = accounts_admin.manageable_query(current_user)
    unit_filter = request.args.get("don-vi", "")
    if unit_filter:
        query = query.where(Account.unit_id == scope.unit_or_404(current_user, unit_filter).id)
    page = paginate(query.order_by(Account.unit_id, Account.full_name, Account.id),
                    page_number(), PAGE_SIZE)
    organisations = by_name(db.session.scalars(scope.organisations_query(current_user)),
                            lambda o: o.name) if current_user.role == Role.CLERK.value else []
    roles = accounts_admin.creatable_roles(current_user)
    units = population.visible_units(current_user) if scope.is_city(current_user) else []
    return pages.render(
        "office/accounts/index.html", "office/accounts/_create_form.html",
        accounts=page.items, listing=page,
        bursts=login_alerts.burst_counts([a.id for a in page.items], utcnow()),
        unit_filter=unit_filter, roles=roles, units=units,
        role_options=[(r.value, ROLE_LABELS[r]) for r in roles],
        unit_options=[(u.id, u.name) for u in units],
        org_options=[(o.id, o.name) for o in organisations],
        org_kinds=ORG_KIND_LABELS, form=form or {},
        errors=errors or {}, import_errors=import_errors or [])


@bp.get("/tai-khoan", endpoint="accounts")
def accounts_page():
    return _page()


@bp.post("/tai-khoan")
def account_create():
    new, errors = accounts_admin.check_new_official(current_user, request.form)
    if errors:
        return _page(form=request.form, errors=errors)
    try:
        account, password = accounts_admin.create_official(current_user, new)
        db.session.commit()
    except IntegrityError:  # the same login or phone created a moment ago by someone else
        db.session.rollback()
        return _page(form=request.form, errors={
            "login": "Tên đăng nhập hoặc số điện thoại vừa được dùng cho tài khoản khác."})
    flash(f"Đã tạo tài khoản «{account.login}» cho {account.full_name}. Mật khẩu tạm thời: "
          f"{password} — trao tận tay; người dùng phải đổi mật khẩu khi đăng nhập lần đầu.",
          "success")
    return pages.redirect_to("office.accounts")


@bp.post("/tai-khoan/nhap")
def clerks_import():
    upload = request.files.get("tep")
    if upload is None or not upload.filename:
        return _page(import_errors=[RowError(0, "", ["Xin chọn tệp Excel (.xlsx) để nhập."])])
    try:
        report = clerk_import.read_clerks(upload.filename, upload.read())
    except TableError as problem:
        return _page(import_errors=[RowError(0, "", [str(problem)])])
    if not report.ok:
        return _page(import_errors=report.errors)
    try:
        created = clerk_import.import_clerks(current_user, report, upload.filename)
        content = clerk_import.credentials_workbook(created)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _page(import_errors=[RowError(0, "", [
            "Một tên đăng nhập hoặc số điện thoại trong tệp vừa được dùng cho tài khoản khác. "
            "Không tài khoản nào được tạo; xin kiểm tra rồi nhập lại."])])
    return download(content, "tai-khoan-can-bo-moi.xlsx")


@bp.post("/tai-khoan/<int:account_id>/dat-lai-mat-khau")
def account_reset_password(account_id: int):
    target = accounts_admin.account_or_404(current_user, account_id)
    password = accounts_admin.reset_password(current_user, target)
    db.session.commit()
    flash(f"Đã đặt lại mật khẩu của «{target.login}». Mật khẩu tạm thời: {password} — "
          "người dùng phải đổi khi đăng nhập.", "success")
    return pages.redirect_to("office.accounts")


@bp.post("/tai-khoan/<int:account_id>/khoa")
def account_lock(account_id: int):
    target = accounts_admin.account_or_404(current_user, account_id)
    active = request.form.get("mo") == "1"
    accounts_admin.set_active(current_user, target, active)
    db.session.commit()
    flash(f"Đã {'mở khoá' if active else 'khoá'} tài khoản «{target.login}».", "success")
    return pages.redirect_to("office.accounts")


