"""Official documents, the office pages: a clerk's whole workflow without JavaScript, the
live preview as an htmx partial, bad input kept with its message, other units' documents
answering 404, and the administrator's templates."""
from __future__ import annotations

import datetime as dt
import re

from flask import g
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Document, Role
from cdso.services.documents import defaults as document_defaults
from cdso.services.documents import lifecycle as documents
from tests import factories
from tests.test_documents import (NOW, UTC, admin, clerk_of, clock, fast_passwords,
                                  october)

FIXTURES = (clock, fast_passwords, october)  # shared with test_documents.py
HX = {"HX-Request": "true"}


def sign_in(client, account) -> None:
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = account.get_id(), True
    g.pop("_login_user", None)  # the test's app context outlives requests
    g.pop("csrf_token", None)


def token(client, path: str = "/quan-tri/cong-van/moi") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def form_of(document: Document, **changes) -> dict:
    return {**document.fields, "as_of": "22/10/2025 15:00", **changes}


def issue_confirming_blanks(client, document: Document, csrf: str, clerk) -> None:
    """Issuing asks to confirm each blank place, keeps what was ticked, and issues once
    all are confirmed; then the document is fixed, listed, and downloadable as DOCX."""
    edit_url = f"/quan-tri/cong-van/{document.id}"
    typed = {**form_of(document, signer="Vũ Mạnh Hùng", subject="V/v hưởng ứng"),
             "csrf_token": csrf}
    asked = client.post(f"{edit_url}/ban-hanh", data=typed)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Còn 3 chỗ để trống chưa được xác nhận" in html
    assert "Chỗ còn để trống (3)" in html and 'value="Vũ Mạnh Hùng"' in html
    keys = re.findall(r'name="blank_ok" value="([^"]+)"', html)
    assert len(keys) == 3 and "điện thoại: …….”" in html and "Số văn bản để trống" in html
    partly = client.post(f"{edit_url}/ban-hanh", data={**typed, "blank_ok": keys[:2]})
    html = partly.get_data(as_text=True)
    assert partly.status_code == 200 and "Còn 1 chỗ để trống" in html
    assert html.count("checked") == 2  # what was ticked stays ticked
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "draft"
    issued = client.post(f"{edit_url}/ban-hanh", data={**typed, "blank_ok": keys})
    assert issued.status_code == 303
    db.session.expire_all()
    document = db.session.get(Document, document.id)
    assert document.status == "issued" and document.fields["signer"] == "Vũ Mạnh Hùng"
    view = client.get(edit_url).get_data(as_text=True)
    assert "Đã ban hành" in view and document.pdf_sha256 in view
    assert "Chỗ cố ý để trống khi ban hành" in view and "điện thoại: …….”" in view
    assert client.post(f"{edit_url}/xem-truoc", data={"csrf_token": csrf}).status_code == 404
    again = client.post(f"{edit_url}/ban-hanh", data={**form_of(document), "csrf_token": csrf})
    assert again.status_code == 303
    assert "không sửa được nữa" in client.get(edit_url).get_data(as_text=True)
    listing = client.get("/quan-tri/cong-van").get_data(as_text=True)
    assert "Đã ban hành" in listing and clerk.full_name in listing and "V/v hưởng ứng" in listing
    word = client.get(f"{edit_url}.docx")
    assert word.status_code == 200 and word.data[:2] == b"PK"


def test_clerk_writes_previews_and_issues_a_dispatch_without_javascript(client, october,
                                                                         clock):
    clock.move_to(dt.datetime(2025, 10, 22, 7, 0, tzinfo=UTC))  # 14h00: two register
    factories.make_participant(october)
    factories.make_finished_attempt(october, factories.make_participant(october))
    clock.move_to(NOW.replace(tzinfo=UTC))
    clerk = clerk_of()
    sign_in(client, clerk)
    assert "Chưa có văn bản nào" in client.get("/quan-tri/cong-van").get_data(as_text=True)
    created = client.post("/quan-tri/cong-van/moi",
                          data={"kind": "unit_urge", "csrf_token": token(client)})
    assert created.status_code == 303
    document = db.session.scalar(select(Document))
    edit_url = f"/quan-tri/cong-van/{document.id}"
    assert created.headers["Location"].endswith(edit_url)
    page = client.get(edit_url).get_data(as_text=True)
    assert "ỦY BAN NHÂN DÂN\nPHƯỜNG GIA VIÊN</textarea>" in page
    assert 'value="22/10/2025 16:00"' in page and 'id="document-preview"' in page
    assert "Xin nhập người ký." in page  # the preview lists what is missing to issue
    assert "Tính đến 16h00 ngày 22/10/2025, phường Gia Viên có 2 thí sinh đăng ký" in page
    csrf = token(client, edit_url)

    partial = client.post(f"{edit_url}/xem-truoc", headers=HX, data={
        **form_of(document, subject="V/v hưởng ứng Cuộc thi"), "csrf_token": csrf})
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200 and html.lstrip().startswith('<section id="document-preview"')
    assert "<html" not in html and "V/v hưởng ứng Cuộc thi" in html
    assert "Tính đến 15h00 ngày 22/10/2025, phường Gia Viên có 2 thí sinh" in html
    full = client.post(edit_url, data={**form_of(document, subject="V/v hưởng ứng"),
                                       "action": "preview", "csrf_token": csrf})
    assert "<html" in full.get_data(as_text=True) and "V/v hưởng ứng" in full.get_data(as_text=True)
    assert db.session.get(Document, document.id).fields["subject"] != "V/v hưởng ứng"

    future = client.post(edit_url, data={**form_of(document, as_of="22/10/2025 18:00",
                                                   subject="V/v giữ lại"),
                                         "action": "save", "csrf_token": csrf})
    html = future.get_data(as_text=True)
    assert future.status_code == 200 and "còn ở tương lai" in html and "V/v giữ lại" in html
    saved = client.post(edit_url, data={**form_of(document, subject="V/v hưởng ứng"),
                                        "action": "save", "csrf_token": csrf})
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Document, document.id).fields["subject"] == "V/v hưởng ứng"

    too_long = "Nguyễn Thị Minh Khai Phạm Hoàng Bảo Ngọc Trâm Anh"
    refused = client.post(f"{edit_url}/ban-hanh", data={**form_of(document, signer=too_long),
                                                        "csrf_token": csrf})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "dài hơn cột" in html and too_long in html
    db.session.expire_all()
    assert db.session.get(Document, document.id).status == "draft"

    issue_confirming_blanks(client, document, csrf, clerk)


def test_other_units_and_the_city_report_are_out_of_a_clerks_reach(client, october):
    city_admin = admin()
    report = documents.new_document(city_admin, october, "city_progress", "", NOW)
    tu_ky = documents.new_document(clerk_of("Xã Tứ Kỳ"), october, "unit_urge", "", NOW)
    db.session.commit()
    clerk = clerk_of()
    sign_in(client, clerk)
    csrf = token(client)
    for foreign in (report, tu_ky):
        url = f"/quan-tri/cong-van/{foreign.id}"
        assert client.get(url).status_code == 404
        assert client.get(f"{url}.pdf").status_code == 404
        assert client.post(f"{url}/ban-hanh", data={**form_of(foreign, signer="X"),
                                                    "csrf_token": csrf}).status_code == 404
    city = client.post("/quan-tri/cong-van/moi", data={"kind": "city_progress",
                                                       "csrf_token": csrf})
    assert "Chỉ Sở Khoa học và Công nghệ" in city.get_data(as_text=True)
    other = client.post("/quan-tri/cong-van/moi", data={
        "kind": "unit_report", "unit_id": str(tu_ky.unit_id), "csrf_token": csrf})
    assert other.status_code == 200
    assert re.search(r'id="e-unit_id">Bạn chỉ soạn được văn bản của Phường Gia Viên\.<',
                     other.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Document.id))) == 2
    assert db.session.get(Document, tu_ky.id).status == "draft"
    reporter = factories.make_official(Role.REPORTER)
    sign_in(client, reporter)
    assert client.get("/quan-tri/cong-van").status_code == 404


def test_admin_edits_a_template_and_the_next_draft_uses_it(client, october):
    sign_in(client, admin())
    url = "/quan-tri/cong-van/mau/unit_report"
    page = client.get(url).get_data(as_text=True)
    assert "{don_vi}" in page and "{so_dang_ky}" in page
    values = document_defaults.template_fields("unit_report")
    csrf = token(client, url)
    bad = client.post(url, data={**values, "body": "Có {so_nguoi} người.", "action": "save",
                                 "csrf_token": csrf})
    assert "Không có ô số liệu {so_nguoi}" in bad.get_data(as_text=True)
    assert "Có {so_nguoi} người." in bad.get_data(as_text=True)
    good = client.post(url, data={**values, "subject": "V/v kết quả Cuộc thi tại {don_vi}",
                                  "action": "save", "csrf_token": csrf})
    assert good.status_code == 303
    created = client.post("/quan-tri/cong-van/moi", data={
        "kind": "unit_report", "unit_id": str(factories.unit("Xã Tứ Kỳ").id),
        "csrf_token": csrf})
    assert created.status_code == 303
    document = db.session.scalar(select(Document))
    assert document.fields["subject"] == "V/v kết quả Cuộc thi tại xã Tứ Kỳ"
    assert client.get("/quan-tri/cong-van/mau/khong-co").status_code == 404
    sign_in(client, clerk_of())
    assert client.get(url).status_code == 404
