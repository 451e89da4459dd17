"""How every workbook we hand out prints: A4, landscape when the table is wider than a
portrait page, fitted to one page wide (as many pages tall as it takes), the header rows
repeated on every page, the title rows spanning the table (merged, wrapped, never cut at
the page edge), "Trang 1/3" in the footer, and columns as wide as the Vietnamese names
they hold.

Two ways in:
- `setup_page(sheet, widths, …)` for a sheet streamed in write-only mode: call it before
  the first row is appended (write-only sheets write their settings up front) and style
  title cells with TITLE_ALIGNMENT;
- `fit_sheet(sheet, …)` for an ordinary sheet, once it is filled: widths are measured
  from its cells, then the same setup applies.
Widths are in characters of the default font (Calibri 11), as spreadsheets count them.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence


# A4 between 1.5 cm margins: about 100 characters portrait, 150 landscape.
PORTRAIT_CHARS = 100
MIN_WIDTH, MAX_WIDTH = 6.0, 50.0
LINE_HEIGHT = 15.0  # points, one line of 11 pt text
ALIGNMENTS = {"title": {"wrap_text": True, "vertical": "top", "horizontal": "left"},
              "header": {"wrap_text": True, "vertical": "center"}}


@functools.cache
def alignment(kind: str):
    """The alignment of title ("title") or header ("header") cells; openpyxl is loaded
    here, at the first workbook, not when a worker starts (cdso/lazy.py)."""
    from openpyxl.styles import Alignment
    return Alignment(**ALIGNMENTS[kind])
FOOTER = "Trang &P/&N"


def titled_sheet(sheet_name: str, heading: str, header: Sequence[str]):
    """A new workbook and its one sheet: a bold heading in row 1 and a bold header in
    row 2 (for `fit_sheet(…, header_rows=(2, 2), title_rows=(1,))`), text through the
    formula guard."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from cdso.services.exports import guard
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    guard.append(sheet, [heading])
    guard.append(sheet, header)
    for cell in (sheet["A1"], *sheet[2]):
        cell.font = Font(bold=True)
    return workbook, sheet


def workbook_bytes(workbook) -> bytes:
    """The .xlsx file of a workbook."""
    import io
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def width_of(value, bold: bool = False) -> float:
    """The characters a value needs as a spreadsheet shows it."""
    if value is None:
        return 0.0
    if isinstance(value, dt.datetime):
        return 17.0
    if isinstance(value, dt.date):
        return 11.0
    if isinstance(value, bool):
        return 5.0
    if isinstance(value, int):
        return len(f"{value:,}")
    if isinstance(value, float):
        return 7.0
    text = max(str(value).split("\n"), key=len)
    return len(text) * (1.1 if bold else 1.0)


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a cell `width` characters wide (word by word)."""
    lines, used = 1, 0.0
    for word in str(text or "").split():
        size = len(word) * 1.1 + 1
        if used and used + size > width:
            lines, used = lines + 1, size
        else:
            used += size
    return lines


def setup_page(sheet, widths: Sequence[float], *, header_rows: tuple[int, int] | None,
               titles: Mapping[int, str] | None = None, headers: Sequence[str] = ()) -> None:
    """Column widths, orientation, fit to one page wide, repeated header rows, merged
    title rows (`titles`: row number -> its text, to size the row), page numbers."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = round(width, 1)
    total, last = sum(widths), get_column_letter(max(1, len(widths)))
    setup = sheet.page_setup
    setup.paperSize = "9"  # A4 (ECMA-376 paper size code)
    setup.orientation = "landscape" if total > PORTRAIT_CHARS else "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.6, right=0.6, top=0.7, bottom=0.8, header=0.3,
                                     footer=0.35)
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = FOOTER
    if header_rows:
        sheet.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
        if headers:
            tallest = max(lines_needed(text, width) for text, width in zip(headers, widths, strict=False))
            sheet.row_dimensions[header_rows[1]].height = LINE_HEIGHT * tallest + 3
    for row, text in (titles or {}).items():
        if len(widths) > 1 and hasattr(sheet, "merge_cells"):  # an ordinary sheet
            sheet.merge_cells(f"A{row}:{last}{row}")
        elif len(widths) > 1:  # write-only: the range is written with the sheet
            sheet.merged_cells.add(f"A{row}:{last}{row}")
        size = 1.25 if row == min(titles) else 1.0  # the first title is in 13 pt
        sheet.row_dimensions[row].height = LINE_HEIGHT * size * lines_needed(
            text, total / size) + 3


def grow_rows(sheet, widths: Sequence[float], first_row: int) -> None:
    """An ordinary sheet: each row from `first_row` as tall as its longest wrapped text
    (spreadsheets keep the default height of a row written by a program)."""
    for row in sheet.iter_rows(min_row=first_row):
        lines = max((lines_needed(cell.value, widths[cell.column - 1]) for cell in row
                     if isinstance(cell.value, str) and cell.alignment.wrap_text
                     and cell.column <= len(widths)), default=1)
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = LINE_HEIGHT * lines


def measured_widths(sheet, skip_rows: Sequence[int], header_row: int | None,
                    minimum: float = MIN_WIDTH, maximum: float = MAX_WIDTH) -> list[float]:
    """Per column: its widest value (titles skipped; a header counts by its longest word,
    since headers wrap), plus a little room, within [minimum, maximum]."""
    widths: list[float] = [minimum] * sheet.max_column
    for row in sheet.iter_rows():
        for cell in row:
            if cell.row in skip_rows or cell.value is None:
                continue
            if cell.row == header_row:
                need = max(width_of(word, bold=True) for word in str(cell.value).split())
                need = max(need, width_of(cell.value, bold=True) / 3)
            else:
                need = width_of(cell.value, bold=bool(cell.font and cell.font.b))
            widths[cell.column - 1] = max(widths[cell.column - 1], min(need + 2, maximum))
    return widths


def fit_sheet(sheet, *, header_rows: tuple[int, int] | None, title_rows: Sequence[int] = (),
              minimum: Sequence[float] | None = None) -> None:
    """An ordinary, filled sheet: widths from its cells (at least `minimum` per column),
    the title rows merged and wrapped, then setup_page."""
    header_row = header_rows[1] if header_rows else None
    widths = measured_widths(sheet, title_rows, header_row)
    for index, floor in enumerate(minimum or ()):
        if index < len(widths):
            widths[index] = max(widths[index], floor)
    titles = {}
    for row in title_rows:
        cell = sheet.cell(row=row, column=1)
        cell.alignment = alignment("title")
        titles[row] = str(cell.value or "")
    headers = []
    if header_row:
        for cell in sheet[header_row]:
            cell.alignment = alignment("header")
            headers.append(str(cell.value or ""))
    setup_page(sheet, widths, header_rows=header_rows, titles=titles, headers=headers)
    grow_rows(sheet, widths, (header_row or max(title_rows, default=0)) + 1)
