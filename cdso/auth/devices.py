"""The signed device cookie: a browser that logged in to an account before is known to
it, and its failed logins are counted apart from everyone else's (login_throttle).

The cookie holds a random device id and, for up to MAX_ACCOUNTS accounts, a keyed hash
of the account's login key (never the phone number itself), signed with SECRET_KEY."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "cdso_thiet_bi"
MAX_AGE = 365 * 24 * 3600
MAX_ACCOUNTS = 5  # a family may share one phone


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="cdso-device")


def _tag(login_key: str) -> str:
    secret = str(current_app.secret_key).encode()
    return hmac.new(secret, b"device:" + login_key.encode(), hashlib.sha256).hexdigest()[:20]


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 1024:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), list) \
            or not isinstance(data.get("d"), str):
        return None
    return data


def known_device(login_key: str) -> str | None:
    """The device id when this browser has logged in to this account before."""
    data = _read()
    if data and _tag(login_key) in data["a"]:
        return data["d"]
    return None


def remember(response: Response, login_key: str) -> None:
    """After a successful login: this browser is now known to the account."""
    data = _read() or {"d": secrets.token_urlsafe(12), "a": []}
    tag = _tag(login_key)
    accounts = [tag] + [t for t in data["a"] if t != tag]
    value = _serializer().dumps({"d": data["d"], "a": accounts[:MAX_ACCOUNTS]})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        path="/dang-nhap")
