"""Rate limits on the resident-facing forms, through flask-limiter's storage (memory in
tests, Redis in production, so every app node shares the counts).

Login failures are throttled apart, with growing delays the owner survives:
cdso/services/accounts/login_throttle.py."""
from __future__ import annotations

import logging

from flask import current_app, request
from flask_login import current_user
from limits import parse

from cdso.extensions import limiter

from cdso.services.accounts.login_throttle import Throttle

log = logging.getLogger(__name__)
DEFAULTS = {
    # Mobile networks put many phones behind one address: these stop scripts, not people.
    "RATELIMIT_REGISTRATIONS": "200 per hour",
    "RATELIMIT_REGISTRATION_POSTS": "1000 per hour",
    "RATELIMIT_ANSWERS": "120 per minute",
    # "Already registered" answers per address: enough for families behind one carrier
    # address, too few to test a list of phone numbers.
    "RATELIMIT_DUPLICATE_ANSWERS": "30 per hour",
}


def setting(name: str) -> str:
    return current_app.config.get(name, DEFAULTS[name])


def registrations_limit() -> str:
    return setting("RATELIMIT_REGISTRATIONS")


def registration_posts_limit() -> str:
    return setting("RATELIMIT_REGISTRATION_POSTS")


def answers_limit() -> str:
    return setting("RATELIMIT_ANSWERS")


def account_key() -> str:
    """Answer posting is limited per account (per address for a visitor)."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{request.remote_addr}"


def created_something(response) -> bool:
    """Count only requests that went on (a redirect): a registration that was created."""
    return response.status_code in (302, 303) or "HX-Redirect" in response.headers


def login_throttle() -> Throttle:
    """The app's login counters (Redis when REDIS_URL is set, else this process)."""
    app = current_app._get_current_object()
    throttle = app.extensions.get("cdso_login_throttle")
    if throttle is None:
        throttle = Throttle(app.config, app.config.get("REDIS_URL", ""))
        app.extensions["cdso_login_throttle"] = throttle
    return throttle


def _duplicates(method: str) -> bool:
    if not limiter.enabled:
        return True
    item = parse(setting("RATELIMIT_DUPLICATE_ANSWERS"))
    try:
        return getattr(limiter.limiter, method)(item, "duplicate-answer",
                                                request.remote_addr or "?")
    except Exception as error:  # the shared storage (Redis) is down: answer as before
        log.warning("rate limit storage unavailable: %s", error)
        return True


def duplicate_answers_left() -> bool:
    """May this address still be told that a phone or CCCD is already registered? Once
    it has been told RATELIMIT_DUPLICATE_ANSWERS times, its registrations all get one
    answer that reveals nothing, until the window passes."""
    return _duplicates("test")


def count_duplicate_answer() -> None:
    _duplicates("hit")
