"""Rate limits on the resident-facing forms, through flask-limiter's storage (memory in
tests, Redis in production, so every app node shares the counts).

Login failures are throttled apart, with growing delays the owner survives:
cdso/services/accounts/login_throttle.py."""
from __future__ import annotations

import logging

from flask import current_app, request
from limits import parse

from cdso.extensions import limiter
from cdso.web.token_bucket import TokenBucket

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


ANSWERS_TOO_FAST = ("Bạn gửi câu trả lời nhanh quá mức bình thường. Xin đợi một phút rồi "
                    "bấm lại; các câu đã lưu vẫn còn nguyên.")


def answer_allowed(account_id: int) -> bool:
    """The answer step's limit per account, in this worker's memory (no Redis round trip
    on the quiz's hot path; see cdso/web/token_bucket.py)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    spec = answers_limit()
    buckets = current_app.extensions.setdefault("cdso_answer_buckets", {})
    bucket = buckets.get(spec)
    if bucket is None:
        item = parse(spec)
        bucket = buckets[spec] = TokenBucket(item.amount, item.get_expiry())
    return bucket.take(account_id)


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
