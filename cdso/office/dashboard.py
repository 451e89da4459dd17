"""Số liệu: the city dashboard (administrator), a unit's dashboard (clerk, or the city
looking at one unit) and an organisation's view (unit reporter)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from cdso.extensions import db
from cdso.formatting import to_local
from cdso.models import Role
from cdso.models.unit import UNIT_KIND_LABELS
from cdso.office.routes import bp
from cdso.services.figures import dashboard
from cdso.services.accounts import scope
from cdso.services.contest.current import current_contest
from cdso.web import pages
from cdso.web.pagination import page_number



def _moment(contest):
    """The moment asked for (?luc=), or now; with the message if it cannot be used, and
    the value to put back in the field."""
    typed = request.args.get("luc", "").strip()
    try:
        as_of = dashboard.parse_moment(typed, contest)
    except dashboard.BadMoment as error:
        return dashboard.now_minute(), str(error), typed
    return as_of, None, to_local(as_of).strftime("%Y-%m-%dT%H:%M") if typed else ""


def _no_contest():
    return render_template("office/dashboard/no_contest.html")


@bp.get("/so-lieu", endpoint="dashboard")
def dashboard_home():
    contest = current_contest()
    if contest is None:
        return _no_contest()
    if current_user.role == Role.CLERK.value:
        return _unit_page(contest, scope.unit_or_404(current_user, current_user.unit_id))
    if current_user.role == Role.REPORTER.value:
        return _organisation_page(contest)
    return _city_page(contest)



def _city_page(contest):
    as_of, moment_error, luc = _moment(contest)
    kind = request.args.get("loai", "")
    kind = kind if kind in UNIT_KIND_LABELS else ""
    sort = request.args.get("sap-xep", "dang-ky")
    sort = sort if sort in dashboard.SORTS else "dang-ky"
    direction = request.args.get("chieu", "giam" if sort != "ten" else "tang")
    direction = direction if direction in dashboard.DIRECTIONS else "giam"
    data = dashboard.city_dashboard(contest, as_of, kind=kind, sort=sort, direction=direction)
    chart = None if pages.is_htmx() else Markup(dashboard.city_daily_chart(contest.id, as_of))
    return pages.render("office/dashboard/city.html", "office/dashboard/_units_table.html",
                       data=data, chart=chart, kind=kind, sort=sort, direction=direction,
                       kinds=UNIT_KIND_LABELS, moment_error=moment_error,
                       luc=luc)


@bp.get("/so-lieu/don-vi/<int:unit_id>")
def unit_dashboard(unit_id: int):
    unit = scope.unit_or_404(current_user, unit_id)
    contest = current_contest()
    if contest is None:
        return _no_contest()
    return _unit_page(contest, unit)


def _unit_page(contest, unit):
    as_of, moment_error, luc = _moment(contest)
    data = dashboard.unit_dashboard(contest, unit, as_of)
    chart = Markup(data.chart_svg)
    page = _follow_up_page(contest, unit, 1)
    return render_template("office/dashboard/unit.html", data=data, chart=chart, listing=page,
                           unit=unit, full_phone=scope.may_see_full_phone(current_user),
                           moment_error=moment_error, luc=luc)


def _follow_up_page(contest, unit, number: int):
    page = dashboard.unfinished_page(current_user, contest, unit, number)
    if scope.may_see_full_phone(current_user) and page.items:
        scope.log_access(current_user, "view.unfinished_list", target_type="unit",
                         target_id=unit.id, detail={"page": number, "rows": len(page.items)},
                         ip=request.remote_addr)
        db.session.commit()
    return page


@bp.get("/so-lieu/don-vi/<int:unit_id>/chua-hoan-thanh")
def unfinished(unit_id: int):
    """The follow-up list, one page at a time (the whole page without JavaScript)."""
    unit = scope.unit_or_404(current_user, unit_id)
    contest = current_contest()
    if contest is None:
        abort(404)
    page = _follow_up_page(contest, unit, page_number())
    return pages.render("office/dashboard/unfinished.html", "office/dashboard/_unfinished.html",
                       unit=unit, listing=page, full_phone=scope.may_see_full_phone(current_user))


def _organisation_page(contest):
    organisation = scope.organisation_or_404(current_user, current_user.organisation_id)
    as_of, moment_error, luc = _moment(contest)
    data = dashboard.organisation_dashboard(contest, organisation, as_of)
    page = dashboard.members_page(current_user, contest, organisation, page_number())
    return pages.render("office/dashboard/organisation.html", "office/dashboard/_members.html",
                       data=data, listing=page, organisation=organisation,
                       full_phone=scope.may_see_full_phone(current_user),
                       moment_error=moment_error, luc=luc)
