"""Reviewing a signal ("đã xem xét" with a note, or "không hợp lệ"), reopening it, and the
integrity settings: every change audited. Flushes, never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import AuditLog, Contest, IntegrityReview
from cdso.models.integrity import VERDICTS
from cdso.services.integrity import settings as integrity_settings
from cdso.services.integrity.signals import Signal

NOTE_LIMIT = 1000


class ReviewRefused(ValueError):
    """A message for the official, in Vietnamese."""


def _audit(actor_id, action, contest_id, detail, now, ip=None):
    db.session.add(AuditLog(at=now, actor_id=actor_id, action=action, target_type="contest",
                            target_id=contest_id, detail=detail, ip=ip))


def mark(contest: Contest, signal: Signal, verdict: str, note: str, actor_id: int,
         now: dt.datetime, ip: str | None = None) -> IntegrityReview:
    """Record the official's conclusion on what the signal touches now."""
    note = note.strip()
    if verdict not in VERDICTS:
        raise ReviewRefused("Xin chọn «Đã xem xét» hoặc «Không hợp lệ».")
    if not note:
        raise ReviewRefused("Xin ghi chú điều đã xem xét (ví dụ: đã gọi điện xác minh với "
                            "tổ công nghệ số).")
    if len(note) > NOTE_LIMIT:
        raise ReviewRefused(f"Ghi chú dài quá {NOTE_LIMIT} ký tự.")
    review = db.session.scalar(select(IntegrityReview).where(
        IntegrityReview.contest_id == contest.id, IntegrityReview.signal_key == signal.key))
    before = review.verdict if review else None
    if review is None:
        review = IntegrityReview(contest_id=contest.id, unit_id=signal.unit_id,
                                 kind=signal.kind, signal_key=signal.key)
        db.session.add(review)
    review.verdict, review.note = verdict, note
    review.account_ids, review.attempt_ids = list(signal.account_ids), list(signal.attempt_ids)
    review.reviewed_by_id, review.reviewed_at = actor_id, now
    _audit(actor_id, "integrity.review", contest.id, {
        "signal": signal.key, "unit_id": signal.unit_id, "verdict": verdict, "before": before,
        "note": note, "accounts": len(signal.account_ids),
        "attempts": len(signal.attempt_ids)}, now, ip)
    db.session.flush()
    return review


def reopen(contest: Contest, key: str, actor_id: int, now: dt.datetime,
           ip: str | None = None) -> bool:
    """Undo a review: the signal is shown as not reviewed again, its attempts count again."""
    review = db.session.scalar(select(IntegrityReview).where(
        IntegrityReview.contest_id == contest.id, IntegrityReview.signal_key == key))
    if review is None:
        return False
    _audit(actor_id, "integrity.reopen", contest.id, {
        "signal": key, "unit_id": review.unit_id, "verdict": review.verdict,
        "note": review.note}, now, ip)
    db.session.delete(review)
    db.session.flush()
    return True


def save_settings(contest: Contest, values: dict[str, int], exclude_invalid: bool,
                  actor_id: int, now: dt.datetime, ip: str | None = None) -> None:
    before = integrity_settings.thresholds(contest)
    changed = sorted(n for n, v in values.items() if before[n] != v)
    excluded_before = contest.exclude_invalid
    contest.integrity_settings = dict(values)
    contest.exclude_invalid = exclude_invalid
    _audit(actor_id, "integrity.settings", contest.id, {
        "changed": changed, "values": values, "exclude_invalid": exclude_invalid,
        "exclude_invalid_before": excluded_before}, now, ip)
    db.session.flush()
