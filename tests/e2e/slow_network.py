"""A resident on a slow phone (issue 16): Chromium throttled through the DevTools protocol
to 400 kbit/s both ways, 400 ms round trips and (for the benchmark) a CPU slowed 4x, a
360x640 screen, a fresh context (empty cache), the link opened from a message. Two ways
to the first question, with or without JavaScript:

- "new": a new resident registers, the unit found with the search, and presses «Đăng ký
  và bắt đầu làm bài»;
- "returning": a resident logs in with «Đăng nhập và bắt đầu làm bài».

Then one answer step. Each step is timed from the person's action (a tap, Enter) until
the next screen shows what it must; the person's typing is not timed. Bytes are every
response the browser received during the step, headers and compressed bodies, redirects
included. Used by tests/e2e/test_slow_network.py and bench/slow_network.py."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.e2e import steps
from tests.e2e.pages import PHONE
from tests.e2e.site import PASSWORD

LATENCY_MS = 400
BYTES_PER_SECOND = 50_000  # 400 kbit/s
BYTES_BUDGET = 25_000      # docs/quality.md: first visit to the quiz ≤ 25 KB
SECONDS_BUDGET = {("new", True): 4.0, ("new", False): 5.0,       # issue 16
                  ("returning", True): 3.0, ("returning", False): 5.0}
CPU_SLOWDOWN = 4
TIMEOUT_MS = 120_000  # CPU slowed 4× on a machine that may be saturated
ANSWER = "answer step"


@dataclass
class Step:
    name: str
    seconds: float = 0.0
    received: dict[str, int] = field(default_factory=dict)  # URL path → bytes

    @property
    def bytes(self) -> int:
        return sum(self.received.values())


@dataclass
class Measurement:
    path: str
    javascript: bool
    steps: list[Step] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Machine time to the first question: every step but the answer step."""
        return sum(s.seconds for s in self.steps if s.name != ANSWER)

    @property
    def received(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for step in self.steps:
            if step.name != ANSWER:
                for path, size in step.received.items():
                    total[path] = total.get(path, 0) + size
        return total

    @property
    def total_bytes(self) -> int:
        return sum(self.received.values())

    @property
    def quiz_first_visit_bytes(self) -> int:
        """docs/quality.md's "first visit to the quiz": the step that showed the first question
        (its page, whichever request brought it) and the CSS and JavaScript it uses."""
        last = [s for s in self.steps if s.name != ANSWER][-1]
        return last.bytes + sum(size for path, size in self.received.items()
                                if path.startswith("/s/") and not last.received.get(path))

    @property
    def answer_bytes(self) -> int:
        return sum(s.bytes for s in self.steps if s.name == ANSWER)

    def lines(self) -> list[str]:
        rows = [f"{self.path}, {'with' if self.javascript else 'without'} JS: "
                f"{self.seconds:.2f} s, {self.total_bytes:,} B to the first question "
                f"(the quiz's first visit: {self.quiz_first_visit_bytes:,} B); "
                f"answer step {self.answer_bytes:,} B"]
        for step in self.steps:
            where = " · ".join(f"{p} {n:,}" for p, n in step.received.items())
            rows.append(f"  {step.name}: {step.seconds:.2f} s, {step.bytes:,} B ({where})")
        return rows


class _Recorder:
    """Bytes per URL from the DevTools protocol, credited to the step under way."""

    def __init__(self, page: Page):
        self.current = Step("?")
        self.urls: dict[str, str] = {}
        cdp = page.context.new_cdp_session(page)
        self.cdp = cdp
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", lambda event: self._add(
            self.urls.get(event["requestId"], "?"), event["encodedDataLength"]))
        self.navigated = self.painted = False  # a new document in this step; its paint
        cdp.send("Page.enable")
        cdp.send("Page.setLifecycleEventsEnabled", {"enabled": True})
        cdp.on("Page.lifecycleEvent", self._lifecycle)

    def _lifecycle(self, event) -> None:
        if event["name"] == "init":
            self.navigated, self.painted = True, False
        elif event["name"] == "firstContentfulPaint":
            self.painted = True

    def _sent(self, event) -> None:
        redirect = event.get("redirectResponse")
        if redirect:  # the redirect's own response, received before the next request
            self._add(redirect["url"], redirect.get("encodedDataLength", 0))
        self.urls[event["requestId"]] = event["request"]["url"]

    def _add(self, url: str, size: float) -> None:
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
        received = self.current.received
        received[path] = received.get(path, 0) + int(size)


def _throttle(recorder: _Recorder, cpu: int) -> None:
    recorder.cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LATENCY_MS,
        "downloadThroughput": BYTES_PER_SECOND, "uploadThroughput": BYTES_PER_SECOND})
    if cpu > 1:
        recorder.cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})


# What a step must show, as script in the page: an element matching the selector, holding
# the text, visible. Asked through the DevTools protocol, which answers with scripts off too.
SHOWN = """([selector, text]) => [...document.querySelectorAll(selector)].some(
    (el) => el.textContent.includes(text) && el.checkVisibility())"""
POLL_SECONDS = 0.01


def _until_shown(recorder: _Recorder, painted: tuple[str, str], deadline: float) -> float:
    """When the step's screen was there: `painted` shown and, when the step loaded a new
    document, that document's first contentful paint (an element laid out while the
    stylesheet is still on its way is already visible to script). Polled every 10 ms:
    Playwright's own waits poll every 500 ms after the first 270 ms, which would add up
    to half a second to every step."""
    expression = f"({SHOWN})({json.dumps(list(painted))})"
    while time.monotonic() < deadline:
        try:
            answer = recorder.cdp.send("Runtime.evaluate",
                                       {"expression": expression, "returnByValue": True})
            found = answer["result"].get("value") is True
        except PlaywrightError:  # the old document went away under the question
            found = False
        if found and (not recorder.navigated or recorder.painted):
            return time.monotonic()
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{painted} not shown in {TIMEOUT_MS} ms")


def _timed(result: Measurement, recorder: _Recorder, page: Page, name: str,
           act: Callable[[], None], painted: tuple[str, str],
           shown: Callable[[], None]) -> None:
    """Time `act` until its screen is there (`painted`, see _until_shown), then check with
    Playwright that the step shows what it must (`shown`, not timed)."""
    step = Step(name)
    recorder.current = step
    recorder.navigated = recorder.painted = False
    started = time.monotonic()
    act()
    step.seconds = _until_shown(recorder, painted, started + TIMEOUT_MS / 1000) - started
    shown()
    page.wait_for_load_state("load")  # the page's scripts: their bytes count to this step
    result.steps.append(step)


def _new_resident(result, recorder, page: Page, phone: str, unit: str, js: bool) -> None:
    heading = page.get_by_role("heading", name="Đăng ký dự thi")
    _timed(result, recorder, page, "landing", lambda: page.goto("/", wait_until="commit"),
           ("main a", "Đăng ký dự thi"),
           lambda: expect(page.get_by_role("link", name="Đăng ký dự thi")).to_be_visible())
    _timed(result, recorder, page, "registration form",
           lambda: page.get_by_role("link", name="Đăng ký dự thi").click(),
           ("main h1", "Đăng ký dự thi"), lambda: expect(heading).to_be_visible())
    page.get_by_label("Họ và tên").fill("Đỗ Thị Mạng Chậm")
    page.get_by_label("Ngày sinh").fill("05/03/1960")
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Số điện thoại di động").fill(phone)
    search = page.get_by_label("Gõ tên đơn vị mới")
    option = page.get_by_label(unit, exact=True)
    if js:  # results as the person types (htmx, 250 ms after the last key)
        _timed(result, recorder, page, "unit search", lambda: search.fill("gia"),
               ("#unit-results label", unit), lambda: expect(option).to_be_visible())
    else:
        search.fill("gia")
        _timed(result, recorder, page, "unit search",
               lambda: page.get_by_role("button", name="Tìm", exact=True).click(),
               ("#unit-results label", unit), lambda: expect(option).to_be_visible())
    chosen = page.get_by_label("Tổ dân phố, thôn, trường học hoặc cơ quan")
    if js:
        _timed(result, recorder, page, "unit chosen", lambda: option.click(),
               ("#f-organisation_id", ""), lambda: expect(chosen).to_be_visible())
    else:
        option.check()
        _timed(result, recorder, page, "unit chosen",
               lambda: page.get_by_role("button", name="Chọn đơn vị này").click(),
               ("#f-organisation_id", ""), lambda: expect(chosen).to_be_visible())
    page.get_by_label("Người dân", exact=True).check()
    page.get_by_label(steps.PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Tôi đã đọc thông báo trên").check()
    _timed(result, recorder, page, "register and start",
           lambda: page.get_by_role("button", name=steps.REGISTER_AND_START).click(),
           ("#step legend", ""), lambda: expect(page.locator("#step legend")).to_be_visible(timeout=TIMEOUT_MS))


def _returning_resident(result, recorder, page: Page, phone: str) -> None:
    login_link = page.get_by_role("main").get_by_role("link", name="Đăng nhập")
    _timed(result, recorder, page, "landing", lambda: page.goto("/", wait_until="commit"),
           ("main a", "Đăng nhập"), lambda: expect(login_link).to_be_visible())
    _timed(result, recorder, page, "login form", lambda: login_link.click(),
           ("#f-login", ""), lambda: expect(page.get_by_label("Số điện thoại")).to_be_visible())
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label(steps.PASSWORD_LABEL).fill(PASSWORD)
    _timed(result, recorder, page, "log in and start",
           lambda: page.get_by_role("button", name=steps.LOG_IN_AND_START).click(),
           ("#step legend", ""), lambda: expect(page.locator("#step legend")).to_be_visible(timeout=TIMEOUT_MS))


def run(browser: Browser, base_url: str, path: str, phone: str, *, javascript: bool = True,
        cpu: int = CPU_SLOWDOWN, unit: str = "Phường Gia Viên") -> Measurement:
    """One cold run of `path` ("new": `phone` is not registered yet; "returning": a
    resident with no attempt yet), then one answer step."""
    context = browser.new_context(viewport=PHONE, base_url=base_url, locale="vi-VN",
                                  java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        recorder = _Recorder(page)
        _throttle(recorder, cpu)
        result = Measurement(path, javascript)
        if path == "new":
            _new_resident(result, recorder, page, phone, unit, javascript)
        else:
            _returning_resident(result, recorder, page, phone)
        progress = page.locator("#step .progress")
        _timed(result, recorder, page, ANSWER, lambda: steps.answer_and_go_on(page, 0),
               ("#step .progress", "Câu 2/"), lambda: expect(progress).to_contain_text("Câu 2/"))
        return result
    finally:
        context.close()


def measure(browser: Browser, base_url: str, phone: str) -> Measurement:
    """The returning resident with JavaScript, network throttled, CPU not (the test)."""
    return run(browser, base_url, "returning", phone, cpu=1)
