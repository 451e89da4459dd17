"""Masks for personal data in lists and public pages."""
from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """"0912345678" -> "0912***678"."""
    if not phone:
        return ""
    return phone[:4] + "***" + phone[-3:]


def mask_name(full_name: str) -> str:
    """"Nguyễn Văn An" -> "Nguyễn V. A."; the family name stays whole."""
    parts = full_name.split()
    if len(parts) <= 1:
        return full_name
    return " ".join([parts[0]] + [p[0] + "." for p in parts[1:]])
