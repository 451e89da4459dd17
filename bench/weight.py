"""Page weight of the quiz, in compressed bytes on the wire (docs/quality.md budgets).

Builds a throwaway SQLite database the way the tests do (migrations, 114 units, the
shipped question bank, a contest), logs a resident in, and asks the app through the
Flask test client, once with `Accept-Encoding: gzip` and once with `br, gzip` (what
phone browsers send):

- first visit to the quiz: the /thi page and every asset it loads (CSS, htmx, app.js),
  then the first question as a full page (assets now cached);
- one question step with htmx: the POST that saves an answer and returns the next
  question as a partial (one request);
- one question step without JavaScript: the POST (303) and the full page it leads to.

Run: .venv/bin/python bench/weight.py            (prints a table; exit 1 over budget)
"""
from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

import brotli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cdso.web.assets import compress  # noqa: E402

BUDGETS = {"first visit": 25 * 1024, "htmx step": 1536, "full-page step": 5 * 1024}


def build_app(path: Path):
    from flask_migrate import upgrade

    from cdso import create_app
    from cdso.extensions import db
    from cdso.services.bank import rows as bank_import
    from cdso.services.units import catalogue as units

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        units.load_units()
        bank_import.import_questions(bank_import.parse_rows(bank_import.shipped_bank_rows(),
                                                            create_topics=True))
        db.session.commit()
    return app


def measure(app) -> list[tuple[str, int, int, int]]:
    """(what, gzip bytes, brotli bytes, raw bytes) for each response."""
    from tests import factories
    from tests.test_quiz_support import browser, choices_on, login, start, token

    rows: list[tuple[str, int, int, int]] = []

    def fetch(client, label, method, url, **kwargs):
        extra = kwargs.pop("headers", {})
        sizes = []
        for accept in ("gzip", "br, gzip"):
            response = getattr(client, method)(url, headers={"Accept-Encoding": accept, **extra},
                                               **kwargs)
            raw = _decoded(response)
            wire = len(response.get_data())
            if url.startswith("/s/") and response.status_code == 200:
                # Static files are served by nginx from the copies deploy/precompress.sh
                # makes with the app's own compress() (zopfli gzip, brotli 11).
                wire = len(compress(raw, "gzip" if accept == "gzip" else "br"))
            sizes.append(wire)
        rows.append((label, sizes[0], sizes[1], len(raw)))
        return response

    with app.app_context():
        contest = factories.make_contest()
        account = factories.make_participant(contest)
        client = browser(app)
        login(client, account)
        home = fetch(client, "/thi (HTML)", "get", "/thi")
        for asset in re.findall(r'(?:href|src)="(/s/[^"]+)"', _decoded(home).decode()):
            fetch(client, f"  {asset.rsplit('/', 1)[1]}", "get", asset)
        attempt_id = start(client)
        csrf = token(client, "/thi")
        first = fetch(client, "first question, full page", "get", f"/thi/{attempt_id}/cau/1")
        choice = choices_on(_decoded(first).decode())[0]
        fetch(client, "htmx step: POST answer -> next question partial", "post",
              f"/thi/{attempt_id}/cau/1", headers={"HX-Request": "true"},
              data={"csrf_token": csrf, "choice": choice, "go": "next"})
        second = choices_on(client.get(f"/thi/{attempt_id}/cau/2").get_data(as_text=True))[0]
        posted = fetch(client, "no-JS step: POST answer (303)", "post",
                       f"/thi/{attempt_id}/cau/2",
                       data={"csrf_token": csrf, "choice": second, "go": "next"})
        fetch(client, "no-JS step: next question, full page", "get", posted.headers["Location"])
    return rows


def _decoded(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        return brotli.decompress(data)
    return data


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder) / "weight.sqlite3")
        rows = measure(app)
    width = max(len(label) for label, *_ in rows)
    print(f"{'response':<{width}}  {'gzip B':>7}  {'br B':>7}  {'raw B':>7}")
    for label, gz, br, raw in rows:
        print(f"{label:<{width}}  {gz:>7}  {br:>7}  {raw:>7}")
    print()
    over = False
    for column, name in ((1, "gzip"), (2, "brotli")):
        totals = {
            "first visit": sum(row[column] for row in rows
                               if row[0].startswith(("/thi", "  ", "first question"))),
            "htmx step": sum(row[column] for row in rows if row[0].startswith("htmx step")),
            "full-page step": sum(row[column] for row in rows if row[0].startswith("no-JS step")),
        }
        for what, value in totals.items():
            budget = BUDGETS[what]
            over |= value > budget
            flag = "  OVER BUDGET" if value > budget else ""
            print(f"{name:<7} {what:<15} {value:>6} B  (budget {budget} B){flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
