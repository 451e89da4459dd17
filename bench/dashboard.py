"""Time the officials' dashboards and the public figure pages on a city-scale database.

    .venv/bin/python bench/bulk_seed.py --participants 3000000     # once
    .venv/bin/python bench/dashboard.py --requests 200 --append-readme

Each page is requested through the Flask test client (the app's own time, without the
network), signed in as the bench officials that bulk_seed.py made. Three runs:
- "shared cache": as deployed, with Redis holding the city sums of the current minute;
- "first request of a minute": the same, but the current minute's sums are dropped
  before every request, so each one sums the buckets of the current day (the sums of
  the past days stay shared): what the first visitor of each minute waits;
- "no cache": no Redis at all, every request sums every bucket (a single node without
  Redis, the worst case).
Budget (docs/quality.md): p95 ≤ 100 ms with 3 million participants and 60 million answers.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import readme  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cdso_bench_figures"
BUDGET_MS = 100


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pages(app) -> list[tuple[str, str | None, str, dict]]:
    """(label, signed-in login, path, headers) for every timed page."""
    from cdso.extensions import db
    from cdso.models import Account
    with app.app_context():
        clerk = db.session.scalar(select(Account).where(Account.login == "bench.clerk"))
        unit_id = clerk.unit_id
    htmx = {"HX-Request": "true"}
    return [
        ("city dashboard", "bench.admin", "/quan-tri/so-lieu", {}),
        ("city table sorted (htmx)", "bench.admin",
         "/quan-tri/so-lieu?sap-xep=ty-le&chieu=giam&loai=xa", htmx),
        ("city dashboard as of a past moment", "bench.admin",
         "/quan-tri/so-lieu?luc=" + _past_moment(), {}),
        ("unit dashboard (largest unit)", "bench.clerk", "/quan-tri/so-lieu", {}),
        ("follow-up list page 40 (htmx)", "bench.clerk",
         f"/quan-tri/so-lieu/don-vi/{unit_id}/chua-hoan-thanh?trang=40", htmx),
        ("organisation view (largest)", "bench.reporter", "/quan-tri/so-lieu", {}),
        ("public ranking", None, "/bang-xep-hang", {}),
        ("public map", None, "/ban-do", {}),
        ("open data GeoJSON", None, "/du-lieu/don-vi.geojson", {}),
        ("open data CSV", None, "/du-lieu/don-vi.csv", {}),
    ]


def _past_moment() -> str:
    from cdso.formatting import to_local, utcnow
    return to_local(utcnow() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def sign_in(app, client, login: str | None) -> None:
    from cdso.extensions import db
    from cdso.models import Account
    with client.session_transaction() as session:
        session.clear()
        if login:
            with app.app_context():
                account = db.session.scalar(select(Account).where(Account.login == login))
                session["_user_id"] = account.get_id()
                session["_fresh"] = True


def forget_current_minute(app) -> None:
    """Drop the shared sums of single minutes, keep those of whole past days."""
    import redis
    with app.app_context():
        client = redis.Redis.from_url(app.config["CACHE_REDIS_URL"])
        for kind in ("units", "groups", "daily"):
            keys = client.keys(f"cdso:fig:*:{kind}:*")
            if keys:
                client.delete(*keys)


def time_pages(app, requests: int, warmup: int = 5,
               before_each=None) -> list[tuple[str, float, float, float]]:
    results = []
    client = app.test_client()
    for label, login, path, headers in pages(app):
        sign_in(app, client, login)
        for _ in range(warmup):
            assert client.get(path, headers=headers).status_code == 200, (label, path)
        samples = []
        for _ in range(requests):
            if before_each:
                before_each(app)
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        results.append((label, statistics.median(samples), percentile(samples, 0.95),
                        max(samples)))
        print(f"  {label:<40} p50 {results[-1][1]:7.1f} ms  p95 {results[-1][2]:7.1f} ms",
              flush=True)
    return results


def dataset(app) -> str:
    from cdso.extensions import db
    with app.app_context():
        counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("registration", "attempt", "attempt_question", "figure_bucket")}
    return (f"{counts['registration']:,} participants, {counts['attempt']:,} attempts, "
            f"{counts['attempt_question']:,} answers, {counts['figure_bucket']:,} hourly buckets")


def report(title: str, rows) -> str:
    lines = [f"**{title}**", "", "| page | p50 ms | p95 ms | max ms | within budget |",
             "|---|---:|---:|---:|---|"]
    for label, p50, p95, worst in rows:
        lines.append(f"| {label} | {p50:.1f} | {p95:.1f} | {worst:.1f} | "
                     f"{'yes' if p95 <= BUDGET_MS else 'NO'} |")
    return "\n".join(lines)


INTRO = """
`bench/bulk_seed.py` loads a city-scale contest into its own PostgreSQL database
(`cdso_bench_figures`, dropped and made again), all inside PostgreSQL; `bench/dashboard.py`
then times each page through the Flask test client, signed in as the bench officials
(the city administrator, the clerk of the largest unit, the reporter of its largest
organisation). Three runs: with the shared Redis cache as deployed; with the current
minute's sums dropped before every request (what the first visitor of a minute waits);
and with no Redis at all (one node without Redis: the worst case).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--uncached-requests", type=int, default=50)
    parser.add_argument("--append-readme", action="store_true")
    args = parser.parse_args()

    from cdso import create_app
    config = {"SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_STORAGE_URI": "memory://",
              "SECRET_KEY": "bench"}
    cached_app = create_app({**config, "REDIS_URL": args.redis_url})
    plain_app = create_app({**config, "REDIS_URL": "", "CACHE_TYPE": "NullCache"})
    data = dataset(plain_app)
    load_before = os.getloadavg()[0]
    print(data)
    print(f"shared cache ({args.requests} requests per page):")
    cached = time_pages(cached_app, args.requests)
    print(f"first request of a minute ({args.uncached_requests} requests per page):")
    first = time_pages(cached_app, args.uncached_requests, before_each=forget_current_minute)
    print(f"no cache ({args.uncached_requests} requests per page):")
    uncached = time_pages(plain_app, args.uncached_requests)
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    print(load)
    if args.append_readme:
        with plain_app.app_context():
            from cdso.extensions import db
            version = db.session.execute(text("SHOW server_version")).scalar()
        section = readme.city_scale_entry(
            data, f".venv/bin/python bench/dashboard.py --requests {args.requests} "
            f"--uncached-requests {args.uncached_requests} --append-readme",
            "bench/bulk_seed.py", load, BUDGET_MS, [
                report(f"Shared cache (Redis), {args.requests} requests per page", cached),
                report(f"First request of a minute (current minute's sums dropped before "
                       f"each request), {args.uncached_requests} requests per page", first),
                report(f"No cache, {args.uncached_requests} requests per page", uncached)],
            server=f", PostgreSQL {version}")
        readme.append_to_section("## Dashboards at city scale", section, INTRO)
        print(f"appended to {readme.README}")


if __name__ == "__main__":
    main()
