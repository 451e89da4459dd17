"""Knowledge gaps at city scale: the city heat map (114 units × 9 topics), a unit's page
and the open data by topic, timed on topic buckets of 3 million participants and 60
million answers.

    .venv/bin/python bench/gaps.py --seed-only            # once: make the database
    .venv/bin/python bench/gaps.py --append-readme        # time the pages

The heat map reads only the topic buckets (never the answers: pages ask "as of" whole
minutes, and the minute being asked about is closed), so the buckets are generated
directly in PostgreSQL at the size 60 M answers give, instead of generating the answers
and rebuilding from them (an hour of the shared machine): a bucket row for every hour
since the contest opened (ten days ago, as bench/bulk_seed.py), every unit with its 4
organisations and "none" weighted like the real contest (a few large units, a long
tail), every topic (20 questions over 9 topics: 3, 3, 2, … as the quotas spread them);
minute rows for the last two hours with one minute's share of attempts each. Four runs:
with the shared Redis cache as deployed; the first request of a minute (its grids and
pages dropped first) after `flask cdso sweep`'s part has drawn the city page ahead (the
sweep's time reported apart), and with nothing drawn ahead; and with no Redis.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import readme  # noqa: E402
from bench.bulk_seed import prepare, recreate_database, step  # noqa: E402
from bench.dashboard import percentile, sign_in  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cdso_bench_gaps"
BUDGET_MS = 100

HOURS = """
INSERT INTO topic_bucket (contest_id, hour, unit_id, organisation_id, topic_id, answered,
                          correct, people)
SELECT :contest, h.hour, s.unit_id, s.org_id, t.topic_id, a.answered,
       round(a.answered * least(0.98, greatest(0.05,
             t.base + s.shift + (random() - 0.5) * 0.1)))::int,
       ceil(a.answered / (20.0 * t.share))::int
FROM generate_series(CAST(:first AS timestamp), CAST(:last AS timestamp),
                     interval '1 hour') AS h(hour)
CROSS JOIN bench_gslot s CROSS JOIN bench_gtopic t
CROSS JOIN LATERAL (SELECT round(:per_hour * s.weight * t.share * (0.5 + random())
                                 )::int AS answered) a
WHERE a.answered > 0
"""

MINUTES = """
INSERT INTO topic_minute (contest_id, minute, unit_id, organisation_id, topic_id, answered,
                          correct, people)
SELECT :contest, m.minute, s.unit_id, s.org_id, t.topic_id, sum(round(20 * t.share))::int,
       sum(round(20 * t.share * t.base))::int, count(*)::int
FROM generate_series(CAST(:first AS timestamp), CAST(:last AS timestamp),
                     interval '1 minute') AS m(minute)
CROSS JOIN LATERAL (SELECT g FROM generate_series(1, :per_minute) g
                    WHERE m.minute IS NOT NULL) p
CROSS JOIN LATERAL (SELECT * FROM bench_gslot ORDER BY random() + 0 * p.g LIMIT 1) s
CROSS JOIN bench_gtopic t
GROUP BY m.minute, s.unit_id, s.org_id, t.topic_id
"""


def helper_tables(session, seed: int) -> None:
    rng = random.Random(seed)
    unit_ids = [r[0] for r in session.execute(text("SELECT id FROM unit ORDER BY code"))]
    weights = [rng.paretovariate(1.6) for _ in unit_ids]
    total = sum(weights)
    orgs: dict[int, list[int]] = {}
    for unit_id, org_id in session.execute(text("SELECT unit_id, id FROM organisation")):
        orgs.setdefault(unit_id, []).append(org_id)
    rows = []
    for unit_id, weight in zip(unit_ids, weights, strict=True):
        shift = rng.uniform(-0.12, 0.08)
        rows.append((unit_id, 0, weight / total * 0.3, shift))
        for org_id in orgs.get(unit_id, []):
            rows.append((unit_id, org_id, weight / total * 0.7 / len(orgs[unit_id]), shift))
    session.execute(text("CREATE UNLOGGED TABLE bench_gslot (unit_id int, org_id int, "
                         "weight float8, shift float8)"))
    session.execute(text("INSERT INTO bench_gslot VALUES (:u, :o, :w, :s)"),
                    [{"u": u, "o": o, "w": w, "s": s} for u, o, w, s in rows])
    topic_ids = [r[0] for r in session.execute(text("SELECT id FROM topic ORDER BY position, id"))]
    base, extra = divmod(20, len(topic_ids))
    session.execute(text("CREATE UNLOGGED TABLE bench_gtopic (topic_id int, share float8, "
                         "base float8)"))
    session.execute(text("INSERT INTO bench_gtopic VALUES (:t, :share, :base)"), [
        {"t": t, "share": (base + (1 if i < extra else 0)) / 20, "base": rng.uniform(0.5, 0.9)}
        for i, t in enumerate(topic_ids)])


def refresh_minutes(session, contest_id: int) -> None:
    """Minute rows for the previous hour up to a quarter of an hour from now, one minute's
    share of attempts each (made again before timing: the current hour must have them)."""
    from cdso.formatting import utcnow
    from cdso.services.figures.stats import hour_of, minute_of
    now = utcnow()
    first = hour_of(now) - dt.timedelta(hours=1)
    session.execute(text("DELETE FROM topic_minute WHERE minute >= :first"), {"first": first})
    per_minute = session.execute(text("SELECT per_minute FROM bench_grate")).scalar()
    session.execute(text(MINUTES), {"contest": contest_id, "per_minute": per_minute,
                                    "first": first,
                                    "last": minute_of(now) + dt.timedelta(minutes=15)})
    session.commit()
    print(f"  minute rows from {first:%H:%M} to {minute_of(now) + dt.timedelta(minutes=15):%H:%M}"
          f" UTC, {per_minute} attempts a minute", flush=True)


def seed(url: str, participants: int, answers: int, seed_value: int) -> None:
    from cdso import create_app
    from cdso.extensions import db
    from cdso.formatting import utcnow
    from cdso.models import Account, Contest, Role
    from cdso.services.figures.stats import hour_of

    done = step("database and reference data")
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": ""})
    with app.app_context():
        contest = db.session.get(Contest, prepare(app))
        session = db.session
        session.execute(text("SET synchronous_commit = off"))
        session.execute(text(f"SELECT setseed({(seed_value % 1000) / 1000})"))
        helper_tables(session, seed_value)
        now = utcnow()
        first, last = hour_of(contest.opens_at), hour_of(now) - dt.timedelta(hours=1)
        hours = int((last - first).total_seconds() // 3600) + 1
        done()
        done = step(f"topic buckets: {hours} hours × units × organisations × topics")
        session.execute(text(HOURS), {"contest": contest.id, "first": first, "last": last,
                                      "per_hour": answers / hours})
        session.commit()
        done()
        session.execute(text("CREATE TABLE bench_grate (per_minute int)"))
        session.execute(text("INSERT INTO bench_grate VALUES (:n)"),
                        {"n": max(1, round(answers / 20 / hours / 60))})
        session.commit()
        done = step("topic minutes of the last hours")
        refresh_minutes(session, contest.id)
        largest = session.execute(text(
            "SELECT unit_id FROM topic_bucket GROUP BY unit_id ORDER BY sum(answered) DESC "
            "LIMIT 1")).scalar()
        for login, role, unit in (("bench.admin", Role.ADMIN, None),
                                  ("bench.clerk", Role.CLERK, largest)):
            account = Account(login=login, role=role.value, full_name=f"Cán bộ {login}",
                              unit_id=unit, created_at=now, is_organiser=True)
            account.set_password("bench-mat-khau-2025")
            session.add(account)
        session.commit()
        done()
        db.session.remove()
        db.engine.dispose()
    done = step("vacuum analyze")
    import psycopg
    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                         dbname=parsed.database, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    done()
    print(f"participants represented: {participants:,}")


def pages(app) -> list[tuple[str, str | None, str]]:
    from cdso.extensions import db
    from cdso.formatting import to_local, utcnow
    from cdso.models import Account
    with app.app_context():
        unit_id = db.session.scalar(select(Account.unit_id).where(
            Account.login == "bench.clerk"))
    past = to_local(utcnow() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return [
        ("city heat map and map", "bench.admin", "/quan-tri/kien-thuc"),
        ("city heat map sorted by topic 3", "bench.admin",
         "/quan-tri/kien-thuc?theo=3&chieu=giam&ban-do=3"),
        ("city heat map as of a past moment", "bench.admin", f"/quan-tri/kien-thuc?luc={past}"),
        ("largest unit by organisation", "bench.clerk", "/quan-tri/kien-thuc"),
        ("the same, seen by the city", "bench.admin", f"/quan-tri/kien-thuc/don-vi/{unit_id}"),
        ("open data CSV by topic", None, "/du-lieu/chu-de.csv"),
    ]


def forget_current_minute(app) -> None:
    """Drop the shared grids of single moments and the current minute's sums of the
    hour's minutes; keep those of the previous minute, today's hours and past days (what
    the first visitor of a minute finds when someone looked in the minute before)."""
    from cdso.services.figures.dashboard import now_minute
    with app.app_context():
        import redis
        client = redis.Redis.from_url(app.config["CACHE_REDIS_URL"])
        keys = [key for pattern in ("topics", "topics-page", "topics-unit")
                for key in client.keys(f"cdso:fig:*:{pattern}:*")]
        keys += client.keys(f"cdso:fig:*:topics-minutes:*:{now_minute().isoformat()}")
        if keys:
            client.delete(*keys)


WARM_MS: list[float] = []


def forget_then_sweep(app) -> None:
    """A new minute as deployed: nothing of it drawn yet, then `flask cdso sweep`'s part for
    the heat map (the city page's default view drawn ahead; its time kept in WARM_MS)."""
    forget_current_minute(app)
    from cdso.extensions import db
    from cdso.models import Contest
    from cdso.office.gaps import warm_city_page
    with app.app_context():
        started = time.perf_counter()
        assert warm_city_page(db.session.scalars(db.select(Contest)).first())
        WARM_MS.append((time.perf_counter() - started) * 1000)
        db.session.remove()


def time_pages(app, requests: int, before_each=None, warmup: int = 3) -> list[tuple]:
    results = []
    client = app.test_client()
    for label, login, path in pages(app):
        sign_in(app, client, login)
        for _ in range(warmup):
            assert client.get(path).status_code == 200, (label, path)
        samples, cpu = [], []
        for _ in range(requests):
            if before_each:
                before_each(app)
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        results.append((label, statistics.median(samples), percentile(samples, 0.95),
                        max(samples), statistics.median(cpu), percentile(cpu, 0.95)))
        print(f"  {label:<40} p50 {results[-1][1]:7.1f} ms  p95 {results[-1][2]:7.1f} ms"
              f"  (app CPU p50 {results[-1][4]:5.1f}, p95 {results[-1][5]:5.1f})", flush=True)
    return results


def dataset(app) -> str:
    from cdso.extensions import db
    with app.app_context():
        hours, answered, people = db.session.execute(text(
            "SELECT count(*), sum(answered), sum(people) FROM topic_bucket")).one()
        minutes = db.session.execute(text("SELECT count(*) FROM topic_minute")).scalar()
    return (f"{answered:,} answers and {people:,} topic-people in {hours:,} hourly topic "
            f"buckets, {minutes:,} minute buckets")


def report(title: str, rows) -> str:
    lines = [f"**{title}**", "",
             "| page | p50 ms | p95 ms | max ms | app CPU p50 ms | app CPU p95 ms | "
             "p95 within budget |", "|---|---:|---:|---:|---:|---:|---|"]
    for label, p50, p95, worst, cpu50, cpu95 in rows:
        lines.append(f"| {label} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {cpu50:.1f} | "
                     f"{cpu95:.1f} | {'yes' if p95 <= BUDGET_MS else 'NO'} |")
    return "\n".join(lines)


INTRO = """
`bench/gaps.py --seed-only` makes its own PostgreSQL database (`cdso_bench_gaps`, dropped
and made again) holding the topic buckets of 3 million participants' 60 million answers,
generated directly (see the script's docstring for why and how); `bench/gaps.py` then
times the pages through the Flask test client, signed in as the city administrator and
the clerk of the largest unit: with the shared Redis cache; as the first request of a
minute (the minute's grids and pages dropped before each request) after the sweep has
drawn the city page ahead, and with nothing drawn ahead; and with no Redis.
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--participants", type=int, default=3_000_000)
    parser.add_argument("--answers", type=int, default=60_000_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--uncached-requests", type=int, default=50)
    parser.add_argument("--append-readme", action="store_true")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.seed_only:
        seed(args.database_url, args.participants, args.answers, args.seed)
        return

    from cdso import create_app
    config = {"SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_STORAGE_URI": "memory://",
              "SECRET_KEY": "bench"}
    cached_app = create_app({**config, "REDIS_URL": args.redis_url})
    plain_app = create_app({**config, "REDIS_URL": "", "CACHE_TYPE": "NullCache"})
    with plain_app.app_context():
        from cdso.extensions import db
        refresh_minutes(db.session, 1)
    data = dataset(plain_app)
    load_before = os.getloadavg()[0]
    print(data)
    print(f"shared cache ({args.requests} requests per page):")
    cached = time_pages(cached_app, args.requests)
    print(f"first request of a minute, after the sweep ({args.uncached_requests} requests "
          "per page):")
    swept = time_pages(cached_app, args.uncached_requests, before_each=forget_then_sweep)
    warm = (f"the sweep drew the city page ahead in {statistics.median(WARM_MS):.1f} ms at the "
            f"median, {percentile(WARM_MS, 0.95):.1f} ms p95 ({len(WARM_MS)} times)")
    print(f"  {warm}")
    print(f"first request of a minute, nothing drawn ahead ({args.uncached_requests} "
          "requests per page):")
    from cdso.services.figures import cache as figure_cache
    figure_cache.WARM_GRACE = dt.timedelta(0)  # as if no sweep ran: drawn in the request
    first = time_pages(cached_app, args.uncached_requests, before_each=forget_current_minute)
    print(f"no cache ({args.uncached_requests} requests per page):")
    uncached = time_pages(plain_app, args.uncached_requests)
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    print(load)
    if args.append_readme:
        section = readme.city_scale_entry(
            data, f".venv/bin/python bench/gaps.py --requests {args.requests} "
            f"--uncached-requests {args.uncached_requests} --append-readme",
            "bench/gaps.py --seed-only", load, BUDGET_MS, [
                report(f"Shared cache (Redis), {args.requests} requests per page", cached),
                report(f"First request of a minute after the sweep drew the city page "
                       f"(default view) ahead, {args.uncached_requests} requests per page",
                       swept),
                f"Timed apart: {warm}.",
                report(f"First request of a minute with nothing drawn ahead (no sweep), "
                       f"{args.uncached_requests} requests per page", first),
                report(f"No cache, {args.uncached_requests} requests per page", uncached)])
        readme.append_to_section("## Knowledge gaps at city scale", section, INTRO)
        print(f"appended to {readme.README}")


if __name__ == "__main__":
    main()
