"""Signals of padded figures as of a moment, per unit (docs/integrity.md).

Registration side here (bursts per organisation, helper or network address; many accounts
from one device cookie); attempt side in `attempt_signals`. Each detector first narrows
with one grouped SQL query, then reads only the candidate rows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Integer, cast, func, select

from cdso.extensions import db
from cdso.models import Account, ImportBatch, IntegrityReview, Organisation, Registration

KINDS = {
    "burst": "Đăng ký dồn dập",
    "fast": "Bài làm nhanh hơn thời gian đọc",
    "same_answers": "Đáp án giống hệt nhau",
    "device": "Nhiều tài khoản trên một thiết bị",
    "helper": "Điểm lượt thi được hỗ trợ khác xa đơn vị",
}
SOURCES = {"organisation_id": "tổ chức", "assisted_by_id": "người hỗ trợ",
           "client_ip": "địa chỉ mạng"}


@dataclass
class Signal:
    kind: str
    key: str  # stable while the signal grows: the review is matched on it
    unit_id: int
    subject: str  # who or what: an organisation, a helper, an address, a device
    detail: str
    start: dt.datetime | None
    end: dt.datetime | None
    account_ids: list[int]
    attempt_ids: list[int] = field(default_factory=list)
    share: float = 0.0  # of the unit's figure it touches (registered, or attempts)
    review: IntegrityReview | None = None

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def touched(self) -> int:
        return len(self.attempt_ids) or len(self.account_ids)

    @property
    def reviewed(self) -> bool:
        """Reviewed, and touching nothing the review did not see."""
        return self.review is not None \
            and set(self.account_ids) <= set(self.review.account_ids) \
            and set(self.attempt_ids) <= set(self.review.attempt_ids)


def _in_scope(query, column, unit_ids: set[int] | None):
    return query if unit_ids is None else query.where(column.in_(unit_ids))


def runs(rows: list, minutes: int, least: int, count_of=len) -> list[list]:
    """Maximal stretches of `rows` (sorted by their moment, row[0]) where some window of
    `minutes` holds at least `least` of them (counted by `count_of`)."""
    width, marked, start = dt.timedelta(minutes=minutes), [False] * len(rows), 0
    for end in range(len(rows)):
        while rows[end][0] - rows[start][0] > width:
            start += 1
        if count_of(rows[start:end + 1]) >= least:
            for i in range(start, end + 1):
                marked[i] = True
    stretches, current = [], []
    for row, hit in zip(rows, marked, strict=True):
        if hit:
            current.append(row)
        elif current:
            stretches.append(current)
            current = []
    return stretches + ([current] if current else [])


def _slot(column, minutes: int):
    """The number of the `minutes`-long slot since the epoch a moment falls in."""
    if db.engine.dialect.name == "postgresql":
        return func.floor(func.extract("epoch", column) / (minutes * 60))
    return cast(func.strftime("%s", column), Integer) // (minutes * 60)


def _burst_candidates(contest_id, column, as_of, least, minutes) -> dict[object, list]:
    """Per source value, the time ranges to read: around each slot of `minutes` holding at
    least half a burst (a burst within `minutes` lies in two slots, one of which holds half
    of it). Imports are counted here (a superset, read from the index alone) and left out
    when the rows are read."""
    slot = _slot(Registration.created_at, minutes)
    query = (select(column, slot).where(
        Registration.contest_id == contest_id, Registration.created_at < as_of,
        column.is_not(None)).group_by(column, slot)
        .having(func.count() >= max(1, (least + 1) // 2)))
    epoch, width = dt.datetime(1970, 1, 1), dt.timedelta(minutes=minutes)
    found = defaultdict(list)
    for value, number in sorted(db.session.execute(query).all(), key=lambda r: (str(r[0]), r[1])):
        start = epoch + width * int(number) - width
        ranges = found[value]
        if ranges and start <= ranges[-1][1]:
            ranges[-1][1] = start + 3 * width
        else:
            ranges.append([start, start + 3 * width])
    return found


def bursts(contest_id: int, as_of: dt.datetime, limits: dict, unit_ids=None) -> list[Signal]:
    """Many self- or assisted registrations within minutes from one organisation, one
    helper or one network address. Imports are listed apart (`imports`), never bursts."""
    least, minutes = limits["burst_count"], limits["burst_minutes"]
    found = []
    for name, what in SOURCES.items():
        column = getattr(Registration, name)
        for value, ranges in _burst_candidates(contest_id, column, as_of, least,
                                               minutes).items():
            for start, end in ranges:
                query = (select(Registration.created_at, Registration.account_id,
                                Registration.unit_id)
                         .where(Registration.contest_id == contest_id, column == value,
                                Registration.created_at >= start,
                                Registration.created_at < min(as_of, end),
                                Registration.import_batch_id.is_(None))
                         .order_by(Registration.created_at))
                rows = db.session.execute(_in_scope(query, Registration.unit_id,
                                                    unit_ids)).all()
                for stretch in runs(rows, minutes, least):
                    found += _per_unit("burst", f"{name}:{value}", what, value, stretch)
    return _named(found)


def _per_unit(kind, key, what, value, stretch) -> list[Signal]:
    by_unit = defaultdict(list)
    for row in stretch:
        by_unit[row[2]].append(row)
    first = stretch[0][0]
    return [Signal(kind, f"{kind}:{key}:{first:%Y%m%d%H%M}:{unit_id}", unit_id,
                   subject=f"{what}|{value}", detail=f"{len(stretch)} đăng ký",
                   start=first, end=stretch[-1][0], account_ids=[r[1] for r in rows])
            for unit_id, rows in by_unit.items()]


def devices(contest_id: int, as_of: dt.datetime, limits: dict, unit_ids=None) -> list[Signal]:
    """Many accounts registered from one device cookie by themselves (a helper's own phone
    registering residents is the helper's, judged by `bursts`)."""
    base = (Registration.contest_id == contest_id, Registration.created_at < as_of,
            Registration.device_id.is_not(None), Registration.assisted_by_id.is_(None))
    # One registration per account and contest: counting rows counts accounts.
    query = (select(Registration.device_id).where(*base).group_by(Registration.device_id)
             .having(func.count() >= limits["device_accounts"]))
    found = []
    for device in db.session.scalars(_in_scope(query, Registration.unit_id, unit_ids)).all():
        rows = db.session.execute(_in_scope(
            select(Registration.created_at, Registration.account_id, Registration.unit_id)
            .where(*base, Registration.device_id == device).order_by(Registration.created_at),
            Registration.unit_id, unit_ids)).all()
        for signal in _per_unit("device", device, "thiết bị", device, rows):
            signal.key = f"device:{device}:{signal.unit_id}"
            signal.detail = f"{len(rows)} tài khoản trên thiết bị"
            found.append(signal)
    return _named(found)


def _named(found: list[Signal]) -> list[Signal]:
    """Readable subjects: an organisation's or helper's name, an address, a device."""
    orgs = {s.subject.split("|", 1)[1] for s in found if s.subject.startswith("tổ chức|")}
    helpers = {s.subject.split("|", 1)[1] for s in found if s.subject.startswith("người hỗ trợ|")}
    org_names = dict(db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_([int(i) for i in orgs]))).all()) if orgs else {}
    helper_names = dict(db.session.execute(select(Account.id, Account.full_name).where(
        Account.id.in_([int(i) for i in helpers]))).all()) if helpers else {}
    for s in found:
        what, value = s.subject.split("|", 1)
        name = {"tổ chức": org_names.get(int(value)) if value.isdigit() else None,
                "người hỗ trợ": helper_names.get(int(value)) if value.isdigit() else None,
                "thiết bị": f"mã …{value[-6:]}"}.get(what) or value
        s.subject = f"{what.capitalize()}: {name}"
    return found


@dataclass
class ImportRow:
    unit_id: int
    source: str
    filename: str
    count: int
    at: dt.datetime


def imports(contest_id: int, as_of: dt.datetime, unit_ids=None) -> list[ImportRow]:
    """Registrations that came from an imported list (a school, an agency): named as
    imports, not counted as bursts."""
    query = (select(Registration.unit_id, ImportBatch.source, ImportBatch.filename,
                    func.count(), ImportBatch.created_at)
             .join(ImportBatch, ImportBatch.id == Registration.import_batch_id)
             .where(Registration.contest_id == contest_id, Registration.created_at < as_of)
             .group_by(Registration.unit_id, ImportBatch.id, ImportBatch.source,
                       ImportBatch.filename, ImportBatch.created_at))
    return [ImportRow(*row) for row in db.session.execute(
        _in_scope(query, Registration.unit_id, unit_ids))]
