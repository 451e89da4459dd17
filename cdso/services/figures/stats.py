"""The contest's figures, defined once (docs/rules.md), kept on write and read as of a moment.

- registered: participants with a registration in the contest;
- finished: participants with at least one submitted attempt;
- attempts: submitted attempts (imported ones also counted apart);
- coverage: finished ÷ adult population of the unit (None when the population is unknown).

Staff accounts (officials, accounts flagged as organisers or tests) count in no figure
(issue 17): `record_*` skips them and every count from the source tables leaves them out.

Every write that changes a figure calls one `record_*` function here, in the same
transaction, which adds to the hourly bucket and to the minute bucket. A figure as of
moment T is the sum of the buckets of the whole hours before T, plus the minute buckets
of the whole minutes of T's own hour, plus the rows of T's own minute counted from the
indexed source tables: the same answer every time it is asked.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cdso.extensions import db
from cdso.models import (Account, Attempt, AttemptStatus, FigureBucket, FigureMinute,
                         Registration, Unit)
from cdso.services.accounts import staff

GOAL = 0.8


def hour_of(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def minute_of(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _bump(contest_id: int, moment: dt.datetime, unit_id: int, organisation_id: int | None,
          group: str, **counts: int) -> None:
    """Add to the moment's hourly and minute buckets, each with a single upsert (no read,
    no lost update)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    for table, column, start in ((FigureBucket.__table__, "hour", hour_of(moment)),
                                 (FigureMinute.__table__, "minute", minute_of(moment))):
        values = dict(contest_id=contest_id, unit_id=unit_id, group=group,
                      organisation_id=organisation_id or 0,
                      registered=0, finished=0, attempts=0, imported_attempts=0)
        values[column] = start
        values.update(counts)
        statement = insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["contest_id", column, "unit_id", "organisation_id", "group"],
            set_={name: table.c[name] + statement.excluded[name] for name in counts},
        )
        db.session.execute(statement)


def _staff(account_id: int) -> bool:
    """Whether the account is staff (read from the session's identity map when loaded)."""
    account = db.session.get(Account, account_id)
    return account is not None and staff.is_staff(account)


def _people_only(query):
    """Keep the rows of participants' registrations: staff count in no figure."""
    return query.join(Account, Account.id == Registration.account_id).where(staff.resident())


def record_registration(registration: Registration) -> None:
    if _staff(registration.account_id):
        return
    _bump(registration.contest_id, registration.created_at, registration.unit_id,
          registration.organisation_id, registration.group, registered=1)


def record_registrations(contest_id: int, moment: dt.datetime,
                         counts: dict[tuple[int, int | None, str], int]) -> None:
    """Count many registrations made at one moment (a bulk enrolment): one upsert per
    (unit, organisation, group) instead of one per person."""
    for (unit_id, organisation_id, group), count in counts.items():
        _bump(contest_id, moment, unit_id, organisation_id, group, registered=count)


def record_finished_attempt(registration: Registration, attempt: Attempt,
                            recorded_at: dt.datetime) -> None:
    """Count a submitted attempt, and the person as finished if it is their first.

    `recorded_at` is when the system learnt of it (now): an import of old paper results
    does not rewrite figures already quoted in a dispatch."""
    if _staff(registration.account_id):
        return
    first = db.session.execute(
        Registration.__table__.update()
        .where(Registration.id == registration.id, Registration.first_finished_at.is_(None))
        .values(first_finished_at=recorded_at)
    ).rowcount == 1
    imported = 1 if attempt.source != "online" else 0
    _bump(registration.contest_id, recorded_at, registration.unit_id,
          registration.organisation_id, registration.group,
          attempts=1, finished=1 if first else 0, imported_attempts=imported)


def record_finished_attempts(finished: list[tuple[Registration, Attempt]],
                             recorded_at: dt.datetime) -> None:
    """record_finished_attempt for many attempts recorded at one moment (an import of
    results): one UPDATE for the people's first finish, one upsert per (unit,
    organisation, group)."""
    from collections import Counter

    excluded = set(db.session.scalars(select(Account.id).where(
        Account.id.in_({registration.account_id for registration, _ in finished}),
        staff.staff())))
    finished = [(r, a) for r, a in finished if r.account_id not in excluded]
    if not finished:
        return
    registrations = {registration.id: registration for registration, _ in finished}
    first = set(db.session.scalars(
        Registration.__table__.update()
        .where(Registration.id.in_(list(registrations)),
               Registration.first_finished_at.is_(None))
        .values(first_finished_at=recorded_at).returning(Registration.id)))
    counts: dict[tuple, Counter] = {}

    def slot(registration: Registration) -> Counter:
        return counts.setdefault((registration.contest_id, registration.unit_id,
                                  registration.organisation_id, registration.group), Counter())

    for registration, attempt in finished:
        slot(registration)["attempts"] += 1
        if attempt.source != "online":
            slot(registration)["imported_attempts"] += 1
    for registration_id in first:
        slot(registrations[registration_id])["finished"] += 1
    for (contest_id, unit_id, organisation_id, group), count in counts.items():
        _bump(contest_id, recorded_at, unit_id, organisation_id, group, **count)


@dataclass
class Figures:
    registered: int = 0
    finished: int = 0
    attempts: int = 0
    imported_attempts: int = 0
    population: int | None = None

    @property
    def coverage(self) -> float | None:
        if not self.population:
            return None
        return self.finished / self.population

    def add(self, other: Figures) -> None:
        self.registered += other.registered
        self.finished += other.finished
        self.attempts += other.attempts
        self.imported_attempts += other.imported_attempts


@dataclass
class CityFigures:
    as_of: dt.datetime
    total: Figures
    by_unit: dict[int, Figures] = field(default_factory=dict)
    # What attempts reviewed as invalid took away, per unit (integrity.exclusion).
    excluded: dict = field(default_factory=dict)

    @property
    def units_taking_part(self) -> int:
        return sum(1 for f in self.by_unit.values() if f.registered > 0)


def _bucket_sums(contest_id: int, before_hour: dt.datetime, dimension, extra_filter=None,
                 since: dt.datetime | None = None):
    columns = [func.coalesce(func.sum(FigureBucket.registered), 0),
               func.coalesce(func.sum(FigureBucket.finished), 0),
               func.coalesce(func.sum(FigureBucket.attempts), 0),
               func.coalesce(func.sum(FigureBucket.imported_attempts), 0)]
    query = select(dimension, *columns).where(FigureBucket.contest_id == contest_id,
                                              FigureBucket.hour < before_hour)
    if extra_filter is not None:
        query = query.where(extra_filter)
    if since is not None:
        query = query.where(FigureBucket.hour >= since)
    return db.session.execute(query.group_by(dimension)).all()


def _recent_counts(contest_id: int, start: dt.datetime, end: dt.datetime, dimension: str,
                   unit_id: int | None = None) -> dict:
    """What was recorded in [start, end) (inside one hour), grouped by "unit_id",
    "organisation_id" or "group": the minute buckets of its whole minutes, plus the rows
    of `end`'s own minute from the source tables."""
    minute = minute_of(end)
    out = _minute_sums(contest_id, start, minute, dimension, unit_id)
    if end > minute:
        for key, figures in _source_counts(contest_id, minute, end, dimension, unit_id).items():
            out.setdefault(key, Figures()).add(figures)
    return out


def _minute_sums(contest_id: int, start: dt.datetime, end: dt.datetime, dimension: str,
                 unit_id: int | None) -> dict:
    dim = getattr(FigureMinute, dimension)
    query = select(dim, func.sum(FigureMinute.registered), func.sum(FigureMinute.finished),
                   func.sum(FigureMinute.attempts), func.sum(FigureMinute.imported_attempts)
                   ).where(FigureMinute.contest_id == contest_id, FigureMinute.minute >= start,
                           FigureMinute.minute < end)
    if unit_id is not None:
        query = query.where(FigureMinute.unit_id == unit_id)
    return {key: Figures(*(int(c or 0) for c in counts))
            for key, *counts in db.session.execute(query.group_by(dim))}


def _source_counts(contest_id: int, start: dt.datetime, end: dt.datetime, dimension: str,
                   unit_id: int | None = None) -> dict:
    """Rows recorded in [start, end) from the source tables, grouped by a
    Registration column ("unit_id", "organisation_id" or "group")."""
    reg_dim = getattr(Registration, dimension)
    scope = [Registration.contest_id == contest_id]
    if unit_id is not None:
        scope.append(Registration.unit_id == unit_id)
    out: dict = {}

    def fig(key) -> Figures:
        return out.setdefault(key, Figures())

    registered = _people_only(select(reg_dim, func.count()).where(
        *scope, Registration.created_at >= start, Registration.created_at < end
    )).group_by(reg_dim)
    for key, count in db.session.execute(registered):
        fig(key).registered += count
    finished = _people_only(select(reg_dim, func.count()).where(
        *scope, Registration.first_finished_at >= start, Registration.first_finished_at < end
    )).group_by(reg_dim)
    for key, count in db.session.execute(finished):
        fig(key).finished += count
    # Attempts are bucketed by when they were recorded: finished_at for online attempts,
    # which is also the recording moment; imports record created batches at finish time.
    attempts = _people_only(select(reg_dim, Attempt.source, func.count()).join(
        Registration, Registration.id == Attempt.registration_id
    ).where(*scope, Attempt.contest_id == contest_id,  # lets ix_attempt_contest_recorded serve
            Attempt.status == AttemptStatus.FINISHED.value,
            Attempt.recorded_at >= start, Attempt.recorded_at < end
            )).group_by(reg_dim, Attempt.source)
    for key, source, count in db.session.execute(attempts):
        fig(key).attempts += count
        if source != "online":
            fig(key).imported_attempts += count
    return out


def _figures_by(contest_id: int, as_of: dt.datetime, dimension: str,
                unit_id: int | None = None, since: dt.datetime | None = None) -> dict:
    hour = hour_of(as_of)
    bucket_dim = getattr(FigureBucket, dimension)
    extra = FigureBucket.unit_id == unit_id if unit_id is not None else None
    result: dict = {}
    for key, registered, finished, attempts, imported in _bucket_sums(contest_id, hour,
                                                                       bucket_dim, extra, since):
        result[key] = Figures(int(registered), int(finished), int(attempts), int(imported))
    if as_of > hour:
        for key, recent in _recent_counts(contest_id, hour, as_of, dimension, unit_id).items():
            if dimension == "organisation_id":
                key = key or 0
            result.setdefault(key, Figures()).add(recent)
    return result


def city_figures(contest_id: int, as_of: dt.datetime) -> CityFigures:
    """Every unit's figures and the city total as of a moment."""
    return with_populations(_figures_by(contest_id, as_of, "unit_id"), as_of, contest_id)


def with_populations(by_unit: dict[int, Figures], as_of: dt.datetime,
                     contest_id: int | None = None) -> CityFigures:
    """Attach each unit's adult population and add up the city total (its population
    unknown while any unit's is). With `contest_id`, attempts reviewed as invalid are
    left out when the contest says so (docs/integrity.md)."""
    from cdso.services.integrity import exclusion

    excluded = exclusion.by_unit(contest_id, as_of) if contest_id is not None else {}
    for unit_id, gone in excluded.items():
        figures = by_unit.setdefault(unit_id, Figures())
        figures.attempts -= gone.attempts
        figures.finished -= gone.finished
    total = Figures(population=0)
    known_population = True
    for unit_id, population in db.session.execute(select(Unit.id, Unit.adult_population)):
        figures = by_unit.setdefault(unit_id, Figures())
        figures.population = population
        total.add(figures)
        if population:
            total.population += population
        else:
            known_population = False
    if not known_population:
        total.population = None
    return CityFigures(as_of=as_of, total=total, by_unit=by_unit, excluded=excluded)


def unit_figures_by(contest_id: int, unit_id: int, as_of: dt.datetime,
                    dimension: str) -> dict:
    """One unit's figures split by "organisation_id" (0 = none) or "group"."""
    return _figures_by(contest_id, as_of, dimension, unit_id=unit_id)


@dataclass
class UnitBreakdown:
    by_organisation: dict[int, Figures]  # 0 = no organisation
    by_group: dict[str, Figures]
    days: list[tuple[dt.date, int, int]]  # as daily_series


def unit_breakdown(contest_id: int, unit_id: int, as_of: dt.datetime) -> UnitBreakdown:
    """One unit's figures by organisation, by group and per day as of a moment: two sums
    over its buckets (by organisation and group together, and by hour) and one look at
    the current hour, instead of a full "as of" sum for each view."""
    from cdso.formatting import to_local
    hour = hour_of(as_of)
    sums = [func.sum(FigureBucket.registered), func.sum(FigureBucket.finished),
            func.sum(FigureBucket.attempts), func.sum(FigureBucket.imported_attempts)]
    scope = [FigureBucket.contest_id == contest_id, FigureBucket.unit_id == unit_id,
             FigureBucket.hour < hour]
    by_org: dict[int, Figures] = {}
    by_group: dict[str, Figures] = {}
    for org, group, *counts in db.session.execute(
            select(FigureBucket.organisation_id, FigureBucket.group, *sums).where(*scope)
            .group_by(FigureBucket.organisation_id, FigureBucket.group)):
        figures = Figures(*(int(c or 0) for c in counts))
        by_org.setdefault(org, Figures()).add(figures)
        by_group.setdefault(group, Figures()).add(figures)
    days: dict[dt.date, list[int]] = {}
    for bucket_hour, registered, finished in db.session.execute(
            select(FigureBucket.hour, sums[0], sums[1]).where(*scope)
            .group_by(FigureBucket.hour)):
        day = days.setdefault(to_local(bucket_hour).date(), [0, 0])
        day[0] += int(registered or 0)
        day[1] += int(finished or 0)
    if as_of > hour:
        for org, recent in _recent_counts(contest_id, hour, as_of, "organisation_id",
                                          unit_id).items():
            by_org.setdefault(org or 0, Figures()).add(recent)
        recent_by_group = _recent_counts(contest_id, hour, as_of, "group", unit_id)
        for group, recent in recent_by_group.items():
            by_group.setdefault(group, Figures()).add(recent)
        if recent_by_group:
            day = days.setdefault(to_local(hour).date(), [0, 0])
            day[0] += sum(f.registered for f in recent_by_group.values())
            day[1] += sum(f.finished for f in recent_by_group.values())
    return UnitBreakdown(by_org, by_group, [(d, r, f) for d, (r, f) in sorted(days.items())])


def city_figures_by(contest_id: int, as_of: dt.datetime, dimension: str,
                    since: dt.datetime | None = None) -> dict:
    """The whole city's figures split by "unit_id", "group" or "organisation_id" (0 = none);
    with `since` (the start of an hour), only what was recorded from then on."""
    return _figures_by(contest_id, as_of, dimension, since=since)


def daily_series(contest_id: int, unit_id: int | None = None,
                 as_of: dt.datetime | None = None,
                 since: dt.datetime | None = None) -> list[tuple[dt.date, int, int]]:
    """New registrations and new finishers per day (Vietnam time), from the buckets;
    with `as_of`, only what was recorded before that moment, and with `since` (the start
    of an hour) from then on."""
    from cdso.formatting import to_local
    query = select(FigureBucket.hour, func.sum(FigureBucket.registered),
                   func.sum(FigureBucket.finished)).where(FigureBucket.contest_id == contest_id)
    if unit_id is not None:
        query = query.where(FigureBucket.unit_id == unit_id)
    if as_of is not None:
        query = query.where(FigureBucket.hour < hour_of(as_of))
    if since is not None:
        query = query.where(FigureBucket.hour >= since)
    days: dict[dt.date, list[int]] = {}
    for hour, registered, finished in db.session.execute(query.group_by(FigureBucket.hour)):
        day = to_local(hour).date()
        totals = days.setdefault(day, [0, 0])
        totals[0] += int(registered or 0)
        totals[1] += int(finished or 0)
    if as_of is not None and as_of > hour_of(as_of):
        # Vietnam time is a whole number of hours from UTC: the partial hour is in one day.
        recent = _recent_counts(contest_id, hour_of(as_of), as_of, "group", unit_id)
        if recent:
            totals = days.setdefault(to_local(hour_of(as_of)).date(), [0, 0])
            totals[0] += sum(f.registered for f in recent.values())
            totals[1] += sum(f.finished for f in recent.values())
    return [(day, r, f) for day, (r, f) in sorted(days.items())]


def _truncated(column, unit: str):
    """The SQL expression of `column` cut to the start of its "hour" or "minute"."""
    if db.engine.dialect.name == "postgresql":
        return func.date_trunc(unit, column)
    return func.strftime("%Y-%m-%d %H:00:00.000000" if unit == "hour"
                         else "%Y-%m-%d %H:%M:00.000000", column)


def rebuild_buckets(contest_id: int) -> None:
    """Recount every hourly and minute bucket from the source tables with aggregate
    queries (after a bulk load, or to repair)."""
    _rebuild(FigureBucket, "hour", contest_id)
    _rebuild(FigureMinute, "minute", contest_id)
    db.session.flush()


def _rebuild(model, unit: str, contest_id: int) -> None:
    db.session.execute(model.__table__.delete().where(model.contest_id == contest_id))
    keys = (Registration.unit_id, func.coalesce(Registration.organisation_id, 0),
            Registration.group)
    totals: dict[tuple, dict[str, int]] = {}

    def add(rows, name):
        for start, unit_id, org_id, group, count in rows:
            if isinstance(start, str):
                start = dt.datetime.fromisoformat(start)
            slot = totals.setdefault((start, unit_id, org_id, group), {
                "registered": 0, "finished": 0, "attempts": 0, "imported_attempts": 0})
            slot[name] += count

    def grouped(moment_column, *where, join_attempts=False):
        start = _truncated(moment_column, unit)
        query = select(start, *keys, func.count())
        if join_attempts:
            query = query.select_from(Attempt).join(
                Registration, Registration.id == Attempt.registration_id)
        query = _people_only(query.where(Registration.contest_id == contest_id, *where))
        return db.session.execute(query.group_by(start, *keys)).all()

    add(grouped(Registration.created_at), "registered")
    add(grouped(Registration.first_finished_at, Registration.first_finished_at.is_not(None)),
        "finished")
    finished = Attempt.status == AttemptStatus.FINISHED.value
    add(grouped(Attempt.recorded_at, finished, join_attempts=True), "attempts")
    add(grouped(Attempt.recorded_at, finished, Attempt.source != "online",
                join_attempts=True), "imported_attempts")
    rows = [{"contest_id": contest_id, unit: start, "unit_id": unit_id,
             "organisation_id": org_id, "group": group, **counts}
            for (start, unit_id, org_id, group), counts in totals.items()]
    if rows:
        db.session.execute(model.__table__.insert(), rows)
