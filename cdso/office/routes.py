"""The office (/quan-tri): officials' pages, guarded as a whole by the access table.

Each area lives in its own module registering on this blueprint."""
from __future__ import annotations

from flask import Blueprint

from cdso.web.access import guard_blueprint

bp = Blueprint("office", __name__, url_prefix="/quan-tri")
bp.before_request(guard_blueprint)  # who may open each route: cdso/web/access.py


# Areas register their routes on `bp` when imported (see cdso/office/*.py).
from cdso.office import areas  # noqa: E402,F401
