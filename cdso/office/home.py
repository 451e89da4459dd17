"""The office home: officials land on their figures; a community digital team member,
who has no figures page, on the help area (or the menu when it is not there)."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from cdso.office.routes import bp
from cdso.web.access import may_open


@bp.get("/")
def home():
    if may_open(current_user.role, "office.dashboard"):
        return redirect(url_for("office.dashboard"))
    try:
        return redirect(url_for("helper.home"))
    except BuildError:
        return render_template("office/home.html")
