"""The formula guard: text that people typed is written into a spreadsheet as text,
never as a formula (OWASP "CSV injection").

- XLSX: every string becomes a string cell (openpyxl would store "=…" as a formula);
  characters XML cannot hold are dropped instead of failing the whole export.
- CSV: a text starting with = + - @, a tab or a carriage return gets a leading
  apostrophe, as OWASP advises; numbers (and text that is only a number) stay as they are.

Every workbook and CSV that the platform hands out writes its cells through here:
    guard.append(sheet, [name, count, ...])        # normal or write-only worksheet
    cell = guard.cell(sheet, value)                 # a cell to style before appending
    writer = guard.csv_writer(out); writer.writerow([...])
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl is loaded when a workbook is written (cdso/lazy.py)
    from openpyxl.cell.cell import Cell

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def is_risky(text: str) -> bool:
    """Would a spreadsheet read this text as the start of a formula?"""
    return text.startswith(TRIGGERS) and not PLAIN_NUMBER.match(text)


def cell(sheet, value, **style) -> Cell:
    """A cell for `sheet` (normal or write-only): strings are string cells."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    item = Cell(sheet, row=1, column=1, value=value)
    if isinstance(value, str):
        item.data_type = "s"
    for key, setting in style.items():
        setattr(item, key, setting)
    return item


def row(sheet, values: Iterable) -> list:
    from openpyxl.cell.cell import Cell
    return [value if isinstance(value, Cell) else cell(sheet, value) for value in values]


def append(sheet, values: Iterable) -> None:
    """`sheet.append(values)` with every value through the guard."""
    sheet.append(row(sheet, values))


def csv_text(value):
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_text(value) for value in values]


def csv_unguard(text: str) -> str:
    """What a guarded CSV cell held before the guard (for files that come back in)."""
    if text.startswith("'") and is_risky(text[1:]):
        return text[1:]
    return text


class _GuardedWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, values: Iterable):
        return self._writer.writerow(csv_row(values))

    def writerows(self, rows: Iterable[Iterable]):
        for values in rows:
            self.writerow(values)


class _GuardedDictWriter(_GuardedWriter):
    def writeheader(self):
        return self._writer.writeheader()

    def writerow(self, values: dict):
        return self._writer.writerow({key: csv_text(item) for key, item in values.items()})


def csv_writer(out, **options) -> _GuardedWriter:
    return _GuardedWriter(csv.writer(out, **options))


def csv_dict_writer(out, fieldnames, **options) -> _GuardedDictWriter:
    return _GuardedDictWriter(csv.DictWriter(out, fieldnames=fieldnames, **options))
