"""Registration, login, logout and the resident's own account pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
