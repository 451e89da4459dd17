"""Time the city progress report with its 114-unit appendix (budget: ≤ 2 s).

    .venv/bin/python bench/report_pdf.py [--participants 84360] [--runs 5] [--append-readme]

Builds a scratch SQLite database (units, a contest that opened 10 days ago, synthetic
participants spread over the units and the days, about 60% finished: the demo seeder,
which also fills the hourly figure buckets as the app does), then measures in one process:
- "cold": the first report of the process (fonts and stylesheet loaded);
- "issue": what "Ban hành" does: figures of the 114 units as of the moment, the texts
  filled, the PDF rendered and hashed, the row written;
- "download, issued": GET /quan-tri/cong-van/<id>.pdf of an issued report through the
  Flask test client (rebuilt from the stored snapshot), the administrator signed in;
- "download, draft": the same for a draft (live figures as of its moment);
- "DOCX": the Word file of the issued report.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import readme  # noqa: E402
BUDGET_S = 2.0


def build(app, participants: int):
    from flask_migrate import upgrade

    from cdso.extensions import db
    from cdso.models import Role
    from cdso.services import demo
    from cdso.services.units import catalogue as units
    from tests import factories

    upgrade(directory=app.extensions["migrate"].directory)
    units.load_units()
    db.session.commit()
    contest = demo.create_demo_contest()
    db.session.commit()
    demo.ensure_demo_organisations()
    demo.seed_participants(contest, participants)
    db.session.commit()
    admin = factories.make_official(Role.ADMIN, unit_name=None, login="bench-admin")
    return contest, admin


CPU: list[float] = []  # process CPU time of every timed action, in order


def timed(action) -> tuple[float, object]:
    """Wall time of `action` (and its CPU time appended to CPU: on a busy shared machine
    the wall time includes waiting for a core, the CPU time does not)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=84360)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--append-readme", action="store_true")
    args = parser.parse_args()
    from flask import g

    from cdso import create_app
    from cdso.extensions import db
    from cdso.formatting import utcnow
    from cdso.services.documents import lifecycle as documents
    from cdso.services.documents import docx as docx_export

    path = Path(tempfile.mkdtemp()) / "bench_report.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True,
                      "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        seed_s, (contest, admin) = timed(lambda: build(app, args.participants))
        moment = documents.moment_text(documents.default_moment(contest, utcnow()))

        def issue():
            document = documents.new_document(admin, contest, "city_progress", "", utcnow())
            fields = {**document.fields, "signer": "Vũ Đại Thắng"}
            errors = documents.issue_document(document, fields, moment, admin, utcnow())
            assert not errors, errors
            db.session.commit()
            return document

        cold_s, issued = timed(issue)
        CPU.clear()
        issue_s = [timed(issue)[0] for _ in range(args.runs)]
        issue_cpu = list(CPU)
        draft = documents.new_document(admin, contest, "city_progress", "", utcnow())
        db.session.commit()
        g.pop("_login_user", None)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = admin.get_id(), True

        def download(document):
            response = client.get(f"/quan-tri/cong-van/{document.id}.pdf")
            assert response.status_code == 200, response.status_code
            return response.data

        CPU.clear()
        issued_s = [timed(lambda: download(issued))[0] for _ in range(args.runs)]
        issued_cpu = list(CPU)
        draft_s = [timed(lambda: download(draft))[0] for _ in range(args.runs)]
        pdf = download(issued)
        docx_s = [timed(lambda: docx_export.build_docx(documents.doc_of(issued, utcnow())))[0]
                  for _ in range(args.runs)]
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    report(args, seed_s, cold_s, issue_s, issued_s, draft_s, docx_s, len(pdf), pages,
           issue_cpu, issued_cpu)


def report(args, seed_s, cold_s, issue_s, issued_s, draft_s, docx_s, size, pages,
           issue_cpu, issued_cpu) -> None:
    rows = readme.timing_table("s", ("cold (first report of the process)", cold_s), [
        ("issue: figures + texts + PDF + hash + row", issue_s),
        ("the same, CPU time of the process only", issue_cpu),
        ("download an issued report (from its snapshot)", issued_s),
        ("the same, CPU time of the process only", issued_cpu),
        ("download a draft (live figures)", draft_s),
        ("DOCX of the issued report", docx_s)], digits=2)
    worst = max(max(issue_s), max(issued_s), max(draft_s))
    verdict = (f"PDF: {size / 1024:.0f} KB, {pages} pages. Slowest warm report "
               f"{worst:.2f} s (budget {BUDGET_S:.0f} s): "
               + ("within budget." if worst <= BUDGET_S else "OVER BUDGET."))
    text = "\n".join(["", readme.machine(
        f"SQLite, {args.participants} synthetic participants (seeded in {seed_s:.0f} s), "
        f"`bench/report_pdf.py --participants {args.participants} --runs {args.runs}`"),
        "", *rows, "", verdict, ""])
    print(text)
    if args.append_readme:
        readme.append_to_section("## Documents", text)

if __name__ == "__main__":
    main()
