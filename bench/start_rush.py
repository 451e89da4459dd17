"""The 9:00 rush: 2,000 residents (a school's pupils, say) log in on their own phones and
start an attempt, all within one minute; the budget is 0 errors (docs/quality.md).

    .venv/bin/python bench/start_rush.py                      # 2,000 in 60 s
    .venv/bin/python bench/start_rush.py --residents 500 --seconds 15

The residents are enrolled and logged in beforehand (a school enrols its pupils, who log
in when the class begins); in the minute each one opens /thi, presses "Bắt đầu làm bài"
and gets the first question. Arrivals are spread evenly over the minute with jitter, so
many are in flight at once when the server falls behind. With --login-in-rush the login
(a deliberately slow password hash) happens inside the minute too."""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers  # noqa: E402
from bench.httpclient import percentile  # noqa: E402
from bench.journey import PASSWORD, JourneyError, Resident, Timings  # noqa: E402
from bench.load import summary  # noqa: E402

PORT = 8103
FIRST = 500_000  # phone numbers of the rush's residents: 0900500000 …


async def log_in_beforehand(residents: list[Resident], at_once: int = 16) -> dict:
    """Everyone logs in before the minute, a few at a time (untimed for the budget)."""
    gate = asyncio.Semaphore(at_once)
    failures = []
    started = time.perf_counter()

    async def one(resident: Resident) -> None:
        async with gate:
            try:
                await resident.log_in()
            except JourneyError as error:
                failures.append(str(error))

    await asyncio.gather(*(one(r) for r in residents))
    elapsed = time.perf_counter() - started
    return {"logged_in": len(residents) - len(failures), "seconds": round(elapsed, 1),
            "logins_per_second": round(len(residents) / elapsed, 1), "errors": len(failures)}


async def rush(port: int, count: int, seconds: float, login_in_rush: bool) -> dict:
    timings = Timings()
    residents = [Resident(FIRST + i, port, timings) for i in range(count)]
    before = None if login_in_rush else await log_in_beforehand(residents)
    rush_timings = Timings()
    for resident in residents:
        resident.timings = rush_timings
    failures: list[str] = []
    done_at: list[float] = []
    in_flight = peak = 0
    started = time.perf_counter()
    rng = random.Random(9)

    async def one(index: int) -> None:
        nonlocal in_flight, peak
        await asyncio.sleep(max(0.0, index * seconds / count + rng.uniform(-0.2, 0.2)))
        resident = residents[index]
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            if login_in_rush:
                await resident.log_in()
            await resident.start()
            done_at.append(time.perf_counter() - started)
        except JourneyError as error:
            failures.append(str(error))
        finally:
            in_flight -= 1
            await resident.close()

    await asyncio.gather(*(one(i) for i in range(count)))
    steps = ("login_form", "login", "home", "start", "question_page") if login_in_rush \
        else ("home", "start", "question_page")
    whole = [sum(parts) for parts in zip(*(rush_timings.samples.get(k, []) for k in steps),
                                         strict=False)]
    return {"residents": count, "login_in_rush": login_in_rush, "logins_before": before,
            "started": len(done_at), "errors": len(failures),
            "error_kinds": rush_timings.errors, "first_failures": failures[:5],
            "last_start_at_s": round(max(done_at, default=0), 1), "peak_in_flight": peak,
            "latency": {k: summary(v) for k, v in rush_timings.samples.items()},
            "open_to_first_question_p95_ms": round(percentile(whole, 0.95) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cdso_bench_rush")
    parser.add_argument("--redis-db", type=int, default=1)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--background", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--login-in-rush", action="store_true",
                        help="log in inside the minute too (not only start)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    servers.log(f"database {args.database}: {args.background} participants, "
                f"{args.residents} residents enrolled for the rush")
    servers.fresh_database(args.database)
    servers.flask("cdso", "seed-demo", "--participants", str(args.background),
                  database=args.database)
    servers.enrol(args.database, FIRST, args.residents, PASSWORD)
    servers.flush_redis(args.redis_db)
    env = servers.app_env(args.database, redis_db=args.redis_db)
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "command": " ".join(sys.argv)}
    with servers.Gunicorn(PORT, env, workers=args.workers) as app:
        cpu = app.cpu_seconds()
        result.update(asyncio.run(rush(PORT, args.residents, args.seconds,
                                       args.login_in_rush)))
        result["gunicorn_cpu_seconds"] = round(app.cpu_seconds() - cpu, 1)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
