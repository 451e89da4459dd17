"""Login, logout, the failure limit, the session id, password change, own data."""
from __future__ import annotations

import csv
import io
import datetime as dt
import json

import time_machine

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import AuditLog, Role
from cdso.services.accounts import own as accounts
from tests import factories
from tests.test_quiz_support import browser, fresh, login, token


def post_login(client, typed: str, password: str, **extra):
    return client.post("/dang-nhap", data={"login": typed, "password": password,
                                           "csrf_token": token(client, "/dang-nhap"), **extra})


def test_login_with_the_phone_in_any_form(app, contest):
    factories.make_participant(contest, phone="0912345678")
    for typed in ("0912 345 678", "+84912345678", "84-912-345-678"):
        client = browser(app)
        response = post_login(client, typed, factories.PASSWORD)
        assert response.status_code == 303 and response.headers["Location"] == "/thi", typed


def test_officials_go_to_the_office_and_a_safe_next_is_honoured(app, contest):
    clerk = factories.make_official(Role.CLERK)
    client = browser(app)
    response = post_login(client, clerk.login.upper(), factories.PASSWORD)
    assert response.headers["Location"] == "/quan-tri/"
    person = factories.make_participant(contest)
    for target, expected in (("/ket-qua", "/ket-qua"), ("//evil.example/x", "/thi"),
                             ("https://evil.example/", "/thi"), ("/\t/evil.example", "/thi")):
        client = browser(app)
        response = post_login(client, person.login, factories.PASSWORD, next=target)
        assert response.headers["Location"] == expected, target


def test_wrong_password_keeps_the_phone_and_says_why(app, contest):
    person = factories.make_participant(contest)
    client = browser(app)
    response = post_login(client, person.login, "sai-mat-khau")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "mật khẩu không đúng" in html
    assert f'value="{person.login}"' in html
    response = post_login(client, "", "")
    assert "Xin nhập số điện thoại" in response.get_data(as_text=True)
    assert client.get("/thi").status_code == 302  # still not logged in


def test_failures_slow_the_account_down_and_successes_are_not_counted(app, contest):
    """Growing delays, not a lock: tests/security/test_login_throttle.py has the rest."""
    person = factories.make_participant(contest)
    with time_machine.travel(dt.datetime.now(dt.UTC).replace(microsecond=0),
                             tick=False):
        client = browser(app)
        for _ in range(3):
            assert login(client, person).status_code == 303  # successes never count
            client.post("/dang-xuat", data={"csrf_token": token(client, "/thi")})
        for n in range(5):
            attacker = browser(app)
            attacker.environ_base["REMOTE_ADDR"] = f"10.0.0.{n}"
            assert post_login(attacker, person.login, "sai-mat-khau").status_code == 422
        stranger = browser(app)
        stranger.environ_base["REMOTE_ADDR"] = "10.0.1.1"
        slowed = post_login(stranger, "+84" + person.login[1:], factories.PASSWORD)
        assert slowed.status_code == 429 and "xin đợi 1 giây" in slowed.get_data(as_text=True)
        assert login(client, person).status_code == 303  # the owner's own browser


def test_the_session_id_changes_at_login_and_logout_ends_it(app, contest):
    person = factories.make_participant(contest)
    client = browser(app)
    client.get("/dang-nhap")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        before = dict(session)
    login(client, person)
    with client.session_transaction() as session:
        assert "planted" not in session and session["sid"] != before.get("sid")
        assert session.get("_user_id") == person.get_id()
    response = client.post("/dang-xuat", data={"csrf_token": token(client, "/thi")})
    assert response.status_code == 303
    assert client.get("/thi").status_code == 302


def test_change_password_ends_other_sessions(app, contest):
    person = factories.make_participant(contest)
    phone_a, phone_b = browser(app), browser(app)
    login(phone_a, person)
    login(phone_b, person)
    bad = phone_a.post("/doi-mat-khau", data={
        "csrf_token": token(phone_a, "/doi-mat-khau"), "current_password": "sai",
        "new_password": "moi-mat-khau-9", "new_password2": "khac"})
    assert bad.status_code == 422 and "Mật khẩu hiện tại không đúng" in bad.get_data(as_text=True)
    done = phone_a.post("/doi-mat-khau", data={
        "csrf_token": token(phone_a, "/doi-mat-khau"), "current_password": factories.PASSWORD,
        "new_password": "moi-mat-khau-9", "new_password2": "moi-mat-khau-9"})
    assert done.status_code == 303 and done.headers["Location"] == "/tai-khoan"
    assert phone_a.get("/thi").status_code == 200  # this phone goes on
    assert phone_b.get("/thi").status_code == 302  # the other one is logged out
    fresh()
    assert accounts.authenticate(person.login, "moi-mat-khau-9") is not None


def test_an_official_forced_to_change_the_password_can(app, contest):
    clerk = factories.make_official(Role.CLERK, must_change_password=True)
    client = browser(app)
    login(client, clerk)
    assert client.get("/quan-tri/").headers["Location"] == "/doi-mat-khau"
    response = client.post("/doi-mat-khau", data={
        "csrf_token": token(client, "/doi-mat-khau"), "current_password": factories.PASSWORD,
        "new_password": "can-bo-moi-123", "new_password2": "can-bo-moi-123"})
    assert response.headers["Location"] == "/quan-tri/"
    office = client.get("/quan-tri/")
    assert office.status_code in (200, 302) and office.headers.get("Location") != "/doi-mat-khau"


def test_own_data_page_and_downloads_are_logged(app, contest):
    person = factories.make_participant(contest, cccd="001090000123", full_name="Trần Thị Mai")
    client = browser(app)
    login(client, person)
    html = client.get("/tai-khoan").get_data(as_text=True)
    assert "Trần Thị Mai" in html and "Phường Gia Viên" in html
    assert "********0123" in html and "001090000123" not in html
    data = json.loads(client.get("/tai-khoan/du-lieu.json").get_data(as_text=True))
    assert data["Tài khoản"]["Số CCCD"] == "001090000123"
    assert data["Đăng ký dự thi"][0]["Xã, phường, đặc khu"] == "Phường Gia Viên"
    response = client.get("/tai-khoan/du-lieu.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Tài khoản", "Họ và tên", "Trần Thị Mai"] in rows
    assert client.get("/tai-khoan/du-lieu.xml").status_code == 404
    fresh()
    logged = db.session.scalars(select(AuditLog).where(AuditLog.action == "export_own_data")
                                .order_by(AuditLog.id)).all()
    assert [(a.actor_id, a.detail["format"]) for a in logged] == [(person.id, "json"),
                                                                 (person.id, "csv")]
