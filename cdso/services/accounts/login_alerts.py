"""Bursts of failed logins on an account, written to the audit log when the throttle
starts delaying (cdso/services/accounts/login_throttle.py), and shown to the owner
of an official account on the office pages."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Account, AuditLog

ACTION = "login.failures"
SHOWN_FOR = dt.timedelta(days=7)


def record_burst(login_key: str, count: int, ip: str | None, now: dt.datetime) -> None:
    """Note that `count` failed logins were made on the account `login_key` names (no
    row for a login that names no account). Flushes."""
    account_id = db.session.scalar(select(Account.id).where(Account.login == login_key))
    if account_id is None:
        return
    db.session.add(AuditLog(at=now, actor_id=None, action=ACTION, target_type="account",
                            target_id=account_id, detail={"failures": count}, ip=ip))
    db.session.flush()


def burst_counts(account_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """For a page of accounts: the largest burst of failed logins on each in the last
    week (accounts without one are left out)."""
    if not account_ids:
        return {}
    rows = db.session.execute(
        select(AuditLog.target_id, AuditLog.detail)
        .where(AuditLog.action == ACTION, AuditLog.target_type == "account",
               AuditLog.target_id.in_(account_ids), AuditLog.at >= now - SHOWN_FOR))
    counts: dict[int, int] = {}
    for account_id, detail in rows:
        counts[account_id] = max(counts.get(account_id, 0), int((detail or {}).get("failures", 0)))
    return counts


def recent_bursts(account: Account, now: dt.datetime, limit: int = 5) -> list[AuditLog]:
    """The latest bursts on this account in the last week, newest first."""
    return list(db.session.scalars(
        select(AuditLog).where(AuditLog.action == ACTION, AuditLog.target_type == "account",
                               AuditLog.target_id == account.id,
                               AuditLog.at >= now - SHOWN_FOR)
        .order_by(AuditLog.at.desc()).limit(limit)))
