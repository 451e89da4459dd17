"""Adult population per unit, the denominator of coverage: typed on a page or imported
from an XLSX template. Checked in full first, then written all at once, or not at all."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.styles import PatternFill
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import number, sort_key, utcnow
from cdso.models import Account, Unit
from cdso.services.accounts import scope
from cdso.services.imports import tabular
from cdso.services.imports.errors import Report, RowError, TableError
from cdso.services.exports import print_setup
from cdso.services.units import catalogue as units
from cdso.services.exports import guard

MAX_POPULATION = 1_000_000
# A unit's plausible adult population from its area; ten times it is absurd. Hải Phòng's
# densest old inner-city wards held about 30,000 adults per km², but merged units are large.
ADULTS_PER_KM2 = 5_000
SMALLEST_PLAUSIBLE = 10_000
ABSURD_FACTOR = 10
HEADER_CODE, HEADER_NAME, HEADER_POPULATION = "Mã đơn vị", "Tên đơn vị", "Dân số trưởng thành"


class Invalid(ValueError):
    """A population that cannot be right; the message is for the person who typed it."""


def absurd_limit(unit: Unit) -> int:
    plausible = max((unit.area_km2 or 0) * ADULTS_PER_KM2, SMALLEST_PLAUSIBLE)
    return min(int(plausible * ABSURD_FACTOR), MAX_POPULATION)


def clean_population(raw, unit: Unit) -> int | None:
    """"12.345", "12 345", 12345 -> 12345; empty -> None (unknown)."""
    if raw is None:
        return None
    if isinstance(raw, float):
        if raw != int(raw):
            raise Invalid("Dân số phải là số nguyên.")
        raw = int(raw)
    if isinstance(raw, str) and re.fullmatch(r"\d+[.,](\d{1,2}|\d{4,})", raw.strip()):
        raise Invalid("Dân số phải là số nguyên.")  # 30000.5 from a spreadsheet cell
    text = re.sub(r"[\s.,\u00a0]", "", str(raw))
    if not text:
        return None
    if text.startswith("-") and text[1:].isdigit():
        raise Invalid("Dân số không thể là số âm.")
    if not text.isdigit():
        raise Invalid("Dân số phải là số nguyên, ví dụ 25.400.")
    value = int(text)
    if value == 0:
        raise Invalid("Dân số phải lớn hơn 0 (để trống nếu chưa rõ).")
    if value > MAX_POPULATION:
        raise Invalid(f"Dân số lớn hơn {number(MAX_POPULATION)}: không thể đúng với một "
                      "xã, phường, đặc khu.")
    limit = absurd_limit(unit)
    if value > limit:
        raise Invalid(f"Dân số lớn bất thường so với diện tích {number(round(unit.area_km2 or 0, 1))}"
                      f" km² của {unit.name} (tối đa hợp lý {number(limit)}).")
    return value


def visible_units(account: Account) -> list[Unit]:
    query = select(Unit).order_by(Unit.name)
    ids = scope.visible_unit_ids(account)
    if ids is not None:
        query = query.where(Unit.id.in_(ids or {-1}))
    units_list = list(db.session.scalars(query))
    units_list.sort(key=lambda u: (sort_key(u.short_name), sort_key(u.name)))
    return units_list


def check_form(account: Account, typed: dict[int, str]) -> tuple[dict[int, int | None],
                                                                  dict[int, str]]:
    """What a person typed per unit id -> (new values, errors by unit id). Unit ids outside
    the account's scope were forged: 404."""
    values: dict[int, int | None] = {}
    errors: dict[int, str] = {}
    for unit_id, raw in typed.items():
        unit = scope.unit_or_404(account, unit_id)
        try:
            values[unit.id] = clean_population(raw, unit)
        except Invalid as error:
            errors[unit.id] = str(error)
    return values, errors


def apply(account: Account, values: dict[int, int | None], how: str) -> int:
    """Write the populations that changed and log who changed what. Flushes. Returns the
    number of units changed."""
    now = utcnow()
    changed = {}
    for unit_id, value in values.items():
        unit = db.session.get(Unit, unit_id)
        if unit.adult_population != value:
            changed[unit.code] = [unit.adult_population, value]
            unit.adult_population, unit.population_is_demo = value, False
            unit.population_updated_at = now
    if changed:
        scope.log_access(account, "population.update", target_type="unit",
                         detail={"how": how, "changes": changed})
    db.session.flush()
    return len(changed)


@dataclass
class ImportReport(Report):
    READ = "values"
    values: dict[int, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def _header_positions(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:10]):
        cells = [units.tone_key(c) for c in row]
        wanted = {name: units.tone_key(name) for name in (HEADER_CODE, HEADER_NAME,
                                                           HEADER_POPULATION)}
        found = {name: cells.index(key) for name, key in wanted.items() if key in cells}
        if HEADER_POPULATION in found and (HEADER_NAME in found or HEADER_CODE in found):
            return index, found
    return None


def read_import(account: Account, filename: str, content: bytes) -> ImportReport:
    """Check every row of an uploaded template (read by the import pipeline's reader, with
    the upload guard); nothing is written here. Raises TableError for an unusable file."""
    report = ImportReport()
    rows = tabular.read_cells(filename, content)
    header = _header_positions(rows)
    if header is None:
        raise TableError(f"Không thấy dòng tiêu đề có cột «{HEADER_NAME}» và "
                         f"«{HEADER_POPULATION}». Xin dùng tệp mẫu.")
    header_index, columns = header
    by_code = {u.code: u for u in db.session.scalars(select(Unit))}
    seen: dict[int, int] = {}

    def cell(row, name):
        position = columns.get(name)
        return row[position] if position is not None and position < len(row) else ""

    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        code, name = cell(row, HEADER_CODE), cell(row, HEADER_NAME)
        raw = cell(row, HEADER_POPULATION)
        if not any((code, name, raw)):
            continue
        unit, problem = _row_unit(code, name, by_code)
        if unit is None:
            report.errors.append(RowError(offset, name or code or "", [problem]))
            continue
        if not scope.may_see_unit(account, unit.id):
            report.errors.append(RowError(offset, unit.name, [
                f"{unit.name} ngoài phạm vi tài khoản của bạn."]))
            continue
        if unit.id in seen:
            report.errors.append(RowError(offset, unit.name, [
                f"{unit.name} trùng với dòng {seen[unit.id]}."]))
            continue
        seen[unit.id] = offset
        try:
            value = clean_population(raw, unit)
        except Invalid as error:
            report.errors.append(RowError(offset, unit.name, [f"{unit.name}: {error}"]))
            continue
        if value is not None:  # a blank population leaves the unit as it is
            report.values[unit.id] = value
    if not report.errors and not report.values:
        raise TableError("Tệp không có dòng nào ghi dân số.")
    return report


def _row_unit(code, name, by_code: dict[str, Unit]) -> tuple[Unit | None, str]:
    code_text = str(code).strip() if code is not None else ""
    if code_text.endswith(".0"):
        code_text = code_text[:-2]
    name_text = str(name).strip() if name is not None else ""
    if code_text:
        unit = by_code.get(code_text.lstrip("0") or "0")
        if unit is None:
            return None, f"Không có đơn vị mã «{code_text}»."
        if name_text:
            found = units.lookup(name_text).unit
            if found is None or found.id != unit.id:
                return None, f"Mã «{code_text}» là {unit.name}, không khớp tên «{name_text}»."
        return unit, ""
    if not name_text:
        return None, "Thiếu tên đơn vị."
    result = units.lookup(name_text)
    if result.unit is None:
        return None, f"«{name_text}»: {result.message}"
    return db.session.get(Unit, result.unit.id), ""


def template_workbook(account: Account) -> bytes:
    """The import template: the account's units with their current populations."""
    workbook, sheet = print_setup.titled_sheet(
        "Dân số", "Dân số trưởng thành (từ 18 tuổi) theo xã, phường, đặc khu — điền cột C, "
        "để trống nếu chưa rõ", [HEADER_CODE, HEADER_NAME, HEADER_POPULATION])
    for cell in sheet[2]:
        cell.fill = PatternFill("solid", fgColor="DDE5EE")
    for unit in visible_units(account):
        guard.append(sheet, [unit.code, unit.name, unit.adult_population])
        sheet.cell(sheet.max_row, 3).number_format = "#,##0"
    print_setup.fit_sheet(sheet, header_rows=(2, 2), title_rows=(1,), minimum=(12, 28, 22))
    sheet.freeze_panes = "A3"
    return print_setup.workbook_bytes(workbook)
