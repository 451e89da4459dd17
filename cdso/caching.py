"""The one cache: Flask-Caching (cdso.extensions.cache) over Redis when REDIS_URL is set,
shared by every app node; an in-process SimpleCache on the embedded default. A value is
computed when the cache misses or cannot be reached: a cache fault never fails a page."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from cdso.extensions import cache

log = logging.getLogger(__name__)
T = TypeVar("T")


def peek(key: str):
    """The value another request stored under `key`, without computing it (None when
    absent or when the cache cannot be reached)."""
    try:
        return cache.get(key)
    except Exception as error:  # Redis down: the caller computes
        log.warning("cache unavailable: %s", error)
        return None


def remember(key: str, compute: Callable[[], T], timeout: int) -> T:
    """The value stored under `key`, or `compute()` stored there for `timeout` seconds."""
    try:
        found = cache.get(key)
    except Exception as error:  # Redis down: compute, never fail the page
        log.warning("cache unavailable: %s", error)
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as error:
        log.warning("cache unavailable: %s", error)
    return value
