"""What each layer of the answer step costs: CPU per request, in one process (Flask's test
client, no network), from an empty POST up to the whole htmx answer step.

    .venv/bin/python bench/step_costs.py [--requests 400] [--rate-limit] [--compress]

Runs against a fresh PostgreSQL database (`cdso_bench_stack`) with a few demo
participants; `--rate-limit` turns on the per-account answer limit in Redis (database 1)
as deployed, `--compress` asks for gzip/brotli as a browser does."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers  # noqa: E402
from bench.profile_answer import CHOICE, resident_client  # noqa: E402

DATABASE = "cdso_bench_stack"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rate-limit", action="store_true")
    parser.add_argument("--compress", action="store_true")
    args = parser.parse_args()

    servers.fresh_database(DATABASE)
    servers.flask("cdso", "seed-demo", "--participants", "200", database=DATABASE)
    os.environ.update(servers.app_env(DATABASE, redis_db=1))
    from cdso import create_app
    from cdso.extensions import csrf, db
    settings = {"RATELIMIT_ENABLED": args.rate_limit, "RATELIMIT_ANSWERS": "100000/minute"}
    app = create_app(settings)

    @app.post("/_empty")
    @csrf.exempt
    def empty():
        return "ok"

    @app.post("/_csrf")
    def checked():
        return "ok"

    with app.app_context():
        from cdso.models import Unit
        unit_id = db.session.query(Unit.id).first()[0]
    client, attempt_id, token = resident_client(app, unit_id)
    choices = {p: CHOICE.findall(client.get(f"/thi/{attempt_id}/cau/{p}").get_data(as_text=True))
               for p in range(1, 20)}
    headers = {"HX-Request": "true", "HX-Target": "step"}
    if args.compress:
        headers["Accept-Encoding"] = "br, gzip"

    def answer(i: int) -> None:
        position = i % 19 + 1
        response = client.post(f"/thi/{attempt_id}/cau/{position}", headers=headers, data={
            "csrf_token": token, "go": "next",
            "choice": choices[position][i % len(choices[position])]})
        assert response.status_code == 200, response.status_code

    anonymous = app.test_client()
    rows = [("an empty POST, no session", lambda i: anonymous.post("/_empty")),
            ("the same, logged in (session + account loaded)", lambda i: client.post("/_empty")),
            ("the same, with the CSRF check", lambda i: client.post("/_csrf",
                                                                    data={"csrf_token": token})),
            ("a question page (htmx GET)", lambda i: client.get(
                f"/thi/{attempt_id}/cau/{i % 19 + 1}", headers=headers)),
            ("the answer step (htmx POST → next question)", answer)]
    print(f"CPU per request, {args.requests} requests each "
          f"(rate limit {'on' if args.rate_limit else 'off'}, "
          f"compression {'on' if args.compress else 'off'}):")
    for label, call in rows:
        for i in range(20):
            call(i)
        started = time.process_time()
        for i in range(args.requests):
            call(i)
        print(f"  {label:<48} {(time.process_time() - started) / args.requests * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
