"""Rate limits on the resident-facing forms, through flask-limiter's storage (memory in
tests, Redis in production, so every app node shares the counts).

Login counts failures only, per account and per address (QUALITY.md: ≤ 10 failures in
15 minutes): a person who types the right password is never slowed down by the limit."""
from __future__ import annotations

import logging

from flask import current_app, request
from limits import parse

from cdso.extensions import limiter
from cdso.web.token_bucket import TokenBucket

log = logging.getLogger(__name__)
DEFAULTS = {
    "RATELIMIT_LOGIN_FAILURES": "10 per 15 minutes",
    # Mobile networks put many phones behind one address: these stop scripts, not people.
    "RATELIMIT_REGISTRATIONS": "200 per hour",
    "RATELIMIT_REGISTRATION_POSTS": "1000 per hour",
    "RATELIMIT_ANSWERS": "120 per minute",
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


def _login_keys(login_key: str) -> list[tuple[str, str]]:
    return [("login-failures-address", request.remote_addr or "?"),
            ("login-failures-account", login_key)]


def login_blocked(login_key: str) -> bool:
    if not limiter.enabled:
        return False
    item = parse(setting("RATELIMIT_LOGIN_FAILURES"))
    try:
        return any(not limiter.limiter.test(item, *key) for key in _login_keys(login_key))
    except Exception as error:  # the shared storage (Redis) is down: let people log in
        log.warning("login limit storage unavailable: %s", error)
        return False


def record_login_failure(login_key: str) -> None:
    if not limiter.enabled:
        return
    item = parse(setting("RATELIMIT_LOGIN_FAILURES"))
    try:
        for key in _login_keys(login_key):
            limiter.limiter.hit(item, *key)
    except Exception as error:  # the shared storage (Redis) is down: not counted meanwhile
        log.warning("login limit storage unavailable: %s", error)
