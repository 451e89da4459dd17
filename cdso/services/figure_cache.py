"""City-wide figures as of a moment, shared between app nodes through Redis.

A city figure sums every hourly bucket of the contest (hundreds of thousands of rows at
city scale). The moment a page asks for is "now" rounded down to the minute, which is
also what it prints ("Tính đến 15h07 ngày 22/10/2025"); the sums for one contest and one
minute never change, so every node may reuse them. Populations are read fresh each time
(114 rows), so a newly entered population shows at once. Without Redis (a developer
machine, the tests) the figures are simply computed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Unit
from cdso.services import stats
from cdso.services.stats import CityFigures, Figures

log = logging.getLogger(__name__)
CURRENT_TTL = 90  # seconds: the minute being asked about, and a little more
PAST_TTL = 3600


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("cdso_redis")
    if client is None:
        import redis
        client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        current_app.extensions["cdso_redis"] = client
    return client


def _key(*parts) -> str:
    database = hashlib.sha1(str(db.engine.url).encode()).hexdigest()[:10]
    return "cdso:fig:" + database + ":" + ":".join(str(p) for p in parts)


def _ttl(as_of: dt.datetime) -> int:
    return PAST_TTL if as_of < utcnow() - dt.timedelta(hours=1) else CURRENT_TTL


def cached(key: str, as_of: dt.datetime, compute: Callable[[], object]):
    """`compute()` (JSON-able), or the value another request already stored for `key`."""
    client = _redis()
    if client is not None:
        try:
            found = client.get(key)
            if found is not None:
                return json.loads(found)
        except Exception as error:  # Redis down: compute, never fail the page
            log.warning("figure cache unavailable: %s", error)
            client = None
    value = compute()
    if client is not None:
        try:
            client.set(key, json.dumps(value), ex=_ttl(as_of))
        except Exception as error:
            log.warning("figure cache unavailable: %s", error)
    return value


def _encode(figures: dict) -> dict:
    return {str(k): [f.registered, f.finished, f.attempts, f.imported_attempts]
            for k, f in figures.items()}


def _decode(raw: dict, key_type=int) -> dict:
    return {key_type(k): Figures(*v) for k, v in raw.items()}


def city_figures(contest_id: int, as_of: dt.datetime) -> CityFigures:
    """stats.city_figures, with the bucket sums shared through the cache."""
    raw = cached(_key("units", contest_id, as_of.isoformat()), as_of,
                 lambda: _encode(stats.city_figures(contest_id, as_of).by_unit))
    by_unit = _decode(raw)
    total = Figures(population=0)
    known = True
    for unit_id, population in db.session.execute(select(Unit.id, Unit.adult_population)):
        figures = by_unit.setdefault(unit_id, Figures())
        figures.population = population
        total.add(figures)
        if population:
            total.population += population
        else:
            known = False
    if not known:
        total.population = None
    return CityFigures(as_of=as_of, total=total, by_unit=by_unit)


def city_figures_by_group(contest_id: int, as_of: dt.datetime) -> dict[str, Figures]:
    raw = cached(_key("groups", contest_id, as_of.isoformat()), as_of,
                 lambda: _encode(stats.city_figures_by(contest_id, as_of, "group")))
    return _decode(raw, str)


def daily_series(contest_id: int, as_of: dt.datetime,
                 unit_id: int | None = None) -> list[tuple[dt.date, int, int]]:
    if unit_id is not None:  # one unit's buckets are few: no need to share them
        return stats.daily_series(contest_id, unit_id, as_of)
    raw = cached(_key("daily", contest_id, as_of.isoformat()), as_of,
                 lambda: [[d.isoformat(), r, f]
                          for d, r, f in stats.daily_series(contest_id, None, as_of)])
    return [(dt.date.fromisoformat(d), r, f) for d, r, f in raw]
