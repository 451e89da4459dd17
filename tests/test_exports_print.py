"""Every XLSX we hand out, printed as a clerk prints it (LibreOffice Calc, headless, XLSX ->
PDF): each page carries every column and the header row, the title is whole, pages are
numbered, and wide tables are landscape, one page wide. One LibreOffice start converts
them all (a few seconds); page 1 of each goes to tests/artifacts/ as a PNG."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pdfplumber
import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Account, Role, Unit
from cdso.services import demo
from cdso.services.bank import editing as bank
from cdso.services.bank import files as bank_files
from cdso.services.contest import ranking, winners
from cdso.services.exports import files as exports
from cdso.services.figures import dashboard
from cdso.services.imports import clerks, enrolment, tabular
from cdso.services.imports import results as results_import
from cdso.services.units import population
from tests import factories
from tests.test_documents_pdf import ARTIFACTS
from tests import libreoffice

NOW = dt.datetime(2025, 10, 22, 9, 30)
LONG_ORG = ("Trường Trung học phổ thông chuyên Trần Phú - cơ sở Lê Hồng Phong mở rộng, "
            "khu Đông Hải, quận Hải An cũ")


def _words(text) -> list[str]:
    return re.sub(r"\s+", " ", str(text or "")).replace("*", "").split()


def _headers(data: bytes) -> tuple[list[str], str, str]:
    """The header row, the title and the orientation the workbook asks for."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    row = int(sheet.print_title_rows.split(":")[-1].lstrip("$"))
    headers = [str(c.value) for c in sheet[row] if c.value]
    title = str(sheet["A1"].value) if row > 1 else ""
    return headers, title, sheet.page_setup.orientation


@pytest.fixture
def workbooks(app, fast_passwords):
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        contest = factories.make_contest(opens_at=NOW - dt.timedelta(days=10))
        gia_vien = factories.unit()
        school = factories.organisation(gia_vien, name=LONG_ORG)
        for n in range(60):
            factories.make_participant(contest, full_name=f"Nguyễn Thị Phương Thảo Số {n}",
                                       organisation_id=school.id if n % 2 else None)
        demo.seed_participants(contest, 400)
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    clerk = factories.make_official(Role.CLERK)
    with time_machine.travel(NOW, tick=False):
        city, rows = dashboard.unit_rows(contest.id, NOW)
        title = f"Số liệu Cuộc thi “{contest.name}” theo xã, phường, đặc khu"
        units = exports.units_workbook(title, NOW, rows, city.total)
        unit_view = dashboard.unit_dashboard(contest, gia_vien, NOW)
        breakdown = exports.breakdown_workbook(
            f"Số liệu Cuộc thi “{contest.name}” — Phường Gia Viên", NOW,
            [("Theo tổ dân phố, cơ quan, trường học", unit_view.organisations),
             ("Theo đối tượng", unit_view.groups)])
        people, _count = exports.participants_workbook(
            f"Danh sách thí sinh Cuộc thi “{contest.name}” — Phường Gia Viên", NOW,
            exports.participants_rows(clerk, contest.id, NOW), True)
        run = ranking.compute(contest, None, "individual",
                              {"nhat": 1, "nhi": 2, "ba": 3, "kk": 40}, None, NOW)
        staff = db.session.scalars(select(Account).where(Account.role != Role.PARTICIPANT.value)
                                   ).all()
        return {
            "so-lieu-thanh-pho.xlsx": units,
            "so-lieu-phuong.xlsx": breakdown,
            "danh-sach-thi-sinh.xlsx": people,
            "danh-sach-dat-giai.xlsx": winners.workbook(run, contest),
            "mau-dan-so.xlsx": population.template_workbook(admin),
            "tai-khoan-can-bo.xlsx": clerks.credentials_workbook(
                [(account, "Tam-thoi-2025") for account in staff]),
            "mau-danh-sach-dang-ky.xlsx": tabular.template_xlsx(
                enrolment.COLUMNS, "Mẫu danh sách đăng ký dự thi", enrolment.EXAMPLES),
            "mau-nhap-ket-qua.xlsx": tabular.template_xlsx(
                results_import.COLUMNS, "Mẫu nhập kết quả thi", results_import.EXAMPLES),
            "ngan-hang-cau-hoi.xlsx": bank_files.to_xlsx(bank_files.export_rows(
                bank.questions_for_export(bank.BankFilters.from_args({})))[:40]),
        }


def test_every_export_prints_whole_columns_and_header_on_every_page(workbooks):
    """Each export through LibreOffice Calc; then the widths and merged title."""
    printed = libreoffice.to_pdfs(workbooks)
    pages_of = {}
    for name, data in workbooks.items():
        headers, title, orientation = _headers(data)
        with pdfplumber.open(io.BytesIO(printed[name])) as pdf:
            pages = [(page.width, page.height, page.extract_text() or "",
                      {w["text"] for w in page.extract_words()}) for page in pdf.pages]
        pages_of[name] = len(pages)
        if shutil.which("pdftoppm"):
            ARTIFACTS.mkdir(exist_ok=True)
            subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", "-singlefile",
                            "-", str(ARTIFACTS / f"xlsx_{name[:-5]}")], input=printed[name],
                           check=True)
        for number, (width, height, text, words) in enumerate(pages, 1):
            assert (width > height) == (orientation == "landscape"), (name, number)
            for header in headers:  # the header row, every column of it, on every page
                missing = [w for w in _words(header) if w not in words]
                assert not missing, (name, number, header, missing)
            assert f"Trang {number}/{len(pages)}" in text, (name, number)
        if name in ("so-lieu-phuong.xlsx", "danh-sach-thi-sinh.xlsx"):  # wrapped, not cut
            assert not [w for w in _words(LONG_ORG) if w not in pages[0][2]], name
        if title:  # whole, on the first page
            first = " ".join(_words(pages[0][2]))
            assert " ".join(_words(title)) in first, (name, first[:300])
    assert pages_of["so-lieu-thanh-pho.xlsx"] <= 4  # was 9: figures apart from the names
    assert pages_of["danh-sach-thi-sinh.xlsx"] >= 2  # long enough to test repetition
    assert _headers(workbooks["so-lieu-thanh-pho.xlsx"])[2] == "landscape"
    assert _headers(workbooks["mau-dan-so.xlsx"])[2] == "portrait"

    # columns fit the longest Vietnamese names; the title spans the table
    sheet = load_workbook(io.BytesIO(workbooks["so-lieu-thanh-pho.xlsx"])).worksheets[0]
    longest = max(len(name) for name in db.session.scalars(select(Unit.name)))
    assert sheet.column_dimensions["C"].width >= longest + 1
    assert "A1:I1" in {str(r) for r in sheet.merged_cells.ranges}  # the title spans the table
    people = load_workbook(io.BytesIO(workbooks["danh-sach-thi-sinh.xlsx"])).worksheets[0]
    org = next(row[6] for row in people.iter_rows(min_row=5) if row[6].value == LONG_ORG)
    assert org.alignment.wrap_text  # a long organisation name wraps, never cut
