"""People: one login account each, and their registration in a contest."""
from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from cdso.extensions import db
from cdso.models.unit import Organisation, Unit


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    TEAM_MEMBER = "team_member"  # tổ công nghệ số cộng đồng, one unit
    REPORTER = "reporter"  # cán bộ đơn vị, one organisation
    CLERK = "clerk"  # cán bộ xã/phường, one unit
    ADMIN = "admin"  # Sở KH&CN, the whole city


ROLE_LABELS = {
    Role.PARTICIPANT: "Thí sinh",
    Role.TEAM_MEMBER: "Tổ công nghệ số cộng đồng",
    Role.REPORTER: "Cán bộ đơn vị",
    Role.CLERK: "Cán bộ xã/phường",
    Role.ADMIN: "Quản trị Sở KH&CN",
}


class Group(enum.StrEnum):
    OFFICIAL = "can_bo"
    STUDENT = "hoc_sinh"
    RESIDENT = "nguoi_dan"
    BUSINESS = "doanh_nghiep"


GROUP_LABELS = {
    Group.OFFICIAL: "Cán bộ, công chức, viên chức",
    Group.STUDENT: "Học sinh, sinh viên",
    Group.RESIDENT: "Người dân",
    Group.BUSINESS: "Doanh nghiệp, hộ kinh doanh",
}


class Account(UserMixin, db.Model):
    """Anyone who logs in. Residents log in with their phone, officials with a username."""

    __table_args__ = (
        # Officials by unit and role, without walking a unit's participant accounts.
        Index("ix_account_staff", "unit_id", "role",
              postgresql_where=text("role IN ('admin', 'clerk', 'reporter', 'team_member')"),
              sqlite_where=text("role IN ('admin', 'clerk', 'reporter', 'team_member')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)  # phone "0912345678" or username
    role: Mapped[str] = mapped_column(String(20), default=Role.PARTICIPANT.value)
    full_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(10))  # nam | nu | khac
    phone: Mapped[str | None] = mapped_column(String(15), unique=True)
    cccd: Mapped[str | None] = mapped_column(String(12), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Scope of an official; home unit of a resident.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    is_organiser: Mapped[bool] = mapped_column(default=False)  # excluded from prizes
    consent_at: Mapped[dt.datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consent_in_person_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[dt.datetime]
    # Bumped on password change/reset: every older session stops working.
    session_version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])

    def get_id(self) -> str:  # Flask-Login: id and session version together
        return f"{self.id}:{self.session_version}"

    @property
    def is_official(self) -> bool:
        return self.role in (Role.CLERK.value, Role.ADMIN.value, Role.REPORTER.value,
                             Role.TEAM_MEMBER.value)

    def set_password(self, password: str) -> None:
        # pbkdf2 with a moderate count: logins are rate limited, and 2-core nodes
        # must not spend a whole second per login during a rush.
        self.password_hash = generate_password_hash(password, method="pbkdf2:sha256:120000")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Registration(db.Model):
    """A person taking part in one contest: what the "registered" figure counts."""

    __table_args__ = (
        UniqueConstraint("contest_id", "account_id"),
        Index("ix_registration_contest_created", "contest_id", "created_at"),
        Index("ix_registration_contest_finished", "contest_id", "first_finished_at"),
        Index("ix_registration_unit", "contest_id", "unit_id", "first_finished_at"),
        # A ward's follow-up list (not finished yet) and a reporter's member list.
        Index("ix_registration_unit_unfinished", "contest_id", "unit_id", "created_at",
              postgresql_where=text("first_finished_at IS NULL"),
              sqlite_where=text("first_finished_at IS NULL")),
        Index("ix_registration_org_created", "contest_id", "organisation_id", "created_at"),
        # Integrity signals (docs/integrity.md): registrations per address, device, helper.
        Index("ix_registration_ip_created", "contest_id", "client_ip", "created_at",
              postgresql_where=text("client_ip IS NOT NULL"),
              sqlite_where=text("client_ip IS NOT NULL")),
        Index("ix_registration_device", "contest_id", "device_id", "created_at",
              postgresql_where=text("device_id IS NOT NULL AND assisted_by_id IS NULL"),
              sqlite_where=text("device_id IS NOT NULL AND assisted_by_id IS NULL")),
        Index("ix_registration_helper_created", "contest_id", "assisted_by_id", "created_at",
              postgresql_where=text("assisted_by_id IS NOT NULL"),
              sqlite_where=text("assisted_by_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    group: Mapped[str] = mapped_column(String(20))
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[dt.datetime]
    first_finished_at: Mapped[dt.datetime | None]
    # Where a self- or assisted registration came from (integrity signals, docs/integrity.md):
    # the network address and the signed device cookie's random id; no fingerprinting.
    client_ip: Mapped[str | None] = mapped_column(String(45))
    device_id: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    unit: Mapped[Unit] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    assisted_by: Mapped[Account | None] = relationship(foreign_keys=[assisted_by_id])
