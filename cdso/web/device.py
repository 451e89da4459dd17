"""A signed device cookie: a random id the server gave this browser, nothing read from
the device itself (no fingerprinting). Integrity signals count accounts per device."""
from __future__ import annotations

import secrets

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "cdso_thiet_bi"
MAX_AGE = 400 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="device-cookie")


def device_id() -> str:
    """This browser's device id; a new one is set in a cookie when it has none (or a
    forged one)."""
    if "device_id" in g:
        return g.device_id
    try:
        g.device_id = str(_serializer().loads(request.cookies.get(COOKIE, "")))[:32]
    except BadSignature:
        g.device_id = secrets.token_hex(16)
        signed = _serializer().dumps(g.device_id)

        @after_this_request
        def _set(response):
            response.set_cookie(COOKIE, signed, max_age=MAX_AGE, httponly=True,
                                samesite="Lax", secure=request.is_secure)
            return response
    return g.device_id
