"""Community digital team members (and ward clerks) acting for residents of their unit:
/ho-tro. Registering a resident, handing over access, resetting a password after an
identity check, guiding an attempt. Every action writes an AuditLog row.

The pages live in cdso/helper/residents.py and cdso/helper/attempts.py, imported at the
bottom so that their routes register on this blueprint."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from cdso.models import Role
from cdso.services.accounts import assisted
from cdso.services.contest.current import current_contest

bp = Blueprint("helper", __name__, url_prefix="/ho-tro")
HELPER_ROLES = {Role.TEAM_MEMBER.value, Role.CLERK.value}
# While a member guides an attempt their session is the resident's (see attempts.py):
# these two pages, not the role guard, decide what it may do.
ACTING_ENDPOINTS = {"helper.assisting", "helper.end_assist"}


@bp.before_request
def _guard():
    if request.endpoint in ACTING_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if current_user.role not in HELPER_ROLES or not current_user.unit_id:
        abort(404)
    return None


@bp.get("/")
def home():
    query = request.args.get("q", "").strip()[:100]
    return render_template("helper/home.html", query=query,
                           found=assisted.find_residents(current_user, query),
                           mine=assisted.assisted_by_member(current_user),
                           contest=current_contest())


from cdso.helper import attempts, residents  # noqa: E402,F401
