"""Landing page → first question on a slow mobile link, in a real browser.

Debian's Chromium (Playwright), throttled through the DevTools protocol to 400 kbit/s
both ways and 400 ms round trips, each run in a fresh context (empty cache): open the
landing page, «Đăng nhập», log in as a resident, «Bắt đầu làm bài», until the first
question is shown. The app runs as the browser tests run it (tests/e2e/site.py): gunicorn
with deploy/gunicorn.conf.py, 2 workers, a fresh SQLite database, HTTP/1.1 without TLS.

    .venv/bin/python bench/slow_network.py [--runs 5]

Prints every run and the median time, the bytes of the whole way in and of the quiz's
first visit (QUALITY.md: ≤ 5 s, ≤ 25 KB), for bench/README.md."""
from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e import chromium, slow_network  # noqa: E402
from tests.e2e.site import Server, initialise, populate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not chromium.CHROMIUM.exists():
        raise SystemExit(chromium.MISSING)
    with tempfile.TemporaryDirectory(prefix="cdso-slow-") as folder:
        path = Path(folder) / "site.sqlite3"
        initialise(path)
        server = Server(f"sqlite:///{path}", Path(folder) / "gunicorn.log")
        try:
            people = populate(path, slow_residents=args.runs)
            server.wait_ready()
            with sync_playwright() as playwright:
                browser = chromium.launch(playwright)
                runs = [slow_network.measure(browser, server.base_url, phone)
                        for phone in people.slow_residents]
                browser.close()
        finally:
            server.stop()
    for number, run in enumerate(runs, start=1):
        print(f"run {number}: " + "\n".join(run.lines()))
    seconds = statistics.median(r.seconds for r in runs)
    last = runs[-1]
    print(f"\n{dt.date.today().isoformat()}, {platform.node()}, {args.runs} runs, "
          f"Chromium {chromium.CHROMIUM}")
    print(f"landing → first question: median {seconds:.2f} s "
          f"(min {min(r.seconds for r in runs):.2f}, max {max(r.seconds for r in runs):.2f}); "
          f"budget {slow_network.SECONDS_BUDGET:.0f} s")
    print(f"bytes, whole way in: {last.total_bytes:,} B in {len(last.received)} responses")
    print(f"bytes, the quiz's first visit (question page + CSS + JS): "
          f"{last.quiz_first_visit_bytes:,} B; budget {slow_network.BYTES_BUDGET:,} B")


if __name__ == "__main__":
    main()
