"""Who may see what: the one place that answers it for every office query. Deny by default.

- city administrator: every unit, organisation and participant;
- ward clerk and community digital team member: their own unit;
- unit reporter: their own organisation (inside its unit);
- anyone else (a participant, an official without a unit): nothing.

A forged id or another unit's URL answers 404, never 403: an official learns nothing about
what lies outside their scope.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select

from cdso.extensions import db
from cdso.models import Account, Organisation, Registration, Role, Unit

UNIT_ROLES = {Role.CLERK.value, Role.TEAM_MEMBER.value}
# Who sees full phone numbers in lists: the ward's own people, who call residents to follow
# up. The city and the unit reporters see masked ones.
FULL_PHONE_ROLES = {Role.CLERK.value, Role.TEAM_MEMBER.value}


def is_city(account: Account) -> bool:
    return account.role == Role.ADMIN.value


def visible_unit_ids(account: Account) -> set[int] | None:
    """The units this account may see; None means all of them."""
    if is_city(account):
        return None
    if account.role in UNIT_ROLES or account.role == Role.REPORTER.value:
        return {account.unit_id} if account.unit_id else set()
    return set()


def visible_organisation_ids(account: Account) -> set[int] | None:
    """The organisations this account may see; None means every one of its visible units."""
    if account.role == Role.REPORTER.value:
        return {account.organisation_id} if account.organisation_id else set()
    if is_city(account) or account.role in UNIT_ROLES:
        return None
    return set()


def may_see_unit(account: Account, unit_id: int | None) -> bool:
    visible = visible_unit_ids(account)
    return unit_id is not None and (visible is None or unit_id in visible)


def unit_or_404(account: Account, unit_id: int | str | None) -> Unit:
    """The unit if the account may see it; 404 for a forged, unknown or foreign id."""
    try:
        wanted = int(unit_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        abort(404)
    if not may_see_unit(account, wanted):
        abort(404)
    unit = db.session.get(Unit, wanted)
    if unit is None:
        abort(404)
    return unit


def organisation_or_404(account: Account, organisation_id: int | str | None) -> Organisation:
    try:
        wanted = int(organisation_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        abort(404)
    organisation = db.session.get(Organisation, wanted)
    if organisation is None or not may_see_unit(account, organisation.unit_id):
        abort(404)
    allowed = visible_organisation_ids(account)
    if allowed is not None and organisation.id not in allowed:
        abort(404)
    return organisation


def organisations_query(account: Account) -> Select:
    """The organisations this account may see, by name."""
    query = select(Organisation).order_by(Organisation.name)
    units = visible_unit_ids(account)
    if units is not None:
        query = query.where(Organisation.unit_id.in_(units)) if units else query.where(false())
    organisations = visible_organisation_ids(account)
    if organisations is not None:
        query = (query.where(Organisation.id.in_(organisations)) if organisations
                 else query.where(false()))
    return query


def scope_registrations(query: Select, account: Account) -> Select:
    """Narrow any query over Registration to what the account may see."""
    units = visible_unit_ids(account)
    if units is not None:
        if not units:
            return query.where(false())
        query = query.where(Registration.unit_id.in_(units))
    organisations = visible_organisation_ids(account)
    if organisations is not None:
        if not organisations:
            return query.where(false())
        query = query.where(Registration.organisation_id.in_(organisations))
    return query


def participants_query(account: Account, contest_id: int | None = None) -> Select:
    """Registrations (with their accounts) this account may see, in one contest or all."""
    query = select(Registration).join(Account, Account.id == Registration.account_id)
    if contest_id is not None:
        query = query.where(Registration.contest_id == contest_id)
    return scope_registrations(query, account)


def registration_or_404(account: Account, registration_id: int | str | None) -> Registration:
    try:
        wanted = int(registration_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        abort(404)
    return db.first_or_404(participants_query(account).where(Registration.id == wanted))


def may_see_full_phone(account: Account) -> bool:
    return account.role in FULL_PHONE_ROLES


def log_access(account: Account, action: str, *, target_type: str | None = None,
               target_id: int | None = None, detail: dict | None = None,
               ip: str | None = None) -> None:
    """Record who saw or exported personal data, or acted for someone else. Flushes."""
    from cdso.formatting import utcnow
    from cdso.models import AuditLog
    db.session.add(AuditLog(at=utcnow(), actor_id=account.id, action=action,
                            target_type=target_type, target_id=target_id, detail=detail,
                            ip=ip))
    db.session.flush()
