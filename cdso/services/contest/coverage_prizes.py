"""Coverage prizes need a population: a unit with no adult population on record wins no
prize based on coverage. The publication preview of a unit ranking lists such units (those
with someone finished) and publishing is refused until each is filled in (then the ranking
is recomputed) or excluded with a reason, which is logged."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import AuditLog, RankingEntry, RankingRun
from cdso.services.contest.ranking import RankingError


def units_without_population(run: RankingRun, pending_only: bool = True
                             ) -> list[RankingEntry]:
    """Units of a unit ranking with someone finished but no adult population on record
    (no coverage prize for them), not yet excluded with a reason (all, if not pending_only)."""
    if run.kind != "unit":
        return []
    query = select(RankingEntry).where(
        RankingEntry.run_id == run.id, RankingEntry.coverage.is_(None),
        RankingEntry.finished_count > 0).order_by(RankingEntry.place)
    if pending_only:
        query = query.where(RankingEntry.excluded_reason.is_(None))
    return list(db.session.scalars(query))


def exclude_unit(run: RankingRun, entry_id: int, reason: str, actor_id: int,
                 now: dt.datetime) -> RankingEntry:
    """Exclude a unit without population from a draft's coverage prizes, with a reason
    (5–500 characters), logged. Flushes."""
    entry = db.session.get(RankingEntry, entry_id)
    if entry is None or entry.run_id != run.id or entry.coverage is not None:
        raise RankingError("Đơn vị này không nằm trong danh sách chưa có dân số.")
    if run.published_at is not None or run.superseded_at is not None:
        raise RankingError("Bảng này không còn là bản nháp; không sửa được.")
    reason = " ".join((reason or "").split())
    if not 5 <= len(reason) <= 500:
        raise RankingError("Xin ghi lý do loại đơn vị khỏi xét giải (từ 5 đến 500 ký tự).")
    entry.excluded_reason = reason
    db.session.add(AuditLog(at=now, actor_id=actor_id, action="ranking.exclude_unit",
                            target_type="ranking_run", target_id=run.id,
                            detail={"unit_id": entry.unit_id, "reason": reason}))
    db.session.flush()
    return entry
