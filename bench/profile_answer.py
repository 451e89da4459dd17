"""Where an answer save spends its time: CPU per request of the answer step (htmx POST,
the next question as a partial) beside Flask's hello world, measured in one process
with Flask's test client (no network, no other load: steady even on a busy machine),
and a cProfile of the answer steps, heaviest functions first.

    .venv/bin/python bench/profile_answer.py --database cdso_bench_profile --requests 400
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers  # noqa: E402
from bench.journey import PASSWORD  # noqa: E402

CHOICE = re.compile(r'name="choice" value="(\d+)"')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _cpu_per_request(call, count: int) -> float:
    started = time.process_time()
    for i in range(count):
        call(i)
    return (time.process_time() - started) / count


def resident_client(app, unit_id: int):
    """A registered, logged-in resident with an open attempt: (client, attempt id, token)."""
    client = app.test_client()
    page = client.get("/dang-ky").get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    done = client.post("/dang-ky", data={
        "csrf_token": token, "full_name": "Trần Văn Hồ Sơ", "birth_date": "01/02/1975",
        "gender": "nam", "phone": "0977000111", "unit_id": str(unit_id), "group": "nguoi_dan",
        "password": PASSWORD, "password2": PASSWORD, "consent": "yes"})
    assert done.status_code == 303, done.status_code
    home = client.get("/thi").get_data(as_text=True)
    token = TOKEN.search(home).group(1)
    started = client.post("/thi/bat-dau", data={"csrf_token": token})
    attempt_id = int(re.search(r"/thi/(\d+)", started.headers["Location"]).group(1))
    return client, attempt_id, token


def _reference_client(database: str):
    """bench/reference.py in this process, on its own table in the same database."""
    from sqlalchemy import create_engine

    import bench.reference as reference
    from bench.answer_ratio import create_table
    create_table(servers.pg_url(database), 1)
    reference.engine = create_engine(servers.pg_url(database))
    client = reference.app.test_client()
    client.post("/login", data={"account": "1"})
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cdso_bench_profile")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--reuse", action="store_true",
                        help="use the database as it is (e.g. left by bench/answer_ratio.py)")
    args = parser.parse_args()

    if not args.reuse:
        servers.fresh_database(args.database)
        servers.flask("cdso", "seed-demo", "--participants", "2000", database=args.database)
    import os
    os.environ.update(servers.app_env(args.database, redis_db=1))
    from bench.hello import app as hello_app
    from cdso import create_app
    # Rate limits on, as deployed (the answer step's own, in memory, set high enough
    # for the loop): Flask-Limiter's checks are part of every request.
    app = create_app({"RATELIMIT_ANSWERS": "1000000/minute"})
    with app.app_context():
        from cdso.models import Account, Unit
        from cdso.extensions import db
        unit_id = db.session.query(Unit.id).first()[0]
        db.session.query(Account).filter(Account.login == "0977000111").update(
            {"login": f"reused-{os.getpid()}", "phone": None})  # a second run on --reuse
        db.session.commit()
    client, attempt_id, token = resident_client(app, unit_id)
    choices = {position: CHOICE.findall(client.get(f"/thi/{attempt_id}/cau/{position}")
                                        .get_data(as_text=True)) for position in range(1, 20)}
    headers = {"HX-Request": "true", "HX-Target": "step"}

    def answer(i: int) -> None:
        position = i % 19 + 1  # positions 1..19: each answer's reply is the next question
        response = client.post(f"/thi/{attempt_id}/cau/{position}", headers=headers, data={
            "csrf_token": token, "choice": choices[position][i % len(choices[position])], "go": "next"})
        assert response.status_code == 200, response.status_code

    hello = hello_app.test_client()
    reference = _reference_client(args.database)

    def reference_answer(i: int) -> None:
        response = reference.post("/answer", data={"position": str(i % 20 + 1), "choice": "2"})
        assert response.status_code == 200, response.status_code

    _cpu_per_request(lambda i: hello.get("/"), 200)  # warm up
    _cpu_per_request(answer, 40)
    _cpu_per_request(reference_answer, 40)
    hello_cpu = _cpu_per_request(lambda i: hello.get("/"), args.requests * 5)
    answer_cpu = _cpu_per_request(answer, args.requests)
    reference_cpu = _cpu_per_request(reference_answer, args.requests)
    print(f"hello world: {hello_cpu * 1000:.2f} ms CPU per request")
    print(f"reference (bench/reference.py): {reference_cpu * 1000:.2f} ms CPU per request")
    print(f"answer step: {answer_cpu * 1000:.2f} ms CPU per request "
          f"(app process only; PostgreSQL's share is not in it)")
    print(f"ratio (CPU, app process): {hello_cpu / answer_cpu:.1%} of hello world, "
          f"{reference_cpu / answer_cpu:.1%} of the reference")

    print_profile(answer, args.requests, args.top)


def print_profile(answer, requests: int, top: int) -> None:
    """`requests` answers under cProfile: the top functions by cumulative and own time."""
    profiler = cProfile.Profile(time.process_time)  # CPU time: what the workers are short of
    profiler.enable()
    for i in range(requests):
        answer(i)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
