"""What a document leaves unfilled: a number or a day left for the registry clerk to write
by hand, or dots ("……") where a name, a phone or a figure is still missing. Issuing lists
each one and asks the person to confirm it is blank on purpose; the confirmed list is
stored with the issued document (Document.blanks).

Each blank has a key that changes with what it shows: a confirmation covers exactly the
blank the person saw, not one typed afterwards in the same field.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from cdso.services.documents import fields as document_fields
from cdso.services.documents import figures as document_figures

# Two ellipses or more, four dots or more (possibly with an ellipsis), four underscores:
# the marks Vietnamese forms use for "write here". One "…" is just an ellipsis.
DOTS = re.compile(r"…{2,}|…?\.{4,}…?|\.*…\.{2,}|_{4,}")
HAND_WRITTEN = {
    "number": "Số văn bản để trống, văn thư điền tay khi vào sổ",
    "date": "Ngày ban hành để trống, điền tay khi ký",
}


@dataclass(frozen=True)
class Blank:
    key: str  # field name and a short hash of what is shown
    field: str
    label: str
    shown: str  # the line as it prints, with its dots

    def as_record(self) -> dict:
        return asdict(self)


def _key(field: str, shown: str) -> str:
    return f"{field}:{hashlib.sha256(shown.encode()).hexdigest()[:10]}"


def find_blanks(fields: dict[str, str], values: dict[str, str], place_date: str) -> list[Blank]:
    """Every unfilled place of the document as it prints, in the order of the form."""
    found: list[Blank] = []
    for spec in document_fields.FIELDS:
        text = fields.get(spec.name, "")
        if spec.name in HAND_WRITTEN:
            if not text.strip():
                shown = place_date if spec.name == "date" else HAND_WRITTEN[spec.name]
                found.append(Blank(_key(spec.name, shown), spec.name, HAND_WRITTEN[spec.name],
                                   shown))
            continue
        for line in document_fields.lines_of(document_fields.fill(text, values)):
            if DOTS.search(line):
                shown = line if len(line) <= 160 else _around(line)
                found.append(Blank(_key(spec.name, line), spec.name, spec.label, shown))
    return found


def of_draft(fields: dict[str, str], snapshot: dict, reference) -> list[Blank]:
    """The blanks of a draft as typed, its figures taken from `snapshot`; `reference` (a
    date) gives the month and year printed beside a blank day."""
    values = document_figures.all_values(snapshot)
    try:
        date = document_fields.parse_date(document_fields.fill(fields.get("date", ""), values))
    except ValueError:
        date = None
    place = document_fields.fill(fields.get("place", ""), values)
    return find_blanks(fields, values, document_fields.place_date_line(place, date, reference))


def _around(line: str) -> str:
    """The part of a long line around its first dots."""
    match = DOTS.search(line)
    start, end = max(0, match.start() - 70), min(len(line), match.end() + 70)
    return f"{'…' if start else ''}{line[start:end].strip()}{'…' if end < len(line) else ''}"


def unconfirmed(blanks: list[Blank], confirmed: Iterable[str]) -> list[Blank]:
    keys = set(confirmed)
    return [blank for blank in blanks if blank.key not in keys]


def message(missing: list[Blank]) -> str:
    return (f"Còn {len(missing)} chỗ để trống chưa được xác nhận. Xin điền vào, hoặc đánh "
            "dấu từng chỗ cố ý để trống (sẽ điền tay sau khi in) rồi bấm Ban hành lần nữa.")
