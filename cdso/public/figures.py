"""Public figures: the ranking, the digital map, and open data for the city's map platform.
Figures are as of the current minute, shared between nodes (cdso.services.figures.cache)."""
from __future__ import annotations

import json

from flask import Response, render_template, request
from markupsafe import Markup

from cdso.formatting import to_local
from cdso.public.routes import bp
from cdso.services.figures import cache as figure_cache
from cdso.services.figures import dashboard, gaps
from cdso.services.contest import public_ranking
from cdso.services.contest.current import current_contest
from cdso.services.documents.svg_map import (BANDS, UnitPoint, render_unit_map,
                                             smallest_circle_floor)
from cdso.web import pages
from cdso.services.exports.download import download
from cdso.lazy import lazy_import

exports = lazy_import("cdso.services.exports.files")  # openpyxl

OPEN_DATA_MAX_AGE = 300  # the city's map platform may cache for 5 minutes


def _ranked(rows, value):
    """Competition ranking ("1, 2, 2, 4") of the rows with a known value, best first;
    the unknown ones after, without a place."""
    known = sorted((r for r in rows if value(r) is not None), key=value, reverse=True)
    ranked, place, previous = [], 0, object()
    for index, row in enumerate(known, start=1):
        if value(row) != previous:
            place, previous = index, value(row)
        ranked.append((place, row))
    return ranked + [(None, r) for r in rows if value(r) is None]


@bp.get("/bang-xep-hang")
def figures_ranking():
    contest = current_contest()
    if contest is None:
        return render_template("public/ranking.html", contest=None)
    by = request.args.get("theo", "thi-sinh")
    by = by if by in ("thi-sinh", "ty-le") else "thi-sinh"
    as_of = dashboard.now_minute()
    city, rows = dashboard.unit_rows(contest.id, as_of)
    value = (lambda r: r.figures.registered) if by == "thi-sinh" \
        else (lambda r: r.figures.coverage)
    people = [] if pages.is_htmx() else public_ranking.top_participants(contest.id)
    return pages.render("public/ranking.html", "public/_ranking_units.html",
                       contest=contest, as_of=as_of, total=city.total, by=by,
                       units=_ranked(rows, value), people=people)


@bp.get("/ban-do")
def figures_map():
    contest = current_contest()
    if contest is None:
        return render_template("public/map.html", contest=None)
    as_of = dashboard.now_minute()
    city, rows = dashboard.unit_rows(contest.id, as_of)
    points = [UnitPoint(r.code, r.name, r.kind, r.lat, r.lon, r.figures.registered,
                        r.figures.coverage) for r in rows]
    largest = max((p.participants for p in points), default=0)
    bands = [("band-unknown", "Chưa rõ dân số")] + [
        (f"band-{i}", label) for i, (_lower, _colour, label) in enumerate(BANDS)]
    return render_template("public/map.html", contest=contest, as_of=as_of, total=city.total,
                           rows=rows, svg=Markup(render_unit_map(points, legend=False)),
                           band=coverage_band, bands=bands, largest=largest,
                           smallest=smallest_circle_floor(largest))


def coverage_band(coverage: float | None) -> tuple[str, str]:
    """The map's colour band of a coverage ratio, as (css class, label) for the table."""
    if coverage is None:
        return "band-unknown", "Chưa rõ dân số"
    index = max(i for i, (lower, _colour, _label) in enumerate(BANDS) if coverage >= lower)
    return f"band-{index}", BANDS[index][2]


def _open_data(body: str, filename: str) -> Response:
    response = download(body, filename, personal=False, inline=True)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = OPEN_DATA_MAX_AGE
    return response


def _open_rows():
    contest = current_contest()
    as_of = dashboard.now_minute()
    if contest is None:
        return [], as_of
    return dashboard.unit_rows(contest.id, as_of)[1], as_of


def _topic_records(rows, as_of) -> dict[int, list[dict]]:
    """Unit id -> its open rates by topic (suppressed below gaps.MIN_PEOPLE)."""
    contest = current_contest()
    if contest is None:
        return {}
    grid = gaps.city_grid(contest.id, as_of)
    return {row.id: exports.open_topic_records(row, grid.topics, grid.unit_topics(row.id),
                                               as_of, gaps.MIN_PEOPLE) for row in rows}


@bp.get("/du-lieu/don-vi.geojson")
def open_data_geojson():
    rows, as_of = _open_rows()
    body = json.dumps(exports.units_geojson(rows, as_of, _topic_records(rows, as_of)),
                      ensure_ascii=False)
    response = _open_data(body, "don-vi.geojson")
    response.last_modified = to_local(as_of)
    return response


@bp.get("/du-lieu/don-vi.csv")
def open_data_csv():
    rows, as_of = _open_rows()
    response = _open_data(exports.units_csv(rows, as_of), "don-vi.csv")
    response.last_modified = to_local(as_of)
    return response


@bp.get("/du-lieu/chu-de.csv")
def open_data_topics_csv():
    """Shares of correct answers per unit × topic (one row each)."""
    rows, as_of = _open_rows()
    contest = current_contest()

    def body() -> str:
        by_unit = _topic_records(rows, as_of)
        return exports.topics_csv([record for row in rows for record in by_unit.get(row.id, [])])
    key = figure_cache._key("open-topics", contest.id if contest else 0, as_of.isoformat())
    response = _open_data(figure_cache.cached(key, as_of, body), "chu-de.csv")
    response.last_modified = to_local(as_of)
    return response
