"""The kinds of official document, in one registry: what each is called, who issues it
(the city's Department for every unit, or one unit), and the stem of its file names.
Default texts of each kind: cdso/services/documents/defaults.py, keyed the same way."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    key: str
    label: str
    file_stem: str
    by_city: bool  # issued by the Department about every unit; else by one unit


KINDS: dict[str, DocumentKind] = {kind.key: kind for kind in (
    DocumentKind("city_progress", "Báo cáo tiến độ của Sở gửi các đơn vị", "bao-cao-tien-do",
                 by_city=True),
    DocumentKind("unit_urge", "Công văn của xã/phường triển khai, đôn đốc tham gia",
                 "cong-van-don-doc", by_city=False),
    DocumentKind("unit_report", "Báo cáo kết quả của xã/phường gửi Sở", "bao-cao-ket-qua",
                 by_city=False),
)}
LABELS: dict[str, str] = {key: kind.label for key, kind in KINDS.items()}
CITY_KIND = next(key for key, kind in KINDS.items() if kind.by_city)
UNIT_KINDS = tuple(key for key, kind in KINDS.items() if not kind.by_city)
