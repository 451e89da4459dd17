"""Registration (/dang-ky): the shared form parser, the unit picker with and without
JavaScript, the old-address path, consent, duplicates, bad input and the rate limit."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from cdso.auth import forms
from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, Registration
from cdso.services.figures import stats
from tests import factories
from tests.test_quiz_support import HTMX, browser, fresh, token

GOOD = {"full_name": "  nguyễn   thị hoa ", "birth_date": "05/03/1960", "gender": "nu",
        "phone": "+84 912-345-678", "cccd": "", "unit_query": "Gia Viên", "group": "nguoi_dan",
        "password": "hoa-mat-khau-1", "password2": "hoa-mat-khau-1"}


def post(client, data: dict, headers=None):
    return client.post("/dang-ky", data={"csrf_token": token(client, "/dang-ky"), **data},
                       headers=headers)


def test_parse_registration_normalises_every_field(app, contest):
    person, errors, values = forms.parse_registration(GOOD, contest)
    assert errors == {}
    assert person.full_name == "Nguyễn Thị Hoa" and person.phone == "0912345678"
    assert person.birth_date.isoformat() == "1960-03-05" and person.cccd is None
    assert person.unit_id == factories.unit("Phường Gia Viên").id
    assert values["unit_id"] == str(person.unit_id) and "password" not in values


def test_parse_registration_reports_each_wrong_field_and_keeps_values(app, contest):
    contest.cccd_required = True
    bad = {"full_name": "A" * 150, "birth_date": "31/02/1990", "gender": "x",
           "phone": "+1 202 555 0100", "cccd": "12345", "unit_query": "Không Có Đâu",
           "group": "", "password": "123", "password2": "456"}
    person, errors, values = forms.parse_registration(bad, contest)
    assert person is None
    assert set(errors) == {"full_name", "birth_date", "gender", "phone", "cccd", "unit_id",
                           "group", "password"}
    assert "Ngày sinh không có thật" in errors["birth_date"]
    assert "di động Việt Nam" in errors["phone"] and "12 chữ số" in errors["cccd"]
    assert values["phone"] == "+1 202 555 0100" and values["unit_query"] == "Không Có Đâu"
    _, errors, _ = forms.parse_registration({**GOOD, "birth_date": "05/03/2024"}, contest)
    assert "từ 6 đến 100 tuổi" in errors["birth_date"]
    _, errors, _ = forms.parse_registration({**GOOD, "cccd": ""}, contest)
    assert "yêu cầu số căn cước" in errors["cccd"]
    with_cccd = {**GOOD, "cccd": "001 090 000 123"}
    _, errors, _ = forms.parse_registration({**with_cccd, "password2": "khac"}, contest)
    assert errors == {"password2": "Hai lần nhập mật khẩu không giống nhau."}
    person, errors, _ = forms.parse_registration({**with_cccd, "password": ""}, contest,
                                                 require_password=False)
    assert errors == {} and person.cccd == "001090000123" and person.password == ""


def test_organisation_must_belong_to_the_chosen_unit(app, contest):
    other = factories.organisation(factories.unit("Phường Lê Chân"))
    own = factories.organisation(factories.unit("Phường Gia Viên"), name="Tổ dân phố số 7",
                                 kind="to_dan_pho")
    _, errors, _ = forms.parse_registration({**GOOD, "organisation_id": str(other.id)}, contest)
    assert "không thuộc đơn vị đã chọn" in errors["organisation_id"]
    person, errors, _ = forms.parse_registration({**GOOD, "organisation_id": str(own.id)}, contest)
    assert errors == {} and person.organisation_id == own.id


def test_registration_page_asks_for_consent_with_nothing_pre_ticked(client, contest):
    html = client.get("/dang-ky").get_data(as_text=True)
    assert "Nghị định 13/2023/NĐ-CP" in html and "91/2025/QH15" in html
    assert "Thông báo về dữ liệu cá nhân" in html and 'name="consent"' in html
    assert " checked" not in html
    for name in ("full_name", "birth_date", "gender", "phone", "cccd", "unit_query", "old_ward",
                 "old_district", "group", "password", "password2"):
        assert f'name="{name}"' in html, name
    assert 'value="search-unit"' in html and "Tôi chỉ biết địa chỉ cũ" in html


def test_unit_search_without_javascript_keeps_what_was_typed(app, contest):
    client = browser(app)
    response = post(client, {**GOOD, "unit_query": "an", "action": "search-unit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    radios = re.findall(r'name="unit_id" value="(\d+)"', html)
    assert len(radios) > 1 and "Chọn đúng đơn vị của bạn" in html
    assert 'value="nguyễn   thị hoa"' in html
    assert 'value="+84 912-345-678"' in html and 'value="05/03/1960"' in html
    assert 'name="password"' in html and "hoa-mat-khau-1" not in html  # never echoed


def test_unit_search_with_htmx_answers_the_results_partial(app, contest):
    client = browser(app)
    response = client.get("/dang-ky/don-vi?unit_query=viet+hoa&action=search-unit", headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.startswith('<div id="unit-results"') and "<html" not in html
    assert "Phường Việt Hòa" in html or "Phường Việt Hoà" in html
    chosen = client.get(f"/dang-ky/don-vi?unit_id={factories.unit().id}&action=choose-unit",
                        headers=HTMX).get_data(as_text=True)
    assert "Đơn vị đã chọn: <strong>Phường Gia Viên</strong>" in chosen


def test_old_address_picks_the_new_unit_and_says_its_name(app, contest):
    client = browser(app)
    html = post(client, {"old_ward": "Phường Lạch Tray", "old_district": "Quận Ngô Quyền",
                         "action": "old-address"}).get_data(as_text=True)
    assert "nay thuộc Phường Gia Viên" in html
    assert f'name="unit_id" value="{factories.unit().id}"' in html
    html = post(client, {"old_ward": "Xã Không Có", "old_district": "Huyện Đâu Đó",
                         "action": "old-address"}).get_data(as_text=True)
    assert "Không tìm thấy địa chỉ cũ" in html


def test_registering_creates_the_account_logs_in_and_counts(app, contest):
    client = browser(app)
    response = post(client, {**GOOD, "consent": "yes", "action": "submit"})
    assert response.status_code == 303 and response.headers["Location"] == "/thi"
    fresh()
    account = db.session.scalar(select(Account).where(Account.phone == "0912345678"))
    assert account.full_name == "Nguyễn Thị Hoa" and account.consent_at is not None
    assert account.check_password("hoa-mat-khau-1")
    assert stats.city_figures(contest.id, utcnow()).total.registered == 1
    assert "Đăng ký thành công" in client.get("/thi").get_data(as_text=True)


def test_registering_with_htmx_answers_with_the_next_page_itself(app, contest):
    """No wasted hop (issue 16): the quiz home in this very response, its URL pushed."""
    client = browser(app)
    response = post(client, {**GOOD, "consent": "yes"}, headers=HTMX)
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert response.headers["HX-Push-Url"] == "/thi"
    html = response.get_data(as_text=True)
    assert "Đăng ký thành công" in html and "Bắt đầu làm bài" in html
    assert "Đăng ký thành công" not in client.get("/thi").get_data(as_text=True)  # shown once


def test_registering_and_starting_in_one_action(app, contest):
    """«Đăng ký và bắt đầu làm bài»: one POST answers with question 1 (htmx) or a 303 to it."""
    client = browser(app)
    html = client.get("/dang-ky").get_data(as_text=True)
    assert 'value="submit-start">Đăng ký và bắt đầu làm bài<' in html
    response = post(client, {**GOOD, "consent": "yes", "action": "submit-start"}, headers=HTMX)
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert re.fullmatch(r"/thi/\d+/cau/1", response.headers["HX-Push-Url"])
    assert "Câu 1/" in response.get_data(as_text=True)
    plain = browser(app)
    response = post(plain, {**GOOD, "phone": "0912345679", "consent": "yes",
                            "action": "submit-start"})
    assert response.status_code == 303 and re.fullmatch(r"/thi/\d+/cau/1",
                                                        response.headers["Location"])
    assert "Câu 1/" in plain.get(response.headers["Location"]).get_data(as_text=True)


def test_register_and_start_is_offered_only_while_the_contest_is_open(app, contest):
    contest.opens_at = utcnow() + dt.timedelta(days=1)
    db.session.commit()
    client = browser(app)
    assert "bắt đầu làm bài" not in client.get("/dang-ky").get_data(as_text=True)
    response = post(client, {**GOOD, "consent": "yes", "action": "submit-start"})
    assert response.status_code == 303 and response.headers["Location"] == "/thi"


def test_consent_is_required(app, contest):
    client = browser(app)
    response = post(client, GOOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Xin đánh dấu vào ô đồng ý" in html
    fresh()
    assert db.session.scalar(select(func.count(Account.id))) == 0


def test_second_registration_with_the_same_phone_or_cccd_is_told_to_log_in(app, contest):
    factories.make_participant(contest, phone="0912345678", cccd="001090000001")
    client = browser(app)
    html = post(client, {**GOOD, "phone": "0912 345 678", "consent": "yes"}).get_data(as_text=True)
    assert "Số điện thoại này đã đăng ký" in html and "/dang-nhap?login=0912345678" in html
    html = post(client, {**GOOD, "phone": "0987654321", "cccd": "001090000001",
                         "consent": "yes"}).get_data(as_text=True)
    assert "Số CCCD này đã được dùng" in html
    fresh()
    assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_bad_input_gets_messages_and_writes_nothing(app, contest):
    client = browser(app)
    response = post(client, {"full_name": "", "birth_date": "1960-03-05", "phone": "0123",
                             "unit_query": "", "consent": "yes", "password": "x" * 200})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Xin nhập họ và tên." in html and "ngày/tháng/năm" in html
    assert "Số điện thoại không đúng" in html and "Xin chọn xã, phường" in html
    assert "Mật khẩu dài quá 128 ký tự." in html and 'value="1960-03-05"' in html
    assert 'checked' in html  # the consent they ticked stays ticked
    fresh()
    assert db.session.scalar(select(func.count(Account.id))) == 0


def test_closed_contest_takes_no_registration(app):
    factories.make_contest(opens_at=utcnow() - dt.timedelta(days=40))
    client = browser(app)
    html = client.get("/dang-ky").get_data(as_text=True)
    assert "Cuộc thi đã kết thúc" in html and 'name="full_name"' not in html


def test_registrations_are_rate_limited_per_address(app, contest):
    app.config["RATELIMIT_REGISTRATIONS"] = "2 per hour"
    client = browser(app)
    for phone in ("0912000001", "0912000002"):
        assert post(client, {**GOOD, "phone": phone, "consent": "yes"}).status_code == 303
        client.post("/dang-xuat", data={"csrf_token": token(client, "/thi")})
    response = post(client, {**GOOD, "phone": "0912000003", "consent": "yes"})
    assert response.status_code == 429
    assert "quá nhiều lần" in response.get_data(as_text=True)
