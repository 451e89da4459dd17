"""A resident on a slow phone, landing page → first question, in a real browser (issue 16).

Debian's Chromium (Playwright) on the profile of tests/e2e/slow_network.py: 400 kbit/s
both ways, 400 ms round trips, CPU slowed 4x (DevTools Emulation.setCPUThrottlingRate),
a 360x640 screen, every run in a fresh context (cold cache). Both ways in, each with and
without JavaScript: a new resident registering (unit search included) with «Đăng ký và
bắt đầu làm bài», and a returning resident logging in with «Đăng nhập và bắt đầu làm
bài»; then one answer step. Each step is timed from the tap until the page shows what it
must and, when the step loaded a new document, until that document's first contentful
paint (tests/e2e/slow_network.py, _until_shown; polled every 10 ms through the DevTools
protocol). The app runs as the browser tests run it (tests/e2e/site.py):
gunicorn with deploy/gunicorn.conf.py, 2 workers, a fresh SQLite database, HTTP/1.1.

    .venv/bin/python bench/slow_network.py [--runs 5] [--cpu 4]

Prints every run, then per way in the median machine time (the person's typing
excluded) against its budget, the bytes of every step (headers included, from the
median run), the first-visit bytes and the machine's load, for bench/README.md."""
from __future__ import annotations

import argparse
import datetime as dt
import os
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

WAYS = [("new", True), ("new", False), ("returning", True), ("returning", False)]


def measure_all(base_url: str, returning: list[str], runs: int, cpu: int) -> dict:
    results: dict = {way: [] for way in WAYS}
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        for number in range(runs):  # interleaved: a burst of load hits every way alike
            for path, js in WAYS:
                phone = (f"0905{number:02d}{int(js)}001" if path == "new"
                         else returning.pop())
                run = slow_network.run(browser, base_url, path, phone, javascript=js, cpu=cpu)
                print("\n".join(run.lines()), flush=True)
                results[(path, js)].append(run)
        browser.close()
    return results


def report(results: dict, runs: int, cpu: int) -> None:
    load = os.getloadavg()
    print(f"\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; "
          f"{runs} cold runs per way, CPU slowed {cpu}x, Chromium {chromium.CHROMIUM}")
    print("| way in | JS | median s (min–max) | budget | to the first question | quiz's first visit | answer step |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (path, js), found in results.items():
        times = sorted(r.seconds for r in found)
        median = sorted(found, key=lambda r: r.seconds)[len(found) // 2]
        budget = slow_network.SECONDS_BUDGET[(path, js)]
        print(f"| {path} | {'yes' if js else 'no'} | {statistics.median(times):.2f} "
              f"({times[0]:.2f}–{times[-1]:.2f}) | {budget:.1f} | {median.total_bytes:,} B "
              f"| {median.quiz_first_visit_bytes:,} B | {median.answer_bytes:,} B |")
    for found in results.values():
        median = sorted(found, key=lambda r: r.seconds)[len(found) // 2]
        print("\nmedian run:\n" + "\n".join(median.lines()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=slow_network.CPU_SLOWDOWN)
    args = parser.parse_args()
    if not chromium.CHROMIUM.exists():
        raise SystemExit(chromium.MISSING)
    with tempfile.TemporaryDirectory(prefix="cdso-slow-") as folder:
        path = Path(folder) / "site.sqlite3"
        initialise(path)
        server = Server(f"sqlite:///{path}", Path(folder) / "gunicorn.log")
        try:
            people = populate(path, slow_residents=2 * args.runs)
            server.wait_ready()
            results = measure_all(server.base_url, list(people.slow_residents), args.runs,
                                  args.cpu)
        finally:
            server.stop()
    report(results, args.runs, args.cpu)


if __name__ == "__main__":
    main()
