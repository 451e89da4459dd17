"""Community digital team members (and ward clerks) acting for residents of their unit:
/ho-tro. Registering a resident, handing over access, resetting a password after an
identity check, guiding an attempt. Every action writes an AuditLog row.

The pages live in cdso/helper/residents.py and cdso/helper/attempts.py, imported at the
bottom so that their routes register on this blueprint."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from cdso.services.accounts import assisted
from cdso.services.contest.current import current_contest
from cdso.web.access import guard_blueprint

bp = Blueprint("helper", __name__, url_prefix="/ho-tro")
bp.before_request(guard_blueprint)  # who may open each route: cdso/web/access.py


@bp.get("/")
def home():
    query = request.args.get("q", "").strip()[:100]
    return render_template("helper/home.html", query=query,
                           found=assisted.find_residents(current_user, query),
                           mine=assisted.assisted_by_member(current_user),
                           contest=current_contest())


from cdso.helper import attempts, residents  # noqa: E402,F401
