"""The office home: what each role can do from here."""
from __future__ import annotations

from flask import render_template

from cdso.office.routes import bp


@bp.get("/")
def home():
    return render_template("office/home.html")
