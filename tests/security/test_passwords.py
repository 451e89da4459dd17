"""Passwords per NIST SP 800-63B: length (8, 12 for officials), a shipped list of common
passwords (Vietnamese ones included), nothing made of one's phone, CCCD or birth date;
the Vietnamese message says why, and the form keeps what was typed."""
from __future__ import annotations

import datetime as dt

import pytest

from cdso.models import Role
from cdso.services.accounts import passwords
from cdso.services.accounts.passwords import WeakPassword, check
from tests import factories
from tests import test_quiz_support as support

PHONE, CCCD, BORN = "0912345678", "031070001234", dt.date(1970, 5, 17)


def reason(password: str, **facts) -> str:
    with pytest.raises(WeakPassword) as refused:
        check(password, **facts)
    return str(refused.value)


def test_the_shipped_list_is_large_and_has_vietnamese_passwords():
    common = passwords.common_passwords()
    assert len(common) >= 10_000
    for word in ("12345678", "password", "matkhau123", "123456a@", "anhyeuem", "iloveyou",
                 "hoang1990", "nguyenminh", "vietnam123"):
        assert word in common, word


@pytest.mark.parametrize("password", ["12345678", "MatKhau123", "123456a@", "Anhyeuem",
                                      "11111111", "aaaaaaaaaaaa", "minh1995"])
def test_common_passwords_are_refused(password):
    assert "quá phổ biến" in reason(password)


def test_length_and_the_officials_minimum():
    assert "ít nhất 8 ký tự" in reason("hoa-sen")
    assert "cán bộ cần ít nhất 12 ký tự" in reason("hoa sen nở", official=True)
    assert check("hoa sen nở", official=False) == "hoa sen nở"
    assert check("hoa sen nở trên hồ", official=True)
    assert "128" in reason("x" * 129 + "y")


@pytest.mark.parametrize("password, word", [
    ("0912345678", "số điện thoại"), ("an0912345678", "số điện thoại"),
    ("xin912345678", "số điện thoại"), ("an031070001234", "CCCD"),
    ("sinh17051970", "ngày sinh"), ("sinh 17/05/1970", "ngày sinh"),
    ("ngay19700517", "ngày sinh"), ("an-170570-an", "ngày sinh")])
def test_own_phone_cccd_and_birth_date_are_refused(password, word):
    assert word in reason(password, phone=PHONE, cccd=CCCD, birth_date=BORN)


def test_registration_refuses_ones_own_phone_with_the_reason(client, contest):
    token = factories.csrf_token(client, "/dang-ky")
    unit = factories.unit()
    form = {"csrf_token": token, "full_name": "Nguyễn Văn Bình", "birth_date": "17/05/1970",
            "gender": "nam", "phone": "0912 345 678", "unit_id": str(unit.id),
            "group": "nguoi_dan", "password": "0912345678", "password2": "0912345678",
            "consent": "yes"}
    response = client.post("/dang-ky", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "không được chứa số điện thoại" in html
    assert 'value="Nguyễn Văn Bình"' in html  # what was typed is kept
    form.update(password="12345678", password2="12345678")
    assert "quá phổ biến" in client.post("/dang-ky", data=form).get_data(as_text=True)


def test_an_official_changing_password_needs_twelve_characters(app, contest):
    clerk = factories.make_official(Role.CLERK)
    web = support.browser(app)
    support.login(web, clerk)
    data = {"csrf_token": support.token(web, "/doi-mat-khau"),
            "current_password": factories.PASSWORD, "new_password": "Hoa-sen-9",
            "new_password2": "Hoa-sen-9"}
    refused = web.post("/doi-mat-khau", data=data)
    assert refused.status_code == 422
    assert "cán bộ cần ít nhất 12 ký tự" in refused.get_data(as_text=True)
    data.update(new_password="Hoa-sen-no-tren-ho", new_password2="Hoa-sen-no-tren-ho")
    assert web.post("/doi-mat-khau", data=data).status_code == 303
