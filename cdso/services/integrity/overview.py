"""All signals of a contest as of a moment, with their reviews, ranked by how much of a
unit's figure they touch."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Contest, IntegrityReview
from cdso.services.figures import cache as figure_cache
from cdso.services.figures import stats
from cdso.services.integrity import attempt_signals, signals
from cdso.services.integrity.settings import thresholds


@dataclass
class Overview:
    as_of: dt.datetime
    signals: list[signals.Signal]
    imports: list[signals.ImportRow]

    @property
    def unreviewed_unit_ids(self) -> set[int]:
        return {s.unit_id for s in self.signals if not s.reviewed}


def _detect(contest: Contest, as_of: dt.datetime) -> dict:
    """Every signal and import of the whole city as of a moment, JSON-able (shared)."""
    limits = thresholds(contest)
    found = []
    for detector in (signals.bursts, signals.devices, attempt_signals.fast,
                     attempt_signals.same_answers, attempt_signals.helpers):
        found += detector(contest.id, as_of, limits)
    return {"signals": [{**asdict(s), "review": None, "start": s.start and s.start.isoformat(),
                         "end": s.end and s.end.isoformat()} for s in found],
            "imports": [{**asdict(i), "at": i.at.isoformat()}
                        for i in signals.imports(contest.id, as_of)]}


def _decoded(raw: dict) -> signals.Signal:
    moment = dt.datetime.fromisoformat
    return signals.Signal(**{**raw, "start": raw["start"] and moment(raw["start"]),
                             "end": raw["end"] and moment(raw["end"])})


STEP = dt.timedelta(minutes=10)
GRACE = dt.timedelta(minutes=2)  # the sweep has computed a step's signals by then


def signal_moment(now: dt.datetime | None = None) -> dt.datetime:
    """The moment pages state signals as of: now, down to a STEP (10 minutes), so that the
    city-wide computation runs at most once per step (and `warm` can run it first)."""
    from cdso.formatting import utcnow

    now = now or utcnow()
    start = now.replace(minute=0, second=0, microsecond=0)
    return start + STEP * ((now - start) // STEP)


def _key(contest: Contest, as_of: dt.datetime) -> str:
    limits = json.dumps(thresholds(contest), sort_keys=True)
    return figure_cache._key("integrity", contest.id, as_of.isoformat(),
                             hashlib.sha1(limits.encode()).hexdigest()[:8])


TTL = int(STEP.total_seconds()) + 300


def _raw(contest: Contest, as_of: dt.datetime) -> dict:
    return figure_cache.cached(_key(contest, as_of), as_of, lambda: _detect(contest, as_of),
                               ttl=TTL)


def warm(contest: Contest, now: dt.datetime | None = None) -> bool:
    """Compute the current step's signals into the shared cache unless already there, and
    the unit figures their shares are of (run by `flask cdso sweep` every minute, so no
    official waits for them). Needs Redis."""
    from flask import current_app

    if current_app.config.get("CACHE_TYPE") != "RedisCache":  # nothing another process reads
        return False
    as_of = signal_moment(now)
    _raw(contest, as_of)
    figure_cache.city_figures(contest.id, as_of)
    return True


def compute(contest: Contest, as_of: dt.datetime, unit_ids: set[int] | None = None
            ) -> Overview:
    """Every signal (of `unit_ids` only, when given; None = the whole city). The signals
    of one moment are shared between requests and nodes through the figure cache (Redis);
    reviews and shares are attached fresh on every call."""
    return _attached(contest, as_of, _raw(contest, as_of), unit_ids)


def current(contest: Contest, unit_ids: set[int] | None = None) -> Overview:
    """The signals pages show: as of the current step (`signal_moment`), computed ahead
    by the sweep; in the step's first GRACE, while the sweep computes it, as of the
    previous step when that is at hand (the page says which)."""
    as_of = signal_moment()
    moment, raw = figure_cache.latest(lambda m: _key(contest, m), as_of,
                                      lambda: _detect(contest, as_of), step=STEP,
                                      grace=GRACE, ttl=TTL)
    return _attached(contest, moment, raw, unit_ids)


def _attached(contest: Contest, as_of: dt.datetime, raw: dict, unit_ids) -> Overview:
    # Always the whole city, then the viewer's units: a burst from one address or one
    # answer pattern may span units, and each unit sees its own part of it.
    found = [_decoded(s) for s in raw["signals"] if unit_ids is None or s["unit_id"] in unit_ids]
    figures = figure_cache.city_figures(contest.id, as_of).by_unit
    reviews = {r.signal_key: r for r in db.session.scalars(
        select(IntegrityReview).where(IntegrityReview.contest_id == contest.id))}
    for signal in found:
        unit = figures.get(signal.unit_id, stats.Figures())
        whole = unit.attempts if signal.attempt_ids else unit.registered
        signal.share = signal.touched / whole if whole else 1.0
        signal.review = reviews.get(signal.key)
    found.sort(key=lambda s: (s.reviewed, -s.share, -s.touched, s.key))
    imports = [signals.ImportRow(**{**i, "at": dt.datetime.fromisoformat(i["at"])})
               for i in raw["imports"] if unit_ids is None or i["unit_id"] in unit_ids]
    return Overview(as_of, found, imports)


def publication_flags(contest: Contest) -> dict:
    """What a publication preview (ranking, city report draft) highlights: the names of
    units with unreviewed signals, and what leaving out invalid attempts took away."""
    from cdso.models import Unit
    from cdso.services.integrity import exclusion

    found = current(contest)
    unit_ids, as_of = found.unreviewed_unit_ids, found.as_of
    names = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    excluded = exclusion.by_unit(contest.id, as_of)
    return {"units": sorted(names[u] for u in unit_ids),
            "excluded_attempts": sum(e.attempts for e in excluded.values()),
            "excluded_finished": sum(e.finished for e in excluded.values())}
