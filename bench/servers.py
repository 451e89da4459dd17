"""What the benchmarks run against: a fresh PostgreSQL database of their own (never
`test`), Redis database 1 and up (never 0), and real gunicorn processes started with
deploy/gunicorn.conf.py, on 127.0.0.1 only."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS_BASE = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
BENCH_SECRET = "bench-secret-key-shared-by-every-node"
FORBIDDEN_DATABASES = {"test", "postgres", "template0", "template1"}


def pg_url(database: str) -> str:
    """The SQLAlchemy URL of a benchmark database."""
    return PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + database


def libpq_url(database: str) -> str:
    return f"{PG_SERVER}/{database}"


def admin() -> psycopg.Connection:
    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def fresh_database(name: str, *, init: bool = True) -> str:
    """Drop and recreate a benchmark database, migrated with units and question bank."""
    if name in FORBIDDEN_DATABASES or not name.startswith("cdso_"):
        raise SystemExit(f"refusing to recreate database {name!r}: use a cdso_bench* name")
    with admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    if init:
        flask("cdso", "init", database=name)
    return pg_url(name)


def flask(*args: str, database: str, check: bool = True) -> str:
    env = app_env(database)
    done = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=900)
    if check and done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def app_env(database: str, redis_db: int = 1, **extra: str) -> dict[str, str]:
    if redis_db < 1:
        raise SystemExit("benchmarks use Redis database 1 and up, never 0")
    env = {**os.environ, "DATABASE_URL": pg_url(database), "SECRET_KEY": BENCH_SECRET,
           "REDIS_URL": f"{REDIS_BASE}/{redis_db}", "CDSO_PROXIES": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra)
    return env


def flush_redis(redis_db: int) -> None:
    import redis
    if redis_db < 1:
        raise SystemExit("never flush Redis database 0")
    redis.Redis.from_url(f"{REDIS_BASE}/{redis_db}").flushdb()


class Gunicorn:
    """A gunicorn master with deploy/gunicorn.conf.py; `with Gunicorn(...) as server:`."""

    def __init__(self, port: int, env: dict[str, str], app: str = "wsgi:app",
                 workers: int | None = None, worker_class: str | None = None,
                 threads: int | None = None, log: Path | None = None, root: Path = ROOT):
        self.port, self.app, self.root = port, app, root
        self.env = dict(env)
        if workers:
            self.env["WEB_CONCURRENCY"] = str(workers)
        if worker_class:
            self.env["GUNICORN_WORKER_CLASS"] = worker_class
        if threads:
            self.env["GUNICORN_THREADS"] = str(threads)
        self.log = log or Path(f"/tmp/cdso-bench-gunicorn-{port}.log")
        self.process: subprocess.Popen | None = None

    def start(self, ready_path: str = "/healthz", wait: float = 120.0) -> Gunicorn:
        self.start_async()
        return self.wait_ready(ready_path, wait)

    def start_async(self) -> None:
        self._log_file = open(self.log, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(self.root / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", self.app],
            cwd=self.root, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT)

    def wait_ready(self, ready_path: str = "/healthz", wait: float = 120.0) -> Gunicorn:
        """Until `ready_path` answers 200 and every worker has booted."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on {self.port} stopped:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{ready_path}",
                                            timeout=5) as answer:
                    if answer.status == 200 and len(self.worker_pids()) >= self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn on {self.port} not ready in {wait} s:\n{self.log.read_text()}")

    @property
    def workers(self) -> int:  # as deploy/gunicorn.conf.py counts them
        return int(self.env.get("WEB_CONCURRENCY", os.cpu_count() * 2 + 1))

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far, including the workers
        already replaced (after `max_requests`), which the master has reaped: their CPU
        is in the master's cutime/cstime."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in [self.process.pid, *self.worker_pids()] if self.process else []:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            if pid == self.process.pid:
                total += (int(fields[13]) + int(fields[14])) / tick  # cutime, cstime
        return total

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing to drain here
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log_file", None):
            self._log_file.close()

    def __enter__(self) -> Gunicorn:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_in_app(database: str, code: str) -> None:
    """Python `code` inside an app context on a benchmark database (a child process)."""
    # The pool is closed before exit: an interpreter ending with open psycopg connections
    # (and WeasyPrint's libraries loaded) was seen to crash with SIGSEGV at shutdown.
    script = ("from cdso import create_app; app = create_app(); ctx = app.app_context(); "
              "ctx.push()\n" + code + "\nfrom cdso.extensions import db as _db\n"
              "_db.session.remove(); _db.engine.dispose(); ctx.pop()\n")
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, check=True, env=app_env(database))


def enrol(database: str, first_number: int, count: int, password: str) -> None:
    """Residents first_number … first_number+count-1 registered in the current contest
    (phones as bench.journey.Resident gives them), all with `password`, hashed once."""
    run_in_app(database, f"""
import datetime as dt
from werkzeug.security import generate_password_hash
from cdso.extensions import db
from cdso.models import Unit
from cdso.services.accounts import registration
from cdso.services.contest.current import current_contest
contest = current_contest()
units = [u.id for u in db.session.query(Unit.id).order_by(Unit.id)]
hashed = generate_password_hash({password!r}, method="pbkdf2:sha256:120000")
for n in range({first_number}, {first_number + count}):
    registration.create_participant(contest, registration.NewParticipant(
        full_name="Phạm Thị Bench", birth_date=dt.date(2008, 9, 5), gender="nu",
        phone=f"09{{n:08d}}", cccd=None, unit_id=units[n % len(units)], organisation_id=None,
        group="hoc_sinh", password=""), password_hash=hashed)
db.session.commit()
""")
