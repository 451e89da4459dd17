"""Logging in with a phone (any form) or an official's username, and logging out."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from cdso.auth import throttle
from cdso.auth.routes import bp
from cdso.auth.sessions import home_url, safe_next, start_session
from cdso.extensions import db
from cdso.services.accounts import own as accounts
from cdso.services.accounts.sessions import end_every_session

BLOCKED = ("Bạn đã nhập sai quá nhiều lần. Vì an toàn, xin đợi 15 phút rồi thử lại, hoặc nhờ "
           "Tổ công nghệ số cộng đồng nơi bạn ở đặt lại mật khẩu.")


def _login_page(typed: str, next_url: str | None, errors: dict, status: int = 200):
    return render_template("auth/login.html", typed=typed, next_url=next_url,
                           errors=errors), status


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
    if throttle.login_blocked(key):
        return _login_page(typed, next_url, {"login": BLOCKED}, 429)
    account = accounts.authenticate(typed, password)
    if account is None:
        throttle.record_login_failure(key)
        return _login_page(typed, next_url, {"password": (
            "Số điện thoại (tên đăng nhập) hoặc mật khẩu không đúng. Xin kiểm tra rồi thử lại.")},
            422)
    start_session(account)
    return redirect(next_url or home_url(account), code=303)


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
