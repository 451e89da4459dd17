"""Attempts reviewed as "không hợp lệ", left out of the figures while the contest setting
says so (undone by turning the setting off or reopening the review)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Attempt, Contest, IntegrityReview, Registration


@dataclass
class Excluded:
    attempts: int = 0
    finished: int = 0  # people none of whose submitted attempts still count


def excluded_attempt_ids(contest_id: int) -> set[int]:
    """Attempts reviewed as invalid, when the contest leaves them out (else none)."""
    if not db.session.scalar(select(Contest.exclude_invalid).where(Contest.id == contest_id)):
        return set()
    ids: set[int] = set()
    for attempt_ids in db.session.scalars(select(IntegrityReview.attempt_ids).where(
            IntegrityReview.contest_id == contest_id, IntegrityReview.verdict == "invalid")):
        ids.update(attempt_ids or [])
    return ids


def by_unit(contest_id: int, as_of: dt.datetime) -> dict[int, Excluded]:
    """What leaving the invalid attempts out takes from each unit's figures as of a moment."""
    ids = excluded_attempt_ids(contest_id)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Attempt.registration_id, Registration.unit_id, func.count())
        .join(Registration, Registration.id == Attempt.registration_id)
        .where(Attempt.id.in_(ids), Attempt.status == "finished", Attempt.recorded_at < as_of)
        .group_by(Attempt.registration_id, Registration.unit_id)).all()
    still = dict(db.session.execute(
        select(Attempt.registration_id, func.count())
        .where(Attempt.registration_id.in_({r[0] for r in rows}), Attempt.id.not_in(ids),
               Attempt.status == "finished", Attempt.recorded_at < as_of)
        .group_by(Attempt.registration_id)).all()) if rows else {}
    result: dict[int, Excluded] = defaultdict(Excluded)
    for registration_id, unit_id, count in rows:
        result[unit_id].attempts += count
        if not still.get(registration_id):
            result[unit_id].finished += 1
    return dict(result)
