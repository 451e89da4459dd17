"""Writing a benchmark's figures into bench/README.md: the machine line every entry
starts with, and the entry added at the end of its own section."""
from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def machine(command: str) -> str:
    """Date, machine, load and the command, for the first line of an entry."""
    return (f"{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores "
            f"(load average {os.getloadavg()[0]:.1f} at the end), Python "
            f"{platform.python_version()}, {command}")


def city_scale_entry(data: str, command: str, seeded_by: str, load: str, budget_ms: int,
                     parts: list[str], server: str = "") -> str:
    """An entry of a page benchmark at city scale (bench/dashboard.py, bench/gaps.py): the
    data, the command, the machine and its load, then `parts` (tables, notes) one by one."""
    where = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = ["", f"### {dt.date.today():%d/%m/%Y} — {data}", "",
             f"Command: `{command}` (data: `{seeded_by}`). Machine: {where}{server}, shared "
             f"with other work ({load}). Flask test client, one process. Budget: p95 ≤ "
             f"{budget_ms} ms.", ""]
    for part in parts:
        lines += [part, ""]
    return "\n".join(lines)


def append_to_section(heading: str, entry: str, intro: str = "", readme: Path = README) -> None:
    """Add `entry` at the end of the section `heading` (made, with `intro`, if missing),
    before the next section of another benchmark."""
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    if heading not in text:
        text = text.rstrip("\n") + "\n\n" + heading + "\n" + intro
    start = text.index(heading) + len(heading)
    following = text.find("\n## ", start)
    end = len(text) if following == -1 else following
    text = text[:end].rstrip("\n") + "\n" + entry.rstrip("\n") + "\n" + text[end:]
    readme.write_text(text if text.endswith("\n") else text + "\n")


def timing_table(unit: str, cold: tuple[str, float], rows: list[tuple[str, list[float]]],
                 digits: int = 1, p95: Callable[[list[float], float], float] | None = None
                 ) -> list[str]:
    """A Markdown table of timings in `unit`: a cold first run (label, value), then per
    row its label, n, median, the 95th percentile (when `p95` computes it) and max."""
    heads = ["measure", "n", f"median {unit}", *([f"p95 {unit}"] if p95 else []), f"max {unit}"]

    def line(label: str, values: list[float]) -> str:
        figures = [statistics.median(values), *([p95(values, 0.95)] if p95 else []), max(values)]
        return f"| {label} | {len(values)} | " + " | ".join(f"{f:.{digits}f}" for f in figures) + " |"

    return ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads),
            f"| {cold[0]} | 1 | {cold[1]:.{digits}f} |" + " |" * (len(heads) - 3),
            *(line(label, values) for label, values in rows)]
