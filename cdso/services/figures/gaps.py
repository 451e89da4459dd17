"""Knowledge gaps: the share of correct answers per topic, per unit and per organisation,
as of a moment, against the whole city (issue 22). The city's grid is shared between app
nodes like the other city figures (cdso.services.figures.cache): the sums of the days
before the moment's day once, the day itself on each view.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from cdso.caching import peek
from cdso.extensions import db
from cdso.models import Organisation, Topic, Unit
from cdso.services.figures import cache
from cdso.models import TopicBucket, TopicMinute
from cdso.services.figures.stats import hour_of, minute_of
from cdso.services.figures.topics import Cell, bucket_sums, cells_by, source_sums
from cdso.services.units.catalogue import plain_key

DIMS = ("unit_id", "topic_id")
ORG_DIMS = ("organisation_id", "topic_id")  # one unit's grid
HOURS_TTL = 7200  # a day's whole hours: they never change once past
MINUTES_TTL = 180  # an hour's whole minutes, read again by the next minute
MIN_PEOPLE = 10  # open data: a cell with fewer finished participants is not published
WEAKEST = 3


@dataclass(frozen=True)
class TopicInfo:
    id: int
    number: int  # 1-based, the column of the heat map
    name: str


def topics() -> list[TopicInfo]:
    rows = db.session.execute(select(Topic.id, Topic.name).order_by(Topic.position, Topic.id))
    return [TopicInfo(tid, i, name) for i, (tid, name) in enumerate(rows, start=1)]


@dataclass
class Grid:
    """Cells (unit, topic) of the whole city, and the city per topic."""

    as_of: dt.datetime
    topics: list[TopicInfo]
    cells: dict[tuple[int, int], Cell]
    city: dict[int, Cell] = field(default_factory=dict)

    def cell(self, unit_id: int, topic_id: int) -> Cell:
        return self.cells.get((unit_id, topic_id)) or Cell()

    def unit_topics(self, unit_id: int) -> dict[int, Cell]:
        return {t.id: self.cell(unit_id, t.id) for t in self.topics}


def _encode(cells: dict) -> dict:
    return {f"{u}:{t}": [c.answered, c.correct, c.people] for (u, t), c in cells.items()}


def _decode(raw: dict) -> dict[tuple[int, int], Cell]:
    out = {}
    for key, values in raw.items():
        unit_id, topic_id = key.split(":")
        out[(int(unit_id), int(topic_id))] = Cell(*values)
    return out


def _add(cells: dict, more: dict) -> None:
    for key, cell in more.items():
        cells.setdefault(key, Cell()).add(cell)


def _piece(name: str, contest_id: int, unit_id: int | None, *parts) -> str:
    """The shared key of a piece of the city's grid, or of one unit's by organisation."""
    return cache._key(name, contest_id, *([f"u{unit_id}"] if unit_id else []), *parts)


def _minutes_upto(contest_id: int, unit_id: int | None, hour: dt.datetime,
                  minute: dt.datetime, as_of: dt.datetime) -> dict:
    """The minute buckets of [hour, minute): the previous minute's shared sums plus one
    minute when another request left them, else a sum over the hour's minutes."""
    dims = ORG_DIMS if unit_id else DIMS

    def compute():
        previous = minute - dt.timedelta(minutes=1)
        found = peek(_piece("topics-minutes", contest_id, unit_id, previous.isoformat())) \
            if previous > hour else None
        if found is None:
            return _encode(bucket_sums(TopicMinute, "minute", contest_id, hour, minute,
                                       dims, unit_id))
        cells = _decode(found)
        _add(cells, bucket_sums(TopicMinute, "minute", contest_id, previous, minute, dims,
                                unit_id))
        return _encode(cells)
    return _decode(cache.cached(_piece("topics-minutes", contest_id, unit_id,
                                       minute.isoformat()), as_of, compute, ttl=MINUTES_TTL))


def _split_grid(contest_id: int, as_of: dt.datetime, unit_id: int | None = None) -> dict:
    """cells_by(unit, topic) for the city, or cells_by(organisation, topic) for one unit,
    as shared pieces: the days before the moment's day (summed once every DAYS_TTL), that
    day's whole hours before the moment's hour (once an hour), the hour's whole minutes
    (from the previous minute's sums), the moment's own minute."""
    dims = ORG_DIMS if unit_id else DIMS
    midnight = cache.local_midnight(as_of)
    hour, minute = hour_of(as_of), minute_of(as_of)
    cells = _decode(cache.cached(
        _piece("topics-upto", contest_id, unit_id, midnight.isoformat()), as_of,
        lambda: _encode(cells_by(contest_id, midnight, dims, unit_id)), ttl=cache.DAYS_TTL))
    if hour > midnight:
        _add(cells, _decode(cache.cached(
            _piece("topics-hours", contest_id, unit_id, midnight.isoformat(), hour.isoformat()),
            as_of, lambda: _encode(bucket_sums(TopicBucket, "hour", contest_id, midnight, hour,
                                               dims, unit_id)), ttl=HOURS_TTL)))
    if minute > hour:
        _add(cells, _minutes_upto(contest_id, unit_id, hour, minute, as_of))
    if as_of > minute:
        _add(cells, source_sums(contest_id, minute, as_of, dims, unit_id))
    return _encode(cells)


def city_grid(contest_id: int, as_of: dt.datetime) -> Grid:
    raw = cache.cached(cache._key("topics", contest_id, as_of.isoformat()), as_of,
                       lambda: _split_grid(contest_id, as_of))
    cells = _decode(raw)
    grid = Grid(as_of, topics(), cells)
    for (_unit, topic_id), cell in cells.items():
        grid.city.setdefault(topic_id, Cell()).add(cell)
    return grid


@dataclass(frozen=True)
class Gap:
    topic: TopicInfo
    own: Cell
    city: Cell

    @property
    def difference(self) -> float:
        return (self.own.rate or 0) - (self.city.rate or 0)


def weakest(own: dict[int, Cell], city: dict[int, Cell], topic_list: list[TopicInfo],
            count: int = WEAKEST) -> list[Gap]:
    """The topics where the unit's share of correct answers lies furthest below the
    city's ("Chủ đề cần tăng cường"), among those it has answers in."""
    gaps = [Gap(t, own[t.id], city.get(t.id) or Cell()) for t in topic_list
            if own.get(t.id) and own[t.id].answered]
    gaps.sort(key=lambda g: (g.difference, g.own.rate or 0, g.topic.number))
    return gaps[:count]


@dataclass
class UnitRow:
    id: int
    name: str
    short_name: str
    kind: str
    lat: float | None
    lon: float | None
    code: str
    cells: dict[int, Cell]


def unit_rows(grid: Grid) -> list[UnitRow]:
    rows = [UnitRow(u.id, u.name, u.short_name, u.kind, u.lat, u.lon, u.code,
                    grid.unit_topics(u.id))
            for u in db.session.execute(select(Unit.id, Unit.name, Unit.short_name, Unit.kind,
                                               Unit.lat, Unit.lon, Unit.code))]
    rows.sort(key=lambda r: (plain_key(r.short_name), r.name))
    return rows


def sort_units(rows: list[UnitRow], topic_id: int | None, descending: bool) -> list[UnitRow]:
    """By name, or by one topic's share of correct answers (units without answers last)."""
    if topic_id is None:
        return list(reversed(rows)) if descending else rows
    known = [r for r in rows if r.cells[topic_id].answered]
    unknown = [r for r in rows if not r.cells[topic_id].answered]
    return sorted(known, key=lambda r: r.cells[topic_id].rate, reverse=descending) + unknown


@dataclass
class UnitGaps:
    unit: Unit
    as_of: dt.datetime
    topics: list[TopicInfo]
    own: dict[int, Cell]
    city: dict[int, Cell]
    organisations: list[tuple[str, dict[int, Cell]]]  # name ("" = none), cells by topic
    weakest: list[Gap]


def unit_gaps(contest_id: int, unit: Unit, as_of: dt.datetime) -> UnitGaps:
    """One unit by topic and by organisation, with the city for comparison."""
    topic_list = topics()
    raw = cache.cached(cache._key("topics-unit", contest_id, unit.id, as_of.isoformat()), as_of,
                       lambda: _split_grid(contest_id, as_of, unit.id))
    by_org = _decode(raw)
    own: dict[int, Cell] = {t.id: Cell() for t in topic_list}
    orgs: dict[int, dict[int, Cell]] = {}
    for (org_id, topic_id), cell in by_org.items():
        own.setdefault(topic_id, Cell()).add(cell)
        orgs.setdefault(org_id, {}).setdefault(topic_id, Cell()).add(cell)
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.unit_id == unit.id)).all())
    organisations = sorted(((names.get(org_id, ""), cells) for org_id, cells in orgs.items()),
                           key=lambda pair: (pair[0] == "", plain_key(pair[0])))
    city = city_grid(contest_id, as_of).city
    return UnitGaps(unit, as_of, topic_list, own, city, organisations,
                    weakest(own, city, topic_list))
