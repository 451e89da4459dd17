"""Signals on submitted online attempts: faster than reading, identical answer patterns
across accounts, helpers whose assisted attempts score far from their unit's own."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Account, Attempt, Registration
from cdso.services.integrity.signals import Signal, _in_scope, runs


def _finished(contest_id: int, as_of: dt.datetime):
    return (Attempt.contest_id == contest_id, Attempt.status == "finished",
            Attempt.source == "online", Attempt.recorded_at < as_of)


def fast(contest_id: int, as_of: dt.datetime, limits: dict, unit_ids=None) -> list[Signal]:
    """Per unit: attempts finished in less than `reading_seconds` per question."""
    query = (select(Registration.unit_id, Attempt.id, Attempt.account_id, Attempt.finished_at)
             .join(Registration, Registration.id == Attempt.registration_id)
             .where(*_finished(contest_id, as_of), Attempt.duration_seconds
                    < Attempt.question_count * limits["reading_seconds"]))
    by_unit = defaultdict(list)
    for row in db.session.execute(_in_scope(query, Registration.unit_id, unit_ids)):
        by_unit[row.unit_id].append(row)
    return [Signal("fast", f"fast:{unit_id}", unit_id, subject="Cả đơn vị",
                   detail=f"{len(rows)} lượt thi dưới {limits['reading_seconds']} giây mỗi câu",
                   start=min(r.finished_at for r in rows), end=max(r.finished_at for r in rows),
                   account_ids=sorted({r.account_id for r in rows}),
                   attempt_ids=sorted(r.id for r in rows))
            for unit_id, rows in by_unit.items() if len(rows) >= limits["fast_min_attempts"]]


def same_answers(contest_id: int, as_of: dt.datetime, limits: dict,
                 unit_ids=None) -> list[Signal]:
    """One answer pattern submitted by many accounts within a short time (blank patterns
    are left to the speed signal: attempts left empty until the deadline are common)."""
    least = limits["same_answers_accounts"]
    base = (*_finished(contest_id, as_of), Attempt.answer_pattern.is_not(None))
    # A superset first (attempts, not accounts; finished_at <= recorded_at), from the index.
    query = (select(Attempt.answer_pattern).where(
        Attempt.contest_id == contest_id, Attempt.answer_pattern.is_not(None),
        Attempt.finished_at < as_of).group_by(Attempt.answer_pattern)
        .having(func.count() >= least))
    candidates = [p for p in db.session.scalars(query) if p.strip("-")]
    found = []
    for pattern in candidates:
        digest = hashlib.sha1(pattern.encode()).hexdigest()[:16]  # keys stay short
        rows = db.session.execute(_in_scope(
            select(Attempt.finished_at, Attempt.account_id, Registration.unit_id, Attempt.id)
            .join(Registration, Registration.id == Attempt.registration_id)
            .where(*base, Attempt.answer_pattern == pattern).order_by(Attempt.finished_at),
            Registration.unit_id, unit_ids)).all()
        for stretch in runs(rows, limits["same_answers_minutes"], least,
                            count_of=lambda part: len({r[1] for r in part})):
            by_unit = defaultdict(list)
            for row in stretch:
                by_unit[row[2]].append(row)
            for unit_id, part in by_unit.items():
                found.append(Signal(
                    "same_answers", f"same:{digest}:{stretch[0][0]:%Y%m%d%H%M}:{unit_id}",
                    unit_id, subject=f"Dãy đáp án {pattern}",
                    detail=f"{len({r[1] for r in stretch})} tài khoản cùng một dãy đáp án",
                    start=stretch[0][0], end=stretch[-1][0],
                    account_ids=sorted({r[1] for r in part}),
                    attempt_ids=sorted(r[3] for r in part)))
    return found


def _percent():
    return func.avg(Attempt.score * 100.0 / Attempt.question_count)


def helpers(contest_id: int, as_of: dt.datetime, limits: dict, unit_ids=None) -> list[Signal]:
    """Helpers whose assisted attempts average far above or below the unit's own attempts."""
    assisted = (select(Attempt.assisted_by_id, Registration.unit_id, func.count(), _percent())
                .join(Registration, Registration.id == Attempt.registration_id)
                .where(*_finished(contest_id, as_of), Attempt.assisted_by_id.is_not(None))
                .group_by(Attempt.assisted_by_id, Registration.unit_id)
                .having(func.count() >= limits["helper_min_attempts"]))
    candidates = db.session.execute(_in_scope(assisted, Registration.unit_id, unit_ids)).all()
    if not candidates:
        return []
    own = dict(db.session.execute(
        select(Registration.unit_id, _percent())
        .join(Registration, Registration.id == Attempt.registration_id)
        .where(*_finished(contest_id, as_of), Attempt.assisted_by_id.is_(None),
               Registration.unit_id.in_({c[1] for c in candidates}))
        .group_by(Registration.unit_id)).all())
    names = dict(db.session.execute(select(Account.id, Account.full_name).where(
        Account.id.in_({c[0] for c in candidates}))).all())
    found = []
    for helper_id, unit_id, count, helped in candidates:
        unit_own = own.get(unit_id)
        if unit_own is None or abs(float(helped) - float(unit_own)) < limits["helper_gap_points"]:
            continue
        rows = db.session.execute(
            select(Attempt.id, Attempt.account_id, Attempt.finished_at)
            .join(Registration, Registration.id == Attempt.registration_id)
            .where(*_finished(contest_id, as_of), Attempt.assisted_by_id == helper_id,
                   Registration.unit_id == unit_id)).all()
        found.append(Signal(
            "helper", f"helper:{helper_id}:{unit_id}", unit_id,
            subject=f"Người hỗ trợ: {names.get(helper_id, helper_id)}",
            detail=(f"{count} lượt hỗ trợ, điểm trung bình {float(helped):.0f}% so với "
                    f"{float(unit_own):.0f}% của đơn vị"),
            start=min(r.finished_at for r in rows), end=max(r.finished_at for r in rows),
            account_ids=sorted({r.account_id for r in rows}),
            attempt_ids=sorted(r.id for r in rows)))
    return found
