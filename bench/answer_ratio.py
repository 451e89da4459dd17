"""cdso's answer step beside the reference (bench/reference.py: signed-cookie session, one
UPDATE, COMMIT) and Flask's hello world, in one run, rounds interleaved so that the
machine's other load falls on all three alike. All three are served by gunicorn with
deploy/gunicorn.conf.py against the same PostgreSQL.

    .venv/bin/python bench/answer_ratio.py --rounds 3 --seconds 10 --clients 50

Reports per round and server: requests/s at saturation, gunicorn CPU per request (from
/proc), p50/p99; then the answer step's latency at a steady 100 answers/s (open loop);
RSS, PSS and private memory per worker; the load average around each round."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench import servers  # noqa: E402
from bench.httpclient import Client, HttpError, percentile  # noqa: E402
from bench.journey import HTMX, PASSWORD, Resident, Timings  # noqa: E402

PORTS = {"hello": 8121, "reference": 8122, "cdso": 8123, "cdso_before": 8124}
FIRST, FIRST_BEFORE = 500_000, 600_000
QUESTIONS = 19  # positions cycled: each answer's reply is the next question's page


def summary(values: list[float]) -> dict:
    return {"p50_ms": round(percentile(values, 0.50) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1)}


class CdsoClient:
    """A logged-in resident with an open attempt, answering question after question."""

    def __init__(self, resident: Resident):
        self.resident, self.position = resident, 1
        self.number = resident.number
        self.rng = random.Random(resident.number)

    async def step(self) -> float:
        r, position = self.resident, self.position
        following = position + 1 if position < QUESTIONS else 1
        response = await r.client.post(
            f"/thi/{r.attempt_id}/cau/{position}",
            {"csrf_token": r.csrf, "choice": str(self.rng.choice(r.next_choices)),
             "seq": r.tap_seq(), "go": str(following)}, r.headers(HTMX))
        if response.status != 200:
            raise HttpError(f"answer {position}: HTTP {response.status}")
        r.showing(response.body)
        self.position = following
        return response.seconds


class ReferenceClient:
    def __init__(self, account: int):
        self.account, self.client, self.position = account, Client(port=PORTS["reference"]), 1
        self.rng = random.Random(account)

    async def log_in(self) -> None:
        await self.client.post("/login", {"account": str(self.account)})

    async def step(self) -> float:
        response = await self.client.post("/answer", {
            "position": str(self.position), "choice": str(self.rng.randint(1, 4))})
        if response.status != 200:
            raise HttpError(f"reference: HTTP {response.status}")
        self.position = self.position % 20 + 1
        return response.seconds


class HelloClient:
    def __init__(self):
        self.client = Client(port=PORTS["hello"])

    async def step(self) -> float:
        response = await self.client.get("/")
        if response.status != 200:
            raise HttpError(f"hello: HTTP {response.status}")
        return response.seconds


async def saturate(clients, seconds: float) -> dict:
    """Every client back to back for `seconds`."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def loop(client) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            try:
                latencies.append(await client.step())
            except HttpError:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in clients))
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors,
            "rate": round(len(latencies) / elapsed, 1), **summary(latencies)}


async def paced(clients, rate: float, seconds: float) -> dict:
    """Open loop: `rate` requests a second in all, each client in turn, on a fixed
    schedule (a late answer does not delay the next one's start)."""
    latencies: list[float] = []
    errors = 0
    per_client = rate / len(clients)
    started = time.perf_counter()

    async def loop(index: int, client) -> None:
        nonlocal errors
        next_at = started + index / rate
        while next_at < started + seconds:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            try:
                latencies.append(await client.step())
            except HttpError:
                errors += 1
            next_at += 1 / per_client

    await asyncio.gather(*(loop(i, c) for i, c in enumerate(clients)))
    return {"target_rate": rate, "requests": len(latencies), "errors": errors,
            **summary(latencies)}


def create_table(url: str, accounts: int, positions: int = 20) -> None:
    """The reference's table, with a row per account and position."""
    with create_engine(url, poolclass=NullPool).begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS reference_answer"))
        conn.execute(text("CREATE TABLE reference_answer (account_id int, position int, "
                          "choice int, answered_at timestamp, "
                          "PRIMARY KEY (account_id, position))"))
        conn.execute(text("INSERT INTO reference_answer (account_id, position) "
                          "SELECT a, p FROM generate_series(1, :a) a, generate_series(1, :p) p"),
                     {"a": accounts, "p": positions})



def memory(pid: int) -> dict:
    """RSS, PSS (shared pages split among sharers) and private memory, MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
            out[name] = int(value.split()[0]) / 1024
    return {"rss": round(out["Rss"], 1), "pss": round(out["Pss"], 1),
            "private": round(out["Private_Clean"] + out["Private_Dirty"], 1)}


async def prepare_cdso(count: int, port: int, first: int) -> list[CdsoClient]:
    timings = Timings()
    residents = [Resident(first + i, port, timings) for i in range(count)]

    async def ready(r: Resident) -> CdsoClient:
        await r.log_in()
        await r.start()
        return CdsoClient(r)

    return list(await asyncio.gather(*(ready(r) for r in residents)))


def run(args) -> dict:
    servers.log(f"database {args.database}: migrate, units, bank, {args.background} participants")
    servers.fresh_database(args.database)
    servers.flask("cdso", "seed-demo", "--participants", str(args.background),
                  database=args.database)
    servers.enrol(args.database, FIRST, args.clients, PASSWORD)
    if args.before:
        servers.enrol(args.database, FIRST_BEFORE, args.clients, PASSWORD)
    create_table(servers.pg_url(args.database), args.clients)
    env = servers.app_env(args.database, redis_db=args.redis_db)
    servers.flush_redis(args.redis_db)
    gunicorns = {"hello": servers.Gunicorn(PORTS["hello"], env, app="bench.hello:app"),
                 "reference": servers.Gunicorn(PORTS["reference"], env, app="bench.reference:app"),
                 "cdso": servers.Gunicorn(PORTS["cdso"], env)}
    if args.before:  # the same step before this change, from a `git archive` of it
        gunicorns["cdso_before"] = servers.Gunicorn(PORTS["cdso_before"], env,
                                                    root=args.before.resolve())
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "command": " ".join(sys.argv), "rounds": []}
    try:
        for name, server in gunicorns.items():
            server.start("/" if name == "hello" else "/healthz")
        result["workers"] = gunicorns["cdso"].workers
        result.update(asyncio.run(_measure(args, gunicorns)))
    finally:
        for server in gunicorns.values():
            server.stop()
    return result


async def _measure(args, gunicorns) -> dict:
    cdso_clients = await prepare_cdso(args.clients, PORTS["cdso"], FIRST)
    reference = [ReferenceClient(i + 1) for i in range(args.clients)]
    await asyncio.gather(*(c.log_in() for c in reference))
    makers = {"hello": lambda: [HelloClient() for _ in range(args.clients)],
              "reference": lambda: reference, "cdso": lambda: cdso_clients}
    if "cdso_before" in gunicorns:
        before_clients = await prepare_cdso(args.clients, PORTS["cdso_before"], FIRST_BEFORE)
        makers["cdso_before"] = lambda: before_clients
    rounds = []
    order = list(makers)
    for number in range(args.rounds + 1):  # round 0 warms up every worker, not reported
        one = {"round": number, "load_before": round(os.getloadavg()[0], 1)}
        for name in order:
            server = gunicorns[name]
            cpu = server.cpu_seconds()
            measured = await saturate(makers[name](), args.seconds if number else 3)
            measured["cpu_ms_per_request"] = round(
                (server.cpu_seconds() - cpu) * 1000 / max(measured["requests"], 1), 2)
            one[name] = measured
        one["answer_vs_reference"] = round(one["cdso"]["rate"] / one["reference"]["rate"], 3)
        one["answer_vs_hello"] = round(one["cdso"]["rate"] / one["hello"]["rate"], 3)
        if "cdso_before" in one:
            one["before_vs_reference"] = round(
                one["cdso_before"]["rate"] / one["reference"]["rate"], 3)
        if number:
            rounds.append(one)
            servers.log(json.dumps(one))
        order = order[1:] + order[:1]  # who goes first changes each round
    steady = {}
    for name in ("cdso", "reference", "cdso_before"):
        if name not in makers:
            continue
        clients = makers[name]()
        steady[name] = await paced(clients, args.rate, args.paced_seconds)
        servers.log(f"{name} at {args.rate}/s: {steady[name]}")
    memories = {name: [memory(pid) for pid in server.worker_pids()]
                for name, server in gunicorns.items()}
    return {"rounds": rounds, "steady": steady, "memory_per_worker_mib": memories,
            "load_after": [round(x, 1) for x in os.getloadavg()]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database", default="cdso_bench_answer")
    p.add_argument("--redis-db", type=int, default=8)
    p.add_argument("--background", type=int, default=5000)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--rate", type=float, default=100)
    p.add_argument("--paced-seconds", type=float, default=20)
    p.add_argument("--before", type=Path, help="a tree of cdso before the change "
                   "(git archive COMMIT | tar -x -C DIR), served beside it")
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
