"""XLSX exports: titles stating the moment, Vietnamese headers, number formats, scope,
and a log of every export of personal data."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import AuditLog, Role
from tests import factories

T0 = dt.datetime(2025, 10, 22, 8, 0)  # 15h00 in Vietnam


pytestmark = pytest.mark.usefixtures("fast_passwords")


sign_in = factories.sign_in


@pytest.fixture
def people(app):
    """At 14h: two in Gia Viên (one of them a pupil of the school, who finishes at 14h30),
    one in Tứ Kỳ. At 16h, after the moment of the exports, one more in Gia Viên."""
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        contest = factories.make_contest()
        gia_vien = factories.unit()
        gia_vien.adult_population = 2000
        school = factories.organisation(gia_vien)
    with time_machine.travel(T0 - dt.timedelta(hours=1), tick=False):
        pupil = factories.make_participant(contest, full_name="Lê Thị Hoa", phone="0987000111",
                                           organisation_id=school.id, group="hoc_sinh")
        factories.make_participant(contest, full_name="Trần Văn Bình", phone="0987000222")
        factories.make_participant(contest, unit_name="Xã Tứ Kỳ", full_name="Phạm Văn Cường")
    with time_machine.travel(T0 - dt.timedelta(minutes=30), tick=False):
        factories.make_finished_attempt(contest, pupil, score=17)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        factories.make_participant(contest, full_name="Ngô Văn Dũng")
    return dict(contest=contest, school=school, gia_vien=gia_vien)


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data)).active


@time_machine.travel(T0 + dt.timedelta(hours=2), tick=False)
def test_units_figures_for_the_city(client, people):
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    sign_in(client, admin)
    sheet = workbook(client.get("/quan-tri/xuat/so-lieu.xlsx?luc=2025-10-22T15:00"))
    assert "Công dân số Hải Phòng" in sheet["A1"].value
    assert sheet["A2"].value == "Số liệu tính đến 15h00 ngày 22/10/2025"
    headers = [c.value for c in sheet[4]]
    assert headers[:5] == ["STT", "Mã đơn vị", "Đơn vị", "Loại", "Thí sinh đăng ký"]
    assert "Tỉ lệ hoàn thành / dân số trưởng thành" in headers
    rows = {r[2]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert len(rows) == 115  # 114 units and the city
    gia_vien = rows["Phường Gia Viên"]
    assert gia_vien[4:9] == (2, 1, 1, 2000, 0.0005)  # Ngô Văn Dũng came after 15h00
    assert rows["Toàn thành phố"][4:7] == (3, 1, 1)
    assert rows["Xã Tứ Kỳ"][7] is None  # unknown population stays empty, not 0
    row = next(r for r in sheet.iter_rows(min_row=5) if r[2].value == "Phường Gia Viên")
    assert row[4].number_format == "#,##0" and row[8].number_format == "0.0%"
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.actor_id == admin.id)) \
        == "export.figures"


@time_machine.travel(T0 + dt.timedelta(hours=2), tick=False)
def test_clerk_exports_own_units_participants_with_full_phones(client, people):
    clerk = factories.make_official(Role.CLERK)
    sign_in(client, clerk)
    token = factories.csrf_token(client, "/quan-tri/xuat")
    sheet = workbook(client.post("/quan-tri/xuat/thi-sinh.xlsx", data={
        "csrf_token": token, "luc": "15:00 22/10/2025"}))
    assert sheet["A2"].value == "Số liệu tính đến 15h00 ngày 22/10/2025"
    assert [c.value for c in sheet[4]][:5] == ["STT", "Họ và tên", "Ngày sinh", "Giới tính",
                                              "Điện thoại"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert [r[1] for r in rows] == ["Lê Thị Hoa", "Trần Văn Bình"]  # not Tứ Kỳ, not after 15h
    hoa = rows[0]
    assert hoa[4] == "0987000111" and hoa[6] == "Trường THCS Chu Văn An"
    assert hoa[7] == "Học sinh, sinh viên" and hoa[9] == dt.datetime(2025, 10, 22, 14, 30)
    assert hoa[10] == 1 and hoa[11] == 17
    assert rows[1][9] is None and rows[1][10] == 0
    cells = next(sheet.iter_rows(min_row=5))
    assert cells[2].number_format == "dd/mm/yyyy" and cells[8].number_format == "dd/mm/yyyy hh:mm"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "export.participants"))
    assert log.actor_id == clerk.id and log.detail["rows"] == 2 and log.detail["full_phone"]
    figures = workbook(client.get("/quan-tri/xuat/so-lieu.xlsx"))
    labels = [r[1] for r in figures.iter_rows(min_row=5, values_only=True) if r[1]]
    assert "Trường THCS Chu Văn An" in labels and "Người dân" in labels


@time_machine.travel(T0 + dt.timedelta(hours=2), tick=False)
def test_reporter_exports_own_members_with_masked_phones(client, people):
    reporter = factories.make_official(Role.REPORTER, organisation_id=people["school"].id)
    sign_in(client, reporter)
    token = factories.csrf_token(client, "/quan-tri/xuat")
    sheet = workbook(client.post("/quan-tri/xuat/thi-sinh.xlsx", data={"csrf_token": token}))
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert [(r[1], r[4]) for r in rows] == [("Lê Thị Hoa", "0987***111")]
    assert client.get("/quan-tri/xuat/so-lieu.xlsx").status_code == 404


@time_machine.travel(T0 + dt.timedelta(hours=2), tick=False)
def test_admin_must_choose_a_unit_and_bad_input_is_explained(client, people):
    sign_in(client, factories.make_official(Role.ADMIN, unit_name=None))
    token = factories.csrf_token(client, "/quan-tri/xuat")
    html = client.post("/quan-tri/xuat/thi-sinh.xlsx", data={
        "csrf_token": token, "luc": "ngày mai"}).get_data(as_text=True)
    assert "Xin chọn xã, phường, đặc khu" in html and "cần có giờ và ngày" in html
    assert 'value="ngày mai"' in html
    assert client.post("/quan-tri/xuat/thi-sinh.xlsx", data={
        "csrf_token": token, "don_vi": "abc"}).status_code == 404
    sheet = workbook(client.post("/quan-tri/xuat/thi-sinh.xlsx", data={
        "csrf_token": token, "don_vi": people["gia_vien"].id}))
    assert {r[1] for r in sheet.iter_rows(min_row=5, values_only=True)} == {
        "Lê Thị Hoa", "Trần Văn Bình", "Ngô Văn Dũng"}
    assert all("***" in r[4] for r in sheet.iter_rows(min_row=5, values_only=True))
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "export.participants")) \
        .detail["scope"] == "Phường Gia Viên"


def test_team_member_cannot_export(client, people):
    sign_in(client, factories.make_official(Role.TEAM_MEMBER))
    assert client.get("/quan-tri/xuat").status_code == 404
    assert client.get("/quan-tri/xuat/so-lieu.xlsx").status_code == 404
