"""Instructions per answer step and per reference request, counted by callgrind: the same
figure on an idle and on a saturated machine (timings are not), for deciding what pays.

    .venv/bin/python bench/step_instructions.py [--steps 50] [--database cdso_bench_profile]

Runs itself under `valgrind --tool=callgrind --instr-atstart=no`; a small C helper
(compiled with gcc from valgrind's callgrind.h, in a scratch folder) switches counting
on around the measured requests only, so the imports and the setup are not counted.
Needs valgrind and gcc (apt-get install valgrind gcc). The database is set up as
bench/profile_answer.py does (seed-demo, or --reuse)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HELPER = """#include <valgrind/callgrind.h>
void cg_begin(void){ CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void cg_end(const char *label){ CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
"""


def measured(args) -> None:
    """Inside valgrind: the steps, each batch dumped under its label."""
    import ctypes
    import re

    from bench import servers
    from bench.profile_answer import CHOICE, _reference_client, resident_client
    cg = ctypes.CDLL(os.environ["CG_HELPER"])
    os.environ.update(servers.app_env(args.database, redis_db=1))
    from cdso import create_app
    from cdso.extensions import db
    from cdso.models import Account, Unit
    # Rate limits on, as deployed (the answer step's own, in memory, set high enough
    # for the loop): Flask-Limiter's checks are part of every request.
    app = create_app({"RATELIMIT_ANSWERS": "1000000/minute"})
    with app.app_context():
        unit_id = db.session.query(Unit.id).first()[0]
        db.session.query(Account).filter(Account.login == "0977000111").update(
            {"login": f"reused-{os.getpid()}", "phone": None})
        db.session.commit()
    client, attempt_id, token = resident_client(app, unit_id)
    choices = {p: CHOICE.findall(client.get(f"/thi/{attempt_id}/cau/{p}").get_data(as_text=True))
               for p in range(1, 20)}
    headers = {"HX-Request": "true", "HX-Target": "step"}

    def answer(i: int) -> None:
        position = i % 19 + 1
        response = client.post(f"/thi/{attempt_id}/cau/{position}", headers=headers, data={
            "csrf_token": token, "go": str(position % 19 + 1),
            "choice": choices[position][i % len(choices[position])]})
        assert response.status_code == 200 and re.search(b"<section", response.data)

    reference = _reference_client(args.database)

    def reference_answer(i: int) -> None:
        assert reference.post("/answer", data={"position": str(i % 20 + 1),
                                               "choice": "2"}).status_code == 200

    for label, call in (("answer step", answer), ("reference", reference_answer)):
        for i in range(10):
            call(i)  # warm: caches filled, statements prepared
        cg.cg_begin()
        for i in range(args.steps):
            call(i)
        cg.cg_end(label.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--database", default="cdso_bench_profile")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        measured(args)
        return
    from bench import servers
    if not args.reuse:
        servers.fresh_database(args.database)
        servers.flask("cdso", "seed-demo", "--participants", "200", database=args.database)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "cg.c").write_text(HELPER)
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(folder / "cg.so"),
                        str(folder / "cg.c")], check=True)
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                        f"--callgrind-out-file={folder / 'cg.out'}", sys.executable,
                        str(Path(__file__).resolve()), "--inside", "--steps", str(args.steps),
                        "--database", args.database],
                       check=True, env={**os.environ, "CG_HELPER": str(folder / "cg.so"),
                                        "PYTHONHASHSEED": "0"},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts = {}
        for dump in sorted(folder.glob("cg.out.*")):
            text = dump.read_text(errors="replace")
            label = text.split("Client Request: ", 1)[1].split("\n", 1)[0]
            total = next(line.split()[1] for line in text.splitlines()
                         if line.startswith(("totals:", "summary:")))
            counts[label] = int(total) / args.steps
    for label, count in counts.items():
        print(f"{label:<12} {count / 1e6:6.2f} M instructions per request")
    print(f"reference ÷ answer step: {counts['reference'] / counts['answer step']:.2f}")


if __name__ == "__main__":
    main()
