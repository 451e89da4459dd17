"""Browser tests: Playwright (sync API) driving Debian's Chromium against a real gunicorn.

One site (database + server) and one browser per test process, shared by every test of
that process (under `pytest -n 2` each worker that runs browser tests has its own, on
its own port); each test opens its own browser contexts, so cookies and caches never
leak between journeys.
Screenshots go to tests/artifacts/screens/, which the test run keeps."""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e import chromium
from tests.e2e.pages import PHONE
from tests.e2e.site import PASSWORD, ROOT, People, Server, initialise, populate

SCREENS = ROOT / "tests" / "artifacts" / "screens"
TIMEOUT_MS = 90_000  # a wait for a condition, not a timing: the machine may be saturated
expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class Site:
    base_url: str
    people: People
    database_path: Path

    def answer_seq(self, position: int) -> int:
        """The saved order key of `position` in the newest attempt (read from the file)."""
        with sqlite3.connect(self.database_path) as conn:
            return conn.execute("SELECT answer_seq FROM attempt_question WHERE position = ? "
                                "ORDER BY attempt_id DESC LIMIT 1", (position,)).fetchone()[0]


def pytest_itemcollected(item):
    if Path(str(item.fspath)).parent == Path(__file__).parent:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    folder = tmp_path_factory.mktemp("e2e")
    path = folder / "site.sqlite3"
    initialise(path)
    server = Server(f"sqlite:///{path}", folder / "gunicorn.log")  # boots meanwhile
    try:
        people = populate(path)
        yield Site(server.wait_ready().base_url, people, path)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not chromium.CHROMIUM.exists():
        pytest.fail(chromium.MISSING)
    with sync_playwright() as playwright:
        launched = chromium.launch(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def signed_in(browser, site) -> Callable[[str], dict]:
    """The cookies of a logged-in session, once per kind of person (`who`: an attribute
    of site.people), for contexts that start signed in. The login form is posted as the
    page would post it; the journeys test logging in through the page itself."""
    states: dict[str, dict] = {}

    def state(who: str) -> dict:
        if who not in states:
            context = browser.new_context(base_url=site.base_url)
            context.set_default_timeout(TIMEOUT_MS)
            form = context.request.get("/dang-nhap").text()
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            answer = context.request.post("/dang-nhap", max_redirects=0, form={
                "login": getattr(site.people, who), "password": PASSWORD,
                "csrf_token": token})
            assert answer.status == 303, (who, answer.status)
            states[who] = context.storage_state()
            context.close()
        return states[who]

    return state


@pytest.fixture
def new_context(browser, site) -> Callable[..., BrowserContext]:
    """Fresh contexts (a phone-sized window unless told otherwise), closed after the test."""
    made: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        options = {"viewport": PHONE, "base_url": site.base_url, "locale": "vi-VN",
                   **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


@pytest.fixture(scope="session")
def screens() -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS
