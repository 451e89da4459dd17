"""Integrity thresholds: contest settings with defaults (documented in docs/integrity.md)."""
from __future__ import annotations

import re
from collections.abc import Mapping

from cdso.formatting import number
from cdso.models import Contest

# name -> (default, lowest, highest, label)
THRESHOLDS: dict[str, tuple[int, int, int, str]] = {
    "burst_count": (30, 5, 10000, "Đăng ký dồn dập: số đăng ký tối thiểu"),
    "burst_minutes": (10, 1, 60, "Đăng ký dồn dập: trong vòng (phút)"),
    "reading_seconds": (2, 1, 60, "Thời gian đọc tối thiểu mỗi câu (giây)"),
    "fast_min_attempts": (5, 1, 10000, "Bài làm nhanh hơn thời gian đọc: số lượt tối thiểu của một đơn vị"),
    "same_answers_accounts": (10, 3, 10000, "Đáp án giống hệt: số tài khoản tối thiểu"),
    "same_answers_minutes": (60, 1, 1440, "Đáp án giống hệt: trong vòng (phút)"),
    "device_accounts": (5, 2, 10000, "Một thiết bị: số tài khoản tối thiểu"),
    "helper_gap_points": (25, 5, 100, "Người hỗ trợ: chênh lệch điểm so với đơn vị (điểm %)"),
    "helper_min_attempts": (10, 1, 10000, "Người hỗ trợ: số lượt hỗ trợ tối thiểu"),
}


def thresholds(contest: Contest) -> dict[str, int]:
    """The contest's thresholds, the defaults where it has none."""
    stored = contest.integrity_settings or {}
    return {name: int(stored.get(name, spec[0])) for name, spec in THRESHOLDS.items()}


def typed_from(contest: Contest) -> dict[str, str]:
    typed = {name: str(value) for name, value in thresholds(contest).items()}
    typed["exclude_invalid"] = "1" if contest.exclude_invalid else ""
    return typed


def read_form(form: Mapping[str, str]) -> dict[str, str]:
    typed = {name: (form.get(name) or "").strip() for name in THRESHOLDS}
    typed["exclude_invalid"] = "1" if form.get("exclude_invalid") in ("1", "on", "yes") else ""
    return typed


def clean(typed: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """Checked thresholds, or Vietnamese messages keyed by field."""
    values, errors = {}, {}
    for name, (_, low, high, _) in THRESHOLDS.items():
        raw = typed.get(name, "")
        if not re.fullmatch(r"\d{1,5}", raw) or not low <= int(raw) <= high:
            errors[name] = f"Nhập một số nguyên từ {number(low)} đến {number(high)}."
        else:
            values[name] = int(raw)
    return values, errors
