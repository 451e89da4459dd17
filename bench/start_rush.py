"""The 9:00 rush: 2,000 residents (a school's pupils, say) log in on their own phones and
start an attempt, all within one minute; the budget is 0 errors (QUALITY.md).

    .venv/bin/python bench/start_rush.py                      # 2,000 in 60 s
    .venv/bin/python bench/start_rush.py --residents 500 --seconds 15

The residents are enrolled beforehand (as a school does); in the minute each one opens
the login page, logs in, opens /thi, presses "Bắt đầu làm bài" and gets the first
question. Arrivals are spread evenly over the minute with jitter, so up to a few hundred
are in flight at once when the server falls behind."""
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


async def rush(port: int, count: int, seconds: float) -> dict:
    timings = Timings()
    failures: list[str] = []
    done_at: list[float] = []
    in_flight = peak = 0
    started = time.perf_counter()
    rng = random.Random(9)

    async def one(index: int) -> None:
        nonlocal in_flight, peak
        await asyncio.sleep(max(0.0, index * seconds / count + rng.uniform(-0.2, 0.2)))
        resident = Resident(FIRST + index, port, timings)
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await resident.log_in()
            await resident.start()
            done_at.append(time.perf_counter() - started)
        except JourneyError as error:
            failures.append(str(error))
        finally:
            in_flight -= 1
            await resident.close()

    await asyncio.gather(*(one(i) for i in range(count)))
    whole = [sum(parts) for parts in zip(*(timings.samples.get(k, []) for k in
                                           ("login_form", "login", "home", "start",
                                            "question_page")), strict=False)]
    return {"residents": count, "started": len(done_at), "errors": len(failures),
            "error_kinds": timings.errors, "first_failures": failures[:5],
            "last_start_at_s": round(max(done_at, default=0), 1), "peak_in_flight": peak,
            "latency": {k: summary(v) for k, v in timings.samples.items()},
            "login_to_first_question_p95_ms": round(percentile(whole, 0.95) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cdso_bench_rush")
    parser.add_argument("--redis-db", type=int, default=1)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--background", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=None)
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
        result.update(asyncio.run(rush(PORT, args.residents, args.seconds)))
        result["gunicorn_cpu_seconds"] = round(app.cpu_seconds() - cpu, 1)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
