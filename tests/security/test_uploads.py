"""Issue 18.1: every uploaded table goes through the upload guard before it is parsed.
The bombs are built here: an XLSX whose sheet inflates far past its size, an XLSX with an
entity-expansion ("billion laughs") sheet, CSVs with too many rows, columns or a giant
cell. Each is posted to every import page; each is refused with a Vietnamese message
naming the limit, and nothing is written."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Account, ImportBatch, ImportJob, Question, Unit
from cdso.models import Role
from cdso.services.imports import guard, tabular
from cdso.services.imports.errors import TableError
from tests import factories
from tests import test_quiz_support as support

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(sheet_writer) -> bytes:
    """A real workbook whose first sheet's XML is replaced by what `sheet_writer` writes."""
    original = zipfile.ZipFile(io.BytesIO(xlsx([["Họ và tên"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in original.infolist():
            if item.filename == SHEET:
                with bomb.open(SHEET, "w", force_zip64=True) as sheet:
                    sheet_writer(sheet)
            else:
                bomb.writestr(item, original.read(item.filename))
    return out.getvalue()


def zip_bomb(megabytes: int) -> bytes:
    """A sheet padded with `megabytes` MB of blanks: a few hundred kB on the wire."""
    def write(sheet):
        sheet.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns='
                    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        chunk = b" " * (1024 * 1024)
        for _ in range(megabytes):
            sheet.write(chunk)
        sheet.write(b"</sheetData></worksheet>")
    return with_sheet(write)


def laughs() -> bytes:
    lol = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)]
    doc = (b'<?xml version="1.0"?><!DOCTYPE worksheet [' + b"".join(lol) + b']><worksheet '
           b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
           b"</sheetData></worksheet>")
    return with_sheet(lambda sheet: sheet.write(doc))


def counts() -> tuple:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Account, ImportBatch, ImportJob, Question))


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_the_guard_names_each_limit(app):
    cases = [
        ("bom.xlsx", zip_bomb(20), "ratio", "giới hạn tỉ lệ nén"),
        ("bom.xlsx", zip_bomb(120), "unpacked", "giới hạn dung lượng giải nén"),
        ("to.csv", b"a\n" + b"x," * 10 + b"\n" + b"y\n" * 100_001, "rows", "giới hạn số dòng"),
        ("rong.csv", b"a\n" + b"," * 200_000 + b"\n", "columns", "giới hạn số cột"),
        ("rong.xlsx", xlsx([["a"] * 150]), "columns", "giới hạn số cột"),
        ("lon.csv", b"a\n" + b"x" * (10 * 1024 * 1024 + 1), "size", "giới hạn kích thước"),
    ]
    for filename, data, limit, words in cases:
        with pytest.raises(TableError) as refused:
            tabular.read_cells(filename, data)
        assert refused.value.limit == limit, filename
        assert words in str(refused.value)
    with pytest.raises(TableError, match="Không đọc được tệp Excel"):
        tabular.read_cells("cuoi.xlsx", laughs())  # defusedxml refuses the entities
    with pytest.raises(TableError, match="ô quá dài"):
        tabular.read_cells("o.csv", b"a\n\"" + b"x" * 200_000 + b"\"\n")


def test_rows_are_counted_in_xlsx_too_and_the_size_is_a_setting(app):
    app.config["IMPORT_MAX_MB"] = 1
    with pytest.raises(TableError, match="lớn quá 1 MB") as refused:
        tabular.read_cells("ds.csv", b"a\n" + b"x\n" * 600_000)
    assert refused.value.limit == "size"
    small = guard.Limits(max_rows=50)
    budget = guard.Budget(small)
    with pytest.raises(TableError, match="hơn 50 dòng"):
        for _ in range(60):
            budget.row(1)
    book = xlsx([["Họ và tên"]] + [[f"Người {n}"] for n in range(30)])
    assert len(tabular.read_cells("ds.xlsx", book)) == 31  # well-formed files still read


@pytest.fixture
def officials(app, contest):
    unit = factories.unit("Phường Gia Viên")
    assert isinstance(unit, Unit)
    return (factories.make_official(Role.ADMIN, unit_name=None),
            factories.make_official(Role.CLERK, unit_name="Phường Gia Viên"))


PAGES = [  # (who, page with the form, action, file field, other fields)
    (1, "/quan-tri/dang-ky-danh-sach", "/quan-tri/dang-ky-danh-sach/xem-truoc", "tep", {}),
    (1, "/quan-tri/nhap-ket-qua", "/quan-tri/nhap-ket-qua/xem-truoc", "tep",
     {"source": "Thi giấy"}),
    (0, "/quan-tri/cau-hoi/nhap", "/quan-tri/cau-hoi/nhap", "file", {}),
    (0, "/quan-tri/dan-so", "/quan-tri/dan-so/nhap", "tep", {}),
    (0, "/quan-tri/tai-khoan", "/quan-tri/tai-khoan/nhap", "tep", {}),
]
BOMBS = [
    ("bom.xlsx", zip_bomb(20), "giới hạn tỉ lệ nén"),
    ("cuoi.xlsx", laughs(), "Không đọc được tệp Excel"),
    ("dai.csv", b"a\n" + b"y\n" * 100_002, "giới hạn số dòng"),
    ("rong.csv", b"a\n" + b";" * 100_000 + b"\n", "giới hạn số cột"),
]


def test_every_import_page_refuses_every_bomb_and_writes_nothing(app, officials):
    before = counts()
    browsers = []
    for account in officials:
        web = support.browser(app)
        support.login(web, account)
        browsers.append(web)
    for who, page, action, field, extra in PAGES:
        web = browsers[who]
        for filename, data, words in BOMBS:
            response = web.post(action, content_type="multipart/form-data", data={
                "csrf_token": support.token(web, page), **extra,
                field: (io.BytesIO(data), filename)})
            html = response.get_data(as_text=True)
            assert response.status_code in (200, 422), (action, filename)
            assert words in html, (action, filename)
    assert counts() == before


def test_a_file_at_the_row_limit_passes_and_one_row_more_does_not():
    three = guard.Limits(max_rows=3)
    guard.check_csv_text("Họ và tên\na\nb\nc\n", three)  # header + 3 rows, final newline
    guard.check_csv_text("Họ và tên\na\nb\nc", three)
    with pytest.raises(TableError, match="hơn 3 dòng"):
        guard.check_csv_text("Họ và tên\na\nb\nc\nd\n", three)
