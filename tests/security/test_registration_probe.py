"""Registration does not serve as an oracle for registered phone numbers: the "already
registered" answer leads to login or a password reset, and an address gets it only a
few times an hour; after that every registration from it gets one answer that says
nothing about any number."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Account
from tests import factories
from tests.test_quiz_support import browser, fresh
from tests.test_registration import GOOD, post


def test_the_answer_leads_to_login_or_a_reset(app, contest):
    factories.make_participant(contest, phone="0912345678")
    html = post(browser(app), {**GOOD, "phone": "0912345678", "consent": "yes"}) \
        .get_data(as_text=True)
    assert "Số điện thoại này đã đăng ký" in html and "/dang-nhap?login=0912345678" in html
    assert "nhờ Tổ công nghệ số cộng đồng nơi bạn ở đặt lại" in html


def test_an_address_probing_phone_numbers_is_told_nothing_more(app, contest):
    app.config["RATELIMIT_DUPLICATE_ANSWERS"] = "3 per hour"
    taken = [factories.make_participant(contest).phone for _ in range(4)]
    client = browser(app)
    for phone in taken[:3]:
        response = post(client, {**GOOD, "phone": phone, "consent": "yes"})
        assert response.status_code == 422 and f"login={phone}" in response.get_data(as_text=True)
    answers = []
    for phone in (taken[3], "0912999888"):  # one registered, one not
        response = post(client, {**GOOD, "phone": phone, "consent": "yes"})
        html = response.get_data(as_text=True)
        assert response.status_code == 429 and "không kiểm tra thêm được" in html
        assert "login=" not in html and "đã đăng ký." not in html
        assert f'value="{phone}"' in html  # what was typed is kept
        # the form's CSRF token is signed with the time: a second apart, it differs
        answers.append(re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1TOKEN",
                              html.replace(phone, "PHONE")))
    assert answers[0] == answers[1].replace("0912999888", "PHONE")  # indistinguishable
    fresh()
    assert db.session.scalar(select(func.count(Account.id)).where(
        Account.phone == "0912999888")) == 0
    other = browser(app)
    other.environ_base["REMOTE_ADDR"] = "10.7.7.7"
    assert post(other, {**GOOD, "phone": "0912999888", "consent": "yes"}).status_code == 303
