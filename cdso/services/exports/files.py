"""Files for officials and for the city's digital map: XLSX workbooks (Vietnamese
headers, number formats, a title row stating the moment), GeoJSON and CSV open data."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import moment_phrase, to_local
from cdso.models import GROUP_LABELS, Account, Attempt, AttemptStatus, Contest, Group, \
    Organisation, Registration, Unit
from cdso.services.accounts import scope
from cdso.services.contest import counting
from cdso.services.figures.stats import Figures

INTEGER = "#,##0"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")
GENDERS = {"nam": "Nam", "nu": "Nữ", "khac": "Khác"}


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    number_format: str | None = None


def as_of_line(as_of: dt.datetime) -> str:
    return f"Số liệu tính đến {moment_phrase(as_of)}"


def excel_moment(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: write what a person in Vietnam reads."""
    return to_local(moment).replace(tzinfo=None) if moment else None


def _sheet(title: str, as_of: dt.datetime, columns: list[Column], sheet_name: str):
    """A write-only workbook whose sheet starts with the title, the moment and headers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A5"

    def styled(value, **style):
        cell = WriteOnlyCell(sheet, value=value)
        for key, item in style.items():
            setattr(cell, key, item)
        return cell

    sheet.append([styled(title, font=Font(bold=True, size=13))])
    sheet.append([styled(as_of_line(as_of), font=Font(italic=True))])
    sheet.append([])
    sheet.append([styled(c.header, font=Font(bold=True), fill=HEADER_FILL,
                         alignment=Alignment(wrap_text=True, vertical="center"))
                  for c in columns])
    return workbook, sheet, styled


def _row(columns: list[Column], values: Iterable, styled, bold: bool = False) -> list:
    cells = []
    for column, value in zip(columns, values, strict=True):
        style = {"number_format": column.number_format} if column.number_format else {}
        if bold:
            style["font"] = Font(bold=True)
        cells.append(styled(value, **style))
    return cells


def _bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FIGURE_COLUMNS = [Column("Thí sinh đăng ký", 14, INTEGER),
                  Column("Thí sinh hoàn thành bài thi", 16, INTEGER),
                  Column("Lượt thi", 12, INTEGER),
                  Column("Dân số trưởng thành", 16, INTEGER),
                  Column("Tỉ lệ hoàn thành / dân số trưởng thành", 18, PERCENT)]


def _figure_values(f: Figures) -> list:
    return [f.registered, f.finished, f.attempts, f.population, f.coverage]


def units_workbook(title: str, as_of: dt.datetime, rows, total: Figures) -> bytes:
    """Every unit's figures (UnitRow list, in the order given) and the city's total."""
    columns = [Column("STT", 6, INTEGER), Column("Mã đơn vị", 10), Column("Đơn vị", 30),
               Column("Loại", 10), *FIGURE_COLUMNS]
    workbook, sheet, styled = _sheet(title, as_of, columns, "Số liệu đơn vị")
    for index, row in enumerate(rows, start=1):
        sheet.append(_row(columns, [index, row.code, row.name, row.kind_label,
                                    *_figure_values(row.figures)], styled))
    sheet.append(_row(columns, [None, None, "Toàn thành phố", None, *_figure_values(total)],
                      styled, bold=True))
    return _bytes(workbook)


def breakdown_workbook(title: str, as_of: dt.datetime, sections) -> bytes:
    """One unit's figures by organisation and by group: sections = [(header, [(label,
    Figures)])], one table after another on the sheet."""
    columns = [Column("STT", 6, INTEGER), Column("Đơn vị, đối tượng", 34), *FIGURE_COLUMNS]
    workbook, sheet, styled = _sheet(title, as_of, columns, "Số liệu")
    for number, (header, rows) in enumerate(sections):
        if number:
            sheet.append([])
            sheet.append([styled(header, font=Font(bold=True))])
        else:
            sheet.append([styled(header, font=Font(bold=True))])
        for index, (label, figures) in enumerate(rows, start=1):
            sheet.append(_row(columns, [index, label, *_figure_values(figures)], styled))
    return _bytes(workbook)


PARTICIPANT_COLUMNS = [
    Column("STT", 8, INTEGER), Column("Họ và tên", 26), Column("Ngày sinh", 12, DATE),
    Column("Giới tính", 9), Column("Điện thoại", 14), Column("Xã, phường, đặc khu", 22),
    Column("Đơn vị (tổ dân phố, trường, cơ quan)", 26), Column("Đối tượng", 22),
    Column("Thời điểm đăng ký", 17, DATETIME), Column("Hoàn thành bài thi lúc", 17, DATETIME),
    Column("Số lượt thi", 10, INTEGER), Column("Điểm cao nhất", 10, INTEGER),
    Column("Lượt được tính", 10, INTEGER),
]


def participants_rows(account: Account, contest_id: int, as_of: dt.datetime,
                      unit_id: int | None = None):
    """The participants the account may see, registered before `as_of`, with their
    attempts recorded before it and the attempt that counts for them in the whole contest
    (`counting`): a streamed query (one round trip, no row-by-row reads)."""
    contest = db.session.get(Contest, contest_id)
    truth = counting.truth_for(contest, None, as_of)
    counted_number = counting.counting_attempt_of(
        Registration.id, contest, None, truth.value,
        recorded_before=min(as_of, truth.frozen_at or as_of)).label("counted_number")
    attempts = (select(Attempt.registration_id, func.count().label("attempts"),
                       func.max(Attempt.score).label("best"))
                .where(Attempt.contest_id == contest_id,
                       Attempt.status == AttemptStatus.FINISHED.value,
                       Attempt.recorded_at < as_of)
                .group_by(Attempt.registration_id).subquery())
    query = (select(Account.full_name, Account.birth_date, Account.gender, Account.phone,
                    Unit.name.label("unit_name"), Organisation.name.label("org_name"),
                    Registration.group, Registration.created_at,
                    Registration.first_finished_at, attempts.c.attempts, attempts.c.best,
                    counted_number)
             .select_from(Registration)
             .join(Account, Account.id == Registration.account_id)
             .join(Unit, Unit.id == Registration.unit_id)
             .outerjoin(Organisation, Organisation.id == Registration.organisation_id)
             .outerjoin(attempts, attempts.c.registration_id == Registration.id)
             .where(Registration.contest_id == contest_id, Registration.created_at < as_of)
             .order_by(Unit.name, Registration.created_at, Registration.id))
    if unit_id is not None:
        query = query.where(Registration.unit_id == unit_id)
    query = scope.scope_registrations(query, account)
    return db.session.execute(query.execution_options(yield_per=2000))


def participants_workbook(title: str, as_of: dt.datetime, rows, full_phone: bool) -> tuple[bytes, int]:
    """The participants list; phones masked unless the role may see them. Returns the
    file and how many people it holds (for the access log)."""
    from cdso.services.accounts.masking import mask_phone
    columns = PARTICIPANT_COLUMNS
    workbook, sheet, styled = _sheet(title, as_of, columns, "Thí sinh")
    count = 0
    for count, row in enumerate(rows, start=1):
        finished = row.first_finished_at if row.first_finished_at and \
            row.first_finished_at < as_of else None
        sheet.append(_row(columns, [
            count, row.full_name, row.birth_date, GENDERS.get(row.gender or "", ""),
            row.phone if full_phone else mask_phone(row.phone), row.unit_name,
            row.org_name or "", GROUP_LABELS.get(Group(row.group), row.group),
            excel_moment(row.created_at), excel_moment(finished), row.attempts or 0,
            row.best, row.counted_number], styled))
    return _bytes(workbook), count


OPEN_DATA_FIELDS = ["code", "name", "kind", "lat", "lon", "registered", "finished",
                    "attempts", "adult_population", "coverage", "as_of"]


def _open_record(row, as_of: dt.datetime) -> dict:
    f = row.figures
    return {"code": row.code, "name": row.name, "kind": row.kind, "lat": row.lat,
            "lon": row.lon, "registered": f.registered, "finished": f.finished,
            "attempts": f.attempts, "adult_population": f.population,
            "coverage": round(f.coverage, 4) if f.coverage is not None else None,
            "as_of": to_local(as_of).isoformat()}


def units_geojson(rows, as_of: dt.datetime) -> dict:
    """A FeatureCollection: one Point [lon, lat] per unit with its figures."""
    features = []
    for row in rows:
        properties = _open_record(row, as_of)
        del properties["lat"], properties["lon"]
        features.append({"type": "Feature", "id": row.code,
                         "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def units_csv(rows, as_of: dt.datetime) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OPEN_DATA_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        record = _open_record(row, as_of)
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return out.getvalue()
