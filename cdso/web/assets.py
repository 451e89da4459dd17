"""Static files under fingerprinted URLs (/s/<hash>/<path>) with a one-year cache."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, abort, send_from_directory

_fingerprints: dict[str, str] = {}
ONE_YEAR = 365 * 24 * 3600


def fingerprint(static_folder: str, filename: str) -> str:
    # Files do not change while a process runs (deploys restart it), so each is hashed once.
    if filename not in _fingerprints:
        content = (Path(static_folder) / filename).read_bytes()
        _fingerprints[filename] = hashlib.sha256(content).hexdigest()[:10]
    return _fingerprints[filename]


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
        if fp != current:  # an old page asking for an old file: serve the new one, briefly
            response.cache_control.max_age = 60
        else:
            response.cache_control.immutable = True
            response.cache_control.public = True
        return response
