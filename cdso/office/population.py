"""Dân số trưởng thành: typed per unit, or imported from the XLSX template."""
from __future__ import annotations

from flask import flash, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.office.routes import bp
from cdso.services.imports.errors import RowError, TableError
from cdso.web import pages
from cdso.services.exports.download import download
from cdso.lazy import lazy_import

population = lazy_import("cdso.services.units.population")  # openpyxl



def _page(typed=None, errors=None, import_errors=None):
    return pages.render("office/population/index.html", "office/population/_form.html",
                       units=population.visible_units(current_user), typed=typed or {},
                       errors=errors or {}, import_errors=import_errors or [])


@bp.get("/dan-so", endpoint="population")
def population_page():
    return _page()




@bp.post("/dan-so")
def population_save():
    typed = {}
    for key, raw in request.form.items():
        if key.startswith("dan-so-"):
            unit_id = key.removeprefix("dan-so-")
            typed[int(unit_id) if unit_id.isdigit() else -1] = raw
    values, errors = population.check_form(current_user, typed)
    if errors:
        return _page(typed=typed, errors=errors)
    changed = population.apply(current_user, values, "form")
    db.session.commit()
    flash(f"Đã lưu dân số trưởng thành ({changed} đơn vị thay đổi).", "success")
    return pages.redirect_to("office.population")


@bp.post("/dan-so/nhap")
def population_import():
    upload = request.files.get("tep")
    if upload is None or not upload.filename:
        return _page(import_errors=[RowError(0, "", ["Xin chọn tệp Excel (.xlsx) để nhập."])])
    try:
        report = population.read_import(current_user, upload.filename, upload.read())
    except TableError as problem:
        return _page(import_errors=[RowError(0, "", [str(problem)])])
    if not report.ok:
        return _page(import_errors=report.errors)
    try:
        changed = population.apply(current_user, report.values, f"import:{upload.filename}")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _page(import_errors=[RowError(0, "", ["Không lưu được vì dữ liệu vừa bị thay "
                                                      "đổi. Xin thử lại."])])
    flash(f"Đã nhập dân số của {len(report.values)} đơn vị ({changed} đơn vị thay đổi).",
          "success")
    return pages.redirect_to("office.population")


@bp.get("/dan-so/mau.xlsx")
def population_template():
    return download(population.template_workbook(current_user), "mau-dan-so-truong-thanh.xlsx",
                    personal=False)
