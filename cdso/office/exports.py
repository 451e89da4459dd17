"""Xuất Excel: the units' figures, and the participants within the account's scope.
Every export of personal data is logged (who, when, what)."""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from cdso.extensions import db
from cdso.formatting import to_local
from cdso.office.routes import bp
from cdso.services.figures import dashboard
from cdso.services.exports.download import download
from cdso.services.accounts import scope
from cdso.services.contest.current import current_contest
from cdso.lazy import lazy_import

exports = lazy_import("cdso.services.exports.files")  # openpyxl
population = lazy_import("cdso.services.units.population")  # openpyxl



def _download(content: bytes, stem: str, as_of, *, personal: bool) -> Response:
    return download(content, f"{stem}-{to_local(as_of):%Y-%m-%d-%H%M}.xlsx", personal=personal)


def _page(contest, errors=None, status=200):
    units = population.visible_units(current_user) if scope.is_city(current_user) else []
    return render_template("office/exports/index.html", contest=contest, units=units,
                           errors=errors or {}, form=request.values), status


@bp.get("/xuat", endpoint="exports")
def exports_page():
    return _page(current_contest())


@bp.get("/xuat/so-lieu.xlsx")
def export_figures():
    contest = current_contest()
    if contest is None:
        abort(404)
    try:
        as_of = dashboard.parse_moment(request.args.get("luc"), contest)
    except dashboard.BadMoment as error:
        return _page(contest, {"luc": str(error)})
    if scope.is_city(current_user):
        city, rows = dashboard.unit_rows(contest.id, as_of)
        content = exports.units_workbook(
            f"Kết quả Cuộc thi “{contest.name}” theo xã, phường, đặc khu", as_of, rows,
            city.total)
        stem = "so-lieu-cac-don-vi"
    else:
        unit = scope.unit_or_404(current_user, current_user.unit_id)
        data = dashboard.unit_dashboard(contest, unit, as_of)
        content = exports.breakdown_workbook(
            f"Kết quả Cuộc thi “{contest.name}” — {unit.name}", as_of,
            [(f"Toàn {unit.name}", [(unit.name, data.figures)]),
             ("Theo tổ dân phố, thôn, trường học, cơ quan", data.organisations),
             ("Theo đối tượng", data.groups)])
        stem = "so-lieu-" + unit.code
    scope.log_access(current_user, "export.figures", detail={"as_of": as_of.isoformat()},
                     ip=request.remote_addr)
    db.session.commit()
    return _download(content, stem, as_of, personal=False)


@bp.post("/xuat/thi-sinh.xlsx")
def export_participants():
    contest = current_contest()
    if contest is None:
        abort(404)
    errors = {}
    try:
        as_of = dashboard.parse_moment(request.form.get("luc"), contest)
    except dashboard.BadMoment as error:
        errors["luc"] = str(error)
    unit = None
    if scope.is_city(current_user):
        if not request.form.get("don_vi"):
            errors["don_vi"] = "Xin chọn xã, phường, đặc khu cần xuất danh sách."
        else:
            unit = scope.unit_or_404(current_user, request.form.get("don_vi"))
    if errors:
        return _page(contest, errors, 200)
    rows = exports.participants_rows(current_user, contest.id, as_of,
                                     unit.id if unit else None)
    where = unit.name if unit else (current_user.organisation.name
                                    if current_user.organisation_id else current_user.unit.name)
    content, count = exports.participants_workbook(
        f"Danh sách thí sinh Cuộc thi “{contest.name}” — {where}", as_of, rows,
        scope.may_see_full_phone(current_user))
    scope.log_access(current_user, "export.participants",
                     target_type="unit", target_id=unit.id if unit else current_user.unit_id,
                     detail={"as_of": as_of.isoformat(), "rows": count, "scope": where,
                             "organisation_id": current_user.organisation_id,
                             "full_phone": scope.may_see_full_phone(current_user)},
                     ip=request.remote_addr)
    db.session.commit()
    return _download(content, "danh-sach-thi-sinh", as_of, personal=True)


