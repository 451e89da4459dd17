"""Debian's Chromium as the browser tests and bench/slow_network.py launch it."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
MISSING = (f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
           "(`bash scripts/system-deps.sh` as root installs it, or `apt-get install chromium`).")


def launch(playwright: Playwright) -> Browser:
    # A wait, not a timing: Chromium starts slowly on a saturated machine (default 30 s).
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      timeout=180_000)
