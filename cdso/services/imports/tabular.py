"""Uploaded tables (XLSX or CSV) read into row dicts keyed by our Vietnamese headers, the
downloadable templates with the same headers, and the row-by-row error report.

Officials fill templates in Excel, LibreOffice or Google Sheets and save as .xlsx or
.csv (UTF-8, or the Windows Vietnamese code page; comma, semicolon or tab). Headers are
matched loosely: case, diacritics, punctuation, a trailing "*" and a hint in brackets
do not matter, so "Ngày sinh (ngày/tháng/năm) *" is the column "Ngày sinh"."""
from __future__ import annotations

import csv
import functools
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import GROUP_LABELS, Group
from cdso.services.exports import print_setup
from cdso.services.units import catalogue as units
from cdso.services.accounts.registration import Invalid
from cdso.services.imports import guard
from cdso.services.imports.errors import RowError, TableError  # noqa: F401 (re-exported)
from cdso.services.units.catalogue import plain_key
from cdso.services.exports import guard as formula_guard



@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False  # the header must be in the file
    hint: str = ""  # explained on the template's instructions sheet
    aliases: tuple[str, ...] = ()


def header_key(text: str) -> str:
    """"Ngày sinh (ngày/tháng/năm) *" -> "ngay sinh"."""
    text = re.sub(r"\(.*?\)", " ", str(text or "")).replace("*", " ")
    text = re.sub(r"[/,;.:\-_]", " ", text)
    return re.sub(r"\s+", " ", plain_key(text)).strip()


def cell_text(value) -> str:
    """A cell as the text a person sees: dates as dd/mm/yyyy, 15.0 as 15."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _csv_rows(data: bytes, limit: guard.Limits) -> list[list[str]]:
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    guard.check_csv_text(text, limit)
    budget, rows, same = guard.Budget(limit), [], {}
    try:
        for values in csv.reader(io.StringIO(text), delimiter=delimiter):
            budget.row(len(values))
            # a guarded export (a leading apostrophe) comes back as typed; one copy of each
            # repeated text (genders, groups, units, dates): less memory
            rows.append([same.setdefault(cell, cell) for cell in
                         (cell_text(formula_guard.csv_unguard(v)) for v in values)])
    except csv.Error:
        raise TableError("Không đọc được tệp CSV này (có ô quá dài hoặc dấu ngoặc kép không "
                         "khớp). Xin lưu lại từ Excel dưới dạng CSV UTF-8.") from None
    return rows


def _xlsx_rows(data: bytes, limit: guard.Limits) -> list[list[str]]:
    from openpyxl import load_workbook

    guard.check_zip(data, limit)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise TableError("Không đọc được tệp Excel này. Xin lưu lại dưới dạng .xlsx "
                         "(Excel Workbook) hoặc .csv rồi tải lên lại.") from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # rows as the file has them, not as it claims
        budget, rows, same = guard.Budget(limit), [], {}
        for values in sheet.iter_rows(values_only=True):
            budget.row(len(values))
            texts = [same.setdefault(cell, cell) for cell in map(cell_text, values)]
            while texts and not texts[-1]:
                texts.pop()
            rows.append(texts)
        return rows
    except TableError:
        raise
    except Exception:  # a damaged sheet, or XML that defusedxml refuses
        raise TableError("Không đọc được tệp Excel này. Xin lưu lại dưới dạng .xlsx "
                         "(Excel Workbook) hoặc .csv rồi tải lên lại.") from None
    finally:
        book.close()


def read_cells(filename: str, data: bytes) -> list[list[str]]:
    """Every row of the first sheet of an .xlsx or .csv as cell texts, blank rows kept
    (so result[i] is sheet row i + 1), read behind the upload guard. Raises TableError
    for a file that cannot or must not be read."""
    if not data:
        raise TableError("Xin chọn tệp (.xlsx hoặc .csv).")
    limit = guard.limits()
    guard.check_size(data, limit)
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data, limit)
    if name.endswith((".csv", ".txt")):
        return _csv_rows(data, limit)
    if name.endswith(".xls"):
        raise TableError("Tệp .xls (Excel đời cũ) chưa đọc được. Xin mở tệp và lưu lại "
                         "dưới dạng .xlsx hoặc .csv.")
    raise TableError("Chỉ nhận tệp .xlsx hoặc .csv. Xin tải tệp mẫu về và điền vào.")


class Row:
    """One row's cells by our headers (only the known columns), read like a dict but
    without a dict per row: a 100,000-row list stays small."""

    __slots__ = ("positions", "values")

    def __init__(self, positions: dict[str, int], values: list[str]) -> None:
        self.positions, self.values = positions, values

    def get(self, header: str, default=None):
        index = self.positions.get(header)
        if index is None:
            return default
        return self.values[index] if index < len(self.values) else ""

    def __getitem__(self, header: str) -> str:
        if header not in self.positions:
            raise KeyError(header)
        return self.get(header)

    def __contains__(self, header: str) -> bool:
        return header in self.positions


def read_table(filename: str, data: bytes, columns: list[Column]) -> list[tuple[int, Row]]:
    """The non-blank rows as (row number, Row), cells by our headers. Raises TableError
    for a file that cannot be used at all."""
    cells = read_cells(filename, data)
    first = next((index for index, values in enumerate(cells) if any(values)), None)
    if first is None:
        raise TableError("Tệp không có dữ liệu.")
    positions = _positions(cells[first], first + 1, columns)
    body: list[tuple[int, Row]] = []
    for index in range(first + 1, len(cells)):
        values, cells[index] = cells[index], None
        if any(values):
            body.append((index + 1, Row(positions, values)))
    if not body:
        raise TableError("Tệp chỉ có dòng tiêu đề, chưa có người nào.")
    return body


class Draining:
    """A table's rows handed over once: each row is let go as it is read, so that a check
    holding its own results never holds the raw rows too (a 100,000-row list)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        for index in range(len(self.rows)):
            row, self.rows[index] = self.rows[index], None
            yield row


def _positions(header_cells: list[str], header_number: int,
               columns: list[Column]) -> dict[str, int]:
    wanted = {}
    for column in columns:
        for name_ in (column.header, *column.aliases):
            wanted[header_key(name_)] = column.header
    positions: dict[str, int] = {}
    for index, cell in enumerate(header_cells):
        header = wanted.get(header_key(cell))
        if header and header not in positions:
            positions[header] = index
    missing = [c.header for c in columns if c.required and c.header not in positions]
    if missing:
        raise TableError(f"Dòng tiêu đề (dòng {header_number}) thiếu cột: "
                         f"{', '.join(missing)}. Xin dùng đúng mẫu danh sách.")
    return positions


def template_xlsx(columns: list[Column], title: str, examples: list[list[str]]) -> bytes:
    """A template: the header row on the first sheet (cells formatted as text, so that
    phone numbers keep their leading 0), and the instructions with examples on a second
    sheet, where nothing is imported from."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    formula_guard.append(sheet, [c.header + (" *" if c.required else "") for c in columns])
    for index in range(1, len(columns) + 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        dimension = sheet.column_dimensions[cell.column_letter]
        dimension.number_format = "@"  # the column's style: what people type stays text
    print_setup.fit_sheet(sheet, header_rows=(1, 1),
                          minimum=[max(14, len(c.header) * 0.6 + 4) for c in columns])
    sheet.freeze_panes = "A2"
    guide = book.create_sheet("Hướng dẫn")
    formula_guard.append(guide, [title])
    guide["A1"].font = Font(bold=True)
    formula_guard.append(guide, ["Điền mỗi người một dòng ở trang «Danh sách», giữ nguyên dòng tiêu đề. "
                  "Cột có dấu * là bắt buộc."])
    formula_guard.append(guide, [])
    formula_guard.append(guide, ["Cột", "Cách điền"])
    for column in columns:
        formula_guard.append(guide, [column.header, column.hint])
    formula_guard.append(guide, [])
    formula_guard.append(guide, ["Ví dụ (không nhập từ trang này):"])
    formula_guard.append(guide, [c.header for c in columns])
    for example in examples:
        formula_guard.append(guide, example)
    for row in guide.iter_rows(min_row=5, max_row=4 + len(columns), min_col=2, max_col=2):
        row[0].alignment = print_setup.alignment("title")  # the hints wrap
    print_setup.fit_sheet(guide, header_rows=None, title_rows=(1, 2), minimum=(28, 90))
    for index in range(3, guide.max_column + 1):
        guide.column_dimensions[get_column_letter(index)].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(columns: list[Column]) -> bytes:
    """The header line, UTF-8 with a BOM so that Excel shows the diacritics."""
    out = io.StringIO()
    formula_guard.csv_writer(out).writerow([c.header for c in columns])
    return out.getvalue().encode("utf-8-sig")


def template_file(fmt: str, columns: list[Column], title: str, examples: list[list[str]],
                  stem: str) -> tuple[bytes, str] | None:
    """A list's blank template as `stem`.xlsx or `stem`.csv (its bytes and file name), or
    None for any other format."""
    if fmt == "xlsx":
        return template_xlsx(columns, title, examples), f"{stem}.xlsx"
    if fmt == "csv":
        return template_csv(columns), f"{stem}.csv"
    return None


# Cells of people lists (bulk enrolment, results import): the registration rules, plus
# the few words people type for a gender, a group or a unit.

def clean_into(values: dict, error: RowError, key: str, cleaner, *args) -> None:
    """values[key] = cleaner(*args), or the rule's message added to the row's errors."""
    try:
        values[key] = cleaner(*args)
    except Invalid as problem:
        error.messages.append(str(problem))


GENDER_WORDS = {"nam": "nam", "nu": "nu", "khac": "khac"}


def clean_gender_text(raw: str) -> str:
    gender = GENDER_WORDS.get(plain_key(raw or ""))
    if gender is None:
        raise Invalid(f"Giới tính «{raw}» không đúng: ghi Nam, Nữ hoặc Khác."
                      if raw else "Thiếu giới tính: ghi Nam, Nữ hoặc Khác.")
    return gender


GROUP_OF_ORGANISATION_KIND = {"truong_hoc": Group.STUDENT.value, "co_quan": Group.OFFICIAL.value,
                              "doanh_nghiep": Group.BUSINESS.value}


@functools.cache
def _group_words() -> dict[str, str]:
    """The words for each group (built once: it was 70% of checking a list)."""
    words = {}
    for group, label in GROUP_LABELS.items():
        words[group.value] = words[plain_key(label)] = group.value
        for part in label.split(","):
            words[plain_key(part).strip()] = group.value
    return words


def clean_group_text(raw: str, organisation=None) -> str:
    """"Học sinh", "hoc sinh, sinh vien", "nguoi_dan"…; blank: from the organisation's kind."""
    key = re.sub(r"\s+", " ", plain_key(raw or "")).strip()
    if not key:
        kind = organisation.kind if organisation is not None else ""
        return GROUP_OF_ORGANISATION_KIND.get(kind, Group.RESIDENT.value)
    group = _group_words().get(key)
    if group is None:
        choices = "; ".join(GROUP_LABELS.values())
        raise Invalid(f"Đối tượng «{raw}» không có. Ghi một trong: {choices}.")
    return group


class UnitResolver:
    """Unit cells (a new unit's name, or an old ward and district) to unit ids; each
    distinct text is looked up once, since a list repeats the same few names."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str, str], tuple[int | None, str | None]] = {}
        self._names = {u.id: u.name for u in units.all_units()}

    def name(self, unit_id: int) -> str:
        return self._names.get(unit_id, "")

    def resolve(self, name: str, old_ward: str, old_district: str,
                default=None) -> tuple[int | None, str | None]:
        """(unit id, None) or (None, the message with suggestions)."""
        name, old_ward, old_district = (x.strip() for x in (name, old_ward, old_district))
        key = (name, old_ward, old_district)
        if key not in self._found:
            self._found[key] = self._resolve(name, old_ward, old_district)
        unit_id, problem = self._found[key]
        if unit_id is None and problem is None:
            if default is None:
                return None, "Thiếu xã, phường: ghi tên mới, hoặc xã, phường và quận, huyện cũ."
            return default.id, None
        return unit_id, problem

    @staticmethod
    def _resolve(name: str, old_ward: str, old_district: str):
        if name:
            found = units.lookup(name)
            return (found.unit.id, None) if found.unit else (None, f"«{name}»: {found.message}")
        if old_ward or old_district:
            converted = units.convert_old_address(old_ward, old_district)
            if converted.unit:
                return converted.unit.id, None
            return None, f"Địa chỉ cũ «{old_ward}, {old_district}»: {converted.message}"
        return None, None


def existing_values(column, values: list[str], chunk: int = 500) -> set[str]:
    """Which of `values` a unique column already holds (asked in chunks)."""
    found: set[str] = set()
    for start in range(0, len(values), chunk):
        part = values[start:start + chunk]
        found.update(db.session.scalars(select(column).where(column.in_(part))))
    return found
