"""What a password must be (NIST SP 800-63B 5.1.1.2): long enough (8 characters, 12 for
officials), not one of the common passwords that are tried first (cdso/data/
common_passwords.txt, built by scripts/build_common_passwords.py), and not made of
the person's own phone number, CCCD or birth date. No rules on character classes,
no expiry: the message says why a password is refused, in words a resident follows."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

LIST = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"
MIN_LENGTH = 8
MIN_LENGTH_OFFICIAL = 12
MAX_LENGTH = 128
SEPARATORS = re.compile(r"[\s./\-_]")


class WeakPassword(ValueError):
    """The Vietnamese reason a password is refused."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with LIST.open(encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


def _date_forms(born: dt.date) -> set[str]:
    day, month, year = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}"
    return {day + month + year, year + month + day, day + month + year[2:],
            f"{born.day}{born.month}{year}", month + day + year}


def _personal_reason(password: str, phone: str | None, cccd: str | None,
                     birth_date: dt.date | None) -> str | None:
    squeezed = SEPARATORS.sub("", password)
    if phone and (phone in squeezed or phone[1:] in squeezed):
        return ("Mật khẩu không được chứa số điện thoại của bạn: người khác biết số này "
                "sẽ đoán ra ngay. Xin chọn mật khẩu khác.")
    if cccd and cccd in squeezed:
        return ("Mật khẩu không được chứa số căn cước công dân (CCCD) của bạn. "
                "Xin chọn mật khẩu khác.")
    if birth_date and any(form in squeezed for form in _date_forms(birth_date)):
        return ("Mật khẩu không được chứa ngày sinh của bạn: đó là điều kẻ gian thử trước "
                "tiên. Xin chọn mật khẩu khác.")
    return None


def check(password: str, *, official: bool = False, phone: str | None = None,
          cccd: str | None = None, birth_date: dt.date | None = None) -> str:
    """The password when it is acceptable; raises WeakPassword saying why it is not."""
    minimum = MIN_LENGTH_OFFICIAL if official else MIN_LENGTH
    if not password or len(password) < minimum:
        who = "của cán bộ" if official else ""
        raise WeakPassword(f"Mật khẩu {who} cần ít nhất {minimum} ký tự.".replace("  ", " ")
                           + " Một câu ngắn dễ nhớ, ví dụ «hoa sen nở trên hồ», là mật khẩu tốt.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Mật khẩu dài quá {MAX_LENGTH} ký tự.")
    if password.lower() in common_passwords() or len(set(password)) <= 2:
        raise WeakPassword("Mật khẩu này quá phổ biến (nằm trong danh sách mật khẩu kẻ gian "
                           "thử đầu tiên, như 12345678 hay matkhau123). Xin chọn mật khẩu khác.")
    reason = _personal_reason(password, phone, cccd, birth_date)
    if reason:
        raise WeakPassword(reason)
    return password
