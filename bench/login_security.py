"""What the login defences cost per request: the login throttle's counters (Redis or the
process) and the weak-password check with its shipped list.

    .venv/bin/python -m bench.login_security [--redis redis://127.0.0.1:6379/7]

The Redis database given is emptied at the end: use one of its own."""
from __future__ import annotations

import argparse
import time

from cdso.services.accounts import passwords
from cdso.services.accounts.login_throttle import Throttle, keys_for

N = 2000


def per_call_us(function, n: int = N) -> float:
    start = time.perf_counter()
    for i in range(n):
        function(i)
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="")
    args = parser.parse_args()
    start = time.perf_counter()
    common = passwords.common_passwords()
    print(f"common-password list: {len(common)} entries, loaded once per worker in "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")

    def check(_i):
        try:
            passwords.check("hoa sen nở trên hồ", phone="0912345678", cccd="031070001234")
        except passwords.WeakPassword:
            pass
    print(f"password check: {per_call_us(check, 20000):.1f} µs")
    for label, url in (("process", ""), ("redis", args.redis)):
        if label == "redis" and not url:
            continue
        measure_throttle(label, Throttle({}, url))


def measure_throttle(label: str, throttle: Throttle) -> None:
    keys = keys_for("0912345678", "10.0.0.1", None)
    wait = per_call_us(lambda _i: throttle.wait_seconds(keys))
    fail = per_call_us(lambda i: throttle.record_failure(
        keys_for(f"09{i:08d}", "10.0.0.1", None)))
    print(f"throttle ({label}): check before a login {wait:.0f} µs, "
          f"count a failure {fail:.0f} µs")
    if throttle.shared is not None:
        throttle.shared.client.flushdb()

if __name__ == "__main__":
    main()
