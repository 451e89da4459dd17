"""Starting a logged-in session, and where each kind of account goes after it."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import session, url_for
from flask_login import login_user

from cdso.models import Account
from cdso.web.auth_session import MUST_CHANGE


def start_session(account: Account) -> None:
    """A new session: nothing of the anonymous one survives, and the id changes."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(9)  # signed: it only has to differ
    session.permanent = True
    session[MUST_CHANGE] = int(account.must_change_password)
    login_user(account)



def home_url(account: Account) -> str:
    return url_for("office.home") if account.is_official else url_for("quiz.home")


def safe_next(target: str | None) -> str | None:
    """A `next` that stays on this site: a path, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(ch) < 33 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
