"""Security headers on every response; Vary for the header htmx pages branch on."""
from __future__ import annotations

from flask import Flask, Response, request

from cdso.web.assets import inline_style_sources
from cdso.web.pages import is_htmx
from cdso.web.session_cookie import RememberingSessionInterface

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)

ASSET_TYPES = frozenset({"text/css", "text/javascript", "application/javascript"})


def init_app(app: Flask) -> None:
    app.session_interface = RememberingSessionInterface()

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        fragment = is_htmx()
        if _script_or_style(response):  # nosniff is all a script or stylesheet obeys
            headers.setdefault("X-Content-Type-Options", "nosniff")
        elif not fragment:
            _document_headers(headers, inline_style_sources())
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if headers.get("Content-Type", "").startswith("text/html"):  # not parsed: cheaper
            # Plain strings when the headers are not there yet (the usual case): werkzeug's
            # parsed Vary and Cache-Control objects cost ~5% of an answer step. A fragment
            # says only no-store (fewer bytes on the wire; the session interface drops
            # its Vary); a whole page is private too and varies on HX-Request.
            if not fragment:
                if "Vary" in headers:
                    response.vary.add("HX-Request")
                else:
                    headers["Vary"] = "HX-Request"
            if "Cache-Control" in headers:
                response.cache_control.no_store = True
                response.cache_control.private = not fragment or None
            else:
                headers["Cache-Control"] = "no-store" if fragment else "private, no-store"
        return response


def _script_or_style(response: Response) -> bool:
    """A fingerprinted script or stylesheet (/s/...): a browser applies CSP, framing,
    referrer and permissions policies to documents, never to these, so a first visit would
    carry ~360 bytes for nothing on each of them (issue 16); deploy/nginx.conf serves them
    with nosniff alone too. An SVG stays a document: it can hold script."""
    return request.endpoint == "asset" and response.mimetype in ASSET_TYPES


def _document_headers(headers, inline_styles: list[str]) -> None:
    """Headers that only a document uses (issue 16, lean steps). An htmx fragment is read
    by script and swapped into a page whose own headers govern it: its scripts, styles and
    framing obey that page's CSP, and nosniff guards only scripts, styles and documents,
    which a fragment never is, so these ~360 bytes would be spent on every answer step
    for nothing. A fragment is never shown as a document: it is asked for only with the
    HX-Request header, which a link or a form from elsewhere cannot send, and never stored
    (no-store)."""
    headers.setdefault("Content-Security-Policy", CSP if not inline_styles else CSP.replace(
        "style-src 'self'", " ".join(["style-src 'self'", *inline_styles])))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
