"""Imports of results from paper sessions: checks, all or nothing, re-import, figures."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import local_to_utc, utcnow
from cdso.models import Account, Attempt, AuditLog, ImportBatch, Registration, Role
from cdso.services.imports import results as results_import
from cdso.services.figures import stats
from cdso.services.imports import tabular
from tests import factories
from tests import test_quiz_support as support

# The contest opens on 11/10/2025 00:00 (Vietnam time) and runs 30 days; "now" is 22/10.
OPENS = local_to_utc(dt.datetime(2025, 10, 11))
NOW = dt.datetime(2025, 10, 22, 3, 0)
HEADER = ["Họ và tên", "Số điện thoại", "Xã, phường", "Xã, phường cũ", "Quận, huyện cũ",
          "Ngày thi", "Điểm", "Dự đoán"]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def result(name="Phạm Văn Hải", phone="0912000001", unit="Đặc khu Bạch Long Vĩ", day="20/10/2025",
           score="17", prediction="", old_ward="", old_district="") -> list[str]:
    return [name, phone, unit, old_ward, old_district, day, score, prediction]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def contest(app):
    return factories.make_contest(opens_at=OPENS)


@pytest.fixture
def admin(app):
    return factories.make_official(Role.ADMIN, unit_name=None)


def check(contest, data: bytes, scope_unit=None):
    rows = tabular.read_table("kq.csv", data, results_import.COLUMNS)
    return results_import.check_results(rows, contest, scope_unit, NOW)


def run_import(contest, admin, data: bytes, source="Thi giấy Bạch Long Vĩ"):
    report = check(contest, data)
    assert report.ok, [(e.row, e.messages) for e in report.errors]
    batch = results_import.import_results(report, contest, admin, source=source,
                                          filename="kq.csv", digest=tabular.sha256(data), now=NOW)
    db.session.commit()
    return report, batch


def test_paper_results_become_finished_attempts_counted_apart(app, contest, admin):
    known = factories.make_participant(contest, phone="0912000002", full_name="Lê Thị Mai",
                                       unit_name="Xã Mao Điền")
    data = csv_bytes([
        result(prediction="85.000"),
        result("lê thị mai", "0912000002", "", "20/10/2025", "14", "",
               "Xã Phúc Điền", "Huyện Cẩm Giàng"),
        result(day="21/10/2025", score="19"),
    ])
    report, batch = run_import(contest, admin, data)
    assert report.new_people == 1 and batch.source == "Thi giấy Bạch Long Vĩ"
    attempts = db.session.scalars(select(Attempt).where(Attempt.import_batch_id == batch.id)
                                  .order_by(Attempt.id)).all()
    assert [(a.score, a.number, a.source, a.finished_by) for a in attempts] == [
        (17, 1, "import", "import"), (14, 1, "import", "import"), (19, 2, "import", "import")]
    assert attempts[0].prediction == 85000 and attempts[1].account_id == known.id
    # Noon of the paper day (Vietnam time), recorded now.
    assert attempts[0].finished_at == dt.datetime(2025, 10, 20, 5, 0)
    assert all(a.recorded_at == NOW and a.external_ref for a in attempts)
    new = db.session.scalar(select(Account).where(Account.phone == "0912000001"))
    assert new.full_name == "Phạm Văn Hải" and new.unit.name == "Đặc khu Bạch Long Vĩ"
    assert not new.check_password("") and new.must_change_password
    reg = db.session.scalar(select(Registration).where(Registration.account_id == new.id))
    assert reg.import_batch_id == batch.id and reg.first_finished_at == NOW
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        figures = stats.city_figures(contest.id, utcnow())
    assert (figures.total.attempts, figures.total.imported_attempts) == (3, 3)
    assert figures.total.finished == 2 and figures.total.registered == 2
    assert figures.by_unit[reg.unit_id].imported_attempts == 2
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "results.import"))
    assert log.actor_id == admin.id and log.detail["attempts"] == 3


def test_bad_rows_are_reported_and_nothing_is_imported(app, contest, admin):
    factories.make_participant(contest, phone="0912000009", full_name="Ngô Văn Tâm")
    data = csv_bytes([
        result(),
        result("Trần Văn Bình", "0912000002", "Xã Không Có"),
        result("Đỗ Văn Cảnh", "0912000003", day="30/02/2025"),
        result("Vũ Thị Dung", "0912000004", score="25"),
        result("Hà Văn Em", "0912000005", day="01/10/2025"),
        result("Lý Văn Phúc", "0912000006", day="25/10/2025"),
        result("Tạ Văn Giang", "0912000001"),
        result(),
        result("Ngô Văn Tâm Khác", "0912000009"),
        result("Mai Văn Hùng", "0912000010", "cam giang", score="mười"),
    ])
    report = check(contest, data)
    errors = {e.row: " | ".join(e.messages) for e in report.errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "Không tìm thấy" in errors[3]
    assert "không có thật" in errors[4]
    assert "Điểm 25 vượt quá điểm tối đa 20" in errors[5]
    assert "ngoài thời gian cuộc thi" in errors[6]
    assert "chưa tới" in errors[7]
    assert "Cùng số điện thoại với dòng 2 nhưng khác họ tên" in errors[8]
    assert "Trùng hoàn toàn với dòng 2" in errors[9]
    assert "đã đăng ký với họ tên khác" in errors[10]
    assert "Có nhiều đơn vị trùng tên" in errors[11] and "phải là một số nguyên" in errors[11]
    with pytest.raises(ValueError):
        results_import.import_results(report, contest, admin, source="x", filename="kq.csv",
                                      digest="d", now=NOW)
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.source == "import")) == 0
    assert db.session.scalar(select(Account.id).where(Account.phone == "0912000001")) is None


def test_reimport_creates_nothing_new_even_from_another_file(app, contest, admin):
    first = csv_bytes([result(), result("Lê Văn Hoà", "0912000002", day="21/10/2025")])
    run_import(contest, admin, first)
    again = check(contest, first)
    assert again.ok and again.rows == [] and again.already_imported == [2, 3]
    assert results_import.import_results(again, contest, admin, source="x", filename="kq.csv",
                                         digest=tabular.sha256(first), now=NOW) is None
    # Another file with one old row (name typed differently) and one new row.
    second = csv_bytes([result("PHẠM VĂN HẢI", unit="bach long vi"),
                        result(day="22/10/2025", score="20")])
    report, batch = run_import(contest, admin, second)
    assert report.already_imported == [2] and [r.row for r in report.rows] == [3]
    assert db.session.scalar(select(func.count(Attempt.id))) == 3
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 2
    hai = db.session.scalar(select(Account).where(Account.phone == "0912000001"))
    assert db.session.scalar(select(func.count(Attempt.id)).where(
        Attempt.account_id == hai.id)) == 2


def test_clerk_imports_only_their_unit(app, contest):
    clerk = factories.make_official(Role.CLERK, unit_name="Phường Gia Viên")
    data = csv_bytes([result(unit=""), result("Lê Văn Hoà", "0912000002", unit="Phường Lê Chân"),
                      result("Trần Văn Nam", "0912000003", unit="",
                             old_ward="Phường Lạch Tray", old_district="Quận Ngô Quyền")])
    rows = tabular.read_table("kq.csv", data, results_import.COLUMNS)
    report = results_import.check_results(rows, contest, clerk.unit, NOW)
    assert [r.row for r in report.rows] == [2, 4]
    assert {r.unit_id for r in report.rows} == {clerk.unit_id}
    assert "chỉ nhập kết quả của đơn vị mình" in report.errors[0].messages[0]


def test_existing_participant_registered_elsewhere_is_refused(app, contest, admin):
    factories.make_participant(contest, phone="0912000007", full_name="Bùi Văn Lâm",
                               unit_name="Phường Lê Chân")
    report = check(contest, csv_bytes([result("Bùi Văn Lâm", "0912000007")]))
    assert "ở một xã, phường khác" in report.errors[0].messages[0]
    official = factories.make_official(Role.CLERK, login="canbo1")
    official.phone = "0912000008"
    db.session.commit()
    report = check(contest, csv_bytes([result("Cán Bộ Một", "0912000008")]))
    assert "tài khoản cán bộ" in report.errors[0].messages[0]


# --- the office page ----------------------------------------------------------------------

@pytest.fixture
def web(app):
    return support.browser(app)


def upload(web, data: bytes, source="Thi giấy tại Bạch Long Vĩ, 20/10/2025", headers=None):
    token = support.token(web, "/quan-tri/nhap-ket-qua")
    return web.post("/quan-tri/nhap-ket-qua/xem-truoc", headers=headers or {},
                    content_type="multipart/form-data",
                    data={"csrf_token": token, "source": source,
                          "tep": (io.BytesIO(data), "ket-qua.csv")})


def confirm(web, preview_html: str):
    fields = dict(re.findall(r'name="(csrf_token|token|source)" value="([^"]*)"', preview_html))
    return web.post("/quan-tri/nhap-ket-qua/xac-nhan", data=fields)


def test_clerk_imports_paper_results_then_reimport_adds_nothing(web, contest):
    clerk = factories.make_official(Role.CLERK, unit_name="Đặc khu Bạch Long Vĩ")
    support.login(web, clerk)
    data = csv_bytes([result(unit=""), result("Lê Văn Hoà", "0912000002", score="0")])
    preview = upload(web, data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nhập 2 lượt thi" in html
    assert "2</strong> người chưa có tài khoản" in html
    done = confirm(web, html)
    assert done.status_code == 303 and done.headers["Location"].endswith("/quan-tri/nhap-ket-qua")
    page = web.get("/quan-tri/nhap-ket-qua").get_data(as_text=True)
    assert "Đã nhập 2 lượt thi, tạo 2 tài khoản mới." in page
    assert "Thi giấy tại Bạch Long Vĩ, 20/10/2025" in page
    support.fresh()
    batch = db.session.scalar(select(ImportBatch))
    assert batch.created_by_id == clerk.id and batch.source.startswith("Thi giấy")
    again = upload(web, data).get_data(as_text=True)
    assert "2 dòng đã được nhập trước đây" in again and "Xác nhận (không có gì mới)" in again
    confirm(web, again)
    assert "Không có kết quả mới" in web.get("/quan-tri/nhap-ket-qua").get_data(as_text=True)
    support.fresh()
    assert db.session.scalar(select(func.count(Attempt.id))) == 2


def test_errors_show_row_by_row_and_the_source_is_required(web, contest, admin):
    support.login(web, admin)
    bad = upload(web, csv_bytes([result(score="21"), result("Lê Văn Hoà", "0912000002",
                                                            unit="Xã Không Có")]),
                 headers=support.HTMX)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and html.lstrip().startswith('<section id="results-import"')
    assert "Điểm 21 vượt quá điểm tối đa 20" in html and "Không tìm thấy" in html
    assert "Chưa nhập dòng nào" in html and 'name="token"' not in html
    no_source = upload(web, csv_bytes([result()]), source="  ")
    html = no_source.get_data(as_text=True)
    assert no_source.status_code == 422 and "Xin ghi nguồn của kết quả" in html
    assert 'id="e-source"' in html
    support.fresh()
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


@pytest.mark.parametrize("page", ["/quan-tri/nhap-ket-qua", "/quan-tri/dang-ky-danh-sach"])
def test_imports_are_for_clerks_and_the_city_only(web, contest, page):
    """The results import and the members import: not for team members or visitors."""
    assert web.get(page).status_code == 302  # to the login page
    support.login(web, factories.make_official(Role.TEAM_MEMBER))
    assert web.get(page).status_code == 404
    assert web.get(f"{page}/mau.xlsx").status_code == 404


def test_results_template_downloads(web, contest, admin):
    support.login(web, admin)
    xlsx = web.get("/quan-tri/nhap-ket-qua/mau.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    header = web.get("/quan-tri/nhap-ket-qua/mau.csv").data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Họ và tên,Số điện thoại,Xã, phường".replace("Xã, phường",
                                                                          '"Xã, phường"'))
