"""Residents end to end against gunicorn + PostgreSQL, and Flask's "hello world" with the
same gunicorn settings in the same run, so answer saves per second read as a share of it.

    .venv/bin/python bench/load.py --residents 200 --think 6      # 200 at once, ~6 s a question
    .venv/bin/python bench/load.py --residents 48 --think 0       # saturation: the rate ratio

Each resident registers, logs in again on a "new device", starts an attempt, answers 20
questions (one htmx POST per step; pauses of `think` seconds ± 50%), the prediction, and
finishes. Reports answer saves/s, p50/p95/p99 per kind of request, errors, and the CPU
used by gunicorn and by this generator (they share the machine's two cores)."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

import psycopg

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers  # noqa: E402
from bench.httpclient import Client, HttpError, percentile  # noqa: E402
from bench.journey import JourneyError, Resident, Timings  # noqa: E402

APP_PORT, HELLO_PORT = 8101, 8102


async def hammer(port: int, path: str, concurrency: int, seconds: float) -> dict:
    """`concurrency` clients requesting `path` back to back for `seconds`."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal errors
        client = Client(port=port)
        while time.perf_counter() < stop_at:
            try:
                response = await client.get(path)
                if response.status == 200:
                    latencies.append(response.seconds)
                else:
                    errors += 1
            except HttpError:
                errors += 1
        await client.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors, "seconds": round(elapsed, 2),
            "rate": round(len(latencies) / elapsed, 1), **summary(latencies)}


def summary(values: list[float]) -> dict:
    return {"count": len(values), "p50_ms": round(percentile(values, 0.50) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1)}


async def play_residents(port: int, count: int, unit_ids: list[int], think: float,
                         questions: int, first_number: int = 1, cpu_probe=None) -> dict:
    """Every phase for `count` residents at once; answer saves are timed on their own."""
    timings = Timings()
    residents = [Resident(first_number + i, port, timings) for i in range(count)]
    rngs = [random.Random(r.number) for r in residents]
    failed: list[str] = []

    async def phase(name: str, step) -> float:
        started = time.perf_counter()

        async def guarded(resident, rng):
            if resident.number in failed_numbers:
                return
            try:
                await step(resident, rng)
            except JourneyError as error:
                failed_numbers.add(resident.number)
                failed.append(f"{name}: {error}")

        await asyncio.gather(*(guarded(r, g) for r, g in zip(residents, rngs, strict=True)))
        return time.perf_counter() - started

    failed_numbers: set[int] = set()
    cpu_probe = cpu_probe or (lambda: 0.0)
    phases = {
        "register": await phase("register", lambda r, g: r.register(g.choice(unit_ids))),
        "login": await phase("login", lambda r, g: r.log_in()),
        "start": await phase("start", lambda r, g: r.start()),
    }
    cpu_before = cpu_probe()
    phases["answers"] = await phase("answers", lambda r, g: r.answer_all(questions, think, g))
    answers_cpu = cpu_probe() - cpu_before
    phases["finish"] = await phase("finish", lambda r, g: r.finish(100000 + r.number))
    for resident in residents:
        await resident.close()
    answers = timings.samples.get("answer", [])
    return {"residents": count, "completed": count - len(failed_numbers),
            "answers_saved": len(answers),
            "answer_rate": round(len(answers) / phases["answers"], 1),
            "gunicorn_cpu_ms_per_answer": round(answers_cpu * 1000 / max(len(answers), 1), 2),
            "phase_seconds": {k: round(v, 2) for k, v in phases.items()},
            "latency": {kind: summary(values) for kind, values in timings.samples.items()},
            "errors": timings.errors, "first_failures": failed[:5]}


def prepare_database(name: str, background: int) -> list[int]:
    servers.log(f"database {name}: migrate, units, question bank, {background} participants")
    servers.fresh_database(name)
    servers.flask("cdso", "seed-demo", "--participants", str(background), database=name)
    with psycopg.connect(servers.libpq_url(name)) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM unit ORDER BY id")]


def run(args) -> dict:
    unit_ids = prepare_database(args.database, args.background)
    env = servers.app_env(args.database, redis_db=args.redis_db)
    servers.flush_redis(args.redis_db)
    settings = dict(workers=args.workers, worker_class=args.worker_class, threads=args.threads)
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "settings": {**settings, "residents": args.residents, "think": args.think},
                    "command": " ".join(sys.argv)}
    with servers.Gunicorn(HELLO_PORT, env, app="bench.hello:app", **settings).start("/") as hello:
        servers.log(f"hello world: {args.hello_concurrency} clients, {args.hello_seconds} s")
        cpu_before = hello.cpu_seconds()
        result["hello"] = asyncio.run(hammer(HELLO_PORT, "/", args.hello_concurrency,
                                             args.hello_seconds))
        result["hello"]["gunicorn_cpu_ms_per_request"] = round(
            (hello.cpu_seconds() - cpu_before) * 1000 / max(result["hello"]["requests"], 1), 2)
    with servers.Gunicorn(APP_PORT, env, **settings) as app:
        servers.log(f"residents: {args.residents} at once, think {args.think} s")
        cpu_before, client_before = app.cpu_seconds(), time.process_time()
        result["app"] = asyncio.run(play_residents(APP_PORT, args.residents, unit_ids,
                                                   args.think, args.questions,
                                                   cpu_probe=app.cpu_seconds))
        result["cpu_seconds"] = {"gunicorn": round(app.cpu_seconds() - cpu_before, 1),
                                 "load_generator": round(time.process_time() - client_before, 1)}
    result["answer_rate_vs_hello"] = round(result["app"]["answer_rate"]
                                           / max(result["hello"]["rate"], 0.1), 3)
    result["load_average_after"] = os.getloadavg()
    return result


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database", default="cdso_bench")
    p.add_argument("--redis-db", type=int, default=1)
    p.add_argument("--background", type=int, default=20000,
                   help="synthetic participants already in the database")
    p.add_argument("--residents", type=int, default=200, help="residents playing at once")
    p.add_argument("--questions", type=int, default=20)
    p.add_argument("--think", type=float, default=0.0,
                   help="mean pause before each answer, seconds (a person: 5-15)")
    p.add_argument("--hello-concurrency", type=int, default=None,
                   help="clients for hello world (default: as many as residents)")
    p.add_argument("--hello-seconds", type=float, default=15)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--worker-class", default=None)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", type=Path, help="also write the result here")
    return p


def main() -> None:
    args = parser().parse_args()
    args.hello_concurrency = args.hello_concurrency or args.residents
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)


if __name__ == "__main__":
    main()
