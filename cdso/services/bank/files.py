"""Question bank files: reading an uploaded XLSX or CSV into rows, importing checked rows
all or none, and writing exports and the template. The upload's way in (preview,
confirmation, background job) is the one import pipeline (cdso.services.imports.pipeline).
Rows use the import template's Vietnamese headers (`HEADERS`), so an export re-imports."""
from __future__ import annotations

from cdso.extensions import db
from cdso.formatting import number
from cdso.services.exports import print_setup
from cdso.models import AuditLog, ImportBatch, Question
from cdso.services.bank.rows import (HEADERS, LETTERS, ImportReport, import_questions,
                                       parse_rows)
from cdso.services.imports import tabular
from cdso.services.units.catalogue import plain_key
from cdso.services.exports import guard


# A file that cannot be read as a question table; the message is for the person.
UploadError = tabular.TableError


MAX_ROWS = 2000


def _header_map(header: list[str]) -> list[str | None]:
    """The template header each file column stands for (None for a blank column);
    accents, case and spacing in the file's headers do not matter."""
    known = {plain_key(h): h for h in HEADERS}
    mapped, unknown = [], []
    for title in header:
        if not title.strip():
            mapped.append(None)
            continue
        canonical = known.get(plain_key(title))
        if canonical is None:
            unknown.append(title.strip())
        mapped.append(canonical)
    if unknown:
        raise UploadError("Dòng 1 có cột không thuộc mẫu: " + ", ".join(f"«{u}»" for u in unknown)
                          + ". Xin dùng tệp mẫu tải về từ trang này.")
    missing = [h for h in ("Chủ đề", "Câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng")
               if h not in mapped]
    if missing:
        raise UploadError("Dòng 1 thiếu cột: " + ", ".join(f"«{m}»" for m in missing)
                          + ". Xin dùng tệp mẫu tải về từ trang này.")
    return mapped


def read_upload(filename: str, data: bytes) -> list[list[str]]:
    """The rows of an uploaded .xlsx or .csv as lists of strings in HEADERS order (row 1 is
    the header and is left out, so the sheet row of result[i] is i + 2; blank rows are kept
    so that row numbers stay those of the sheet)."""
    lines = tabular.read_cells(filename, data)
    if not lines:
        raise UploadError("Tệp trống.")
    columns = _header_map(lines[0])
    rows = []
    for line in lines[1:]:
        values = dict.fromkeys(HEADERS, "")
        for column, value in zip(columns, line, strict=False):
            if column:
                values[column] = value
        rows.append([values[h] for h in HEADERS])
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) > MAX_ROWS:
        raise UploadError(f"Tệp có quá {number(MAX_ROWS)} dòng câu hỏi. "
                          "Xin chia thành nhiều tệp nhỏ hơn.")
    return rows


def as_dicts(rows: list[list[str]]) -> list[dict]:
    return [dict(zip(HEADERS, row, strict=False)) for row in rows]


def check_upload(filename: str, data: bytes) -> ImportReport:
    """Read (with the upload guard) and check every row; nothing is written."""
    return parse_rows(as_dicts(read_upload(filename, data)))


def import_checked(report: ImportReport, job, now) -> ImportBatch:
    """Create every question of a checked file, its batch and the audit line (flushes)."""
    created = import_questions(report, created_by_id=job.account_id)
    batch = ImportBatch(kind="questions", source="office", filename=job.filename,
                        sha256=job.sha256, row_count=len(created), created_by_id=job.account_id,
                        created_at=now)
    db.session.add(batch)
    db.session.flush()
    db.session.add(AuditLog(at=now, actor_id=job.account_id, action="bank.import",
                            target_type="import_batch", target_id=batch.id,
                            detail={"filename": job.filename, "questions": len(created)}))
    db.session.flush()
    return batch


def export_rows(questions: list[Question]) -> list[list[str]]:
    """Questions as rows under HEADERS: an export re-imports as it is."""
    rows = []
    for question in questions:
        choices = [c.text for c in question.choices] + [""] * (len(LETTERS) - len(question.choices))
        rows.append([question.topic.name, question.text, *choices,
                     LETTERS[question.correct_choice.position - 1], question.explanation,
                     str(question.difficulty), question.source])
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Vietnamese text correctly."""
    import io
    buffer = io.StringIO(newline="")
    writer = guard.csv_writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


GUIDE = [
    "Mỗi dòng của trang «Câu hỏi» là một câu hỏi; dòng 1 là tên cột, giữ nguyên.",
    "Chủ đề: ghi đúng tên một chủ đề có trong ngân hàng (danh sách ở dưới).",
    "Câu hỏi: không để trống, tối đa 1.000 ký tự.",
    "Phương án A đến F: ít nhất 2 phương án, không trùng nhau, mỗi phương án tối đa 300 ký tự.",
    "Đáp án đúng: đúng một chữ cái (A, B, C, D, E hoặc F) của một phương án đã nhập.",
    "Giải thích: hiện cho thí sinh sau khi nộp bài, tối đa 2.000 ký tự.",
    "Mức độ: 1 (Dễ), 2 (Trung bình) hoặc 3 (Khó); để trống là 1.",
    "Nguồn: không bắt buộc, ví dụ văn bản hay cơ quan khuyến cáo.",
    "Tệp được kiểm tra từng dòng: chỉ khi mọi dòng đều đúng thì mới nhập, nếu không thì "
    "không nhập dòng nào và có báo cáo lỗi theo số dòng.",
]


def to_xlsx(rows: list[list[str]], topic_names: list[str] | None = None) -> bytes:
    """A workbook whose first sheet holds the questions; with `topic_names`, a second sheet
    explains how to fill it (the downloadable template)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Câu hỏi"
    guard.append(sheet, HEADERS)
    for row in rows:
        guard.append(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = print_setup.alignment("header")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    widths = [18, 44] + [22] * len(LETTERS) + [13, 36, 10, 16]
    print_setup.setup_page(sheet, widths, header_rows=(1, 1), headers=HEADERS)
    print_setup.grow_rows(sheet, widths, 2)
    sheet.freeze_panes = "A2"
    if topic_names is not None:
        guide = book.create_sheet("Hướng dẫn")
        guide.column_dimensions["A"].width = 100
        guard.append(guide, ["Cách điền tệp nhập câu hỏi"])
        guide["A1"].font = Font(bold=True)
        for line in GUIDE:
            guard.append(guide, [line])
        guard.append(guide, [])
        guard.append(guide, ["Các chủ đề hiện có:"])
        for name in topic_names:
            guard.append(guide, [name])
        print_setup.fit_sheet(guide, header_rows=None, title_rows=(1,), minimum=(100,))
        for row in guide.iter_rows():
            row[0].alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
