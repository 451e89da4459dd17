"""A person's own account: logging in, changing the password, seeing and downloading
their own data (Decree 13/2023/NĐ-CP: a person can see and export their own data)."""
from __future__ import annotations

import datetime as dt
import io
import json

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from cdso.extensions import db
from cdso.formatting import date_short, datetime_short
from cdso.models import GROUP_LABELS, Account, Attempt, AuditLog, Contest, Group, Registration
from cdso.services.accounts import registration as rules
from cdso.services.accounts.registration import Invalid
from cdso.services.exports import guard

GENDER_LABELS = {"nam": "Nam", "nu": "Nữ", "khac": "Khác"}
# Checked when no account matches, so a wrong phone takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:120000")


def login_key(typed: str) -> str:
    """One key per account whatever the form typed: a phone in any form, or a username."""
    typed = (typed or "").strip()
    try:
        return rules.clean_phone(typed)
    except Invalid:
        return typed.lower()[:64]


def authenticate(typed_login: str, password: str) -> Account | None:
    """The active account with this phone (any form) or username and password, or None."""
    key = login_key(typed_login)
    account = db.session.scalar(select(Account).where(Account.login == key)) if key else None
    if account is None and key != (typed_login or "").strip():
        account = db.session.scalar(select(Account).where(Account.login == typed_login.strip()))
    if account is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not account.check_password(password or "") or not account.is_active_account:
        return None
    return account


def change_password(account: Account, current: str, new: str, confirm: str) -> dict[str, str]:
    """Set a new password after checking the current one. Returns the errors (none: done).
    Bumping the session version ends every other session of the account."""
    errors: dict[str, str] = {}
    if not current:
        errors["current_password"] = "Xin nhập mật khẩu hiện tại."
    elif not account.check_password(current):
        errors["current_password"] = "Mật khẩu hiện tại không đúng."
    try:
        rules.clean_password(new, official=account.is_official, phone=account.phone,
                             cccd=account.cccd, birth_date=account.birth_date)
    except Invalid as problem:
        errors["new_password"] = str(problem)
    if "new_password" not in errors:
        if new != confirm:
            errors["new_password2"] = "Hai lần nhập mật khẩu mới không giống nhau."
        elif current and new == current:
            errors["new_password"] = "Mật khẩu mới cần khác mật khẩu hiện tại."
    if errors:
        return errors
    account.set_password(new)
    account.must_change_password = False
    account.session_version = (account.session_version or 1) + 1
    db.session.flush()
    return {}


def _moment(value: dt.datetime | None) -> str:
    return datetime_short(value) if value else ""


def own_data(account: Account) -> dict:
    """Everything the platform keeps about this person, in words they can read."""
    registrations = db.session.execute(
        select(Registration, Contest.name).join(Contest, Contest.id == Registration.contest_id)
        .where(Registration.account_id == account.id).order_by(Registration.created_at)).all()
    attempts = db.session.execute(
        select(Attempt, Contest.name).join(Contest, Contest.id == Attempt.contest_id)
        .where(Attempt.account_id == account.id).order_by(Attempt.contest_id, Attempt.number)
    ).all()
    return {
        "Tài khoản": {
            "Họ và tên": account.full_name,
            "Ngày sinh": date_short(account.birth_date) if account.birth_date else "",
            "Giới tính": GENDER_LABELS.get(account.gender or "", ""),
            "Số điện thoại": account.phone or "",
            "Số CCCD": account.cccd or "",
            "Tên đăng nhập": account.login,
            "Xã, phường, đặc khu": account.unit.name if account.unit else "",
            "Tổ dân phố, thôn, cơ quan": account.organisation.name if account.organisation else "",
            "Tạo lúc": _moment(account.created_at),
            "Đồng ý xử lý dữ liệu lúc": _moment(account.consent_at),
            "Phiên bản thông báo đã đồng ý": account.consent_version or "",
        },
        "Đăng ký dự thi": [{
            "Cuộc thi": contest_name,
            "Xã, phường, đặc khu": reg.unit.name,
            "Tổ dân phố, thôn, cơ quan": reg.organisation.name if reg.organisation else "",
            "Đối tượng": GROUP_LABELS.get(Group(reg.group), reg.group),
            "Đăng ký lúc": _moment(reg.created_at),
            "Hoàn thành bài thi đầu tiên lúc": _moment(reg.first_finished_at),
        } for reg, contest_name in registrations],
        "Bài thi": [{
            "Cuộc thi": contest_name,
            "Lượt": attempt.number,
            "Trạng thái": "Đã nộp" if attempt.status == "finished" else "Đang làm",
            "Bắt đầu": _moment(attempt.started_at),
            "Nộp bài": _moment(attempt.finished_at),
            "Số câu đúng": attempt.score if attempt.score is not None else "",
            "Số câu hỏi": attempt.question_count,
            "Thời gian làm bài (giây)": attempt.duration_seconds or "",
            "Dự đoán": attempt.prediction if attempt.prediction is not None else "",
        } for attempt, contest_name in attempts],
    }


def own_data_json(account: Account) -> str:
    return json.dumps(own_data(account), ensure_ascii=False, indent=2)


def own_data_csv(account: Account) -> str:
    """The same data as rows of (section, item, value), with a BOM so Excel reads UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = guard.csv_writer(out)
    writer.writerow(["Phần", "Mục", "Giá trị"])
    for section, content in own_data(account).items():
        rows = content if isinstance(content, list) else [content]
        for index, row in enumerate(rows, start=1):
            label = f"{section} {index}" if isinstance(content, list) else section
            for item, value in row.items():
                writer.writerow([label, item, value])
    return out.getvalue()


def record_own_export(account: Account, fmt: str, ip: str | None, now: dt.datetime) -> None:
    db.session.add(AuditLog(at=now, actor_id=account.id, action="export_own_data",
                            target_type="account", target_id=account.id,
                            detail={"format": fmt}, ip=ip))
    db.session.flush()
