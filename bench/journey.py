"""A simulated resident, driving the real pages as a browser with htmx does: register,
log in, start an attempt, answer each question (one htmx POST per step, whose answer is
the next question), the prediction, finish. Every answer the server acknowledged is
remembered, so the fault bench can check that the database holds it."""
from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field

from bench.httpclient import Client, HttpError, Response

CHOICE = re.compile(rb'name="choice" value="(\d+)"')
SEQ = re.compile(rb'name="seq" value="(\d+)"')
ATTEMPT = re.compile(r"/thi/(\d+)")
HTMX = {"HX-Request": "true", "HX-Target": "step", "HX-Current-URL": "/"}
PASSWORD = "mat-khau-bench-2025"


class JourneyError(Exception):
    """The server answered something a browser would show as an error."""


@dataclass
class Timings:
    """Latencies (seconds) by kind of request, and the errors seen."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, seconds: float) -> None:
        self.samples.setdefault(kind, []).append(seconds)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


@dataclass
class Resident:
    number: int
    port: int
    timings: Timings
    address: str = ""
    phone: str = ""
    attempt_id: int | None = None
    csrf: str | None = None
    next_choices: list[int] = field(default_factory=list)
    page_seq: int = 0  # the question page's base order key (see quiz.save_answer)
    taps: int = 0  # taps sent from that page, as static/js/app.js counts them
    acknowledged: dict[int, int] = field(default_factory=dict)  # position -> choice id
    client: Client = field(init=False)

    def __post_init__(self):
        self.client = Client(port=self.port)
        # Residents come from many addresses (behind nginx: X-Forwarded-For).
        self.address = self.address or f"10.{self.number // 65536 % 256}.{self.number // 256 % 256}.{self.number % 256}"
        self.phone = self.phone or f"09{self.number:08d}"

    def headers(self, extra: dict | None = None) -> dict:
        return {"X-Forwarded-For": self.address, **(extra or {})}

    async def _call(self, kind: str, method: str, path: str, form: dict | None = None,
                    extra: dict | None = None, expect: tuple[int, ...] = (200,)) -> Response:
        try:
            if method == "GET":
                response = await self.client.get(path, self.headers(extra))
            else:
                response = await self.client.post(path, form or {}, self.headers(extra))
        except HttpError as error:
            self.timings.error(kind)
            raise JourneyError(str(error)) from None
        if response.status not in expect:
            self.timings.error(kind)
            raise JourneyError(f"{method} {path}: HTTP {response.status}")
        self.timings.add(kind, response.seconds)
        return response

    async def register(self, unit_id: int) -> None:
        page = await self._call("register_form", "GET", "/dang-ky")
        self.csrf = page.csrf_token()
        await self._call("register", "POST", "/dang-ky", {
            "csrf_token": self.csrf, "full_name": "Nguyễn Thị Bench", "birth_date": "05/03/1980",
            "gender": "nu", "phone": self.phone, "unit_id": str(unit_id), "group": "nguoi_dan",
            "password": PASSWORD, "password2": PASSWORD, "consent": "yes"}, expect=(303,))

    async def log_in(self, fresh_browser: bool = True) -> None:
        if fresh_browser:  # a new device: no cookie from before
            await self.client.close()
            self.client = Client(port=self.port)
        page = await self._call("login_form", "GET", "/dang-nhap")
        response = await self._call("login", "POST", "/dang-nhap", {
            "csrf_token": page.csrf_token(), "login": self.phone, "password": PASSWORD},
            expect=(303,))
        if not response.headers.get("location", "").endswith("/thi"):
            raise JourneyError(f"login went to {response.headers.get('location')}")
        self.csrf = None

    async def start(self) -> None:
        home = await self._call("home", "GET", "/thi")
        self.csrf = home.csrf_token()
        started = await self._call("start", "POST", "/thi/bat-dau", {"csrf_token": self.csrf},
                                   expect=(303,))
        found = ATTEMPT.search(started.headers.get("location", ""))
        if not found:
            raise JourneyError(f"start went to {started.headers.get('location')}")
        self.attempt_id = int(found.group(1))
        await self.open_question(1)

    async def open_question(self, position: int) -> None:
        page = await self._call("question_page", "GET",
                                f"/thi/{self.attempt_id}/cau/{position}")
        self.csrf = page.csrf_token() or self.csrf
        self.showing(page.body)

    def showing(self, body: bytes) -> None:
        """A question page arrived: its choices, its base key, no taps yet."""
        self.next_choices = [int(x) for x in CHOICE.findall(body)]
        found = SEQ.search(body)
        self.page_seq, self.taps = (int(found.group(1)) if found else 0), 0

    def tap_seq(self) -> str:
        """The order key of the next tap on the page shown, as the browser's script sends it."""
        self.taps += 1
        return str(self.page_seq + self.taps)

    async def answer(self, position: int, count: int, rng: random.Random) -> None:
        """One step: the answer of `position`; the response is the next step (partial)."""
        if not self.next_choices:
            await self.open_question(position)
        choice = rng.choice(self.next_choices)
        response = await self._call("answer", "POST", f"/thi/{self.attempt_id}/cau/{position}",
                                    {"csrf_token": self.csrf, "choice": str(choice),
                                     "seq": self.tap_seq(), "go": "next"}, extra=HTMX)
        self.acknowledged[position] = choice  # a 200 means saved and committed
        self.showing(response.body)
        if position < count and not self.next_choices:
            raise JourneyError(f"no question {position + 1} after answering {position}")

    async def answer_all(self, count: int, think: float, rng: random.Random,
                         start_at: int = 1) -> None:
        for position in range(start_at, count + 1):
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            await self.answer(position, count, rng)

    async def finish(self, prediction: int) -> None:
        await self._call("prediction", "POST", f"/thi/{self.attempt_id}/du-doan",
                         {"csrf_token": self.csrf, "prediction": str(prediction), "go": "review"},
                         extra=HTMX)
        done = await self._call("finish", "POST", f"/thi/{self.attempt_id}/nop-bai",
                                {"csrf_token": self.csrf}, expect=(303,))
        if not done.headers.get("location", "").endswith(f"/thi/{self.attempt_id}/ket-qua"):
            raise JourneyError(f"finish went to {done.headers.get('location')}")

    async def close(self) -> None:
        await self.client.close()
