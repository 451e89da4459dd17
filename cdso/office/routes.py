"""The office (/quan-tri): officials' pages, guarded as a whole by role.

Each area lives in its own module registering on this blueprint."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from cdso.models import Role

bp = Blueprint("office", __name__, url_prefix="/quan-tri")
OFFICE_ROLES = {Role.ADMIN.value, Role.CLERK.value, Role.REPORTER.value, Role.TEAM_MEMBER.value}


@bp.before_request
def _guard():
    if not current_user.is_authenticated:
        from flask import redirect, request, url_for
        return redirect(url_for("auth.login", next=request.full_path))
    if current_user.role not in OFFICE_ROLES:
        abort(404)
    return None


# Areas register their routes on `bp` when imported (see cdso/office/*.py).
from cdso.office import areas  # noqa: E402,F401
