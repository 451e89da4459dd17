"""Registration rules, shared by the web form, assisted registration and bulk enrolment.

Each `clean_*` function takes what a person typed and returns the normalised value or
raises `Invalid` with a Vietnamese message."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, Contest, Group, Registration, Role
from cdso.services.accounts import passwords
from cdso.services.figures import stats

CONSENT_VERSION = "2025-10"
# Vietnamese mobile prefixes after the 2018 renumbering (03x, 05x, 07x, 08x, 09x).
MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])\d{7}$")
CCCD = re.compile(r"^0\d{11}$")
NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")


RESET_HINT = ("quên mật khẩu thì nhờ Tổ công nghệ số cộng đồng nơi bạn ở đặt lại "
              "(mang theo giấy tờ tuỳ thân).")


class Invalid(ValueError):
    """A value a person typed that the rules refuse; the message is for them."""


def clean_phone(raw: str) -> str:
    """"0912 345 678", "+84912345678", "84-912-345-678" -> "0912345678"."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if not digits:
        raise Invalid("Xin nhập số điện thoại di động.")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and digits[0] != "0":
        digits = "0" + digits
    if not digits.isdigit() or not MOBILE.match(digits):
        raise Invalid("Số điện thoại không đúng. Xin nhập số di động Việt Nam 10 chữ số, "
                      "ví dụ 0912 345 678.")
    return digits


def clean_cccd(raw: str, required: bool = False) -> str | None:
    value = re.sub(r"\s", "", raw or "")
    if not value:
        if required:
            raise Invalid("Cuộc thi yêu cầu số căn cước công dân (CCCD).")
        return None
    if not CCCD.match(value):
        raise Invalid("Số căn cước công dân (CCCD) gồm đúng 12 chữ số, bắt đầu bằng 0.")
    return value


def clean_full_name(raw: str) -> str:
    value = re.sub(r"\s+", " ", (raw or "").strip())
    if not value:
        raise Invalid("Xin nhập họ và tên.")
    if len(value) > 100:
        raise Invalid("Họ và tên dài quá 100 ký tự.")
    if len(value.split()) < 2 or not NAME.match(value):
        raise Invalid("Xin nhập đầy đủ họ và tên bằng chữ, ví dụ Nguyễn Văn An.")
    return " ".join(w[:1].upper() + w[1:] for w in value.split(" "))


def clean_birth_date(raw: str, contest: Contest | None, today: dt.date) -> dt.date:
    value = (raw or "").strip()
    if not value:
        raise Invalid("Xin nhập ngày sinh theo dạng ngày/tháng/năm, ví dụ 05/03/1960.")
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", value)
    if not match:
        raise Invalid("Ngày sinh cần theo dạng ngày/tháng/năm, ví dụ 05/03/1960.")
    day, month, year = (int(x) for x in match.groups())
    try:
        born = dt.date(year, month, day)
    except ValueError:
        raise Invalid("Ngày sinh không có thật. Xin kiểm tra lại ngày và tháng.") from None
    if born > today:
        raise Invalid("Ngày sinh không thể ở tương lai.")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if contest and not (contest.min_age <= age <= contest.max_age):
        raise Invalid(f"Cuộc thi dành cho người từ {contest.min_age} đến "
                      f"{contest.max_age} tuổi.")
    if age > 120:
        raise Invalid("Ngày sinh không hợp lệ.")
    return born


def clean_group(raw: str) -> str:
    if raw not in {g.value for g in Group}:
        raise Invalid("Xin chọn đối tượng tham gia.")
    return raw


def clean_gender(raw: str) -> str:
    if raw not in {"nam", "nu", "khac"}:
        raise Invalid("Xin chọn giới tính.")
    return raw


def clean_password(raw: str, *, official: bool = False, phone: str | None = None,
                   cccd: str | None = None, birth_date: dt.date | None = None) -> str:
    """The rules are in services.accounts.passwords (NIST SP 800-63B)."""
    try:
        return passwords.check(raw, official=official, phone=phone, cccd=cccd,
                               birth_date=birth_date)
    except passwords.WeakPassword as problem:
        raise Invalid(str(problem)) from None


@dataclass(slots=True)
class NewParticipant:
    full_name: str
    birth_date: dt.date
    gender: str
    phone: str
    cccd: str | None
    unit_id: int
    organisation_id: int | None
    group: str
    password: str


def duplicate_message(phone: str, cccd: str | None) -> str | None:
    """Why this person may not register again, or None."""
    if db.session.scalar(select(Account.id).where(Account.phone == phone)):
        return ("Số điện thoại này đã đăng ký. Xin đăng nhập bằng số điện thoại này; nếu "
                f"quên mật khẩu, {RESET_HINT}")
    if cccd and db.session.scalar(select(Account.id).where(Account.cccd == cccd)):
        return f"Số CCCD này đã được dùng để đăng ký. Xin đăng nhập bằng tài khoản đã có; {RESET_HINT}"
    return None


def create_participant(contest: Contest, person: NewParticipant, *,
                       assisted_by: Account | None = None, created_by: Account | None = None,
                       import_batch_id: int | None = None,
                       must_change_password: bool = False,
                       password_hash: str | None = None, client_ip: str | None = None,
                       device_id: str | None = None) -> Registration:
    """Create the account and its registration, and count it. Flushes, never commits.
    The unique phone and CCCD columns make a concurrent duplicate fail at flush.
    `password_hash` stores a ready hash instead of hashing `person.password` (bulk
    enrolment and imports: accounts that get their password later, on a login slip)."""
    now = utcnow()
    account = Account(
        login=person.phone, role=Role.PARTICIPANT.value, full_name=person.full_name,
        birth_date=person.birth_date, gender=person.gender, phone=person.phone,
        cccd=person.cccd, unit_id=person.unit_id, organisation_id=person.organisation_id,
        consent_at=now, consent_version=CONSENT_VERSION,
        consent_in_person_by_id=assisted_by.id if assisted_by else None,
        created_by_id=(created_by or assisted_by).id if (created_by or assisted_by) else None,
        created_at=now, must_change_password=must_change_password,
    )
    if password_hash is None:
        account.set_password(person.password)
    else:
        account.password_hash = password_hash
    db.session.add(account)
    db.session.flush()
    registration = Registration(
        contest_id=contest.id, account_id=account.id, unit_id=person.unit_id,
        organisation_id=person.organisation_id, group=person.group,
        assisted_by_id=assisted_by.id if assisted_by else None,
        import_batch_id=import_batch_id, created_at=now,
        client_ip=(client_ip or "")[:45] or None, device_id=device_id,
    )
    db.session.add(registration)
    db.session.flush()
    stats.record_registration(registration)
    return registration


def create_participants(contest: Contest, people: list[NewParticipant], *, created_by: Account,
                        import_batch_id: int | None, password_hash: str,
                        must_change_password: bool = True) -> list[int]:
    """create_participant for a whole list (bulk enrolment, imports): the same accounts and
    registrations, written with multi-row INSERTs and counted with one upsert per (unit,
    organisation, group), so that a school's 1,500 pupils take seconds. Returns the new
    account ids in the order of `people`. Flushes, never commits; a duplicate phone or
    CCCD fails the whole list."""
    from collections import Counter

    from sqlalchemy import insert

    if not people:
        return []
    now = utcnow()
    accounts = [dict(
        login=p.phone, role=Role.PARTICIPANT.value, full_name=p.full_name,
        birth_date=p.birth_date, gender=p.gender, phone=p.phone, cccd=p.cccd,
        unit_id=p.unit_id, organisation_id=p.organisation_id, consent_at=now,
        consent_version=CONSENT_VERSION, created_by_id=created_by.id, created_at=now,
        must_change_password=must_change_password, password_hash=password_hash,
        session_version=1, is_active_account=True, is_organiser=False) for p in people]
    ids = list(db.session.scalars(
        insert(Account).returning(Account.id, sort_by_parameter_order=True), accounts))
    db.session.execute(insert(Registration), [dict(
        contest_id=contest.id, account_id=account_id, unit_id=p.unit_id,
        organisation_id=p.organisation_id, group=p.group, import_batch_id=import_batch_id,
        created_at=now) for account_id, p in zip(ids, people, strict=True)])
    stats.record_registrations(contest.id, now, Counter(
        (p.unit_id, p.organisation_id, p.group) for p in people))
    return ids


def registration_of(account: Account, contest: Contest) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.account_id == account.id, Registration.contest_id == contest.id))


def join_contest(account: Account, contest: Contest) -> Registration:
    """An account from an earlier edition takes part in this one, in the unit,
    organisation and group of its latest registration. Flushes, never commits."""
    existing = registration_of(account, contest)
    if existing is not None:
        return existing
    latest = db.session.scalars(select(Registration).where(
        Registration.account_id == account.id).order_by(Registration.created_at.desc())).first()
    registration = Registration(
        contest_id=contest.id, account_id=account.id,
        unit_id=latest.unit_id if latest else account.unit_id,
        organisation_id=latest.organisation_id if latest else account.organisation_id,
        group=latest.group if latest else Group.RESIDENT.value, created_at=utcnow())
    db.session.add(registration)
    db.session.flush()
    stats.record_registration(registration)
    return registration
