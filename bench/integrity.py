"""Time the integrity signals (docs/integrity.md) on a city-scale database.

    .venv/bin/python bench/integrity.py --participants 3000000 --seed-first --append-readme
    .venv/bin/python bench/integrity.py            # again, on the database already seeded

--seed-first runs bench/bulk_seed.py --no-answers into `cdso_bench_integrity` (the signals
never read the answer rows; an attempt's answer pattern is on the attempt), then gives every
registration a network address (about 40 people per address, as behind a carrier's NAT),
a device cookie to 30% of them, every attempt an answer pattern, and plants the padding
of the issue's scenarios: 60 registrations in 5 minutes by one helper, 20 attempts of 20
questions in 30 s, one answer pattern across 15 accounts in an hour. Then it times
`overview.compute` for the whole city (the review page and the publication preview) and
for one unit (a ward clerk's page), and checks the planted padding is found.
Budget: the dashboards' (docs/quality.md), p95 ≤ 100 ms per page.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import readme  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cdso_bench_integrity"

ENRICH = [
    "UPDATE registration SET client_ip = '10.' || (id / 40 / 65536 % 256) || '.' "
    "|| (id / 40 / 256 % 256) || '.' || (id / 40 % 256), "
    "device_id = CASE WHEN id % 10 < 3 THEN md5(id::text) END",
    "UPDATE attempt SET answer_pattern = translate(substr(md5(id::text) || md5((id * 7)::text),"
    " 1, 20), '0123456789abcdef', 'ABCDABCDABCDABCD')",
]


def plant(session, contest_id: int) -> dict:
    """The padding of the issue's scenarios, in the largest unit."""
    unit_id = session.execute(text(
        "SELECT unit_id FROM registration GROUP BY unit_id ORDER BY count(*) DESC LIMIT 1"
    )).scalar()
    helper = session.execute(text("SELECT id FROM account WHERE login = 'bench.team'")).scalar()
    burst = session.execute(text(
        "SELECT id FROM registration WHERE unit_id = :u AND assisted_by_id IS NULL "
        "ORDER BY id LIMIT 60"), {"u": unit_id}).scalars().all()
    moment = session.execute(text("SELECT max(created_at) FROM registration")).scalar()
    for i, reg_id in enumerate(burst):
        session.execute(text("UPDATE registration SET assisted_by_id = :h, created_at = :at "
                             "WHERE id = :r"),
                        {"h": helper, "at": moment - dt.timedelta(seconds=5 * i), "r": reg_id})
    fast = session.execute(text(
        "SELECT a.id FROM attempt a JOIN registration r ON r.id = a.registration_id "
        "WHERE r.unit_id = :u ORDER BY a.id DESC LIMIT 20"), {"u": unit_id}).scalars().all()
    session.execute(text("UPDATE attempt SET duration_seconds = 30 WHERE id = ANY(:ids)"),
                    {"ids": fast})
    same = session.execute(text(
        "SELECT a.id FROM attempt a JOIN registration r ON r.id = a.registration_id "
        "WHERE r.unit_id = :u AND a.number = 1 ORDER BY a.finished_at DESC LIMIT 15"),
        {"u": unit_id}).scalars().all()
    session.execute(text("UPDATE attempt SET answer_pattern = 'ABCDABCDABCDABCDABCD', "
                         "finished_at = :at, recorded_at = :at WHERE id = ANY(:ids)"),
                    {"ids": same, "at": moment})
    return {"unit_id": unit_id}


def seed(args) -> None:
    subprocess.run([sys.executable, str(ROOT / "bench/bulk_seed.py"), "--participants",
                    str(args.participants), "--database-url", args.database_url,
                    "--no-answers"], check=True)
    from cdso import create_app
    from cdso.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "REDIS_URL": ""})
    with app.app_context():
        for sql in ENRICH:
            started = time.perf_counter()
            db.session.execute(text(sql))
            db.session.commit()
            print(f"  {sql[:40]}…: {time.perf_counter() - started:.1f} s", flush=True)
        contest_id = db.session.execute(text("SELECT id FROM contest")).scalar()
        plant(db.session, contest_id)
        db.session.commit()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    vacuum(args.database_url)


def vacuum(url: str) -> None:
    """VACUUM ANALYZE after the updates above (3 M dead rows per table otherwise: index-only
    scans would visit the heap, as autovacuum would not yet have run)."""
    import psycopg
    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                         dbname=parsed.database, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE registration")
        conn.execute("VACUUM ANALYZE attempt")


def timed(label, runs, call) -> dict:
    """Wall times, and this process's CPU times (what carries over from a busy machine:
    PostgreSQL's own work is not in them)."""
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    ordered, cpu = sorted(times), sorted(cpu)
    at95 = min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    return {"label": label, "result": result, "median": statistics.median(times),
            "p95": ordered[at95], "max": ordered[-1], "runs": runs,
            "cpu": statistics.median(cpu), "cpu95": cpu[at95]}


def per_detector(contest, now) -> list[tuple[str, float]]:
    """Where a fresh computation's time goes: each detector once, the unit figures of the
    shares and the imports."""
    from cdso.services.figures import stats
    from cdso.services.integrity import attempt_signals, signals
    from cdso.services.integrity.settings import thresholds
    limits, out = thresholds(contest), []
    for name, call in (
            ("bursts", lambda: signals.bursts(contest.id, now, limits)),
            ("devices", lambda: signals.devices(contest.id, now, limits)),
            ("too fast", lambda: attempt_signals.fast(contest.id, now, limits)),
            ("same answers", lambda: attempt_signals.same_answers(contest.id, now, limits)),
            ("helpers", lambda: attempt_signals.helpers(contest.id, now, limits)),
            ("imports", lambda: signals.imports(contest.id, now)),
            ("unit figures", lambda: stats.city_figures(contest.id, now))):
        started = time.perf_counter()
        call()
        out.append((name, (time.perf_counter() - started) * 1000))
    return out


PAGES = (("integrity page, city administrator", "bench.admin", "/quan-tri/kiem-tra-so-lieu"),
         ("integrity page, clerk of the largest unit", "bench.clerk",
          "/quan-tri/kiem-tra-so-lieu"))


def shared(args, now) -> list[dict]:
    """As deployed: `flask cdso sweep` computes the step's signals ahead into Redis (timed
    once, the cache emptied first), then overview.compute and the pages read them."""
    import redis

    from bench.dashboard import sign_in
    from cdso import create_app
    from cdso.extensions import db
    from cdso.models import Contest
    from cdso.services.integrity import overview
    redis.Redis.from_url(args.redis_url).flushdb()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "REDIS_URL": args.redis_url,
                      "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "bench"})
    with app.app_context():
        contest = db.session.scalars(db.select(Contest)).first()
        rows = [timed("the sweep's computation of a step (`overview.warm`, cache empty)", 1,
                      lambda: overview.warm(contest) and overview.current(contest))]
        rows.append(timed("whole city, shared cache (Redis)", args.runs,
                          lambda: overview.current(contest)))
        db.session.remove()
    client = app.test_client()
    for label, login, path in PAGES:
        sign_in(app, client, login)
        assert client.get(path).status_code == 200
        rows.append(timed(label + " (GET, test client)", args.page_requests,
                          lambda path=path: client.get(path)))
        rows[-1]["result"] = overview.Overview(now, [], [])  # a page: no signal count
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=3_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed-first", action="store_true")
    parser.add_argument("--page-requests", type=int, default=100)
    parser.add_argument("--append-readme", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13",
                        help="time the shared cache too ('' to skip)")
    args = parser.parse_args()
    if args.seed_first:
        seed(args)
    load_before = os.getloadavg()[0]

    from cdso import create_app
    from cdso.extensions import db
    from cdso.formatting import utcnow
    from cdso.models import Contest
    from cdso.services.integrity import overview

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "REDIS_URL": "",
                      "CACHE_TYPE": "NullCache"})  # fresh: nothing kept between runs
    with app.app_context():
        contest = db.session.scalars(db.select(Contest)).first()
        counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("registration", "attempt")}
        unit_id = db.session.execute(text(
            "SELECT unit_id FROM registration GROUP BY unit_id ORDER BY count(*) DESC LIMIT 1"
        )).scalar()
        now = utcnow().replace(second=0, microsecond=0)
        rows = [timed("whole city (review page, publication preview)", args.runs,
                      lambda: overview.compute(contest, now)),
                timed("largest unit (ward clerk's page)", args.runs,
                      lambda: overview.compute(contest, now, {unit_id}))]
        kinds = sorted({s.kind for s in rows[0]["result"].signals})
        detectors = per_detector(contest, now)
    if args.redis_url:  # as deployed: the signals of a step shared through Redis
        rows += shared(args, now)
    load = os.getloadavg()[0]
    lines = [f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
             f"{os.cpu_count()} cores, load average {load_before:.1f} at the start, {load:.1f} at "
             f"the end, PostgreSQL, "
             f"{counts['registration']:,} registrations, {counts['attempt']:,} attempts, "
             f"`bench/integrity.py --runs {args.runs} --page-requests {args.page_requests}`", "",
             "| signals computed for | runs | median ms | p95 ms | max ms | app CPU median ms "
             "| app CPU p95 ms | signals |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['label']} | {row['runs']} | {row['median']:.0f} | "
                     f"{row['p95']:.0f} | {row['max']:.0f} | {row['cpu']:.0f} | "
                     f"{row['cpu95']:.0f} | {len(row['result'].signals) or '—'} |")
    lines += ["", f"Kinds found: {', '.join(kinds)} (planted: burst, fast, same_answers).",
              "", "One call each, whole city: " + ", ".join(
                  f"{name} {ms:,.0f} ms" for name, ms in detectors) + "."]
    print("\n".join(lines))
    if args.append_readme:
        readme.append_to_section("## Integrity signals", "\n" + "\n".join(lines) + "\n",
                                 intro="\nComputing every signal of docs/integrity.md: "
                                       "`bench/integrity.py` (its docstring says how).\n")


if __name__ == "__main__":
    main()
