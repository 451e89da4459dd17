"""Acting for a resident: one-time passwords and login slips, resets after an identity
check, assisted registrations and attempts, and the log of all of it.

Every action an official takes on someone else's behalf writes one AuditLog row through
`log_action` (who, when, what, on whom, why)."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, AuditLog, Registration, Role

# Lower-case letters and digits without look-alikes (i, l, o, 0, 1): easy to read off a
# slip and to type on a phone. 31 symbols, 10 of them: about 50 bits.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 10
# One-time passwords are printed on paper and replaced at first login; their length makes
# up for a lighter hash, which lets a school's 500 slips be issued in one request
# (about 4 ms each instead of 46 ms with the hash of chosen passwords).
ONE_TIME_HASH = "pbkdf2:sha256:10000"
# No password at all yet (check_password_hash never matches it): imported results, or an
# enrolled member waiting for a slip.
NO_PASSWORD = "!chua-co-mat-khau"


def log_action(actor: Account, action: str, *, target: Account | None = None,
               target_type: str | None = None, target_id: int | None = None,
               detail: dict | None = None, ip: str | None = None) -> AuditLog:
    """Record who did what, to whom, when. Flushes, never commits."""
    if target is not None:
        target_type, target_id = "account", target.id
    entry = AuditLog(at=utcnow(), actor_id=actor.id, action=action, target_type=target_type,
                     target_id=target_id, detail=detail or {}, ip=ip)
    db.session.add(entry)
    db.session.flush()
    return entry


def new_one_time_password() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ONE_TIME_LENGTH))


def set_one_time_password(account: Account) -> str:
    """Give the account a fresh one-time password, to be changed at first login; end its
    other sessions. Returns the password, which is never stored in clear."""
    from werkzeug.security import generate_password_hash

    password = new_one_time_password()
    account.password_hash = generate_password_hash(password, method=ONE_TIME_HASH)
    account.must_change_password = True
    account.session_version = (account.session_version or 0) + 1
    return password


def has_password(account: Account) -> bool:
    return not account.password_hash.startswith("!")


def phone_display(phone: str | None) -> str:
    """"0912345678" -> "0912 345 678", as people read a phone number aloud."""
    if not phone or len(phone) != 10:
        return phone or ""
    return f"{phone[:4]} {phone[4:7]} {phone[7:]}"


@dataclass(frozen=True)
class Slip:
    full_name: str
    unit_name: str
    organisation_name: str
    phone: str
    password: str


def slip_for(account: Account, password: str) -> Slip:
    return Slip(full_name=account.full_name, unit_name=account.unit.name if account.unit else "",
                organisation_name=account.organisation.name if account.organisation else "",
                phone=phone_display(account.phone), password=password)


def render_slips_pdf(slips: list[Slip], *, contest_name: str, site_url: str,
                     issued_at: dt.datetime) -> bytes:
    """One A4 PDF of cut-out login slips, ten a page."""
    from flask import render_template

    from cdso.services.pdf import render_pdf

    html = render_template("pdf/login_slips.html", slips=slips, contest_name=contest_name,
                           site_url=site_url, issued_at=issued_at)
    return render_pdf(html)


def assisted_counts(unit_id: int, contest_id: int | None = None) -> list[tuple[Account, int]]:
    """Registrations of the unit made with a community digital team member's help, per
    member (most first): for the ward dashboard."""
    count = func.count(Registration.id)
    query = (select(Account, count)
             .join(Registration, Registration.assisted_by_id == Account.id)
             .where(Registration.unit_id == unit_id))
    if contest_id is not None:
        query = query.where(Registration.contest_id == contest_id)
    rows = db.session.execute(query.group_by(Account.id)
                              .order_by(count.desc(), Account.full_name)).all()
    return [(account, int(n)) for account, n in rows]


def residents_of(member: Account):
    """The residents a team member or clerk may act for: participants of their unit."""
    return select(Account).where(Account.role == Role.PARTICIPANT.value,
                                 Account.unit_id == member.unit_id)
