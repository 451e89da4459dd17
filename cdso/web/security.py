"""Security headers on every response; Vary for the header htmx pages branch on."""
from __future__ import annotations

from flask import Flask, Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            # Plain strings when the headers are not there yet (the usual case): werkzeug's
            # parsed Vary and Cache-Control objects cost ~5% of an answer step.
            if "Vary" in headers:
                response.vary.add("HX-Request")
            else:
                headers["Vary"] = "HX-Request"
            if "Cache-Control" in headers:
                response.cache_control.private = True
                response.cache_control.no_store = True
            else:
                headers["Cache-Control"] = "private, no-store"
        return response
