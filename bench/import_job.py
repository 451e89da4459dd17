"""A 100,000-row member list through the import pipeline and a real background job
(budget: the worker's peak RSS < 300 MB; the time is recorded).

    .venv/bin/python bench/import_job.py [--rows 100000] [--database-url URL]
                                         [--redis redis://127.0.0.1:6379/5] [--json out]

Builds a scratch database (SQLite in a temporary folder unless --database-url names an
empty PostgreSQL database): migrations, the 114 units, an open contest, a ward clerk.
Writes a CSV of `rows` valid, distinct people, then does what the pages do:
1. stage the upload as "checking" and queue its check (a list this large is checked on a
   worker, not in the request), on RQ in a queue of its own;
2. `flask --app wsgi cdso worker --burst` in a subprocess, as `make run` starts it (a
   forking RQ worker): wall time until it exits, and the peak RSS of the worker and the
   job's work horse (getrusage RUSAGE_CHILDREN, the largest of the processes waited for);
3. confirm the checked preview (the apply job queued) and run the worker again, measured
   the same way.
Exits 1 if the check did not pass, the job did not finish "done" with every account
created, or either run's RSS >= 300 MB."""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Số CCCD", "Đối tượng",
          "Tổ dân phố, trường, cơ quan", "Xã, phường", "Xã, phường cũ", "Quận, huyện cũ"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
GIVEN = ["Văn An", "Thị Hoa", "Minh Đức", "Thị Thuỳ Dương", "Quốc Khánh", "Ngọc Ánh",
         "Hoàng Yến", "Văn Thưởng", "Thị Phượng", "Đức Hiếu"]
BUDGET_MB = 300
LAUNCHER = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], "
            "stdout=subprocess.DEVNULL, stderr=sys.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN)"
            ".ru_maxrss); sys.exit(done.returncode)")


def member_list(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(rows):
        writer.writerow([f"{FAMILY[n % 10]} {GIVEN[n // 10 % 10]}",
                         f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1950 + n % 50}",
                         "Nam" if n % 2 else "Nữ", f"09{10_000_000 + n:08d}", "", "Người dân",
                         "", "Phường Gia Viên", "", ""])
    return out.getvalue().encode("utf-8-sig")


def build(app):
    from flask_migrate import upgrade

    from cdso.extensions import db
    from cdso.models import Role
    from cdso.services.units import catalogue as units
    from tests import factories

    upgrade(directory=app.extensions["migrate"].directory)
    units.load_units()
    db.session.commit()
    factories.make_contest()
    return factories.make_official(Role.CLERK, unit_name="Phường Gia Viên")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="cdso-import-bench-")
    url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
    queue_name = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench", JOBS_REDIS_URL=args.redis,
                      JOBS_QUEUE=queue_name)

    from cdso import create_app
    from cdso.extensions import db
    from cdso.jobs.queue import enqueue
    from cdso.models import Account, ImportJob, Role
    from cdso.services.imports import pipeline

    app = create_app()
    with app.app_context():
        clerk = build(app)
        data = member_list(args.rows)
        job = pipeline.stage("members", "ds.csv", data, clerk, status="checking")
        db.session.commit()
        enqueue(job.id, "run_check")
        job_id = job.id
        db.session.remove()
        db.engine.dispose()
    check_s, check_rss = run_worker()
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        checked = (job.result or {}).get("check", {})
        assert job.status == "preview" and checked.get("ok"), (job.status, str(checked)[:500])
        job = pipeline.confirm(job)
        db.session.commit()
        enqueue(job.id)
        db.session.remove()
        db.engine.dispose()
    job_s, worker_rss = run_worker()
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        created = db.session.scalar(db.select(db.func.count(Account.id)).where(
            Account.role == Role.PARTICIPANT.value))
        result = {"rows": args.rows, "engine": url.split(":", 1)[0],
                  "check_job_s": round(check_s, 1), "check_peak_rss_mb": check_rss,
                  "job_s": round(job_s, 1), "worker_peak_rss_mb": worker_rss,
                  "apply_s": round((job.finished_at - job.started_at).total_seconds(), 1),
                  "status": job.status, "message": job.message, "accounts": created}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False))
    if job.status != "done" or created != args.rows or max(worker_rss, check_rss) >= BUDGET_MB:
        sys.exit(1)


def run_worker() -> tuple[float, int]:
    """`flask cdso worker --burst` until the queue is empty: (wall seconds, peak RSS MB).
    A small launcher runs it: a child forked from this (large) process would report this
    process's RSS as its own peak."""
    flask = str(Path(sys.executable).with_name("flask"))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCHER, flask, "--app", "wsgi", "cdso",
                           "worker", "--burst"], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode or os.environ.get("BENCH_VERBOSE"):
        print(done.stderr[-3000:], file=sys.stderr)
    if done.returncode:
        sys.exit(1)
    return wall, int(done.stdout.strip().splitlines()[-1]) // 1024


if __name__ == "__main__":
    main()
