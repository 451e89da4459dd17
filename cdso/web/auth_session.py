"""Flask-Login wiring: sessions carry the account's session version, so a logout, a
password change or reset and a role change end every earlier session of that account on
the server side (a copied cookie stops working at once).

The quiz's answer step reads the account id and version from the signed session
(`session_account`) and checks them in its own statement, without loading the account."""
from __future__ import annotations

import base64
import hashlib

from flask import Flask, redirect, request, session, url_for
from sqlalchemy import bindparam, select

from cdso.extensions import db, login_manager


MUST_CHANGE = "m"  # in the session (short: the cookie rides on every step): the account had to change its password at login


def session_account() -> tuple[int, int] | None:
    """(account id, session version) as the signed session says, not yet checked against
    the account; None for a visitor."""
    account_id, _, version = str(session.get("_user_id", "")).partition(":")
    if not account_id.isdigit() or not version.isdigit():
        return None
    return int(account_id), int(version)


def _must_change_password() -> bool:
    """Whether this request must go to the password change. Sessions started by
    start_session say so themselves (a reset that sets the flag also ends the session),
    so the answer step loads no account for it; others ask the account."""
    if "_user_id" not in session:
        return False
    if MUST_CHANGE in session:
        return bool(session[MUST_CHANGE])
    from flask_login import current_user
    return current_user.is_authenticated and current_user.must_change_password


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Xin đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager._session_identifier_generator = _short_identifier

    from flask_login import current_user

    @app.context_processor
    def _lazy_current_user():
        # Flask-Login's own processor loads the account for every template; the proxy
        # loads it when a template first reads it (an answer step's partial never does).
        return {"current_user": current_user}

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
        if (request.endpoint not in {"auth.change_password", "auth.logout", "asset",
                                     "public.healthz", "public.text_size", "static"}
                and _must_change_password()):
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
