"""The quiz: start, one question per step, review, finish, results."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quiz", __name__)
