"""Officials' accounts: who creates whom, first-login password change, resets, imports."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Account, AuditLog, ImportBatch, Organisation, Role
from tests import factories


pytestmark = pytest.mark.usefixtures("fast_passwords")


sign_in = factories.sign_in


def token(client) -> str:
    return factories.csrf_token(client, "/quan-tri/tai-khoan")


def flashed_password(client) -> str:
    html = client.get("/quan-tri/tai-khoan").get_data(as_text=True)
    match = re.search(r"Mật khẩu tạm thời: ([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})", html)
    assert match, "no temporary password shown"
    return match.group(1)


def clerks_file(rows) -> io.BytesIO:
    workbook = Workbook()
    workbook.active.append(["Họ và tên", "Tên đăng nhập", "Xã, phường, đặc khu", "Điện thoại"])
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def test_admin_creates_a_clerk_who_must_change_password(client, contest):
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    sign_in(client, admin)
    gia_vien = factories.unit()
    response = client.post("/quan-tri/tai-khoan", data={
        "csrf_token": token(client), "role": "clerk", "full_name": "phan đức anh",
        "login": "VHXH.GiaVien", "phone": "0832 765 568", "unit_id": gia_vien.id})
    assert response.status_code == 303
    password = flashed_password(client)
    clerk = db.session.scalar(select(Account).where(Account.login == "vhxh.giavien"))
    assert (clerk.role, clerk.unit_id, clerk.full_name) == ("clerk", gia_vien.id, "Phan Đức Anh")
    assert clerk.must_change_password and clerk.check_password(password)
    assert clerk.phone == "0832765568" and clerk.created_by_id == admin.id
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.create"))
    assert log.actor_id == admin.id and log.target_id == clerk.id
    # First login: every office page sends the new clerk to the password change.
    sign_in(client, clerk)
    first = client.get("/quan-tri/so-lieu")
    assert first.status_code in (302, 303) and "/doi-mat-khau" in first.headers["Location"]


def test_bad_input_keeps_what_was_typed_and_writes_nothing(client, contest):
    sign_in(client, factories.make_official(Role.ADMIN, unit_name=None, login="taken.login"))
    before = db.session.scalar(select(func.count(Account.id)))
    response = client.post("/quan-tri/tai-khoan", data={
        "csrf_token": token(client), "role": "clerk", "full_name": "Trần Thị Hồng",
        "login": "taken.login", "phone": "12345", "unit_id": ""},
        headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="create-account"')
    assert "đã có người dùng" in html and "Số điện thoại không đúng" in html
    assert "Xin chọn xã, phường, đặc khu" in html and 'value="Trần Thị Hồng"' in html
    assert db.session.scalar(select(func.count(Account.id))) == before
    forged_unit = client.post("/quan-tri/tai-khoan", data={
        "csrf_token": token(client), "role": "clerk", "full_name": "Trần Thị Hồng",
        "login": "hong.tran", "unit_id": "99999"})
    assert forged_unit.status_code == 404


def test_clerk_creates_reporters_and_team_members_for_own_unit_only(client, contest):
    clerk = factories.make_official(Role.CLERK)
    sign_in(client, clerk)
    page = client.get("/quan-tri/tai-khoan").get_data(as_text=True)
    assert "Cán bộ đơn vị" in page and "Tổ công nghệ số cộng đồng" in page
    response = client.post("/quan-tri/tai-khoan", data={
        "csrf_token": token(client), "role": "reporter", "full_name": "Lê Văn Tâm",
        "login": "thcs.chuvanan", "new_organisation": "Trường THCS Chu Văn An",
        "new_organisation_kind": "truong_hoc"})
    assert response.status_code == 303
    reporter = db.session.scalar(select(Account).where(Account.login == "thcs.chuvanan"))
    school = db.session.get(Organisation, reporter.organisation_id)
    assert school.name == "Trường THCS Chu Văn An" and school.unit_id == clerk.unit_id
    assert reporter.unit_id == clerk.unit_id and reporter.must_change_password
    client.post("/quan-tri/tai-khoan", data={
        "csrf_token": token(client), "role": "team_member", "full_name": "Đỗ Thị Lan",
        "login": "tcns.lan"})
    team = db.session.scalar(select(Account).where(Account.login == "tcns.lan"))
    assert team.role == "team_member" and team.unit_id == clerk.unit_id
    # A clerk cannot create a clerk or an administrator, nor use another unit's organisation.
    for role in ("clerk", "admin"):
        html = client.post("/quan-tri/tai-khoan", data={
            "csrf_token": token(client), "role": role, "full_name": "Ngô Văn Hải",
            "login": f"x.{role}"}).get_data(as_text=True)
        assert "Xin chọn loại tài khoản" in html
    other_org = factories.organisation(factories.unit("Xã Tứ Kỳ"), "Trường THCS Tứ Kỳ")
    assert client.post("/quan-tri/tai-khoan", data={
        "csrf_token": token(client), "role": "reporter", "full_name": "Ngô Văn Hải",
        "login": "x.reporter", "organisation_id": other_org.id}).status_code == 404
    assert db.session.scalar(select(Account.id).where(Account.login.like("x.%"))) is None


def test_reset_and_lock_only_within_scope(client, contest):
    clerk = factories.make_official(Role.CLERK)
    team = factories.make_official(Role.TEAM_MEMBER)
    elsewhere = factories.make_official(Role.TEAM_MEMBER, unit_name="Xã Tứ Kỳ")
    sign_in(client, clerk)
    version = team.session_version
    response = client.post(f"/quan-tri/tai-khoan/{team.id}/dat-lai-mat-khau",
                           data={"csrf_token": token(client)})
    assert response.status_code == 303
    password = flashed_password(client)
    db.session.refresh(team)
    assert team.check_password(password) and team.must_change_password
    assert team.session_version == version + 1
    client.post(f"/quan-tri/tai-khoan/{team.id}/khoa", data={"csrf_token": token(client)})
    db.session.refresh(team)
    assert not team.is_active_account
    actions = set(db.session.scalars(select(AuditLog.action).where(
        AuditLog.target_id == team.id)))
    assert actions == {"account.reset_password", "account.lock"}
    for path in (f"/quan-tri/tai-khoan/{elsewhere.id}/dat-lai-mat-khau",
                 f"/quan-tri/tai-khoan/{elsewhere.id}/khoa",
                 f"/quan-tri/tai-khoan/{clerk.id}/khoa"):
        assert client.post(path, data={"csrf_token": token(client)}).status_code == 404
    assert "Tổ công nghệ số cộng đồng" in client.get("/quan-tri/tai-khoan").get_data(True)
    assert elsewhere.login not in client.get("/quan-tri/tai-khoan").get_data(True)


def test_clerks_import_all_or_nothing_then_credentials_file(client, contest):
    sign_in(client, factories.make_official(Role.ADMIN, unit_name=None))
    bad = client.post("/quan-tri/tai-khoan/nhap", data={
        "csrf_token": token(client), "tep": (clerks_file([
            ["Phan Đức Anh", "vhxh.anduong", "Phường An Dương", ""],
            ["Vũ Thị Hạnh", "vhxh.anduong", "Xã Tứ Kỳ", ""],
            ["Bùi Văn Long", "vhxh.xyz", "Phường Không Có", "0912"],
        ]), "can-bo.xlsx")})
    html = bad.get_data(as_text=True)
    assert "Dòng 3" in html and "đã có người dùng" in html
    assert "Dòng 4" in html and "Không tìm thấy" in html and "Số điện thoại không đúng" in html
    assert db.session.scalar(select(func.count(Account.id)).where(Account.role == "clerk")) == 0
    rows = [["Phan Đức Anh", "vhxh.anduong", "An Dương", ""],
            ["Vũ Thị Hạnh", "vhxh.tuky", "xa tu ky", "0912 000 111"]]
    # The same bytes twice (an .xlsx records the second it was written in).
    same_file = clerks_file(rows).getvalue()
    good = client.post("/quan-tri/tai-khoan/nhap", data={
        "csrf_token": token(client), "tep": (io.BytesIO(same_file), "can-bo.xlsx")})
    assert good.status_code == 200 and "attachment" in good.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(good.data)).active
    created = {row[1]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert set(created) == {"vhxh.anduong", "vhxh.tuky"}
    tuky = db.session.scalar(select(Account).where(Account.login == "vhxh.tuky"))
    assert tuky.check_password(created["vhxh.tuky"][2]) and tuky.must_change_password
    assert tuky.unit.name == "Xã Tứ Kỳ" and created["vhxh.tuky"][3] == "Xã Tứ Kỳ"
    assert db.session.scalar(select(ImportBatch.row_count).where(ImportBatch.kind == "clerks")) == 2
    again = client.post("/quan-tri/tai-khoan/nhap", data={
        "csrf_token": token(client), "tep": (io.BytesIO(same_file), "can-bo.xlsx")})
    assert "đã được nhập" in again.get_data(as_text=True)


def test_only_administrators_and_clerks_manage_accounts(client, contest):
    for role in (Role.TEAM_MEMBER, Role.REPORTER):
        sign_in(client, factories.make_official(role))
        assert client.get("/quan-tri/tai-khoan").status_code == 404
    sign_in(client, factories.make_official(Role.CLERK))
    assert client.post("/quan-tri/tai-khoan/nhap",
                       data={"csrf_token": token(client)}).status_code == 404
