"""Every export writes text people typed as text: names starting with = + - @, a tab or
a carriage return are string cells in XLSX (no formula anywhere in the file) and get a
leading apostrophe in CSV (OWASP); numbers stay numbers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from types import SimpleNamespace

import pytest
import time_machine
from openpyxl import load_workbook

from cdso.extensions import db
from cdso.models import Account, Role
from cdso.services.bank import files as bank_files
from cdso.services.contest import winners
from cdso.services.exports import guard
from cdso.services.imports import clerks, tabular
from tests import factories

T0 = dt.datetime(2025, 10, 22, 8, 0)
NASTY = ['=HYPERLINK("http://evil.example","Bấm")', "+84 cmd|' /C calc'!A0", "-2+3+cmd|x",
         "@SUM(1+1)*cmd|x", "\t=2+2", "\r=3+3"]
pytestmark = pytest.mark.usefixtures("fast_passwords")


def assert_no_formula(data: bytes, *expected: str):
    """No <f> element in any sheet, and every expected text is there as a string cell."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    for text in expected:
        assert text in texts, text
    return cells


def assert_csv_guarded(text: str, *expected: str):
    values = [value for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for value in row]
    for original in expected:
        assert "'" + original in values, original
    assert not any(value.startswith(guard.TRIGGERS) and not guard.PLAIN_NUMBER.match(value)
                   for value in values)


@pytest.fixture
def nasty(app):
    """Organisations and people whose names came in from a file (no form checked them)."""
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        contest = factories.make_contest()
        unit = factories.unit()
        orgs = [factories.organisation(unit, name=name) for name in NASTY]
    with time_machine.travel(T0 - dt.timedelta(hours=1), tick=False):
        people = [factories.make_participant(contest, organisation_id=org.id) for org in orgs]
        for person, name in zip(people, NASTY, strict=True):
            person.full_name = name
        db.session.commit()
        factories.make_finished_attempt(contest, people[0], score=17)
    return contest, people


@time_machine.travel(T0 + dt.timedelta(hours=2), tick=False)
def test_participants_and_figures_workbooks(client, nasty):
    clerk = factories.make_official(Role.CLERK)
    factories.sign_in(client, clerk)
    token = factories.csrf_token(client, "/quan-tri/xuat")
    response = client.post("/quan-tri/xuat/thi-sinh.xlsx", data={"csrf_token": token})
    assert response.status_code == 200
    cells = assert_no_formula(response.data, *NASTY)
    assert 17 in [c.value for c in cells if c.data_type == "n"]  # numbers stay numbers
    figures = client.get("/quan-tri/xuat/so-lieu.xlsx")
    assert figures.status_code == 200
    assert_no_formula(figures.data, *NASTY)


@time_machine.travel(T0 + dt.timedelta(hours=2), tick=False)
def test_own_data_csv(client, nasty):
    _, people = nasty
    factories.sign_in(client, people[0])
    response = client.get("/tai-khoan/du-lieu.csv")
    assert response.status_code == 200
    assert_csv_guarded(response.get_data(as_text=True), NASTY[0])


def test_bank_export_and_its_reimport(app):
    rows = [["Chủ đề", text, "A", "B", "", "", "", "", "A", "-1 là số âm", "1", "@nguon"]
            for text in NASTY]
    assert_no_formula(bank_files.to_xlsx(rows, ["Chủ đề"]), *NASTY, "-1 là số âm")
    data = bank_files.to_csv(rows)
    assert_csv_guarded(data.decode("utf-8-sig"), *NASTY[:4])
    back = tabular.read_cells("ngan-hang.csv", data)
    assert [row[1] for row in back[1:]] == [text.strip() for text in NASTY]  # as typed


def test_clerk_credentials_workbook(app):
    created = [(Account(login=f"cb{n}", full_name=name, role="clerk"), "k7mq-x2pd-9tra")
               for n, name in enumerate(NASTY)]
    assert_no_formula(clerks.credentials_workbook(created), *NASTY)


def test_winners_workbook(app, monkeypatch):
    row = SimpleNamespace(place=1, prize="Giải Nhất", birth_date=dt.date(1970, 1, 1),
                          phone="0912345678", unit_name="=Phường", score=20, prediction_gap=3,
                          duration_seconds=300, finished_at=None, decided_by="@điểm")
    monkeypatch.setattr(winners, "rows", lambda run, winners_only: [
        SimpleNamespace(**{**vars(row), "full_name": name}) for name in NASTY])
    monkeypatch.setattr(winners, "run_title", lambda run: "+Tuần 1")
    monkeypatch.setattr(winners, "_moment_line", lambda run: "-Công bố")
    monkeypatch.setattr(winners, "_truth_line", lambda run, contest, prefix="": "")
    data = winners.workbook(SimpleNamespace(kind="individual"), SimpleNamespace(name="=Cuộc thi"))
    cells = assert_no_formula(data, *NASTY, "=Phường", "@điểm", "-Công bố")
    assert 20 in [c.value for c in cells]


def test_guard_rules():
    assert [guard.csv_text(v) for v in ("=1", "+1a", "-x", "@x", "\tx", "\rx")] == \
        ["'=1", "'+1a", "'-x", "'@x", "'\tx", "'\rx"]
    assert [guard.csv_text(v) for v in ("-12", "+84", "0912", "-1.5", 5, None, "An")] == \
        ["-12", "+84", "0912", "-1.5", 5, None, "An"]
    assert guard.csv_unguard("'=1") == "=1" and guard.csv_unguard("'An") == "'An"
