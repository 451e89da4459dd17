"""A resident on a slow mobile link: Chromium throttled through the DevTools protocol to
400 kbit/s both ways and 400 ms round trips, a fresh context (empty cache). From opening
the landing page, through logging in and «Bắt đầu làm bài», to the first question shown:
the time it takes and every byte the browser received (headers and compressed bodies,
redirects included). Used by tests/e2e/test_slow_network.py and bench/slow_network.py."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from playwright.sync_api import Browser, expect

from tests.e2e.pages import PHONE
from tests.e2e.site import PASSWORD

LATENCY_MS = 400
BYTES_PER_SECOND = 50_000  # 400 kbit/s
BYTES_BUDGET = 25_000      # QUALITY.md: first visit to the quiz ≤ 25 KB
SECONDS_BUDGET = 5.0       # QUALITY.md: landing → first question ≤ 5 s
TIMEOUT_MS = 60_000


@dataclass
class Measurement:
    seconds: float = 0.0
    received: dict[str, int] = field(default_factory=dict)  # URL path → bytes

    @property
    def total_bytes(self) -> int:
        return sum(self.received.values())

    @property
    def quiz_first_visit_bytes(self) -> int:
        """QUALITY.md's "first visit to the quiz": the first question's page and the CSS
        and JavaScript it uses (whichever page fetched them first)."""
        return sum(size for path, size in self.received.items()
                   if path.startswith("/s/") or path.endswith("/cau/1"))

    def add(self, url: str, size: float) -> None:
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
        self.received[path] = self.received.get(path, 0) + int(size)

    def lines(self) -> list[str]:
        rows = [f"  {size:>7,} B  {path}" for path, size in self.received.items()]
        return [f"{self.seconds:.2f} s, {self.total_bytes:,} B in {len(rows)} URLs "
                f"(the quiz's first visit: {self.quiz_first_visit_bytes:,} B)", *rows]


def measure(browser: Browser, base_url: str, phone: str, password: str = PASSWORD,
            ) -> Measurement:
    """Log in as `phone` (a resident with no attempt yet) and open the first question."""
    context = browser.new_context(viewport=PHONE, base_url=base_url,
                                  locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_SECOND, "uploadThroughput": BYTES_PER_SECOND})
        result = Measurement()
        urls: dict[str, str] = {}

        def sent(event):
            redirect = event.get("redirectResponse")
            if redirect:  # the redirect's own response, received before the next request
                result.add(redirect["url"], redirect.get("encodedDataLength", 0))
            urls[event["requestId"]] = event["request"]["url"]

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished",
               lambda event: result.add(urls.get(event["requestId"], "?"),
                                        event["encodedDataLength"]))

        started = time.monotonic()
        page.goto("/")
        page.get_by_role("main").get_by_role("link", name="Đăng nhập").click()
        page.get_by_label("Số điện thoại").fill(phone)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("button", name="Bắt đầu làm bài").click()
        expect(page.locator("#step legend")).to_be_visible(timeout=TIMEOUT_MS)
        result.seconds = time.monotonic() - started
        page.wait_for_load_state("load")  # scripts of the last page counted too
        return result
    finally:
        context.close()
