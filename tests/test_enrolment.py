"""Bulk enrolment: reading lists, checking every row, all or none, login slips."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, AuditLog, ImportBatch, Registration, Role
from cdso.services.imports import enrolment
from cdso.services.figures import stats
from cdso.services.imports import tabular
from cdso.services.imports.tabular import TableError
from tests import factories
from tests import test_quiz_support as support

HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Số CCCD", "Đối tượng",
          "Tổ dân phố, trường, cơ quan", "Xã, phường", "Xã, phường cũ", "Quận, huyện cũ"]
TODAY = dt.date(2025, 10, 22)


def csv_bytes(rows: list[list[str]], header=HEADER, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


KEYS = {"gender": "Giới tính", "cccd": "Số CCCD", "group": "Đối tượng",
        "org": "Tổ dân phố, trường, cơ quan", "unit": "Xã, phường",
        "old_ward": "Xã, phường cũ", "old_district": "Quận, huyện cũ"}


def person(name="Nguyễn Văn An", born="05/03/1980", phone="0912000001", **cells) -> list[str]:
    row = dict(zip(HEADER, [name, born, "Nam", phone, "", "", "", "", "", ""], strict=True))
    row.update({KEYS[key]: value for key, value in cells.items()})
    return [row[h] for h in HEADER]


def rows_of(data: bytes, filename="ds.csv"):
    return tabular.read_table(filename, data, enrolment.COLUMNS)


@pytest.fixture
def clerk(app, contest):
    unit = factories.unit("Phường Gia Viên")
    factories.organisation(unit, "Tổ dân phố số 3", "to_dan_pho")
    return factories.make_official(Role.CLERK, unit_name="Phường Gia Viên")


def check(contest, account, data: bytes):
    scope = enrolment.scope_of(account)
    return enrolment.check_members(rows_of(data), contest, scope, TODAY)


def test_xlsx_with_excel_cells_and_loose_headers_is_read(app):
    book = Workbook()
    sheet = book.active
    sheet.append(["HỌ VÀ TÊN *", "Ngày sinh (ngày/tháng/năm)", "giới tính", "SĐT", "Ghi chú"])
    sheet.append(["Trần Thị Bình", dt.datetime(1968, 8, 17), "Nữ", 987654321, "x"])
    sheet.append([None, None, None, None, None])
    sheet.append(["Lê Văn Cường", "01/02/1990", "nam", "0912 345 678", 15.0])
    out = io.BytesIO()
    book.save(out)
    rows = tabular.read_table("Danh sach.XLSX", out.getvalue(), enrolment.COLUMNS)
    assert [number for number, _ in rows] == [2, 4]
    first = rows[0][1]
    assert first["Họ và tên"] == "Trần Thị Bình" and first["Ngày sinh"] == "17/08/1968"
    assert first["Số điện thoại"] == "987654321" and "Ghi chú" not in first


def test_csv_with_semicolons_and_missing_columns(app):
    data = csv_bytes([person()], delimiter=";")
    assert rows_of(data)[0][1]["Số điện thoại"] == "0912000001"
    with pytest.raises(TableError, match="thiếu cột: Ngày sinh, Giới tính"):
        rows_of(csv_bytes([["An", "0912000001"]], header=["Họ và tên", "Số điện thoại"]))
    with pytest.raises(TableError, match="chưa có người nào"):
        rows_of(csv_bytes([]))
    with pytest.raises(TableError, match=r"\.xlsx hoặc \.csv"):
        tabular.read_table("ds.pdf", b"%PDF", enrolment.COLUMNS)
    with pytest.raises(TableError, match="Không đọc được tệp Excel"):
        tabular.read_table("ds.xlsx", b"not a zip", enrolment.COLUMNS)


def test_downloadable_template_has_the_columns_and_reads_back(app):
    data = tabular.template_xlsx(enrolment.COLUMNS, "Mẫu", enrolment.EXAMPLES)
    book = load_workbook(io.BytesIO(data))
    assert [c.value for c in book["Danh sách"][1]][:4] == ["Họ và tên *", "Ngày sinh *",
                                                            "Giới tính *", "Số điện thoại *"]
    # Phones typed into the sheet keep their leading 0.
    assert book["Danh sách"].column_dimensions["D"].number_format == "@"
    assert "Hướng dẫn" in book.sheetnames
    with pytest.raises(TableError, match="chưa có người nào"):
        tabular.read_table("mau.xlsx", data, enrolment.COLUMNS)
    assert tabular.template_csv(enrolment.COLUMNS).startswith("\ufeffHọ và tên".encode())


def test_good_list_creates_every_account_counted_and_logged(app, contest, clerk):
    data = csv_bytes([
        person(),
        person("trần thị bình", "17/8/1968", "+84 987 654 321", gender="nữ",
               unit="p. gia vien", org="Tổ dân phố số 3"),
        person("Lê Văn Cường", "01/02/1990", "0903000003", old_ward="Phường Lạch Tray",
               old_district="Quận Ngô Quyền", group="cán bộ", cccd="031090001234"),
    ])
    report = check(contest, clerk, data)
    assert report.ok, [(e.row, e.messages) for e in report.errors]
    batch = enrolment.enrol_members(report, contest, clerk, filename="ds.csv",
                                    digest=tabular.sha256(data))
    db.session.commit()
    regs = db.session.scalars(select(Registration).where(
        Registration.import_batch_id == batch.id).order_by(Registration.id)).all()
    assert [r.account.full_name for r in regs] == ["Nguyễn Văn An", "Trần Thị Bình",
                                                  "Lê Văn Cường"]
    assert regs[1].account.phone == "0987654321" and regs[1].organisation.name == "Tổ dân phố số 3"
    assert {r.unit.name for r in regs} == {"Phường Gia Viên"}
    assert [r.group for r in regs] == ["nguoi_dan", "nguoi_dan", "can_bo"]
    assert regs[2].account.cccd == "031090001234"
    for reg in regs:
        assert reg.account.must_change_password and reg.account.created_by_id == clerk.id
        assert not reg.account.check_password("")  # no password until a slip is printed
    assert stats.city_figures(contest.id, utcnow()).by_unit[regs[0].unit_id].registered == 3
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "members.enrol"))
    assert log.actor_id == clerk.id and log.target_id == batch.id and log.detail["count"] == 3


def test_bad_rows_are_reported_row_by_row_and_nothing_is_written(app, contest, clerk):
    factories.make_participant(contest, phone="0912999999")
    data = csv_bytes([
        person("Nguyễn Văn An", phone="0912000001"),
        person("Phạm Văn Bảo", phone="0912000001"),
        person("Đỗ Thị Cúc", "31/02/1990", "0912000003"),
        person("Vũ Văn Dũng", phone="0912999999"),
        person("Ngô Thị Én", phone="0912000005", unit="Gia Vien X"),
        person("Bùi Văn Gấm", phone="0912000006", unit="Phường Việt Hòa"),
        person("Hồ Văn Hải", phone="12345", cccd="123", gender="?"),
        person("Đinh Thị Kim", phone="0912000008", org="Tổ 99",
               group="hưu trí"),
    ])
    report = check(contest, clerk, data)
    errors = {e.row: " | ".join(e.messages) for e in report.errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9}
    assert "Trùng số điện thoại với dòng 2" in errors[3]
    assert "Ngày sinh không có thật" in errors[4]
    assert "đã có tài khoản" in errors[5]
    assert "Không tìm thấy" in errors[6] and "Phường Gia Viên" in errors[6]  # suggestion
    assert "thuộc Phường Việt Hoà" in errors[7] or "thuộc Phường Việt Hòa" in errors[7]
    assert "Số điện thoại không đúng" in errors[8] and "12 chữ số" in errors[8]
    assert "Giới tính" in errors[8]
    assert "Không có «Tổ 99»" in errors[9] and "Tổ dân phố số 3" in errors[9]
    assert "Đối tượng «hưu trí» không có" in errors[9]
    assert not report.ok and len(report.people) == 1
    with pytest.raises(ValueError):
        enrolment.enrol_members(report, contest, clerk, filename="ds.csv", digest="x")
    assert db.session.scalar(select(func.count(Account.id)).where(
        Account.created_by_id == clerk.id)) == 0


def test_a_duplicate_appearing_after_the_check_leaves_nothing_behind(app, contest, clerk):
    data = csv_bytes([person(phone="0912000001"), person("Lê Thị Hoa", phone="0912000002")])
    report = check(contest, clerk, data)
    assert report.ok
    factories.make_participant(contest, phone="0912000002")  # registered meanwhile
    with pytest.raises(IntegrityError):
        enrolment.enrol_members(report, contest, clerk, filename="ds.csv", digest="d")
    db.session.rollback()
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0
    assert db.session.scalar(select(Account.id).where(Account.phone == "0912000001")) is None


def test_reporter_enrols_into_their_organisation_only(app, contest):
    unit = factories.unit("Phường Gia Viên")
    school = factories.organisation(unit, "Trường THCS Chu Văn An", "truong_hoc")
    reporter = factories.make_official(Role.REPORTER, organisation_id=school.id)
    data = csv_bytes([
        person("Nguyễn Minh Khôi", "05/03/2012", "0912000011"),
        person("Trần Thu Hà", "06/04/2012", "0912000012",
               org="Trường THCS Lê Lợi"),
        person("Lý Văn Sơn", "07/05/2012", "0912000013", unit="Phường Lê Chân"),
    ])
    report = check(contest, reporter, data)
    assert [p.person.organisation_id for p in report.people] == [school.id]
    assert report.people[0].person.group == "hoc_sinh"  # a school's members are pupils
    errors = {e.row: " ".join(e.messages) for e in report.errors}
    assert "chỉ đăng ký được thành viên của đơn vị mình" in errors[3]
    assert "chỉ đăng ký được người của đơn vị mình" in errors[4]
    assert enrolment.scope_of(factories.make_official(Role.TEAM_MEMBER)) is None


def test_login_slips_issue_one_time_passwords_and_reprint_replaces_them(app, contest, clerk):
    from pypdf import PdfReader

    data = csv_bytes([person(phone="0912000001"), person("Lê Thị Hoa", phone="0912000002")])
    report = check(contest, clerk, data)
    scope = enrolment.scope_of(clerk)
    batch = enrolment.enrol_members(report, contest, clerk, filename="ds.csv", digest="d1")
    db.session.commit()
    assert enrolment.batch_in_scope(batch.id, scope) is batch
    other = enrolment.scope_of(factories.make_official(Role.CLERK, unit_name="Phường Lê Chân"))
    assert enrolment.batch_in_scope(batch.id, other) is None
    with app.test_request_context():
        slips = enrolment.issue_slips(batch, scope, 1, clerk)
        db.session.commit()
        assert [s.phone for s in slips] == ["0912 000 001", "0912 000 002"]
        first = {s.phone: s.password for s in slips}
        assert all(re.fullmatch(r"[a-hjkmnp-z2-9]{10}", p) for p in first.values())
        an = db.session.scalar(select(Account).where(Account.phone == "0912000001"))
        assert an.check_password(first["0912 000 001"]) and an.must_change_password
        assert first["0912 000 001"] not in an.password_hash
        pdf = enrolment.assisted.render_slips_pdf(
            slips, contest_name=contest.name, site_url="http://localhost/", issued_at=utcnow())
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        for needed in ("PHIẾU ĐĂNG NHẬP", "Nguyễn Văn An", "0912 000 001", first["0912 000 001"],
                       "http://localhost/", "Đổi mật khẩu khi đăng nhập lần đầu",
                       "Phường Gia Viên"):
            assert needed in text
        # Hoa chose her own password; a reprint only replaces An's slip.
        hoa = db.session.scalar(select(Account).where(Account.phone == "0912000002"))
        hoa.set_password("mat-khau-rieng")
        hoa.must_change_password = False
        db.session.commit()
        again = enrolment.issue_slips(batch, scope, 1, clerk)
        db.session.commit()
        assert [s.phone for s in again] == ["0912 000 001"]
        assert not an.check_password(first["0912 000 001"])
        assert an.check_password(again[0].password) and hoa.check_password("mat-khau-rieng")
        assert enrolment.issue_slips(batch, scope, 2, clerk) is None
    logs = db.session.scalars(select(AuditLog).where(AuditLog.action == "members.slips")).all()
    assert [log.detail["account_ids"] for log in logs] == [[an.id, hoa.id], [an.id]]


def test_slip_parts_split_large_lists(app):
    assert enrolment.slip_parts(0) == []
    assert enrolment.slip_parts(700) == [(1, 1, 300), (2, 301, 600), (3, 601, 700)]


@time_machine.travel(dt.datetime(2025, 10, 22, 3, 0), tick=False)
def test_age_limits_follow_the_contest(app):
    contest = factories.make_contest(min_age=18)
    clerk = factories.make_official(Role.CLERK)
    report = check(contest, clerk, csv_bytes([person(born="01/01/2010")]))
    assert "từ 18 đến" in report.errors[0].messages[0]


# --- the office pages ---------------------------------------------------------------------

@pytest.fixture
def web(app):
    return support.browser(app)


def token_from(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in page"
    return match.group(1)


def upload(web, data: bytes, filename="ds.csv", headers=None):
    page = web.get("/quan-tri/dang-ky-danh-sach").get_data(as_text=True)
    return web.post("/quan-tri/dang-ky-danh-sach/xem-truoc", headers=headers or {},
                    content_type="multipart/form-data",
                    data={"csrf_token": token_from(page), "tep": (io.BytesIO(data), filename)})


# Not for team members or visitors: tests/test_results_import.py, with the results import.


def test_clerk_gets_the_page_and_the_templates(web, contest, clerk):
    support.login(web, clerk)
    page = web.get("/quan-tri/dang-ky-danh-sach")
    assert page.status_code == 200 and "Phường Gia Viên" in page.get_data(as_text=True)
    xlsx = web.get("/quan-tri/dang-ky-danh-sach/mau.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert "attachment" in xlsx.headers["Content-Disposition"]
    assert web.get("/quan-tri/dang-ky-danh-sach/mau.csv").data.startswith(b"\xef\xbb\xbf")
    assert web.get("/quan-tri/dang-ky-danh-sach/mau.pdf").status_code == 404


def test_upload_preview_confirm_and_print_without_javascript(web, contest, clerk):
    from pypdf import PdfReader

    support.login(web, clerk)
    data = csv_bytes([person(), person("Lê Thị Hoa", phone="0912000002")])
    preview = upload(web, data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<html" in html
    assert "Lê Thị Hoa" in html and "Tạo 2 tài khoản" in html
    assert db.session.scalar(select(func.count(Account.id)).where(
        Account.phone.in_(["0912000001", "0912000002"]))) == 0  # a preview writes nothing
    without_csrf = web.post("/quan-tri/dang-ky-danh-sach/xac-nhan",
                               data={"token": token_from(html, "token")})
    assert without_csrf.status_code == 400
    done = web.post("/quan-tri/dang-ky-danh-sach/xac-nhan",
                       data={"csrf_token": token_from(html), "token": token_from(html, "token")})
    assert done.status_code == 303
    batch = db.session.scalar(select(ImportBatch))
    assert done.headers["Location"].endswith(f"/quan-tri/dang-ky-danh-sach/{batch.id}")
    page = web.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã tạo 2 tài khoản" in page and "0912000002" in page
    made = web.post(f"/quan-tri/dang-ky-danh-sach/{batch.id}/phieu",
                    data={"csrf_token": token_from(page), "phan": "1"})
    assert made.status_code == 303  # a background job (here JOBS_SYNC: already made)
    pdf = web.get(made.headers["Location"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    password = re.search(r"Mật khẩu dùng một lần: (\w{10})", text).group(1)
    hoa = db.session.scalar(select(Account).where(Account.phone == "0912000002"))
    db.session.refresh(hoa)
    assert "Lê Thị Hoa" in text and "0912 000 002" in text
    assert any(a.check_password(password) for a in db.session.scalars(select(Account).where(
        Account.phone.in_(["0912000001", "0912000002"]))))
    # The same file again: every row is now a duplicate, nothing can be confirmed.
    again = upload(web, data).get_data(as_text=True)
    assert "đã được nhập lúc" in again and "đã có tài khoản" in again
    assert 'name="token"' not in again


def test_htmx_upload_swaps_the_workspace_and_bad_files_keep_the_form(web, contest, clerk):
    support.login(web, clerk)
    response = upload(web, csv_bytes([person(born="31/02/1990")]),
                      headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert html.lstrip().startswith('<section id="members-import"')
    assert "Ngày sinh không có thật" in html and 'name="tep"' in html
    wrong = upload(web, b"%PDF-1.4", filename="ds.pdf").get_data(as_text=True)
    assert "Chỉ nhận tệp .xlsx hoặc .csv" in wrong and 'aria-invalid="true"' in wrong
    forged = web.post("/quan-tri/dang-ky-danh-sach/xac-nhan",
                         data={"csrf_token": token_from(wrong), "token": "abc"})
    assert forged.status_code == 422 and "Xin tải tệp lên lại" in forged.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 0


def test_another_units_list_answers_404(web, contest, clerk):
    report = check(contest, clerk, csv_bytes([person()]))
    batch = enrolment.enrol_members(report, contest, clerk, filename="ds.csv", digest="d")
    db.session.commit()
    support.login(web, factories.make_official(Role.CLERK, unit_name="Phường Lê Chân"))
    assert web.get(f"/quan-tri/dang-ky-danh-sach/{batch.id}").status_code == 404
    token = support.token(web, "/quan-tri/dang-ky-danh-sach")
    assert web.post(f"/quan-tri/dang-ky-danh-sach/{batch.id}/phieu",
                       data={"csrf_token": token, "phan": "1"}).status_code == 404
    assert db.session.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "members.slips")) == 0
