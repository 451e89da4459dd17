"""Time the unit search over the misspelling table of the tests (tests/unit_queries.py).

    .venv/bin/python bench/unit_search.py --rounds 20 --append-readme

Two figures per query, on a fresh SQLite database with the 114 units (the search reads
only the units, cached in memory, so the engine does not matter):
- "search": cdso.services.units.search.search_units() alone;
- "server": GET /dang-ky/don-vi as htmx sends it while a person types, through the
  Flask test client: the app's whole time for the step (routing, the picker, the
  template), without the network; wall time, and the process's CPU time (what the
  step costs when it does not wait for the two shared cores);
- "floor": GET /healthz the same way, the framework's own cost for comparison.
The first call builds the index of new and old names; it is timed apart ("cold").
The table's bad queries (500 characters, only punctuation) are timed too.
Budget (issue 16): ≤ 30 ms of server time per query.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import readme  # noqa: E402

BUDGET_MS = 30
HEADING = "## Unit search (bench/unit_search.py)"
INTRO = ("\nEvery query of `tests/unit_queries.py` (real ways residents type their unit, "
         "issue 16) plus two bad ones, each timed `--rounds` times; budget ≤ 30 ms of "
         "server time per query.\n")
BAD = ["Lê Chân " * 63, "?!.,;:-–()…"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def make_app(folder: Path):
    from flask_migrate import upgrade

    from cdso import create_app
    from cdso.extensions import db
    from cdso.services.units import catalogue

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'units.sqlite3'}"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        catalogue.load_units()
        db.session.commit()
    return app


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def run(rounds: int) -> dict:
    from cdso.services.units import catalogue, names
    from cdso.services.units.search import search_units
    from tests.unit_queries import QUERIES

    queries = list(dict.fromkeys([q for q, _, _ in QUERIES] + BAD))
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        with app.app_context():
            catalogue.clear_cache()
            names._indexes.clear()
            start = time.perf_counter()
            search_units("tu ki")
            cold = ms(start)
            search_times = []
            for _ in range(rounds):
                for query in queries:
                    start = time.perf_counter()
                    search_units(query)
                    search_times.append(ms(start))
        client = app.test_client()
        headers = {"HX-Request": "true"}
        server_times, cpu_times, floor_times, slowest = [], [], [], ("", 0.0)
        for _ in range(rounds):
            for query in queries:
                start, cpu = time.perf_counter(), time.process_time()
                response = client.get("/dang-ky/don-vi", headers=headers, query_string={
                    "unit_query": query, "action": "search-unit"})
                took = ms(start)
                cpu_times.append((time.process_time() - cpu) * 1000)
                assert response.status_code == 200, (query, response.status_code)
                server_times.append(took)
                if took > slowest[1]:
                    slowest = (query, took)
                start = time.perf_counter()
                client.get("/healthz")
                floor_times.append(ms(start))
    return {"queries": len(queries), "rounds": rounds, "cold": cold,
            "search": search_times, "server": server_times, "cpu": cpu_times,
            "floor": floor_times, "slowest": slowest}


def summary(label: str, values: list[float]) -> str:
    return (f"| {label} | {statistics.median(values):.2f} | {percentile(values, 0.95):.2f} | "
            f"{percentile(values, 0.99):.2f} | {max(values):.2f} |")


def report(figures: dict, command: str) -> str:
    query, slowest = figures["slowest"]
    wall = "held" if percentile(figures["server"], 0.95) <= BUDGET_MS else "**not held**"
    cpu = "held" if percentile(figures["cpu"], 0.95) <= BUDGET_MS else "**not held**"
    return "\n".join([
        "", f"{readme.machine(command)}: {figures['queries']} queries × {figures['rounds']} "
        f"rounds; building the index of new and old names (first search) "
        f"{figures['cold']:.1f} ms.", "",
        "| ms per query | median | p95 | p99 | max |", "|---|---:|---:|---:|---:|",
        summary("search_units() alone", figures["search"]),
        summary("server: GET /dang-ky/don-vi (htmx), wall", figures["server"]),
        summary("server: the same, CPU time", figures["cpu"]),
        summary("floor: GET /healthz, wall", figures["floor"]), "",
        f"Slowest request: {query[:30]!r} {slowest:.2f} ms. Budget ≤ {BUDGET_MS} ms at p95: "
        f"{wall} in wall time, {cpu} in CPU time.", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--append-readme", action="store_true")
    args = parser.parse_args()
    figures = run(args.rounds)
    command = f"`bench/unit_search.py --rounds {args.rounds}`"
    text = report(figures, command)
    print(text)
    if args.append_readme:
        readme.append_to_section(HEADING, text, INTRO)


if __name__ == "__main__":
    main()
