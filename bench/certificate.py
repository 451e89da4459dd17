"""Time and weigh the certificate PDF (budget: ≤ 50 ms per certificate once warm, ≤ 30 KB).

    .venv/bin/python bench/certificate.py --count 100 [--append-readme]

Builds a scratch SQLite database (units, a contest, participants with long Vietnamese
names and finished attempts), then measures, in one process:
- "cold": the first certificate (fonts and stylesheet loaded, QR encoded);
- "warm render": each next certificate made from scratch (fields, QR, HTML, WeasyPrint);
- "download": GET /chung-nhan/<id>.pdf through the Flask test client, the owner signed
  in, for people whose certificate row does not exist yet (created on demand), without
  a cache: the whole request as a participant meets it;
- "cached": the same PDF again from Redis, when REDIS_URL is set.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import readme  # noqa: E402

NAMES = ["Nguyễn Thị Phượng", "Trần Văn Đức", "Lê Hoàng Yến Nhi", "Phạm Quốc Khánh",
         "Vũ Thị Thuỳ Dương", "Đặng Minh Hiếu", "Bùi Ngọc Ánh", "Hoàng Văn Thưởng"]
BUDGET_MS, BUDGET_KB = 50, 30


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build(app, count: int):
    from flask_migrate import upgrade

    from cdso.extensions import db
    from cdso.services.units import catalogue as units
    from tests import factories

    upgrade(directory=app.extensions["migrate"].directory)
    units.load_units()
    db.session.commit()
    contest = factories.make_contest()
    people = []
    for index in range(count + 1):
        person = factories.make_participant(contest, full_name=NAMES[index % len(NAMES)],
                                            unit_name="Đặc khu Bạch Long Vĩ")
        attempt = factories.make_finished_attempt(contest, person, score=10 + index % 11)
        people.append((person, attempt))
    return contest, people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--append-readme", action="store_true")
    args = parser.parse_args()
    from flask import g

    from cdso import create_app
    from cdso.services.contest import certificates
    from tests import factories

    path = Path(tempfile.mkdtemp()) / "bench_certificate.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True,
                      "PUBLIC_BASE_URL": "https://congdanso.haiphong.gov.vn", "REDIS_URL": "",
                      "RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "NullCache"})
    with app.app_context():
        contest, people = build(app, args.count)
        base = app.config["PUBLIC_BASE_URL"]
        sizes, render_ms, render_cpu_ms = [], [], []
        start = time.perf_counter()
        first = certificates.issue(contest, people[0][1], people[0][1].finished_at)
        sizes.append(len(certificates.pdf_bytes(first, base)))
        cold_ms = (time.perf_counter() - start) * 1000
        half = args.count // 2
        for _, attempt in people[1:half + 1]:
            start, cpu = time.perf_counter(), time.process_time()
            certificate = certificates.issue(contest, attempt, attempt.finished_at)
            sizes.append(len(certificates.pdf_bytes(certificate, base)))
            render_ms.append((time.perf_counter() - start) * 1000)
            render_cpu_ms.append((time.process_time() - cpu) * 1000)
        download_ms = []
        for person, attempt in people[half + 1:]:
            g.pop("_login_user", None)
            g.pop("csrf_token", None)
            client = app.test_client()
            factories.login(client, person)
            start = time.perf_counter()
            response = client.get(f"/chung-nhan/{attempt.id}.pdf")
            download_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
            sizes.append(len(response.data))
        cached_ms = []
        redis_url = os.environ.get("REDIS_URL", "")
        if redis_url:
            from cdso.extensions import cache
            app.config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
            cache.init_app(app)
            certificates.pdf_bytes(first, base)
            for _ in range(args.count):
                start = time.perf_counter()
                certificates.pdf_bytes(first, base)
                cached_ms.append((time.perf_counter() - start) * 1000)
    report(args, cold_ms, render_ms, render_cpu_ms, download_ms, cached_ms, sizes)


def report(args, cold_ms, render_ms, render_cpu_ms, download_ms, cached_ms, sizes) -> None:
    timings = [("warm render (row + fields + QR + WeasyPrint)", render_ms),
               ("the same, CPU time of the process only", render_cpu_ms),
               ("download GET /chung-nhan/<id>.pdf, created on demand", download_ms)]
    if cached_ms:
        timings.append(("the same PDF again from Redis", cached_ms))
    rows = readme.timing_table("ms", ("cold (first certificate of the process)", cold_ms),
                               timings, p95=percentile)
    warm = statistics.median(render_ms)
    verdict = (f"PDF size: {min(sizes) / 1024:.1f}–{max(sizes) / 1024:.1f} KB (budget "
               f"{BUDGET_KB} KB); warm median {warm:.1f} ms (budget {BUDGET_MS} ms): "
               + ("within budget" if warm <= BUDGET_MS and max(sizes) <= BUDGET_KB * 1024
                  else "OVER BUDGET"))
    text = "\n".join(["", readme.machine(f"`bench/certificate.py --count {args.count}`"), "",
                      *rows, "", verdict, ""])
    print(text)
    if args.append_readme:
        readme.append_to_section("## Certificates", text)

if __name__ == "__main__":
    main()
