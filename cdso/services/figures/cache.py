"""City-wide figures as of a moment, shared between app nodes through the one cache
(cdso/caching.py: Redis in production).

A city figure sums every hourly bucket of the contest: hundreds of thousands of rows at
city scale. Two things keep a page view small:
- the sums are split at the local midnight before the moment: the days before it are
  summed once and shared for DAYS_TTL (they only change when an account is deleted), and
  only the buckets of the moment's own day are summed on each view;
- the moment a page asks for is "now" rounded down to the minute, which is also what it
  prints ("Tính đến 15h07 ngày 22/10/2025"); the figures of one contest at one minute
  are the same for every node, so they are shared too.
Populations are read fresh each time (114 rows): a newly entered population shows at
once. Without the shared cache everything is computed, still split.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable


from cdso.caching import peek, remember
from cdso.clock import local_midnight
from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.services.figures import stats
from cdso.services.figures.stats import CityFigures, Figures

log = logging.getLogger(__name__)
CURRENT_TTL = 90  # seconds: the minute being asked about, and a little more
PAST_TTL = 3600
DAYS_TTL = 600  # the sums of whole past days: a deleted account shows within 10 minutes
WARM_GRACE = dt.timedelta(seconds=20)  # the minute's sweep has filled "now" by then


def _key(*parts) -> str:
    database = hashlib.sha1(str(db.engine.url).encode()).hexdigest()[:10]
    return "fig:" + database + ":" + ":".join(str(p) for p in parts)


def _ttl(as_of: dt.datetime) -> int:
    return PAST_TTL if as_of < utcnow() - dt.timedelta(hours=1) else CURRENT_TTL


def cached(key: str, as_of: dt.datetime, compute: Callable[[], object],
           ttl: int | None = None):
    """`compute()` (JSON-able), or the value another request already stored for `key`."""
    return remember(key, compute, ttl or _ttl(as_of))


def latest(key_of: Callable[[dt.datetime], str], as_of: dt.datetime,
           compute: Callable[[], object], *, step: dt.timedelta = dt.timedelta(minutes=1),
           grace: dt.timedelta = WARM_GRACE, ttl: int | None = None
           ) -> tuple[dt.datetime, object]:
    """(moment, value) for a page of "now" (`as_of`, the current minute or `step`): the
    value computed ahead by `flask cdso sweep`; in the step's first `grace`, while the
    sweep is still computing it, the previous step's value when there is one (the page
    states that moment), so no request pays the computation; else computed here."""
    found = peek(key_of(as_of))
    if found is not None:
        return as_of, found
    if utcnow() - as_of < grace:
        found = peek(key_of(as_of - step))
        if found is not None:
            return as_of - step, found
    return as_of, cached(key_of(as_of), as_of, compute, ttl)


def _encode(figures: dict) -> dict:
    return {str(k): [f.registered, f.finished, f.attempts, f.imported_attempts]
            for k, f in figures.items()}


def _decode(raw: dict, key_type=int) -> dict:
    return {key_type(k): Figures(*v) for k, v in raw.items()}


def _split_sums(contest_id: int, as_of: dt.datetime, dimension: str) -> dict:
    """stats.city_figures_by, as the shared sums of the days before the moment's day plus
    the sums of that day up to the moment."""
    midnight = local_midnight(as_of)
    before = cached(_key("upto", dimension, contest_id, midnight.isoformat()), as_of,
                    lambda: _encode(stats.city_figures_by(contest_id, midnight, dimension)),
                    ttl=DAYS_TTL)
    result = _decode(before, int if dimension == "unit_id" else str)
    for key, figures in stats.city_figures_by(contest_id, as_of, dimension,
                                              since=midnight).items():
        result.setdefault(key, Figures()).add(figures)
    return _encode(result)


def city_figures(contest_id: int, as_of: dt.datetime) -> CityFigures:
    """stats.city_figures, with the bucket sums shared through the cache."""
    raw = cached(_key("units", contest_id, as_of.isoformat()), as_of,
                 lambda: _split_sums(contest_id, as_of, "unit_id"))
    return stats.with_populations(_decode(raw), as_of, contest_id)


def city_figures_by_group(contest_id: int, as_of: dt.datetime) -> dict[str, Figures]:
    raw = cached(_key("groups", contest_id, as_of.isoformat()), as_of,
                 lambda: _split_sums(contest_id, as_of, "group"))
    return _decode(raw, str)


def daily_series(contest_id: int, as_of: dt.datetime) -> list[tuple[dt.date, int, int]]:
    """The city's new registrations and finishers per day (a unit's come with its
    breakdown: stats.unit_breakdown)."""
    midnight = local_midnight(as_of)

    def split():
        before = cached(_key("days", contest_id, midnight.isoformat()), as_of,
                        lambda: [[d.isoformat(), r, f]
                                 for d, r, f in stats.daily_series(contest_id, None, midnight)],
                        ttl=DAYS_TTL)
        today = stats.daily_series(contest_id, None, as_of, since=midnight)
        return before + [[d.isoformat(), r, f] for d, r, f in today]

    raw = cached(_key("daily", contest_id, as_of.isoformat()), as_of, split)
    return [(dt.date.fromisoformat(d), r, f) for d, r, f in raw]
