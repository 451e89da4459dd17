"""What a person met on the way (issue 16, item 5): office styles after a boosted
login, a meta description on public pages, a too-long name told instead of cut."""
from __future__ import annotations

import re

import pytest

from cdso.extensions import db
from cdso.models import Account, Role
from tests import factories
from tests.test_quiz_support import browser, login, token


def test_office_pages_link_their_stylesheet_in_the_body_htmx_swaps(app, contest):
    # A boosted login or password change swaps only the <body>: a stylesheet linked in
    # the <head> would never load after it.
    client = browser(app)
    login(client, factories.make_official(Role.CLERK))
    html = client.get("/quan-tri/so-lieu").get_data(as_text=True)
    head, body = html.split("<body", 1)
    assert "css/office.css" not in head
    assert re.search(r'<link rel="stylesheet" href="/s/[0-9a-f]{10}/css/office\.css">', body)
    resident_page = client.get("/").get_data(as_text=True)
    assert "office.css" not in resident_page  # residents never download it


@pytest.mark.parametrize("path", ["/", "/the-le", "/bang-xep-hang", "/ban-do", "/giai-thuong",
                                  "/xac-minh", "/dang-ky", "/dang-nhap"])
def test_public_pages_carry_a_meta_description(client, contest, path):
    html = client.get(path).get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    found = re.findall(r'<meta name="description" content="([^"]+)">', head)
    assert len(found) == 1, path
    assert 50 <= len(found[0]) <= 160 and "Hải Phòng" in found[0]


def test_a_too_long_name_is_told_and_kept_not_cut(app, contest):
    client = browser(app)
    html = client.get("/dang-ky").get_data(as_text=True)
    name_input = re.search(r'<input id="f-full_name"[^>]*>', html).group(0)
    assert "maxlength" not in name_input  # the browser would cut a paste silently
    long_name = "Nguyễn " + "Thị " * 30 + "Hoa"  # 130 characters
    response = client.post("/dang-ky", data={
        "csrf_token": token(client, "/dang-ky"), "full_name": long_name,
        "birth_date": "05/03/1960", "gender": "nu", "phone": "0912345670",
        "unit_query": "Gia Viên", "group": "nguoi_dan", "password": "hoa-mat-khau-1",
        "password2": "hoa-mat-khau-1", "consent": "yes", "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Họ và tên dài quá 100 ký tự." in html
    assert f'value="{long_name}"' in html  # all of it, for the person to shorten
    assert db.session.query(Account).filter_by(phone="0912345670").count() == 0
