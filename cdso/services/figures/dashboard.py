"""What the officials' dashboards and the public figure pages show, as of a moment.

Every count comes from the hourly buckets (cdso.services.figures.stats, shared through
cdso.services.figures.cache); lists of people read one page through an index."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from cdso.clock import parse_local_moment
from cdso.extensions import db
from cdso.formatting import by_name, sort_key, utcnow
from cdso.web.pagination import Page
from cdso.models import (GROUP_LABELS, Account, Contest, Group, Organisation, Registration,
                         Role, Unit)
from cdso.models.unit import UNIT_KIND_LABELS
from cdso.services.figures import cache as figure_cache
from cdso.services.accounts import scope
from cdso.services.figures import stats
from cdso.services.figures.stats import Figures
from cdso.services.documents.svg_chart import DayPoint, render_daily_chart

PAGE_SIZE = 50
TOP = 10
SORTS = {"ten", "dang-ky", "hoan-thanh", "luot-thi", "dan-so", "ty-le"}
DIRECTIONS = {"tang", "giam"}


def now_minute() -> dt.datetime:
    """"Now" as a dashboard states it: to the minute."""
    return utcnow().replace(second=0, microsecond=0)


class BadMoment(ValueError):
    """A moment typed on a dashboard or export form that cannot be used."""


def parse_moment(raw: str | None, contest: Contest | None = None) -> dt.datetime:
    """A Vietnam-time moment as typed ("2025-10-22T15:00" from a datetime-local field,
    or "15:00 22/10/2025", "22/10/2025 15:00") -> naive UTC; empty -> now."""
    text = (raw or "").strip()
    if not text:
        return now_minute()
    moment = parse_local_moment(text)
    if moment is None:
        raise BadMoment("Thời điểm cần có giờ và ngày, ví dụ 15:00 22/10/2025.")
    if moment > utcnow():
        raise BadMoment("Thời điểm này còn ở tương lai. Xin chọn một thời điểm đã qua.")
    return moment


@dataclass
class UnitRow:
    id: int
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    figures: Figures

    @property
    def kind_label(self) -> str:
        return UNIT_KIND_LABELS[self.kind]


def unit_rows(contest_id: int, as_of: dt.datetime) -> tuple[stats.CityFigures, list[UnitRow]]:
    """The city figures and one row per unit, by name."""
    city = figure_cache.city_figures(contest_id, as_of)
    units = db.session.execute(select(Unit.id, Unit.code, Unit.name, Unit.short_name,
                                      Unit.kind, Unit.lat, Unit.lon)).all()
    units.sort(key=lambda u: (sort_key(u.short_name), sort_key(u.name)))
    return city, [UnitRow(u.id, u.code, u.name, u.kind, u.lat, u.lon, city.by_unit[u.id])
                  for u in units]


def most_and_least(rows: list[UnitRow], count: int = TOP) -> tuple[list[UnitRow], list[UnitRow]]:
    """The units with the most and the fewest registered participants (seed 003)."""
    most = sorted(rows, key=lambda r: -r.figures.registered)[:count]  # stable: by name
    least = sorted(rows, key=lambda r: r.figures.registered)[:count]
    return most, least


def sort_rows(rows: list[UnitRow], by: str, direction: str) -> list[UnitRow]:
    """Sort the units' table; an unknown coverage or population always goes last."""
    descending = direction == "giam"
    if by == "ten":
        return list(reversed(rows)) if descending else list(rows)
    value = {
        "dang-ky": lambda r: r.figures.registered,
        "hoan-thanh": lambda r: r.figures.finished,
        "luot-thi": lambda r: r.figures.attempts,
        "dan-so": lambda r: r.figures.population,
        "ty-le": lambda r: r.figures.coverage,
    }[by]
    known = [r for r in rows if value(r) is not None]
    unknown = [r for r in rows if value(r) is None]
    return sorted(known, key=value, reverse=descending) + unknown


def city_daily_chart(contest_id: int, as_of: dt.datetime) -> str:
    series = figure_cache.daily_series(contest_id, as_of)
    return render_daily_chart([DayPoint(d, r, f) for d, r, f in series], id_prefix="chart-city")


def group_rows(by_group: dict[str, Figures]) -> list[tuple[str, Figures]]:
    return [(GROUP_LABELS[g], by_group.get(g.value, Figures())) for g in Group]


@dataclass
class CityDashboard:
    as_of: dt.datetime
    total: Figures
    units_taking_part: int
    rows: list[UnitRow]
    most: list[UnitRow]
    least: list[UnitRow]
    groups: list[tuple[str, Figures]]
    unit_count: int
    goal: float = stats.GOAL
    excluded_attempts: int = 0  # reviewed as invalid and left out (docs/integrity.md)
    excluded_finished: int = 0


def city_dashboard(contest: Contest, as_of: dt.datetime, *, kind: str = "",
                   sort: str = "dang-ky", direction: str = "giam") -> CityDashboard:
    city, rows = unit_rows(contest.id, as_of)
    most, least = most_and_least(rows)
    shown = [r for r in rows if not kind or r.kind == kind]
    groups = group_rows(figure_cache.city_figures_by_group(contest.id, as_of))
    return CityDashboard(as_of, city.total, city.units_taking_part,
                         sort_rows(shown, sort, direction), most, least, groups, len(rows),
                         excluded_attempts=sum(e.attempts for e in city.excluded.values()),
                         excluded_finished=sum(e.finished for e in city.excluded.values()))


@dataclass
class TeamRow:
    account: Account
    registered: int
    finished: int


@dataclass
class UnitDashboard:
    unit: Unit
    as_of: dt.datetime
    figures: Figures
    organisations: list[tuple[str, Figures]]
    groups: list[tuple[str, Figures]]
    team: list[TeamRow] = field(default_factory=list)
    chart_svg: str = ""  # the daily chart, server-rendered

    @property
    def unfinished(self) -> int:
        return self.figures.registered - self.figures.finished


def unit_dashboard(contest: Contest, unit: Unit, as_of: dt.datetime) -> UnitDashboard:
    breakdown = stats.unit_breakdown(contest.id, unit.id, as_of)
    by_org = breakdown.by_organisation
    total = Figures(population=unit.adult_population)
    for figures in by_org.values():
        total.add(figures)
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.unit_id == unit.id)).all())
    organisations = [(name, by_org.get(org_id, Figures())) for org_id, name in names.items()]
    organisations.sort(key=lambda pair: sort_key(pair[0]))
    if by_org.get(0) and by_org[0].registered:
        organisations.append(("Chưa chọn đơn vị", by_org[0]))
    chart = render_daily_chart([DayPoint(d, r, f) for d, r, f in breakdown.days],
                               id_prefix=f"chart-{unit.id}")
    return UnitDashboard(unit, as_of, total, organisations, group_rows(breakdown.by_group),
                         team_members(contest, unit, as_of), chart)


def team_members(contest: Contest, unit: Unit, as_of: dt.datetime) -> list[TeamRow]:
    """The unit's community digital team and the residents each registered for them."""
    members = by_name(db.session.scalars(select(Account).where(
        Account.unit_id == unit.id, Account.role == Role.TEAM_MEMBER.value)
        .order_by(Account.id)), lambda a: a.full_name)
    if not members:
        return []
    finished = func.count(Registration.first_finished_at).filter(
        Registration.first_finished_at < as_of)
    counts = {row[0]: (row[1], row[2]) for row in db.session.execute(
        select(Registration.assisted_by_id, func.count(), finished).where(
            Registration.contest_id == contest.id, Registration.created_at < as_of,
            Registration.unit_id == unit.id,
            Registration.assisted_by_id.in_([m.id for m in members]))
        .group_by(Registration.assisted_by_id))}
    return [TeamRow(m, *counts.get(m.id, (0, 0))) for m in members]


@dataclass
class PersonRow:
    registration_id: int
    full_name: str
    phone: str
    organisation: str
    group: str
    registered_at: dt.datetime
    finished_at: dt.datetime | None


def _people_page(ids, page: int) -> Page:
    """One page of people: the registrations' ids are paged first (through an index, no
    join), then only that page is joined to the accounts and organisations."""
    page = max(1, page)
    size = PAGE_SIZE
    wanted = ids.order_by(Registration.created_at, Registration.id) \
        .offset((page - 1) * size).limit(size + 1).subquery()
    query = select(Registration.id, Account.full_name, Account.phone, Registration.group,
                   Registration.created_at, Registration.first_finished_at,
                   Organisation.name.label("org_name")) \
        .join(wanted, wanted.c.id == Registration.id) \
        .join(Account, Account.id == Registration.account_id) \
        .outerjoin(Organisation, Organisation.id == Registration.organisation_id) \
        .order_by(Registration.created_at, Registration.id)
    found = db.session.execute(query).all()
    rows = [PersonRow(r.id, r.full_name, r.phone or "", r.org_name or "",
                      GROUP_LABELS.get(Group(r.group), r.group), r.created_at,
                      r.first_finished_at) for r in found[:size]]
    return Page(rows, page, len(found) > size, size)


def unfinished_page(account: Account, contest: Contest, unit: Unit, page: int = 1) -> Page:
    """Residents of the unit who registered but have not finished yet (now), oldest first:
    the ward's follow-up list. Read through the partial index of unfinished registrations."""
    ids = scope.scope_registrations(select(Registration.id), account).where(
        Registration.contest_id == contest.id, Registration.unit_id == unit.id,
        Registration.first_finished_at.is_(None))
    return _people_page(ids, page)


def members_page(account: Account, contest: Contest, organisation: Organisation,
                 page: int = 1) -> Page:
    """The members of one organisation, in order of registration."""
    ids = scope.scope_registrations(select(Registration.id), account).where(
        Registration.contest_id == contest.id, Registration.organisation_id == organisation.id)
    return _people_page(ids, page)


@dataclass
class OrganisationDashboard:
    organisation: Organisation
    as_of: dt.datetime
    figures: Figures


def organisation_dashboard(contest: Contest, organisation: Organisation,
                           as_of: dt.datetime) -> OrganisationDashboard:
    by_org = stats.unit_figures_by(contest.id, organisation.unit_id, as_of, "organisation_id")
    return OrganisationDashboard(organisation, as_of, by_org.get(organisation.id, Figures()))
