"""Nothing acknowledged is lost: while simulated residents answer, kill gunicorn workers
(SIGKILL), terminate the app's PostgreSQL connections, drop connections mid-request from
the client side, and restart PostgreSQL. Then check, in the database, that every answer
a resident saw acknowledged (HTTP 200) is there, that every attempt is finished once,
graded and counted, and that every resident went on to the end.

Run by hand before each release (it restarts PostgreSQL, so never during the tests):

    .venv/bin/python bench/faults.py --private-cluster     # its own PostgreSQL on port 5499
    .venv/bin/python bench/faults.py --cluster "15 main"   # the machine's PostgreSQL

With --private-cluster a throwaway PostgreSQL cluster is created for the run (and dropped
after), so restarting it disturbs nobody else on the machine."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench import servers  # noqa: E402
from bench.journey import HTMX, PASSWORD, JourneyError, Resident, Timings  # noqa: E402

PORT = 8104
FIRST = 700_000
PRIVATE = ("15", "cdsofaults", 5499)


class Run:
    def __init__(self, database: str, cluster: str, residents: int, think: float,
                 hang_up_pause: float):
        self.database, self.cluster, self.count, self.think = database, cluster, residents, think
        self.hang_up_pause = hang_up_pause
        self.timings = Timings()
        self.events: list[tuple[float, str]] = []
        self.retries = 0
        self.everyone_done = False
        self.started = time.perf_counter()

    def note(self, what: str) -> None:
        self.events.append((round(time.perf_counter() - self.started, 1), what))
        servers.log(f"  {self.events[-1][0]:5.1f} s  {what}")

    async def persist(self, step, what: str, tries: int = 60) -> None:
        """Do `step` again until it works, as a person taps again after an error."""
        for attempt in range(tries):
            try:
                return await step()
            except JourneyError:
                self.retries += 1
                await asyncio.sleep(min(2.0, 0.25 * (attempt + 1)))
        raise JourneyError(f"{what}: still failing after {tries} tries")

    async def resident(self, index: int, rng: random.Random) -> Resident:
        resident = Resident(FIRST + index, PORT, self.timings)
        await asyncio.sleep(rng.uniform(0, 1.5))
        await self.persist(resident.log_in, "log in")
        await self.persist(resident.start, "start")
        hang_up_at = rng.randint(3, 18)
        for position in range(1, 21):
            await asyncio.sleep(self.think * rng.uniform(0.5, 1.5))
            if position == hang_up_at and resident.next_choices:  # signal lost mid-request
                resident.hung_up = (position, resident.next_choices[0])
                await resident.client.post_and_hang_up(
                    f"/thi/{resident.attempt_id}/cau/{position}",
                    {"csrf_token": resident.csrf, "choice": str(resident.next_choices[0]),
                     "seq": resident.tap_seq(), "go": "next"}, resident.headers(HTMX))
                await asyncio.sleep(self.hang_up_pause)  # the person notices, taps again
            await self.persist(lambda p=position: resident.answer(p, 20, rng), f"answer {position}")
        await self.persist(lambda: resident.finish(123456), "finish")
        return resident

    def acknowledged(self) -> int:
        return len(self.timings.samples.get("answer", []))

    async def faults(self, app: servers.Gunicorn) -> None:
        while self.acknowledged() < self.count * 2:  # everyone is answering by now
            if self.everyone_done:
                return
            await asyncio.sleep(0.1)
        self.note(f"{self.acknowledged()} answers acknowledged: faults begin")
        victim = app.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        self.note(f"SIGKILL gunicorn worker {victim}")
        await asyncio.sleep(3)
        with psycopg.connect(servers.libpq_url(self.database), autocommit=True) as conn:
            killed = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,)).fetchone()[0]
        self.note(f"pg_terminate_backend on the app's {killed} connections")
        await asyncio.sleep(3)
        version, name = self.cluster.split()
        restart = await asyncio.create_subprocess_exec(
            "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart")
        self.note(f"PostgreSQL {self.cluster} restarting")
        await restart.wait()
        self.note(f"PostgreSQL {self.cluster} restarted (exit {restart.returncode})")
        await asyncio.sleep(2)
        victims = app.worker_pids()[:2]
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        self.note(f"SIGKILL gunicorn workers {victims}")

    async def play(self, app: servers.Gunicorn) -> list[Resident]:
        rngs = [random.Random(i) for i in range(self.count)]
        fault_task = asyncio.create_task(self.faults(app))
        residents = await asyncio.gather(*(self.resident(i, rngs[i]) for i in range(self.count)),
                                         return_exceptions=True)
        self.everyone_done = True
        await fault_task
        self.note("every resident finished")
        return residents


def check(database: str, residents: list) -> dict:
    """The database against what the residents saw acknowledged."""
    finished_residents = [r for r in residents if isinstance(r, Resident)]
    lost, wrong_attempts = [], []
    with psycopg.connect(servers.libpq_url(database)) as conn:
        for resident in finished_residents:
            rows = dict(conn.execute("SELECT position, chosen_choice_id FROM attempt_question"
                                     " WHERE attempt_id = %s", (resident.attempt_id,)).fetchall())
            lost += [{"resident": resident.number, "position": p, "acknowledged": c,
                      "in_database": rows.get(p), "hung_up": getattr(resident, "hung_up", None)}
                     for p, c in resident.acknowledged.items() if rows.get(p) != c]
            attempts = conn.execute(
                "SELECT a.status, a.score, (SELECT count(*) FROM attempt_question q WHERE "
                "q.attempt_id = a.id AND q.is_correct), (SELECT count(*) FROM attempt b WHERE "
                "b.registration_id = a.registration_id) FROM attempt a WHERE a.id = %s",
                (resident.attempt_id,)).fetchone()
            status, score, correct, per_person = attempts
            if status != "finished" or score != correct or per_person != 1:
                wrong_attempts.append((resident.number, status, score, correct, per_person))
        counted = conn.execute("SELECT coalesce(sum(attempts), 0), coalesce(sum(finished), 0) "
                               "FROM figure_bucket").fetchone()
        actual = conn.execute("SELECT (SELECT count(*) FROM attempt WHERE status = 'finished'),"
                              " (SELECT count(*) FROM registration WHERE first_finished_at IS "
                              "NOT NULL)").fetchone()
    return {"residents_finished": len(finished_residents),
            "residents_stuck": [str(r) for r in residents if not isinstance(r, Resident)][:5],
            "acknowledged_answers": sum(len(r.acknowledged) for r in finished_residents),
            "acknowledged_answers_lost": len(lost), "lost_examples": lost[:5],
            "inconsistent_attempts": wrong_attempts[:5],
            "figures_match_rows": tuple(counted) == tuple(actual),
            "figures": {"counted": list(counted), "rows": list(actual)}}


def private_cluster(action: str) -> None:
    version, name, port = PRIVATE
    if action == "create":
        subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True,
                       timeout=120)
        subprocess.run(["pg_createcluster", version, name, "-p", str(port), "--",
                        "--auth-local=trust", "--auth-host=trust"], check=True,
                       capture_output=True, timeout=120)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
                       check=True, timeout=120)
    else:
        subprocess.run(["pg_dropcluster", "--stop", version, name], check=False, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cdso_bench_faults")
    parser.add_argument("--cluster", default="15 main", help='"VERSION NAME" for pg_ctlcluster')
    parser.add_argument("--private-cluster", action="store_true")
    parser.add_argument("--residents", type=int, default=40)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--hang-up-pause", type=float, default=0.0,
                        help="seconds between a dropped request and the tap again")
    parser.add_argument("--redis-db", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.private_cluster:
        private_cluster("create")
        args.cluster = f"{PRIVATE[0]} {PRIVATE[1]}"
        servers.PG_SERVER = f"postgresql://postgres@127.0.0.1:{PRIVATE[2]}"
    try:
        result = run(args)
    finally:
        if args.private_cluster:
            private_cluster("drop")
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)
    ok = (result["check"]["acknowledged_answers_lost"] == 0 and result["check"]["figures_match_rows"]
          and not result["check"]["inconsistent_attempts"]
          and result["check"]["residents_finished"] == args.residents)
    sys.exit(0 if ok else 1)


def run(args) -> dict:
    servers.log(f"database {args.database} on {servers.PG_SERVER}")
    servers.fresh_database(args.database)
    servers.flask("cdso", "seed-demo", "--participants", "1000", database=args.database)
    servers.enrol(args.database, FIRST, args.residents, PASSWORD)
    servers.flush_redis(args.redis_db)
    env = servers.app_env(args.database, redis_db=args.redis_db)
    run_ = Run(args.database, args.cluster, args.residents, args.think, args.hang_up_pause)
    with servers.Gunicorn(PORT, env, workers=3) as app:
        run_.started = time.perf_counter()
        residents = asyncio.run(run_.play(app))
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "command": " ".join(sys.argv), "events": run_.events,
            "client_errors_seen": run_.timings.errors, "retries": run_.retries,
            "check": check(args.database, residents)}


if __name__ == "__main__":
    main()
