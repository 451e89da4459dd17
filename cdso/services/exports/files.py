"""Files for officials and for the city's digital map: XLSX workbooks (Vietnamese
headers, number formats, a title row stating the moment), GeoJSON and CSV open data."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import case, func, select

from cdso.extensions import db
from cdso.formatting import moment_phrase, to_local
from cdso.models import GROUP_LABELS, Account, Attempt, AttemptStatus, Contest, Group, \
    Organisation, Registration, Unit
from cdso.services.accounts import scope
from cdso.services.contest import counting
from cdso.services.exports import guard, print_setup
from cdso.services.figures.stats import Figures
from cdso.services.units import catalogue

INTEGER = "#,##0"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")  # a row with a wrapped cell reads from its top line
GENDERS = {"nam": "Nam", "nu": "Nữ", "khac": "Khác"}


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # characters; at least this wide (rows measured when known up front)
    number_format: str | None = None
    wrap: bool = False  # long free text (organisation names): wrapped, never cut


def as_of_line(as_of: dt.datetime) -> str:
    return f"Số liệu tính đến {moment_phrase(as_of)}"


def excel_moment(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: write what a person in Vietnam reads."""
    return to_local(moment).replace(tzinfo=None) if moment else None


def _widths(columns: list[Column], rows: Iterable[Sequence] = ()) -> list[float]:
    """Each column's width: its own, or wider for the longest value of `rows`."""
    widths = [max(float(c.width), len(c.header) * 1.1 + 2 if len(c.header) <= 12 else 0)
              for c in columns]  # a short header on one line
    for values in rows:
        for index, value in enumerate(values):
            if value is not None:  # a wrap column wraps what is wider than the maximum
                need = min(print_setup.width_of(value) + 2, print_setup.MAX_WIDTH)
                widths[index] = max(widths[index], need)
    return widths


def _sheet(title: str, as_of: dt.datetime, columns: list[Column], sheet_name: str,
           widths: list[float] | None = None):
    """A write-only workbook whose sheet starts with the title, the moment and headers,
    set up to print (print_setup)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    print_setup.setup_page(sheet, widths or _widths(columns), header_rows=(4, 4),
                           titles={1: title, 2: as_of_line(as_of)},
                           headers=[c.header for c in columns])
    sheet.freeze_panes = "A5"

    def styled(value, **style):
        return guard.cell(sheet, value, **style)

    sheet.append([styled(title, font=Font(bold=True, size=13),
                         alignment=print_setup.alignment("title"))])
    sheet.append([styled(as_of_line(as_of), font=Font(italic=True),
                         alignment=print_setup.alignment("title"))])
    sheet.append([])
    sheet.append([styled(c.header, font=Font(bold=True), fill=HEADER_FILL,
                         alignment=print_setup.alignment("header")) for c in columns])
    return workbook, sheet, styled


def _row(columns: list[Column], values: Iterable, styled, bold: bool = False,
         tall: bool = False) -> list:
    cells = []
    for column, value in zip(columns, values, strict=True):
        style = {"number_format": column.number_format} if column.number_format else {}
        if tall:
            style["alignment"] = WRAP if column.wrap else TOP
        if bold:
            style["font"] = Font(bold=True)
        cells.append(styled(value, **style))
    return cells


FIGURE_COLUMNS = [Column("Thí sinh đăng ký", 14, INTEGER),
                  Column("Thí sinh hoàn thành bài thi", 16, INTEGER),
                  Column("Lượt thi", 12, INTEGER),
                  Column("Dân số trưởng thành", 16, INTEGER),
                  Column("Tỉ lệ hoàn thành / dân số trưởng thành", 18, PERCENT)]


def _figure_values(f: Figures) -> list:
    return [f.registered, f.finished, f.attempts, f.population, f.coverage]


def units_workbook(title: str, as_of: dt.datetime, rows, total: Figures) -> bytes:
    """Every unit's figures (UnitRow list, in the order given) and the city's total."""
    columns = [Column("STT", 6, INTEGER), Column("Mã đơn vị", 10), Column("Đơn vị", 24),
               Column("Loại", 9), *FIGURE_COLUMNS]
    widths = _widths(columns, ([None, r.code, r.name, r.kind_label] for r in rows))
    workbook, sheet, styled = _sheet(title, as_of, columns, "Số liệu đơn vị", widths)
    for index, row in enumerate(rows, start=1):
        sheet.append(_row(columns, [index, row.code, row.name, row.kind_label,
                                    *_figure_values(row.figures)], styled))
    sheet.append(_row(columns, [None, None, "Toàn thành phố", None, *_figure_values(total)],
                      styled, bold=True))
    return print_setup.workbook_bytes(workbook)


def breakdown_workbook(title: str, as_of: dt.datetime, sections) -> bytes:
    """One unit's figures by organisation and by group: sections = [(header, [(label,
    Figures)])], one table after another on the sheet."""
    columns = [Column("STT", 6, INTEGER), Column("Đơn vị, đối tượng", 30, wrap=True),
               *FIGURE_COLUMNS]
    widths = _widths(columns, ([None, label] for _h, rows in sections for label, _f in rows))
    workbook, sheet, styled = _sheet(title, as_of, columns, "Số liệu", widths)
    line = 4  # the header row; sections follow
    for number, (header, rows) in enumerate(sections):
        if number:
            sheet.append([])
            line += 1
        sheet.append([styled(header, font=Font(bold=True))])
        line += 1
        for index, (label, figures) in enumerate(rows, start=1):
            line += 1
            _append_tall(sheet, line, columns, widths,
                         [index, label, *_figure_values(figures)], styled)
    return print_setup.workbook_bytes(workbook)


PARTICIPANT_COLUMNS = [
    Column("STT", 8, INTEGER), Column("Họ và tên", 28, wrap=True),
    Column("Ngày sinh", 11, DATE), Column("Giới tính", 8), Column("Điện thoại", 13),
    Column("Xã, phường, đặc khu", 24, wrap=True),
    Column("Đơn vị (tổ dân phố, trường, cơ quan)", 30, wrap=True),
    Column("Đối tượng", 22, wrap=True),
    Column("Thời điểm đăng ký", 17, DATETIME), Column("Hoàn thành bài thi lúc", 17, DATETIME),
    Column("Số lượt thi", 10, INTEGER), Column("Điểm cao nhất", 10, INTEGER),
    Column("Lượt được tính", 10, INTEGER),
]


def _unit_order():
    """Units in Vietnamese order of their names (the database's own collation is not)."""
    place = {ref.id: index for index, ref in enumerate(catalogue.all_units())}
    return case(place, value=Registration.unit_id, else_=len(place))


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
             .order_by(_unit_order(), Registration.created_at, Registration.id))
    if unit_id is not None:
        query = query.where(Registration.unit_id == unit_id)
    query = scope.scope_registrations(query, account)
    return db.session.execute(query.execution_options(yield_per=2000))


def participants_workbook(title: str, as_of: dt.datetime, rows, full_phone: bool) -> tuple[bytes, int]:
    """The participants list; phones masked unless the role may see them. Returns the
    file and how many people it holds (for the access log)."""
    from cdso.services.accounts.masking import mask_phone
    columns = PARTICIPANT_COLUMNS
    widths = _widths(columns)
    workbook, sheet, styled = _sheet(title, as_of, columns, "Thí sinh", widths)
    count = 0
    for count, row in enumerate(rows, start=1):
        finished = row.first_finished_at if row.first_finished_at and \
            row.first_finished_at < as_of else None
        values = [
            count, row.full_name, row.birth_date, GENDERS.get(row.gender or "", ""),
            row.phone if full_phone else mask_phone(row.phone), row.unit_name,
            row.org_name or "", GROUP_LABELS.get(Group(row.group), row.group),
            excel_moment(row.created_at), excel_moment(finished), row.attempts or 0,
            row.best, row.counted_number]
        _append_tall(sheet, 4 + count, columns, widths, values, styled)
    return print_setup.workbook_bytes(workbook), count


def _append_tall(sheet, number: int, columns: list[Column], widths: list[float],
                 values: list, styled) -> None:
    """Append row `number`, as tall as its longest wrapped text: spreadsheets do not grow
    a streamed row by themselves. The height is dropped once written (memory stays flat)."""
    lines = max((print_setup.lines_needed(value, width) for column, width, value
                 in zip(columns, widths, values, strict=True)
                 if column.wrap and isinstance(value, str)), default=1)
    if lines > 1:
        sheet.row_dimensions[number].height = print_setup.LINE_HEIGHT * lines
    sheet.append(_row(columns, values, styled, tall=lines > 1))
    sheet.row_dimensions.pop(number, None)


OPEN_DATA_FIELDS = ["code", "name", "kind", "lat", "lon", "registered", "finished",
                    "attempts", "adult_population", "coverage", "as_of"]


def _open_record(row, as_of: dt.datetime) -> dict:
    f = row.figures
    return {"code": row.code, "name": row.name, "kind": row.kind, "lat": row.lat,
            "lon": row.lon, "registered": f.registered, "finished": f.finished,
            "attempts": f.attempts, "adult_population": f.population,
            "coverage": round(f.coverage, 4) if f.coverage is not None else None,
            "as_of": to_local(as_of).isoformat()}


def units_geojson(rows, as_of: dt.datetime, topics: dict[int, list[dict]] | None = None) -> dict:
    """A FeatureCollection: one Point [lon, lat] per unit with its figures, and with
    `topics` (unit id -> open_topic_records) its shares of correct answers by topic."""
    features = []
    for row in rows:
        properties = _open_record(row, as_of)
        del properties["lat"], properties["lon"]
        if topics is not None:
            properties["topics"] = [{k: v for k, v in record.items()
                                     if k not in ("code", "name", "as_of")}
                                    for record in topics.get(row.id, [])]
        features.append({"type": "Feature", "id": row.code,
                         "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def units_csv(rows, as_of: dt.datetime) -> str:
    out = io.StringIO()
    writer = guard.csv_dict_writer(out, OPEN_DATA_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        record = _open_record(row, as_of)
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return out.getvalue()


TOPIC_FIELDS = ["code", "name", "topic_number", "topic", "finished", "answered",
                "correct_rate", "suppressed", "as_of"]


def open_topic_records(unit, topic_list, cells: dict, as_of: dt.datetime,
                       min_people: int) -> list[dict]:
    """One unit's rates by topic for open data: counts only, no person; a cell with fewer
    than `min_people` finished participants is suppressed (its figures left empty)."""
    records = []
    for topic in topic_list:
        cell = cells.get(topic.id)
        shown = cell is not None and cell.people >= min_people and cell.answered > 0
        records.append({
            "code": unit.code, "name": unit.name, "topic_number": topic.number,
            "topic": topic.name, "finished": cell.people if shown else None,
            "answered": cell.answered if shown else None,
            "correct_rate": round(cell.rate, 4) if shown else None,
            "suppressed": 0 if shown else 1, "as_of": to_local(as_of).isoformat()})
    return records


def topics_csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = guard.csv_dict_writer(out, TOPIC_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return out.getvalue()
