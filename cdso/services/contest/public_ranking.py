"""The public individual ranking: each person's best finished attempt, names masked.

Order: higher score, then shorter time, then earlier submission: a live board, said so on
the page; the attempt that counts and the prizes follow `counting` and the published
rankings.
Cheap at city scale: finished attempts are read in ranking order through
ix_attempt_ranking, a few rows at a time, and a person's first row is their best."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Account, Attempt, AttemptStatus, Registration, Unit
from cdso.services.accounts import staff
from cdso.services.accounts.masking import mask_name

SHOWN = 20


@dataclass
class RankedPerson:
    place: int
    masked_name: str
    unit_name: str
    score: int
    question_count: int
    duration_seconds: int
    finished_at: dt.datetime


def top_participants(contest_id: int, limit: int = SHOWN,
                     as_of: dt.datetime | None = None) -> list[RankedPerson]:
    query = (
        select(Attempt.account_id, Attempt.score, Attempt.question_count,
               Attempt.duration_seconds, Attempt.finished_at, Account.full_name,
               Unit.name.label("unit_name"))
        .join(Account, Account.id == Attempt.account_id)
        .join(Registration, Registration.id == Attempt.registration_id)
        .join(Unit, Unit.id == Registration.unit_id)
        .where(Attempt.contest_id == contest_id,
               Attempt.status == AttemptStatus.FINISHED.value,
               staff.resident(),  # staff count in no ranking
               Account.is_active_account.is_(True))
        .order_by(Attempt.score.desc(), Attempt.duration_seconds, Attempt.finished_at,
                  Attempt.id)
    )
    if as_of is not None:
        query = query.where(Attempt.finished_at < as_of)
    batch = limit * 4
    seen: set[int] = set()
    ranked: list[RankedPerson] = []
    offset = 0
    while len(ranked) < limit:
        rows = db.session.execute(query.offset(offset).limit(batch)).all()
        for row in rows:
            if row.account_id in seen:
                continue
            seen.add(row.account_id)
            ranked.append(RankedPerson(len(ranked) + 1, mask_name(row.full_name),
                                       row.unit_name, row.score or 0, row.question_count,
                                       row.duration_seconds or 0, row.finished_at))
            if len(ranked) == limit:
                break
        if len(rows) < batch:
            break
        offset += batch
    return ranked
