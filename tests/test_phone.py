"""A resident on a slow phone (issue 16) and larger text (issue 24), at the HTTP level:
the start answers with the question itself, an answer step carries only the headers a
fragment needs, and «Chữ lớn» is a cookie set by a plain link."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import brotli

from tests import factories
from tests.test_quiz_support import HTMX, browser, choices_on, participant_client, start, token

DOCUMENT_ONLY = ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy",
                 "Permissions-Policy", "X-Content-Type-Options")


def test_start_with_htmx_answers_with_question_1_itself(app, contest):
    client, _ = participant_client(app, contest)
    response = client.post("/thi/bat-dau", data={"csrf_token": token(client, "/thi")},
                           headers={**HTMX, "HX-Boosted": "true"})
    assert response.status_code == 200 and "HX-Redirect" not in response.headers
    assert re.fullmatch(r"/thi/\d+/cau/1", response.headers["HX-Push-Url"])
    html = response.get_data(as_text=True)
    assert "Câu 1/20" in html and "<html" in html  # the whole page, swapped in by boost
    assert "X-CSRFToken" in html  # the token the page's htmx steps send


def test_an_answer_step_carries_only_what_a_fragment_needs(app, contest):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    page = client.get(f"/thi/{attempt_id}/cau/1")
    for name in DOCUMENT_ONLY:  # the page itself keeps them
        assert name in page.headers, name
    html = page.get_data(as_text=True)
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    # htmx sends the token as a header, as the page's <main hx-headers> says.
    step = client.post(f"/thi/{attempt_id}/cau/1",
                       data={"choice": choices_on(html)[0], "go": "next", "seq": "1"},
                       headers={**HTMX, "X-CSRFToken": csrf, "Accept-Encoding": "br"})
    assert step.status_code == 200, step.get_data(as_text=True)[:300]
    assert step.headers["HX-Push-Url"] == f"/thi/{attempt_id}/cau/2"
    for name in (*DOCUMENT_ONLY, "Set-Cookie", "Vary"):
        assert name not in step.headers, name
    assert "HX-Request" in page.headers["Vary"]
    assert step.headers["Cache-Control"] == "no-store"
    assert b'name="csrf_token"' not in brotli.decompress(step.data)
    headers = sum(len(f"{k}: {v}\r\n") for k, v in step.headers.items())
    assert headers <= 220, step.headers  # the app's share; nginx adds Server, Date, Connection
    assert headers + len(step.data) <= 1_100, (headers, len(step.data))


def test_the_session_cookie_stays_short(app, contest):
    client, _ = participant_client(app, contest)
    token(client, "/thi")
    assert len(client.get_cookie("session").value) <= 240


def test_text_size_is_a_cookie_set_by_a_plain_link(app, contest):
    client = browser(app)
    response = client.get("/co-chu/150?tiep=/the-le")
    assert response.status_code == 303 and response.headers["Location"] == "/the-le"
    assert client.get_cookie("chu").value == "150"
    html = client.get("/the-le").get_data(as_text=True)
    assert '<html lang="vi" class="chu-150">' in html
    assert 'href="/co-chu/100?tiep=/the-le">Chữ thường</a>' in html
    client.get("/co-chu/100?tiep=/the-le")
    assert client.get_cookie("chu") is None
    assert '<html lang="vi">' in client.get("/the-le").get_data(as_text=True)
    assert "Chữ lớn</a>" in client.get("/").get_data(as_text=True)


def test_text_size_never_leads_to_another_site_nor_sets_odd_sizes(app, contest):
    client = browser(app)
    for target in ("https://example.com/", "//example.com/", "/\\example.com"):
        response = client.get("/co-chu/125", query_string={"tiep": target})
        assert response.headers["Location"] == "/", target
    client.get("/co-chu/999?tiep=/")
    assert client.get_cookie("chu") is None


def test_the_landing_carries_its_styles_and_allows_only_them(app, contest):
    """The page a link opens paints with its own bytes: the stylesheet inline, allowed by
    its hash alone (no 'unsafe-inline'), and the file loaded for no screen into the cache
    for the next page; other pages link the file and allow no inline style."""
    client = app.test_client()
    landing = client.get("/")
    html = landing.get_data(as_text=True)
    css = (Path(app.static_folder) / "css" / "app.css").read_text()
    assert f"<style>{css}</style>" in html
    assert re.search(r'<link rel="stylesheet" href="/s/\w+/css/app.css" media="print">', html)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}';" in landing.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in landing.headers["Content-Security-Policy"]
    login = client.get("/dang-nhap")
    assert "<style>" not in login.get_data(as_text=True)
    assert "style-src 'self';" in login.headers["Content-Security-Policy"]


def test_a_script_or_stylesheet_carries_only_the_headers_a_browser_uses(app, contest):
    """CSP, framing, referrer and permissions policies govern documents, not scripts or
    stylesheets; Expires, Last-Modified and Accept-Ranges say nothing Cache-Control and the
    ETag do not (issue 16: a first visit's bytes)."""
    client = app.test_client()
    html = client.get("/dang-nhap").get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="(/s/\w+/[^"]+\.(?:css|js))"', html):
        asset = client.get(url, headers={"Accept-Encoding": "br"})
        assert asset.status_code == 200, url
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy",
                     "Permissions-Policy", "Expires", "Last-Modified", "Accept-Ranges"):
            assert name not in asset.headers, (url, name)
        assert "immutable" in asset.headers["Cache-Control"] and asset.headers["ETag"]


def test_log_in_and_start_goes_to_the_question_in_one_post(app, contest):
    """«Đăng nhập và bắt đầu làm bài»: without JS one 303 to the question (no /thi and no
    second POST between), with htmx the question's page itself and its URL pushed."""
    for headers in ({}, {**HTMX, "HX-Boosted": "true"}):
        account = factories.make_participant(contest)
        client = browser(app)
        form = client.get("/dang-nhap").get_data(as_text=True)
        assert "Đăng nhập và bắt đầu làm bài" in form
        response = client.post("/dang-nhap", headers=headers, data={
            "login": account.login, "password": factories.PASSWORD, "action": "start",
            "csrf_token": token(client, "/dang-nhap")})
        if headers:
            assert response.status_code == 200 and "HX-Redirect" not in response.headers
            assert re.fullmatch(r"/thi/\d+/cau/1", response.headers["HX-Push-Url"])
            assert "Câu 1/20" in response.get_data(as_text=True)
        else:
            assert response.status_code == 303
            assert re.fullmatch(r"/thi/\d+/cau/1", response.headers["Location"])
        # Plain «Đăng nhập» still goes to /thi, the clock not started.
        client.post("/dang-xuat", data={"csrf_token": token(client, "/thi")})
        again = client.post("/dang-nhap", data={
            "login": account.login, "password": factories.PASSWORD,
            "csrf_token": token(client, "/dang-nhap")})
        assert again.status_code == 303 and again.headers["Location"] == "/thi"
