"""Access rules for views: roles, and the contest window. Deny by default."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from cdso.models import Role


def roles_required(*roles: Role):
    """Logged in with one of `roles`, else 404 for a logged-in account (no hint that
    the page exists) or the login page for a visitor."""
    allowed = {r.value for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(404)
            return view(*args, **kwargs)
        return wrapped
    return decorator


participant_required = roles_required(Role.PARTICIPANT)
