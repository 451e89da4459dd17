"""CSRF protection (Flask-WTF) that verifies each signed token once per worker.

A resident's page carries one signed token for the whole attempt and sends it with every
answer step. Verifying it is an HMAC, a base64 and a JSON decode, each time the same
result: about 5% of an answer step (bench/README.md, the answer step against the
reference). A token that verified once is remembered with the session token it carries;
the same pair passes again without the signature work. Everything else is Flask-WTF's
check as it is: exemptions, methods, the comparison with this session's token, and the
referrer on HTTPS. Tokens never expire here (WTF_CSRF_TIME_LIMIT is None); with a time
limit set, every token is verified in full."""
from __future__ import annotations

import hmac

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, logger, same_origin, validate_csrf
from wtforms import ValidationError

REMEMBERED = 4096  # tokens (~1.4 MiB at most), forgotten all at once when full


class RememberingCSRF(CSRFProtect):
    def __init__(self, app=None):
        self._verified: dict[str, str] = {}  # signed token -> the session token it carries
        super().__init__(app)

    def protect(self, apply_exemptions=False):
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        token = self._get_csrf_token()
        if not self._verified_before(token):
            try:
                validate_csrf(token)
            except ValidationError as error:
                logger.info(error.args[0])
                self._error_response(error.args[0])
            self._remember(token)
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def _verified_before(self, token: str | None) -> bool:
        carried = self._verified.get(token) if token else None
        own = session.get(current_app.config["WTF_CSRF_FIELD_NAME"])
        return carried is not None and isinstance(own, str) and hmac.compare_digest(carried, own)

    def _remember(self, token: str) -> None:
        if current_app.config["WTF_CSRF_TIME_LIMIT"] is not None:
            return
        if len(self._verified) >= REMEMBERED:
            self._verified.clear()
        self._verified[token] = session[current_app.config["WTF_CSRF_FIELD_NAME"]]
