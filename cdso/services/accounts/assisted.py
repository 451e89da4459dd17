"""Acting for a resident: one-time passwords and login slips, resets after an identity
check, assisted registrations and attempts, and the log of all of it.

Every action an official takes on someone else's behalf writes one AuditLog row through
`log_action` (who, when, what, on whom, why)."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import by_name, utcnow
from cdso.models import Account, AuditLog, Registration, Role

# Lower-case letters and digits without look-alikes (i, l, o, 0, 1): easy to read off a
# slip and to type on a phone. 31 symbols, 10 of them: about 50 bits.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 10
# One-time passwords are printed on paper and replaced at first login; their length makes
# up for a lighter hash, which lets hundreds of slips be issued in one request
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

    from cdso.services.documents.pdf import render_pdf

    html = render_template("pdf/login_slips.html", slips=slips, contest_name=contest_name,
                           site_url=site_url, issued_at=issued_at)
    return render_pdf(html)


def residents_of(member: Account):
    """The residents a team member or clerk may act for: participants of their unit."""
    return select(Account).where(Account.role == Role.PARTICIPANT.value,
                                 Account.unit_id == member.unit_id)


def resident_in_scope(member: Account, account_id: int) -> Account | None:
    """A resident of the member's unit, or None (a forged or foreign id)."""
    return db.session.scalar(residents_of(member).where(Account.id == account_id))


def find_residents(member: Account, text: str, limit: int = 20) -> list[Account]:
    """Residents of the member's unit by phone (exact) or by name (contains, any accents)."""
    from cdso.services.accounts.registration import Invalid, clean_phone
    from cdso.services.units.catalogue import plain_key

    text = " ".join((text or "").split())
    if not text:
        return []
    try:
        phone = clean_phone(text)
    except Invalid:
        phone = None
    if phone:
        return list(db.session.scalars(residents_of(member).where(Account.phone == phone)))
    wanted = plain_key(text)
    found = by_name((a for a in db.session.scalars(residents_of(member).order_by(Account.id))
                     if wanted in plain_key(a.full_name)), lambda a: a.full_name)
    return found[:limit]


def assisted_by_member(member: Account, limit: int = 50) -> list[Account]:
    """The residents this member registered, newest first."""
    return list(db.session.scalars(
        residents_of(member).where(Account.consent_in_person_by_id == member.id)
        .order_by(Account.created_at.desc()).limit(limit)))


def register_resident(contest, person, member: Account, *, own_password: bool,
                      ip: str | None = None, device_id: str | None = None) -> Registration:
    """Register a resident on their behalf, their consent given in person to `member`.
    With `own_password` the resident typed their password; otherwise the account waits
    for a one-time password (`hand_over`)."""
    from cdso.services.accounts.registration import create_participant

    registration = create_participant(
        contest, person, assisted_by=member, must_change_password=not own_password,
        password_hash=None if own_password else NO_PASSWORD, client_ip=ip, device_id=device_id)
    log_action(member, "assisted.register", target=registration.account, ip=ip,
               detail={"consent": "in_person", "contest_id": contest.id,
                       "access": "own_password" if own_password else "one_time_password"})
    return registration


def may_hand_over(resident: Account, member: Account) -> bool:
    """The first password of a resident this member registered needs no identity check:
    they were together a moment ago. Any later one is a reset."""
    return not has_password(resident) and resident.consent_in_person_by_id == member.id


def hand_over(resident: Account, member: Account, *, output: str,
              ip: str | None = None) -> str:
    if not may_hand_over(resident, member):
        raise PermissionError("a reset, not a hand-over")
    password = set_one_time_password(resident)
    log_action(member, "assisted.hand_over", target=resident, ip=ip, detail={"output": output})
    return password


@dataclass
class ResetRequest:
    reason: str
    identity_checked: bool
    birth_date: str  # as read from the identity document
    cccd: str
    new_password: str  # typed by the resident; empty: a one-time password
    new_password2: str
    output: str  # screen | pdf, for a one-time password


def check_reset(resident: Account, typed: ResetRequest) -> dict[str, str]:
    """What is wrong with a reset request, field by field (nothing is written)."""
    from cdso.services.accounts.registration import Invalid, clean_birth_date, clean_password

    errors: dict[str, str] = {}
    if not typed.identity_checked:
        errors["identity_checked"] = ("Xin đối chiếu giấy tờ tuỳ thân của người dân rồi đánh "
                                      "dấu vào ô này.")
    if resident.birth_date:
        try:
            if clean_birth_date(typed.birth_date, None, utcnow().date()) != resident.birth_date:
                errors["birth_date"] = "Ngày sinh không khớp với tài khoản. Không đặt lại được."
        except Invalid as problem:
            errors["birth_date"] = str(problem)
    if resident.cccd and "".join(typed.cccd.split()) != resident.cccd:
        errors["cccd"] = "Số CCCD không khớp với tài khoản. Không đặt lại được."
    if len(" ".join(typed.reason.split())) < 10:
        errors["reason"] = ("Xin ghi rõ lý do (ít nhất 10 ký tự), ví dụ «Quên mật khẩu, đến "
                            "nhờ tại nhà văn hoá».")
    elif len(typed.reason) > 500:
        errors["reason"] = "Lý do dài quá 500 ký tự."
    if typed.new_password or typed.new_password2:
        try:
            clean_password(typed.new_password, phone=resident.phone, cccd=resident.cccd,
                           birth_date=resident.birth_date)
            if typed.new_password != typed.new_password2:
                errors["new_password2"] = "Hai lần nhập mật khẩu không giống nhau."
        except Invalid as problem:
            errors["new_password"] = str(problem)
    elif typed.output not in ("screen", "pdf"):
        errors["output"] = "Xin chọn cách trao mật khẩu dùng một lần."
    return errors


def reset_password(resident: Account, member: Account, typed: ResetRequest, *,
                   ip: str | None = None) -> str | None:
    """Reset after `check_reset` passed: the resident's own new password (None is
    returned), or a one-time password (returned, shown once). Other sessions end."""
    if typed.new_password:
        resident.set_password(typed.new_password)
        resident.must_change_password = False
        resident.session_version = (resident.session_version or 0) + 1
        password, kind = None, "own_password"
    else:
        password, kind = set_one_time_password(resident), "one_time_password"
    log_action(member, "assisted.password_reset", target=resident, ip=ip,
               detail={"reason": " ".join(typed.reason.split()), "kind": kind,
                       "checked": [name for name, value in (
                           ("identity_document", typed.identity_checked),
                           ("birth_date", bool(resident.birth_date)),
                           ("cccd", bool(resident.cccd))) if value]})
    return password


def start_assisted_attempt(contest, resident: Account, member: Account, *,
                           ip: str | None = None):
    """Start (or continue) the resident's attempt, guided by `member` on their device.
    Raises quiz.QuizRefused with the reason for a person."""
    from cdso.services.quiz import attempts as quiz
    from cdso.services.accounts.registration import join_contest

    if resident.must_change_password:
        raise quiz.QuizRefused("Người dân chưa tự đặt mật khẩu. Xin «Đặt lại mật khẩu» để "
                               "người dân tự gõ mật khẩu của mình, rồi bắt đầu bài thi.")
    registration = join_contest(resident, contest)
    attempt = quiz.start_attempt(contest, registration, assisted_by=member)
    if attempt.assisted_by_id is None:  # an attempt the resident had begun alone
        attempt.assisted_by_id = member.id
    log_action(member, "assisted.attempt_start", target=resident, ip=ip,
               detail={"attempt_id": attempt.id, "number": attempt.number})
    return attempt


ACTION_LABELS = {
    "assisted.register": "đăng ký hộ, người dân đồng ý trực tiếp",
    "assisted.hand_over": "cấp mật khẩu dùng một lần",
    "assisted.password_reset": "đặt lại mật khẩu sau khi đối chiếu giấy tờ",
    "assisted.attempt_start": "bắt đầu bài thi có hỗ trợ",
    "assisted.attempt_end": "kết thúc hỗ trợ bài thi",
}


def recent_actions(resident: Account, limit: int = 20) -> list[AuditLog]:
    """What team members and clerks did for this resident, newest first."""
    return list(db.session.scalars(select(AuditLog).where(
        AuditLog.target_type == "account", AuditLog.target_id == resident.id,
        AuditLog.action.in_(list(ACTION_LABELS)))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)))
