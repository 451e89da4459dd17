"""Kiến thức theo chủ đề: the share of correct answers by topic, for the city (heat map
of every unit × topic, the map coloured by one topic, units sorted by any topic) and for
one unit (by organisation, with its "Chủ đề cần tăng cường")."""
from __future__ import annotations

import hashlib
import json

from flask import current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from cdso.formatting import number, percent
from cdso.models import Role
from cdso.office.dashboard import _moment, _no_contest
from cdso.office.routes import bp
from cdso.services.accounts import scope
from cdso.services.contest.current import current_contest
from cdso.services.documents.svg_heatmap import HeatRow, render_heatmap
from cdso.services.documents.svg_map import Measure, UnitPoint, render_unit_map
from cdso.services.figures import cache, dashboard, gaps


def _tooltip(label: str, topic: str, cell) -> str:
    if not cell.answered:
        return f"{label} — {topic}: chưa có câu trả lời"
    return (f"{label} — {topic}: đúng {percent(cell.rate)} "
            f"({number(cell.correct)}/{number(cell.answered)} câu, {number(cell.people)} người)")


def heat_row(label: str, cells: dict, topic_list, *, strong=False, href=None,
             tooltips=True) -> HeatRow:
    """A heat map row; without tooltips (the city's 114 rows: the page stays light) each
    cell shows its percentage only, the unit's page holds the counts."""
    return HeatRow(label, [(cells[t.id].rate if t.id in cells else None,
                            _tooltip(label, t.name, cells.get(t.id) or gaps.Cell())
                            if tooltips else None)
                           for t in topic_list], strong=strong, href=href)


def _topic_arg(name: str, topic_list, default):
    raw = request.args.get(name, "")
    found = next((t for t in topic_list if str(t.number) == raw), None)
    return found or default


@bp.get("/kien-thuc", endpoint="gaps")
def gaps_home():
    contest = current_contest()
    if contest is None:
        return _no_contest()
    if current_user.role == Role.CLERK.value:
        return _unit_page(contest, scope.unit_or_404(current_user, current_user.unit_id))
    return _city_page(contest)


@bp.get("/kien-thuc/don-vi/<int:unit_id>")
def gaps_unit(unit_id: int):
    unit = scope.unit_or_404(current_user, unit_id)
    contest = current_contest()
    if contest is None:
        return _no_contest()
    return _unit_page(contest, unit)


CITY_VIEW = ("theo", "chieu", "ban-do")  # the view's arguments, besides the moment


def _city_page(contest):
    as_of, moment_error, luc = _moment(contest)
    if moment_error:  # the message and what was typed belong to this request: not shared
        body = city_body(contest, as_of, moment_error, luc)
    elif luc:
        body = cache.cached(_body_key(contest, as_of, luc), as_of,
                            lambda: city_body(contest, as_of, None, luc))
    else:  # now: computed ahead by the sweep (warm_city_page)
        _shown, body = cache.latest(lambda moment: _body_key(contest, moment, luc), as_of,
                                    lambda: city_body(contest, as_of, None, luc))
    return render_template("office/gaps/city.html", body=Markup(body))


def _body_key(contest, as_of, luc: str) -> str:
    """The city page's body is the same for every official asking the same view in the
    same minute: drawn once and shared (cdso.services.figures.cache)."""
    view = json.dumps([luc] + [request.args.get(name, "") for name in CITY_VIEW])
    return cache._key("topics-page", contest.id, as_of.isoformat(),
                      hashlib.sha1(view.encode()).hexdigest()[:12])


def city_body(contest, as_of, moment_error, luc) -> str:
    """The city page without the office frame: the city by topic, the heat map of every
    unit × topic (sorted as asked) and the map coloured by one topic."""
    grid = gaps.city_grid(contest.id, as_of)
    topic_list = grid.topics
    sort_topic = _topic_arg("theo", topic_list, None)
    descending = request.args.get("chieu", "tang") == "giam"
    weakest_city = min((t for t in topic_list if grid.city.get(t.id)),
                       key=lambda t: grid.city[t.id].rate, default=None)
    map_topic = _topic_arg("ban-do", topic_list, weakest_city or
                           (topic_list[0] if topic_list else None))
    city_cells = {t.id: grid.city.get(t.id) or gaps.Cell() for t in topic_list}
    heatmap, unit_map = _city_drawings(grid, city_cells, sort_topic, descending, map_topic, luc)
    return render_template("office/gaps/_city_body.html", grid=grid, topics=topic_list,
                           city=city_cells, heatmap=Markup(heatmap),
                           unit_map=Markup(unit_map) if unit_map else None,
                           sort_topic=sort_topic, descending=descending, map_topic=map_topic,
                           as_of=as_of, moment_error=moment_error, luc=luc)


def warm_city_page(contest) -> bool:
    """Draw the city page of the current minute (its default view) into the shared cache,
    unless already there: run by `flask cdso sweep` every minute, so no official waits
    for the heat map. Needs Redis (nothing another process could read otherwise)."""
    if current_app.config.get("CACHE_TYPE") != "RedisCache":
        return False
    as_of = dashboard.now_minute()
    with current_app.test_request_context():
        path = url_for("office.gaps")
    with current_app.test_request_context(path):
        cache.cached(_body_key(contest, as_of, ""), as_of,
                     lambda: city_body(contest, as_of, None, ""))
    return True


def _city_drawings(grid, city_cells, sort_topic, descending, map_topic, luc):
    topic_list = grid.topics
    rows = gaps.sort_units(gaps.unit_rows(grid), sort_topic.id if sort_topic else None,
                           descending)
    keep = {"luc": luc} if luc else {}
    heat = [heat_row("Toàn thành phố", city_cells, topic_list, strong=True)] + [
        heat_row(r.name, r.cells, topic_list, tooltips=False,
                 href=url_for("office.gaps_unit", unit_id=r.id, **keep))
        for r in rows]
    heatmap = render_heatmap([t.name for t in topic_list], heat)
    unit_map = None
    if map_topic is not None:
        points = [UnitPoint(r.code, r.name, r.kind, r.lat, r.lon, r.cells[map_topic.id].people,
                            r.cells[map_topic.id].rate) for r in rows]
        unit_map = render_unit_map(points, id_prefix="gap-map", measure=Measure(
            title=f"Tỉ lệ trả lời đúng chủ đề “{map_topic.name}” theo xã, phường, đặc khu",
            legend="Tỉ lệ trả lời đúng", note=f"(chủ đề {map_topic.number}. {map_topic.name})",
            unknown="Chưa có câu trả lời", word="trả lời đúng"))
    return [heatmap, unit_map]


def _unit_page(contest, unit):
    as_of, moment_error, luc = _moment(contest)
    data = gaps.unit_gaps(contest.id, unit, as_of)
    heat = [heat_row("Toàn thành phố", data.city, data.topics, strong=True),
            heat_row(unit.name, data.own, data.topics, strong=True)] + [
        heat_row(name or "Chưa chọn tổ dân phố, cơ quan, trường học", cells, data.topics)
        for name, cells in data.organisations]
    heatmap = Markup(render_heatmap([t.name for t in data.topics], heat,
                                    title=f"Tỉ lệ trả lời đúng theo chủ đề — {unit.name}"))
    return render_template("office/gaps/unit.html", data=data, unit=unit, heatmap=heatmap,
                           as_of=as_of, moment_error=moment_error, luc=luc)
