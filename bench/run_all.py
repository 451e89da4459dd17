"""Every server benchmark in one go (`make bench`): the figures bench/README.md reports.

    .venv/bin/python bench/run_all.py              # ~20 min on a 2-core machine
    .venv/bin/python bench/run_all.py --quick      # smaller and shorter, ~6 min
    .venv/bin/python bench/run_all.py --city       # also bulk-load 3 million participants
                                                   # and time the dashboards (~1 h more)

1. worker class and count: answer saves/s against hello world at saturation, per setting;
2. 200 residents at once with pauses between answers: answer-save latency;
3. the start rush: 2,000 residents log in and start within a minute;
4. faults: worker SIGKILL, terminated connections, PostgreSQL restart (a private
   PostgreSQL cluster on port 5499, so the machine's own is never restarted);
5. with --city: officials' dashboards and the public ranking at city scale
   (bench/bulk_seed.py and bench/dashboard.py).
Results are written as JSON to bench/results/ and summed up at the end."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
PYTHON = str(BENCH.parent / ".venv" / "bin" / "python")
WORKER_SETTINGS = [("sync", 5, 1), ("sync", 3, 1), ("sync", 9, 1), ("gthread", 3, 4)]


def run(name: str, *args: str, check: bool = False) -> dict | None:
    out = RESULTS / f"{name}.json"
    print(f"==> {name}: {' '.join(args)}", flush=True)
    started = time.perf_counter()
    done = subprocess.run([PYTHON, str(BENCH / args[0]), *args[1:], "--json", str(out)],
                          stdout=subprocess.DEVNULL, check=False)
    print(f"    {time.perf_counter() - started:.0f} s, exit {done.returncode}", flush=True)
    if check and done.returncode:
        print(f"    {name} FAILED (exit {done.returncode})", flush=True)
    return json.loads(out.read_text()) if out.exists() else None


def summary(results: dict) -> list[str]:
    lines = ["", "| benchmark | figure | budget |", "|---|---|---|"]
    for name, data in results.items():
        if not data:
            lines.append(f"| {name} | no result | |")
        elif name.startswith("workers-") or name == "residents-200":
            hello, app = data["hello"], data["app"]
            lines.append(
                f"| {name} | {app['answer_rate']} answers/s vs hello {hello['rate']}/s = "
                f"{data['answer_rate_vs_hello']:.0%}; answer p50/p95/p99 "
                f"{app['latency']['answer']['p50_ms']}/{app['latency']['answer']['p95_ms']}/"
                f"{app['latency']['answer']['p99_ms']} ms; errors {sum(app['errors'].values())}; "
                f"CPU/answer {app['gunicorn_cpu_ms_per_answer']} ms vs hello "
                f"{hello['gunicorn_cpu_ms_per_request']} ms | ≥ 50%; p99 ≤ 100 ms |")
        elif name == "start-rush":
            lines.append(f"| {name} | {data['started']}/{data['residents']} started, "
                         f"{data['errors']} errors, last at {data['last_start_at_s']} s | "
                         "0 errors |")
        elif name == "faults":
            check = data["check"]
            lines.append(f"| {name} | {check['acknowledged_answers']} acknowledged, "
                         f"{check['acknowledged_answers_lost']} lost; figures match: "
                         f"{check['figures_match_rows']} | 0 lost |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--city", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    results: dict[str, dict | None] = {}
    seconds = "8" if args.quick else "15"
    saturation = "32" if args.quick else "48"
    for worker_class, workers, threads in WORKER_SETTINGS[: 2 if args.quick else None]:
        name = f"workers-{worker_class}-{workers}x{threads}"
        results[name] = run(name, "load.py", "--residents", saturation, "--think", "0",
                            "--background", "5000", "--hello-seconds", seconds,
                            "--workers", str(workers), "--worker-class", worker_class,
                            "--threads", str(threads))
    results["residents-200"] = run("residents-200", "load.py", "--residents",
                                   "100" if args.quick else "200", "--think", "3",
                                   "--hello-seconds", seconds)
    results["start-rush"] = run("start-rush", "start_rush.py", "--residents",
                                "500" if args.quick else "2000", "--seconds",
                                "15" if args.quick else "60", check=True)
    results["faults"] = run("faults", "faults.py", "--private-cluster", "--hang-up-pause", "0",
                            check=True)
    if args.city:
        subprocess.run([PYTHON, str(BENCH / "bulk_seed.py"), "--participants", "3000000"],
                       check=True)
        subprocess.run([PYTHON, str(BENCH / "dashboard.py"), "--requests", "200"], check=True)
    print("\n".join(summary(results)))
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
