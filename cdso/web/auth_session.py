"""Flask-Login wiring: sessions carry the account's session version, so a password
change or reset ends every other session of that account."""
from __future__ import annotations

import base64
import hashlib

from flask import Flask, redirect, request, url_for
from sqlalchemy import bindparam, select

from cdso.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Xin đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager._session_identifier_generator = _short_identifier

    from cdso.models import Account
    by_id = select(Account).where(Account.id == bindparam("account_id"))  # built once

    @login_manager.user_loader
    def _load(user_id: str):
        account_id, _, version = user_id.partition(":")
        if not account_id.isdigit() or not version.isdigit():
            return None
        account = db.session.execute(by_id, {"account_id": int(account_id)}).scalar_one_or_none()
        if account is None or not account.is_active_account:
            return None
        if account.session_version != int(version):
            return None
        return account

    @app.before_request
    def _force_password_change():
        from flask_login import current_user
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in {"auth.change_password", "auth.logout", "asset",
                                             "public.healthz", "public.text_size", "static"}):
            return redirect(url_for("auth.change_password"))
        return None


def _short_identifier() -> str:
    """Flask-Login's "basic" protection fingerprint of the client (address and browser),
    as 16 bytes of SHA-256 in base64 (22 characters) instead of a 128-character SHA-512
    hex digest: the cookie every request carries stays short (issue 16). The session is
    signed, so the fingerprint only has to tell two clients apart, not resist forgery."""
    agent = request.headers.get("User-Agent", "")
    digest = hashlib.sha256(f"{request.remote_addr}|{agent}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
