"""Officials' accounts: the city creates ward clerks (one by one or from an XLSX); a clerk
creates unit reporters and community digital team members for their own unit. A new or
reset account gets a temporary password and must change it at first login. Every action
on another person's account is logged."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, Organisation, Role
from cdso.models.unit import ORG_KIND_LABELS
from cdso.services.accounts import registration
from cdso.services.accounts import scope
from cdso.services.units.catalogue import tone_key

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand
Invalid = registration.Invalid


def creatable_roles(actor: Account) -> list[Role]:
    if actor.role == Role.ADMIN.value:
        return [Role.CLERK]
    if actor.role == Role.CLERK.value and actor.unit_id:
        return [Role.REPORTER, Role.TEAM_MEMBER]
    return []


def manageable_query(actor: Account) -> Select:
    """The accounts this actor may list, reset and lock: deny by default."""
    roles = [r.value for r in creatable_roles(actor)]
    query = select(Account).where(Account.role.in_(roles or ["-"]))
    if actor.role != Role.ADMIN.value:
        query = query.where(Account.unit_id == actor.unit_id)
    return query


def account_or_404(actor: Account, account_id: int) -> Account:
    return db.first_or_404(manageable_query(actor).where(Account.id == account_id))


def temporary_password() -> str:
    """Three groups of four readable characters, e.g. "k7mq-x2pd-9tra"."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(4)) for _ in range(3))


def clean_login(raw: str, taken: set[str] | None = None) -> str:
    value = (raw or "").strip().lower()
    if not value:
        raise Invalid("Xin nhập tên đăng nhập.")
    if not LOGIN.match(value):
        raise Invalid("Tên đăng nhập gồm 3–40 chữ thường không dấu, số, dấu chấm, gạch "
                      "ngang hoặc gạch dưới, ví dụ vhxh.giavien.")
    if value.isdigit():
        raise Invalid("Tên đăng nhập của cán bộ không được chỉ gồm chữ số (dành cho số "
                      "điện thoại của thí sinh).")
    if (taken and value in taken) or db.session.scalar(
            select(Account.id).where(func.lower(Account.login) == value)):
        raise Invalid("Tên đăng nhập này đã có người dùng. Xin chọn tên khác.")
    return value


def clean_optional_phone(raw: str, taken: set[str] | None = None) -> str | None:
    if not (raw or "").strip():
        return None
    phone = registration.clean_phone(raw)
    if (taken and phone in taken) or db.session.scalar(
            select(Account.id).where(Account.phone == phone)):
        raise Invalid("Số điện thoại này đã gắn với một tài khoản khác.")
    return phone


@dataclass
class NewOfficial:
    full_name: str
    login: str
    role: str
    unit_id: int
    phone: str | None = None
    organisation_id: int | None = None
    new_organisation: tuple[str, str] | None = None  # (name, kind) to create


def check_new_official(actor: Account, form) -> tuple[NewOfficial | None, dict[str, str]]:
    """Everything a creation form needs, checked at once; nothing written."""
    errors: dict[str, str] = {}
    roles = {r.value for r in creatable_roles(actor)}
    role = form.get("role", "")
    if role not in roles:
        errors["role"] = "Xin chọn loại tài khoản."
    values = {}
    for name, clean in (("full_name", registration.clean_full_name), ("login", clean_login),
                        ("phone", clean_optional_phone)):
        try:
            values[name] = clean(form.get(name, ""))
        except Invalid as error:
            errors[name] = str(error)
    unit_id = actor.unit_id
    if actor.role == Role.ADMIN.value:
        if not form.get("unit_id"):
            errors["unit_id"] = "Xin chọn xã, phường, đặc khu của cán bộ."
        else:
            unit_id = scope.unit_or_404(actor, form.get("unit_id")).id
    organisation_id, new_organisation = None, None
    if role == Role.REPORTER.value:
        organisation_id, new_organisation = _organisation_choice(actor, form, errors)
    if errors:
        return None, errors
    return NewOfficial(values["full_name"], values["login"], role, unit_id, values["phone"],
                       organisation_id, new_organisation), {}


def _organisation_choice(actor: Account, form, errors: dict) -> tuple[int | None, tuple | None]:
    chosen = form.get("organisation_id", "")
    new_name = re.sub(r"\s+", " ", form.get("new_organisation", "")).strip()
    if chosen and new_name:
        errors["organisation_id"] = "Chọn một đơn vị có sẵn hoặc nhập tên đơn vị mới, không cả hai."
        return None, None
    if chosen:
        return scope.organisation_or_404(actor, chosen).id, None
    if not new_name:
        errors["organisation_id"] = "Xin chọn đơn vị (tổ dân phố, trường, cơ quan…) của cán bộ."
        return None, None
    kind = form.get("new_organisation_kind", "")
    if kind not in ORG_KIND_LABELS:
        errors["new_organisation_kind"] = "Xin chọn loại của đơn vị mới."
    if len(new_name) > 200:
        errors["new_organisation"] = "Tên đơn vị dài quá 200 ký tự."
    elif db.session.scalar(select(Organisation.id).where(
            Organisation.unit_id == actor.unit_id, Organisation.name_key == tone_key(new_name))):
        errors["new_organisation"] = "Đơn vị này đã có trong danh sách: xin chọn ở ô trên."
    return None, (new_name, kind)


def create_official(actor: Account, new: NewOfficial) -> tuple[Account, str]:
    """Create the account (and a new organisation if asked). Flushes; returns the account
    and its temporary password, shown once to the creator."""
    now = utcnow()
    organisation_id = new.organisation_id
    if new.new_organisation:
        name, kind = new.new_organisation
        organisation = Organisation(unit_id=new.unit_id, name=name, name_key=tone_key(name),
                                    kind=kind, created_at=now)
        db.session.add(organisation)
        db.session.flush()
        organisation_id = organisation.id
    password = temporary_password()
    account = Account(login=new.login, role=new.role, full_name=new.full_name,
                      phone=new.phone, unit_id=new.unit_id, organisation_id=organisation_id,
                      created_by_id=actor.id, created_at=now, must_change_password=True,
                      is_organiser=True)
    account.set_password(password)
    db.session.add(account)
    db.session.flush()
    scope.log_access(actor, "account.create", target_type="account", target_id=account.id,
                     detail={"login": account.login, "role": account.role,
                             "unit_id": account.unit_id, "organisation_id": organisation_id})
    return account, password


def reset_password(actor: Account, target: Account) -> str:
    """A new temporary password; every session of the account ends. Flushes."""
    password = temporary_password()
    target.set_password(password)
    target.must_change_password = True
    target.session_version += 1
    scope.log_access(actor, "account.reset_password", target_type="account",
                     target_id=target.id, detail={"login": target.login})
    db.session.flush()
    return password


def set_active(actor: Account, target: Account, active: bool) -> None:
    target.is_active_account = active
    if not active:
        target.session_version += 1
    scope.log_access(actor, "account.unlock" if active else "account.lock",
                     target_type="account", target_id=target.id, detail={"login": target.login})
    db.session.flush()

