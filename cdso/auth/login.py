"""Logging in with a phone (any form) or an official's username, and logging out.

Failed logins are throttled with growing delays (services/accounts/login_throttle.py);
a browser that logged in to the account before is known by its device cookie
(auth/devices.py) and is not slowed by failures made elsewhere."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from cdso.auth import devices
from cdso.auth.routes import bp
from cdso.auth.sessions import home_url, safe_next, start_session
from cdso.auth.throttle import login_throttle
from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.services.accounts import login_alerts, registration
from cdso.services.accounts import own as accounts
from cdso.services.accounts.login_throttle import keys_for
from cdso.services.accounts.sessions import end_every_session
from cdso.services.contest.current import current_contest
from cdso.web.pages import next_page


def waiting_message(seconds: int) -> str:
    wait = f"{seconds} giây" if seconds < 60 else f"{(seconds + 59) // 60} phút"
    return (f"Tài khoản này vừa bị nhập sai mật khẩu nhiều lần. Vì an toàn, xin đợi {wait} "
            "rồi thử lại. Nếu quên mật khẩu, xin nhờ Tổ công nghệ số cộng đồng nơi bạn ở "
            "đặt lại.")


def _login_page(typed: str, next_url: str | None, errors: dict, status: int = 200):
    contest = current_contest()
    can_start = not next_url and contest is not None and contest.is_open(utcnow())
    return render_template("auth/login.html", typed=typed, next_url=next_url, errors=errors,
                           can_start=can_start), status


def _resident_home(account, start: bool):
    """Where a resident lands after logging in: with «Đăng nhập và bắt đầu làm bài» and the
    contest open, the question to work on itself (one POST from the login form to the
    question: issue 16), else their quiz home (/thi itself for htmx)."""
    from cdso.quiz.routes import finish_expired, home_page, start_and_show
    contest = current_contest()
    joined = registration.registration_of(account, contest) if start and contest else None
    if joined is not None and contest.is_open(utcnow()):
        return make_response(start_and_show(contest, joined))
    finish_expired(utcnow())
    return make_response(next_page(url_for("quiz.home"), home_page))


def _failed(key: str, keys: list) -> None:
    burst = login_throttle().record_failure(keys)
    if burst:
        login_alerts.record_burst(key, burst, request.remote_addr, utcnow())
        db.session.commit()


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    typed = (request.values.get("login") or "").strip()[:64]
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url or home_url(current_user))
        return _login_page(typed, next_url, {})
    password = request.form.get("password") or ""
    errors = {}
    if not typed:
        errors["login"] = "Xin nhập số điện thoại (hoặc tên đăng nhập của cán bộ)."
    if not password:
        errors["password"] = "Xin nhập mật khẩu."
    if errors:
        return _login_page(typed, next_url, errors, 422)
    key = accounts.login_key(typed)
    device = devices.known_device(key)
    keys = keys_for(key, request.remote_addr, device)
    wait = login_throttle().wait_seconds(keys)
    if wait:
        page, status = _login_page(typed, next_url, {"login": waiting_message(wait)}, 429)
        return page, status, {"Retry-After": str(wait)}
    account = accounts.authenticate(typed, password)
    if account is None:
        _failed(key, keys)
        return _login_page(typed, next_url, {"password": (
            "Số điện thoại (tên đăng nhập) hoặc mật khẩu không đúng. Xin kiểm tra rồi thử lại.")},
            422)
    if device:
        login_throttle().forget(keys)
    start_session(account)
    if next_url or account.is_official or account.must_change_password:
        response = redirect(next_url or home_url(account), code=303)
    else:
        response = _resident_home(account, request.form.get("action") == "start")
    devices.remember(response, key)
    return response


@bp.post("/dang-xuat")
def logout():
    """Logging out ends this session and every other one of the account on the server:
    a copied cookie, a phone left logged in at the ward office, stop working at once."""
    if current_user.is_authenticated:
        end_every_session(current_user._get_current_object())
        db.session.commit()
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất trên mọi thiết bị. Lần sau, xin đăng nhập lại bằng số điện "
          "thoại và mật khẩu.", "info")
    return redirect(url_for("public.landing"), code=303)
