"""The signed-cookie session that remembers cookies it verified (cdso/web/session_cookie.py):
cheaper, and exactly as strict as Flask's: an altered cookie, a cookie of another key, an
expired cookie are refused; no request sees another's changes; an htmx fragment carries
no Vary and no cookie it does not need. And CdsoFlask's once-per-code coroutine check."""
from __future__ import annotations

import time

from flask import Flask, flash, get_flashed_messages, session
from htmx_flask import Htmx

from cdso import CdsoFlask
from cdso.web.session_cookie import RememberingSessionInterface

HTMX = {"HX-Request": "true"}


def make_app(secret: str = "one", interface: RememberingSessionInterface | None = None):
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret, SESSION_REFRESH_EACH_REQUEST=False,
                      PERMANENT_SESSION_LIFETIME=3600)
    Htmx().init_app(app)
    app.session_interface = interface or RememberingSessionInterface()

    @app.post("/vao/<name>")
    def log_in(name):
        session.permanent = True
        session["who"] = name
        return "ok"

    @app.get("/ai")
    def who():
        return session.get("who", "-")

    @app.post("/dem")
    def count():
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.post("/bao")
    def tell():
        flash("xin chào")
        return "ok"

    @app.get("/doc")
    def read():
        return ",".join(get_flashed_messages()) or "-"

    return app


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def asked_with(app, cookie: str, path: str = "/ai", method: str = "get", **kwargs):
    client = app.test_client(use_cookies=False)
    return getattr(client, method)(path, headers={"Cookie": f"session={cookie}",
                                                   **kwargs.pop("headers", {})}, **kwargs)


def test_a_remembered_cookie_still_expires_with_the_session(monkeypatch):
    app = make_app()
    client = app.test_client()
    client.post("/vao/lan")
    cookie = cookie_of(client)
    assert asked_with(app, cookie).text == "lan"  # verified and remembered
    assert asked_with(app, cookie).text == "lan"  # remembered
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    assert asked_with(app, cookie).text == "-"


def test_an_altered_cookie_or_another_keys_cookie_is_refused_after_the_real_one():
    interface = RememberingSessionInterface()
    app, other = make_app("one", interface), make_app("two", interface)
    client = app.test_client()
    client.post("/vao/lan")
    cookie = cookie_of(client)
    assert asked_with(app, cookie).text == "lan"
    flipped = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    assert asked_with(app, flipped).text == "-"
    assert asked_with(other, cookie).text == "-"  # signed with another key
    assert asked_with(app, cookie).text == "lan"


def test_a_remembered_signature_on_other_contents_gives_only_what_it_was_verified_with():
    app = make_app()
    lan, mai = app.test_client(), app.test_client()
    lan.post("/vao/lan")
    mai.post("/vao/mai")
    signed_lan, signed_mai = cookie_of(lan), cookie_of(mai)
    assert asked_with(app, signed_lan).text == "lan"  # remembered
    contents_of_mai = signed_mai.rpartition(".")[0]
    assert asked_with(app, f"{contents_of_mai}.{signed_lan.rpartition('.')[2]}").text == "lan"
    assert asked_with(make_app(), f"{contents_of_mai}.{signed_lan.rpartition('.')[2]}").text == "-"


def test_no_request_sees_what_another_changed_from_the_same_cookie():
    app = make_app()
    client = app.test_client()
    client.post("/dem")
    cookie = cookie_of(client)  # n = 1
    assert asked_with(app, cookie, "/dem", "post").text == "2"
    assert asked_with(app, cookie, "/dem", "post").text == "2"  # not 3: each has its own copy


def test_a_session_holding_a_list_is_verified_each_time_and_never_shared():
    app = make_app()
    client = app.test_client()
    client.post("/bao")
    cookie = cookie_of(client)
    assert asked_with(app, cookie, "/doc").text == "xin chào"
    assert asked_with(app, cookie, "/doc").text == "xin chào"
    assert not any(app.session_interface._verified.values())


def test_a_fragment_carries_no_vary_and_no_unneeded_cookie_a_page_keeps_its_vary():
    app = make_app()
    client = app.test_client()
    client.post("/vao/lan")
    cookie = cookie_of(client)
    fragment = asked_with(app, cookie, headers=HTMX)
    assert "Vary" not in fragment.headers and "Set-Cookie" not in fragment.headers
    page = asked_with(app, cookie)
    assert "Cookie" in page.headers["Vary"] and "Set-Cookie" not in page.headers
    changed = asked_with(app, cookie, "/dem", "post", headers=HTMX)
    assert "Set-Cookie" in changed.headers and "Vary" not in changed.headers


def test_a_coroutine_function_is_never_taken_for_a_plain_one():
    app = CdsoFlask(__name__)

    def plain():
        return "ok"

    async def waiting():
        return "ok"

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    for _ in range(2):
        try:
            synced = app.ensure_sync(waiting)
        except RuntimeError:  # Flask without its async extra says so, each time
            continue
        assert synced is not waiting
