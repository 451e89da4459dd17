"""A 100,000-row member list through the import pipeline and a real background job
(budget: the worker's peak RSS < 300 MB; the time is recorded).

    .venv/bin/python bench/import_job.py [--rows 100000] [--database-url URL]
                                         [--redis redis://127.0.0.1:6379/5] [--json out]

Builds a scratch database (SQLite in a temporary folder unless --database-url names an
empty PostgreSQL database): migrations, the 114 units, an open contest, a ward clerk.
Writes a CSV of `rows` valid, distinct people, then does what the pages do:
1. the preview's check (read behind the upload guard, every row checked), timed in this
   process: the part still inside the request;
2. stage + confirm (the job queued on RQ, in a queue of its own);
3. `flask --app wsgi cdso worker --burst` in a subprocess, as `make run` starts it (a
   forking RQ worker): wall time until it exits, and the peak RSS of the worker and the
   job's work horse (getrusage RUSAGE_CHILDREN, the largest of the processes waited for).
Exits 1 if the job did not finish "done" with every account created, or RSS >= 300 MB."""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
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


def preview_and_queue(app, rows: int) -> tuple[float, int, int]:
    """A clerk's list of `rows` people checked as the preview checks it (seconds, peak
    RSS in MB), then staged, confirmed and queued; the job's id."""
    from cdso.extensions import db
    from cdso.jobs.queue import enqueue_import
    from cdso.services.imports import enrolment, pipeline

    with app.app_context():
        clerk = build(app)
        data = member_list(rows)
        started = time.perf_counter()
        scope, contest = enrolment.scope_of(clerk), enrolment.open_contest()
        report = enrolment.check_upload("ds.csv", data, contest, scope)
        preview_s = time.perf_counter() - started
        assert report.ok, [(e.row, e.messages) for e in report.errors[:5]]
        preview_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        del report
        job = pipeline.stage("members", "ds.csv", data, clerk)
        db.session.commit()
        job = pipeline.confirm(job)
        db.session.commit()
        enqueue_import(job.id)
        job_id = job.id
        db.session.remove()
        db.engine.dispose()
    return preview_s, preview_rss, job_id


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
    from cdso.models import Account, ImportJob, Role

    app = create_app()
    preview_s, preview_rss, job_id = preview_and_queue(app, args.rows)
    flask = str(Path(sys.executable).with_name("flask"))
    started = time.perf_counter()
    # A small launcher runs the worker: a child forked from this (large) process would
    # report this process's RSS as its own peak.
    done = subprocess.run([sys.executable, "-c", LAUNCHER, flask, "--app", "wsgi", "cdso",
                           "worker", "--burst"], cwd=ROOT, capture_output=True, text=True)
    job_s = time.perf_counter() - started
    worker_rss = int(done.stdout.strip().splitlines()[-1]) // 1024
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        created = db.session.scalar(db.select(db.func.count(Account.id)).where(
            Account.role == Role.PARTICIPANT.value))
        result = {"rows": args.rows, "engine": url.split(":", 1)[0],
                  "preview_check_s": round(preview_s, 1), "preview_peak_rss_mb": preview_rss,
                  "job_s": round(job_s, 1), "worker_peak_rss_mb": worker_rss,
                  "apply_s": round((job.finished_at - job.started_at).total_seconds(), 1),
                  "status": job.status, "message": job.message, "accounts": created}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False))
    if done.returncode or job.status != "done" or created != args.rows \
            or worker_rss >= BUDGET_MB:
        sys.exit(1)
    if os.environ.get("BENCH_VERBOSE"):
        print(done.stderr[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
