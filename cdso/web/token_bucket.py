"""A rate limit kept in the worker's memory: no network round trip per request.

For the answer step, the quiz's hot path: each account has a bucket of `capacity` tokens
that refills at capacity per `period`; a step takes one, and a step finding the bucket
empty is refused (429). Each worker keeps its own buckets, so with W workers on N nodes an
account gets at most W × N times the limit: still a bound a script feels and a person
never reaches (a person answers a question every few seconds). Logins, registrations and
uploads keep their limits in Redis, shared between workers and nodes.

Bounded: when more than `max_keys` accounts are held, the full buckets (accounts idle for
a whole period) are dropped, then the oldest if still too many."""
from __future__ import annotations

import threading
import time


class TokenBucket:
    def __init__(self, capacity: int, period: float, max_keys: int = 50_000,
                 clock=time.monotonic):
        self.capacity, self.period, self.max_keys = capacity, period, max_keys
        self.rate = capacity / period
        self._clock = clock
        self._buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key) -> bool:
        """One token for `key`; False when its bucket is empty."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > self.max_keys:
                self._prune(now)
            return True

    def _prune(self, now: float) -> None:
        self._buckets = {k: v for k, v in self._buckets.items()
                         if v[0] + (now - v[1]) * self.rate < self.capacity}
        if len(self._buckets) > self.max_keys:
            keep = sorted(self._buckets.items(), key=lambda kv: kv[1][1])[-self.max_keys // 2:]
            self._buckets = dict(keep)

    def __len__(self) -> int:
        return len(self._buckets)
