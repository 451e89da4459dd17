"""Officials in a real browser: a ward clerk's first login (forced password change), the
dashboard, a dispatch drafted, issued and downloaded as PDF; a community digital team
member registering a resident and handing over a one-time password."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3

from playwright.sync_api import expect

from tests.e2e import steps
from tests.e2e.site import PASSWORD

NUMBER = r"\d{1,3}(\.\d{3})*"  # Vietnamese grouping: 84.360


def _rows(site, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(site.database_path) as conn:
        return conn.execute(sql, args).fetchall()


def test_ward_clerk_first_login_dashboard_and_dispatch_pdf(new_context, site):
    page = new_context(accept_downloads=True).new_page()
    steps.log_in(page, site.people.clerk_first_login)
    expect(page.get_by_role("heading", name="Đổi mật khẩu")).to_be_visible()
    page.goto("/quan-tri/so-lieu")  # nothing else opens before the password is changed
    expect(page.get_by_role("heading", name="Đổi mật khẩu")).to_be_visible()
    page.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    page.get_by_label(re.compile(r"^Mật khẩu mới")).fill("phuong-gia-vien-2025")
    page.get_by_label("Nhập lại mật khẩu mới").fill("phuong-gia-vien-2025")
    unit = site.people.unit_name
    registered_sql = ("SELECT count(*) FROM registration JOIN unit ON unit.id = unit_id "
                      "WHERE unit.name = ? AND registration.created_at < ?")
    a_minute_ago = (dt.datetime.utcnow() - dt.timedelta(minutes=1)).isoformat(sep=" ")
    surely_counted = _rows(site, registered_sql, unit, a_minute_ago)[0][0]
    page.get_by_role("button", name="Đổi mật khẩu").click()

    expect(page.get_by_role("heading", name=f"Số liệu {unit}")).to_be_visible()
    # Reached by boosted forms (login, password change): office.css came with the body.
    expect(page.locator(".office-menu")).to_have_css("border-top-style", "solid")
    counters = page.get_by_role("region", name="Số liệu chính")
    registered = counters.locator("div", has_text="thí sinh đăng ký").locator("strong")
    expect(registered).to_have_text(re.compile(rf"^{NUMBER}$"))
    # Figures as of the current minute: every registration made before it, none after.
    shown = int(registered.inner_text().replace(".", ""))
    everyone = _rows(site, registered_sql, unit, "9999-12-31")[0][0]
    assert 0 < surely_counted <= shown <= everyone, (surely_counted, shown, everyone)
    expect(page.locator(".as-of")).to_have_text(
        re.compile(r"^Số liệu tính đến \d{2}h\d{2} ngày \d{2}/\d{2}/\d{4}\s*$"))
    expect(page.locator("figure.chart svg")).to_be_visible()

    page.get_by_role("navigation", name="Quản trị").get_by_role(
        "link", name="Công văn, báo cáo").click()
    page.get_by_role("link", name="Soạn văn bản mới").click()
    page.get_by_label("Công văn của xã/phường triển khai, đôn đốc tham gia").check()
    page.get_by_role("button", name="Tạo bản nháp").click()
    expect(page.get_by_role("heading", name=re.compile("Bản nháp"))).to_contain_text(unit)
    page.get_by_role("textbox", name="Người ký", exact=True).fill("Nguyễn Văn Bình")
    page.get_by_role("button", name="Ban hành").click()
    # Places left to write by hand after printing (the number, the day) are each
    # confirmed as blank on purpose, then the document is issued.
    blanks = page.get_by_role("checkbox", name=re.compile("Cố ý để trống"))
    expect(blanks.first).to_be_visible()
    steps.htmx_idle(page)  # a person reads before ticking
    for index in range(blanks.count()):
        blanks.nth(index).check()
    page.get_by_role("button", name="Ban hành").click()
    expect(page.get_by_text("Đã ban hành văn bản.")).to_be_visible()
    shown_hash = page.locator("code.hash").inner_text().strip()

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Tải PDF").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    content = download.path().read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == shown_hash  # the issued file, unchanged
    assert "Gia Viên" in steps.pdf_text(content)


def test_team_member_registers_a_resident(new_context, site):
    page = new_context().new_page()
    steps.log_in(page, site.people.team_member)
    expect(page.get_by_role("heading", name="Hỗ trợ người dân")).to_be_visible()
    page.get_by_role("link", name="Đăng ký hộ người dân").click()
    expect(page.locator("#unit-results")).to_contain_text(site.people.unit_name)  # preset
    page.get_by_label("Họ và tên").fill("Hoàng Thị Được Giúp")
    page.get_by_label("Ngày sinh").fill("12/08/1948")
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Số điện thoại di động").fill("0905000001")
    page.get_by_label("Người dân", exact=True).check()
    page.get_by_label("Cấp mật khẩu dùng một lần").check()
    page.get_by_label("Tôi đã đọc thông báo trên cho người dân").check()
    page.get_by_role("button", name="Đăng ký cho người dân").click()

    expect(page.get_by_text("Đã đăng ký cho Hoàng Thị Được Giúp.")).to_be_visible()
    expect(page.locator("ul.audit")).to_contain_text("đăng ký hộ, người dân đồng ý trực tiếp")
    page.get_by_role("button", name="Hiện mật khẩu trên màn hình").click()
    password = page.locator(".secret").inner_text().strip()
    assert len(password) >= 8

    member_id = _rows(site, "SELECT id FROM account WHERE login = ?",
                      site.people.team_member)[0][0]
    resident_id = _rows(site, "SELECT id FROM account WHERE login = ?", "0905000001")[0][0]
    logged = _rows(site, "SELECT action FROM audit_log WHERE actor_id = ? AND target_id = ? "
                   "ORDER BY id", member_id, resident_id)
    actions = [a for (a,) in logged]
    assert actions.index("assisted.register") < actions.index("assisted.hand_over"), actions

    # The resident, on their own phone, logs in with it and sets their own password.
    resident = new_context().new_page()
    steps.log_in(resident, "0905000001", password)
    expect(resident.get_by_role("heading", name="Đổi mật khẩu")).to_be_visible()
    resident.get_by_label("Mật khẩu hiện tại").fill(password)
    resident.get_by_label(re.compile(r"^Mật khẩu mới")).fill("cua-toi-1948")
    resident.get_by_label("Nhập lại mật khẩu mới").fill("cua-toi-1948")
    resident.get_by_role("button", name="Đổi mật khẩu").click()
    expect(resident.get_by_text("Đã đổi mật khẩu.")).to_be_visible()
    resident.get_by_role("link", name="Bài thi").click()
    expect(resident.get_by_role("button", name="Bắt đầu làm bài")).to_be_visible()
