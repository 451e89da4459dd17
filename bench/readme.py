"""Writing a benchmark's figures into bench/README.md: the machine line every entry
starts with, and the entry added at the end of its own section."""
from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def machine(command: str) -> str:
    """Date, machine, load and the command, for the first line of an entry."""
    return (f"{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores "
            f"(load average {os.getloadavg()[0]:.1f} at the end), Python "
            f"{platform.python_version()}, {command}")


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
