"""Login throttling that the owner survives (issue 18 item 3).

Failed logins are counted per account, per address, and per (known device, account);
the right password is never refused for good. After `free` failures each further
attempt waits a delay that doubles (1 s, 2 s, 4 s … up to `max_delay`), measured from
the last failure; a counter forgets `window` seconds after its last failure.

- A device that logged in to the account before (the signed device cookie,
  cdso/auth/devices.py) counts its failures under its own key: failures from elsewhere
  do not slow it, and it is not held by the address limit either.
- The address limit counts failures only and starts late (mobile carriers put many
  phones behind one address).

Counters live in Redis when REDIS_URL is set (every app node shares them), else in
the process (the SQLite developer setup); Redis down falls back to the process."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULTS = {
    "LOGIN_ACCOUNT_FREE_FAILURES": 5,
    "LOGIN_DEVICE_FREE_FAILURES": 10,
    "LOGIN_ADDRESS_FREE_FAILURES": 300,  # one carrier NAT address, 15 minutes
    "LOGIN_MAX_DELAY": 300,  # seconds: the longest an owner on a new device waits
    "LOGIN_FAILURE_WINDOW": 900,  # seconds after the last failure a counter is forgotten
}
# A burst worth telling the account's owner about: when the account count reaches these
# multiples of its free allowance.
ALERT_MULTIPLES = (1, 4, 20)


@dataclass(frozen=True)
class Counter:
    count: int = 0
    last_at: float = 0.0


def delay_after(count: int, free: int, max_delay: int) -> int:
    """Seconds to wait after the `count`-th failure before the next try."""
    if count < free:
        return 0
    return min(2 ** (count - free), max_delay)


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, Counter] = {}
        self._lock = threading.Lock()

    def get(self, key: str, window: int, now: float) -> Counter:
        counter = self._data.get(key)
        if counter is None or now - counter.last_at > window:
            return Counter()
        return counter

    def hit(self, key: str, window: int, now: float) -> int:
        with self._lock:
            if len(self._data) > 100_000:  # forget the stale ones now and then
                self._data = {k: c for k, c in self._data.items() if now - c.last_at <= window}
            count = self.get(key, window, now).count + 1
            self._data[key] = Counter(count, now)
            return count

    def clear(self, key: str) -> None:
        self._data.pop(key, None)


class RedisStore:
    PREFIX = "cdso:login-fail:"
    # One round trip, atomic: a counter older than the window starts again at 1.
    HIT = """
local last = redis.call('HGET', KEYS[1], 't')
if (not last) or (tonumber(ARGV[1]) - tonumber(last) > tonumber(ARGV[2])) then
  redis.call('DEL', KEYS[1])
end
local count = redis.call('HINCRBY', KEYS[1], 'c', 1)
redis.call('HSET', KEYS[1], 't', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return count
"""

    def __init__(self, url: str) -> None:
        import redis
        self.errors = (redis.RedisError,)
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._hit = self.client.register_script(self.HIT)

    def get(self, key: str, window: int, now: float) -> Counter:
        count, last_at = self.client.hmget(self.PREFIX + key, "c", "t")
        if count is None or last_at is None or now - float(last_at) > window:
            return Counter()
        return Counter(int(count), float(last_at))

    def hit(self, key: str, window: int, now: float) -> int:
        return int(self._hit(keys=[self.PREFIX + key], args=[repr(now), window]))

    def clear(self, key: str) -> None:
        self.client.delete(self.PREFIX + key)


class Throttle:
    """The counters of one app. `keys` are (kind, value) pairs: kind is account,
    address or device, and chooses the allowance."""

    def __init__(self, settings: dict, redis_url: str = "") -> None:
        self.settings = {name: int(settings.get(name, default)) for name, default in
                         DEFAULTS.items()}
        self.memory = MemoryStore()
        self.shared = RedisStore(redis_url) if redis_url else None

    def _free(self, kind: str) -> int:
        return self.settings[f"LOGIN_{kind.upper()}_FREE_FAILURES"]

    def _call(self, method: str, *args):
        if self.shared is not None:
            try:
                return getattr(self.shared, method)(*args)
            except self.shared.errors as error:  # Redis down: this process counts meanwhile
                log.warning("login throttle storage unavailable: %s", error)
        return getattr(self.memory, method)(*args)

    def wait_seconds(self, keys: list[tuple[str, str]], now: float | None = None) -> int:
        """How long until the next try is allowed (0: now)."""
        now = time.time() if now is None else now
        window, cap = self.settings["LOGIN_FAILURE_WINDOW"], self.settings["LOGIN_MAX_DELAY"]
        wait = 0.0
        for kind, value in keys:
            counter = self._call("get", f"{kind}:{value}", window, now)
            delay = delay_after(counter.count, self._free(kind), cap)
            wait = max(wait, counter.last_at + delay - now) if delay else wait
        return int(wait + 0.999)

    def record_failure(self, keys: list[tuple[str, str]], now: float | None = None) -> int:
        """Count a failure on every key. Returns the account's count when it starts or
        grows a burst worth an alert, else 0."""
        now = time.time() if now is None else now
        alert = 0
        for kind, value in keys:
            count = self._call("hit", f"{kind}:{value}", self.settings["LOGIN_FAILURE_WINDOW"],
                               now)
            if kind == "account" and count in {m * self._free(kind) for m in ALERT_MULTIPLES}:
                alert = count
        return alert

    def forget(self, keys: list[tuple[str, str]]) -> None:
        for kind, value in keys:
            self._call("clear", f"{kind}:{value}")


def keys_for(login_key: str, address: str | None, device: str | None) -> list[tuple[str, str]]:
    """The counters a login attempt is held by and counted on."""
    if device:
        return [("device", f"{device}:{login_key}")]
    return [("account", login_key), ("address", address or "?")]
