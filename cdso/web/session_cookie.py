"""Flask's signed-cookie session, made cheaper for the answer step (issue 19).

A resident's cookie does not change between answer steps (SESSION_REFRESH_EACH_REQUEST
is off), yet Flask builds a new signer and verifies the same HMAC, base64 and JSON on
every request: about a tenth of an answer step (bench/README.md). Here:

- the signer is built once per secret key;
- a cookie that verified once is remembered by its signature, with its contents and the
  time it was signed, so the same cookie again skips the signature work. A cookie that
  carries a remembered signature gets the contents that signature was verified with,
  whatever else it carries: what its sender could have sent anyway. Its age is checked
  every time, as itsdangerous checks it, so it still expires after
  PERMANENT_SESSION_LIFETIME. Only sessions whose values are plain strings, numbers and
  booleans are remembered: each request gets its own copy, which nothing can share.
  About 0.7 KB each, they are forgotten all at once when there are REMEMBERED of them
  (a worker then verifies as Flask does until it has met its residents again);
- a fragment (an htmx request) leaves without any Vary, and an unchanged session adds
  nothing to its response. Three hands add a Vary (security.py HX-Request,
  Flask-Compress Accept-Encoding, the session Cookie), but a fragment is no-store and asked
  for only by htmx, so no cache keeps it or picks it for a document: 43 bytes on every
  answer step for nothing (issue 16). Whole pages keep theirs.

Everything else is Flask's session as it is."""
from __future__ import annotations

import time

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cdso.web.pages import is_htmx

REMEMBERED = 2048  # cookies per worker (~1.4 MiB at most)
PLAIN = (str, int, float, bool, type(None))


class RememberingSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signers: dict[tuple, URLSafeTimedSerializer] = {}
        self._verified: dict[tuple, dict[str, tuple[dict, int]]] = {}  # keys -> signature -> (data, signed at)

    @staticmethod
    def _keys(app: Flask) -> tuple:
        return (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = self._keys(app)
        signer = self._signers.get(keys)
        if signer is None:
            signer = self._signers[keys] = super().get_signing_serializer(app)
        return signer

    def open_session(self, app: Flask, request: Request):
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        keys = self._keys(app)
        verified = self._verified.get(keys)
        if verified is None:
            verified = self._verified[keys] = {}
        signature = cookie.rpartition(".")[2]
        remembered = verified.get(signature)
        if remembered is not None and 0 <= int(time.time()) - remembered[1] <= max_age:
            return self.session_class(remembered[0])
        try:
            data, signed_at = self.get_signing_serializer(app).loads(
                cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, PLAIN) for v in data.values()):
            if len(verified) >= REMEMBERED:
                verified.clear()
            verified[signature] = (data, int(signed_at.timestamp()))
        return self.session_class(data)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not is_htmx():
            super().save_session(app, session, response)
            return
        if self.should_set_cookie(app, session):  # an unchanged session sends nothing
            super().save_session(app, session, response)
        response.headers.pop("Vary", None)
