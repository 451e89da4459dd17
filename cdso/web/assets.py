"""Static files under fingerprinted URLs (/s/<hash>/<path>) with a one-year cache."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import brotli
from flask import Flask, abort, request, send_from_directory

_fingerprints: dict[str, str] = {}
_compressed: dict[tuple[str, str], bytes] = {}
ONE_YEAR = 365 * 24 * 3600
TEXT_ASSETS = (".css", ".js", ".svg")


def fingerprint(static_folder: str, filename: str) -> str:
    # Files do not change while a process runs (deploys restart it), so each is hashed once.
    if filename not in _fingerprints:
        content = (Path(static_folder) / filename).read_bytes()
        _fingerprints[filename] = hashlib.sha256(content).hexdigest()[:10]
    return _fingerprints[filename]


def compressed(static_folder: str, filename: str, encoding: str) -> bytes:
    """A text asset compressed once per process at the strongest level, as nginx serves
    the copies deploy/precompress.sh writes: without nginx (`make run`) the same bytes
    (Flask-Compress would stream it as zstd-3, 23% larger than brotli-11 for htmx)."""
    key = (filename, encoding)
    if key not in _compressed:
        raw = (Path(static_folder) / filename).read_bytes()
        _compressed[key] = (brotli.compress(raw, quality=11) if encoding == "br"
                            else gzip.compress(raw, 9, mtime=0))
    return _compressed[key]


def init_app(app: Flask) -> None:
    def asset_url(filename: str) -> str:
        return f"/s/{fingerprint(app.static_folder, filename)}/{filename}"

    app.jinja_env.globals["asset_url"] = asset_url

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
        if fp != current:  # an old page asking for an old file: serve the new one, briefly
            response.cache_control.max_age = 60
        else:
            response.cache_control.immutable = True
            response.cache_control.public = True
        return response
