"""The one cache (cdso/caching.py) over real Redis: what one app node stores another reads;
with Redis unreachable every value is computed and no page fails."""
from __future__ import annotations

import os
import uuid

import pytest
import redis

from cdso import create_app
from tests.conftest import TEST_CONFIG

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def node(redis_url: str, prefix: str):
    # Generous timeouts: a saturated machine may answer slowly, and a timeout would read
    # as an unreachable cache (the unreachable one below is refused at once).
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CACHE_TYPE": "RedisCache",
                       "CACHE_REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix,
                       "CACHE_OPTIONS": {"socket_timeout": 30, "socket_connect_timeout": 30}})


def test_a_value_stored_by_one_node_is_read_by_another():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed for this test ({REDIS_URL}): {error}")
    from cdso.caching import remember
    prefix = f"cdso-test-{uuid.uuid4().hex[:8]}:"
    calls = []
    with node(REDIS_URL, prefix).app_context():
        assert remember("k", lambda: calls.append(1) or {"a": [1, 2]}, 30) == {"a": [1, 2]}
    with node(REDIS_URL, prefix).app_context():
        assert remember("k", lambda: calls.append(2) or "other", 30) == {"a": [1, 2]}
    assert calls == [1]
    redis.Redis.from_url(REDIS_URL).delete(prefix + "k")


def test_an_unreachable_cache_computes_every_time():
    from cdso.caching import remember
    with node("redis://127.0.0.1:1/0", "x:").app_context():
        assert remember("k", lambda: 41, 30) == 41
        assert remember("k", lambda: 42, 30) == 42
