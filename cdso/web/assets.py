"""Static files under fingerprinted URLs (/s/<hash>/<path>) with a one-year cache."""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import brotli
from flask import Flask, abort, request, send_from_directory
from markupsafe import Markup

_fingerprints: dict[str, str] = {}
_compressed: dict[tuple[str, str], bytes] = {}
_inline: dict[str, tuple[Markup, str]] = {}
ONE_YEAR = 365 * 24 * 3600
TEXT_ASSETS = (".css", ".js", ".svg")
INLINE_STYLES = "cdso.inline_styles"  # this request's, kept in its WSGI environ


def fingerprint(static_folder: str, filename: str) -> str:
    # Files do not change while a process runs (deploys restart it), so each is hashed once.
    if filename not in _fingerprints:
        content = (Path(static_folder) / filename).read_bytes()
        _fingerprints[filename] = hashlib.sha256(content).hexdigest()[:10]
    return _fingerprints[filename]


def compressed(static_folder: str, filename: str, encoding: str) -> bytes:
    """A text asset compressed once per process (compress()), as nginx serves the
    copies deploy/precompress.sh writes: without nginx (`make run`) the same bytes
    (Flask-Compress would stream it as zstd-3, 23% larger than brotli-11 for htmx)."""
    key = (filename, encoding)
    if key not in _compressed:
        _compressed[key] = compress((Path(static_folder) / filename).read_bytes(), encoding)
    return _compressed[key]


def compress(raw: bytes, encoding: str) -> bytes:
    """The strongest compression a phone's browser can read: brotli 11, or for a browser
    that knows only gzip, zopfli's gzip (3% smaller than gzip -9: ~600 B less on a first
    visit). The one definition, also used by deploy/precompress.sh and bench/weight.py."""
    if encoding == "br":
        return brotli.compress(raw, quality=11)
    import zopfli.gzip  # once per file and process: not in every worker's start
    return zopfli.gzip.compress(raw, numiterations=15)


def inlined(static_folder: str, filename: str) -> tuple[Markup, str]:
    """A stylesheet's text to put in a <style> element, and its CSP source
    ('sha256-…'): read and hashed once per process, like the fingerprints."""
    if filename not in _inline:
        content = (Path(static_folder) / filename).read_bytes()
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        _inline[filename] = Markup(content.decode()), f"'sha256-{digest}'"
    return _inline[filename]


def inline_style_sources() -> list[str]:
    """The CSP sources of the stylesheets this response's page carries inline."""
    return request.environ.get(INLINE_STYLES, [])


def init_app(app: Flask) -> None:
    def asset_url(filename: str) -> str:
        return f"/s/{fingerprint(app.static_folder, filename)}/{filename}"

    def inline_css(filename: str) -> Markup:
        """The stylesheet in the page itself (issue 16: the page a link from a message
        opens paints without waiting one more round trip for its CSS); its hash goes
        into this response's CSP (cdso/web/security.py)."""
        text, source = inlined(app.static_folder, filename)
        request.environ.setdefault(INLINE_STYLES, []).append(source)
        return text

    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["inline_css"] = inline_css

    @app.get("/s/<fp>/<path:filename>")
    def asset(fp: str, filename: str):
        try:
            current = fingerprint(app.static_folder, filename)
        except (FileNotFoundError, IsADirectoryError):
            abort(404)
        response = send_from_directory(app.static_folder, filename, max_age=ONE_YEAR)
        encoding = request.accept_encodings.best_match(["br", "gzip"])
        if encoding and response.status_code == 200 and filename.endswith(TEXT_ASSETS):
            response.close()  # the file send_from_directory opened: its copy goes instead
            response.direct_passthrough = False
            response.set_data(compressed(app.static_folder, filename, encoding))
            response.headers["Content-Encoding"] = encoding
            response.set_etag(f"{fingerprint(app.static_folder, filename)}-{encoding}")
            response.vary.add("Accept-Encoding")
        _lean(response)
        if fp != current:  # an old page asking for an old file: serve the new one, briefly
            response.cache_control.max_age = 60
        else:
            response.cache_control.immutable = True
            response.cache_control.public = True
        return response


def _lean(response) -> None:
    """Only what a browser uses of an asset's answer (issue 16: every first-visit byte
    counts on a slow phone): Cache-Control says how long, the ETag revalidates, so the
    Expires and Last-Modified send_from_directory adds are dropped, and so is its
    Accept-Ranges (the body sent may be a compressed copy)."""
    for name in ("Expires", "Last-Modified", "Accept-Ranges"):
        response.headers.pop(name, None)
