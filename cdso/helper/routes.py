"""Community digital team members acting for residents (assisted participation)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("helper", __name__, url_prefix="/ho-tro")
