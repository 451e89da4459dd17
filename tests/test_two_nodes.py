"""Two app nodes (real gunicorn processes on two ports) sharing one PostgreSQL database and
one Redis: a resident whose requests alternate between them keeps their session and
their attempt, and the login throttle counts failures made on either node.
Nothing that one node needs lives in the other's memory."""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import secrets
import signal
import socket

import pytest
import redis

from bench.httpclient import Client
from bench.servers import Gunicorn
from cdso import create_app
from cdso.extensions import db
from cdso.models import AttemptQuestion
from tests import factories
from tests.conftest import TEST_CONFIG, pg_copy

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
CHOICE = re.compile(rb'name="choice" value="(\d+)"')
HTMX = {"HX-Request": "true", "HX-Target": "step"}


def run_async(coroutine):
    """asyncio.run in a thread of its own: a browser test that ran earlier in this worker
    may have left Playwright's event loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def shared_database(pg_template):
    with pg_copy(pg_template, "cdso_2n_") as url:
        yield url


@pytest.fixture(scope="module")
def people(shared_database):
    """A current contest and two residents (phones unique to this run)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": shared_database})
    with app.app_context():
        contest = factories.make_contest()
        phones = [f"097{secrets.randbelow(10**7):07d}", f"098{secrets.randbelow(10**7):07d}"]
        accounts = [factories.make_participant(contest, phone=p) for p in phones]
        result = [(a.login, a.full_name) for a in accounts]
        db.session.remove()
        db.engine.dispose()
    return result


@pytest.fixture(scope="module")
def nodes(shared_database, people):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed for the two-node test ({REDIS_URL}): {error}")
    env = {**os.environ, "DATABASE_URL": shared_database, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "two-nodes-share-this-secret", "CDSO_PROXIES": "1"}
    first = Gunicorn(_free_port(), env, workers=1)
    second = Gunicorn(_free_port(), env, workers=1)
    try:
        for node in (first, second):  # boot both before waiting: half the time
            node.start_async()
        for node in (first, second):
            node.wait_ready()
        yield first.port, second.port
    finally:
        for node in (first, second):  # both shut down at once
            if node.process and node.process.poll() is None:
                node.process.send_signal(signal.SIGINT)
        first.stop()
        second.stop()


async def _alternating_resident(ports, phone: str, full_name: str, address: str) -> dict:
    cookies: dict[str, str] = {}  # one browser: the same cookies whichever node answers
    a, b = (Client(port=p, cookies=cookies) for p in ports)
    forwarded = {"X-Forwarded-For": address}
    login_page = await a.get("/dang-nhap", forwarded)
    logged_in = await a.post("/dang-nhap", {"csrf_token": login_page.csrf_token(),
                                            "login": phone, "password": factories.PASSWORD},
                             forwarded)
    assert logged_in.status == 303 and logged_in.headers["location"].endswith("/thi")

    account_page = await b.get("/tai-khoan", forwarded)
    assert account_page.status == 200 and full_name in account_page.text()

    home = await b.get("/thi", forwarded)
    started = await b.post("/thi/bat-dau", {"csrf_token": home.csrf_token()}, forwarded)
    assert started.status == 303
    attempt_id = int(re.search(r"/thi/(\d+)", started.headers["location"]).group(1))
    first_question = await a.get(f"/thi/{attempt_id}/cau/1", forwarded)
    token, choices = first_question.csrf_token(), CHOICE.findall(first_question.body)
    chosen: dict[int, int] = {}
    for position in range(1, 21):
        node = a if position % 2 else b
        choice = int(choices[position % len(choices)])
        step = await node.post(f"/thi/{attempt_id}/cau/{position}",
                               {"csrf_token": token, "choice": str(choice), "go": "next"},
                               {**forwarded, **HTMX})
        assert step.status == 200, (position, step.status)
        chosen[position] = choice
        choices = CHOICE.findall(step.body)
    resumed = await a.get(f"/thi/{attempt_id}", forwarded)  # all answered: the prediction
    assert resumed.status == 302 and resumed.headers["location"].endswith("/du-doan")
    await b.post(f"/thi/{attempt_id}/du-doan", {"csrf_token": token, "prediction": "123456",
                                                "go": "review"}, {**forwarded, **HTMX})
    finished = await a.post(f"/thi/{attempt_id}/nop-bai", {"csrf_token": token}, forwarded)
    assert finished.status == 303
    result = await b.get(f"/thi/{attempt_id}/ket-qua", forwarded)
    assert result.status == 200
    for client in (a, b):
        await client.close()
    return {"attempt_id": attempt_id, "chosen": chosen}


async def _failed_logins(ports, phone: str, address: str, count: int) -> list[int]:
    statuses = []
    for attempt in range(count):
        client = Client(port=ports[attempt % 2])  # a fresh browser each time
        page = await client.get("/dang-nhap", {"X-Forwarded-For": address})
        answer = await client.post("/dang-nhap", {"csrf_token": page.csrf_token(),
                                                  "login": phone, "password": "sai-mat-khau"},
                                   {"X-Forwarded-For": address})
        statuses.append(answer.status)
        await client.close()
    return statuses


def test_a_resident_alternating_between_two_nodes_keeps_session_and_attempt(
        nodes, people, shared_database):
    (phone, full_name), _ = people
    outcome = run_async(_alternating_resident(nodes, phone, full_name, "10.20.30.40"))

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": shared_database})
    with app.app_context():
        from cdso.models import Attempt
        attempt = db.session.get(Attempt, outcome["attempt_id"])
        assert attempt.status == "finished" and attempt.prediction == 123456
        saved = {q.position: q.chosen_choice_id for q in db.session.query(AttemptQuestion)
                 .filter_by(attempt_id=attempt.id)}
        assert saved == outcome["chosen"]  # every answer, whichever node took it
        db.session.remove()
        db.engine.dispose()


def test_login_failures_count_across_both_nodes(nodes, people):
    _, (phone, _name) = people
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    statuses = run_async(_failed_logins(nodes, phone, address, 8))
    # Five failures are checked, alternating nodes; after that each try waits a delay that
    # grows from 1 s, so how many more are checked depends on the machine's speed. Every
    # checked failure, whichever node took it, is counted once in the shared counter.
    assert statuses[:5] == [422] * 5 and set(statuses) <= {422, 429}
    shared = redis.Redis.from_url(REDIS_URL)
    key = f"cdso:login-fail:account:{phone}"
    assert int(shared.hget(key, "c")) == statuses.count(422)

    async def right_password_on_each_node() -> list[int]:
        out = []
        for port in nodes:
            client = Client(port=port)
            page = await client.get("/dang-nhap", {"X-Forwarded-For": "10.99.99.99"})
            answer = await client.post("/dang-nhap", {"csrf_token": page.csrf_token(),
                                                      "login": phone,
                                                      "password": factories.PASSWORD},
                                       {"X-Forwarded-For": "10.99.99.99"})
            out.append(answer.status)
            await client.close()
        return out

    # A long burst (the delay at its 300 s cap) holds the account on both nodes, even
    # from another address; it is a delay, not a lock (tests/security/test_login_throttle.py).
    shared.hset(key, "c", 40)
    assert run_async(right_password_on_each_node()) == [429, 429]


@pytest.fixture
def app_without_redis(database_url):
    """The app with its shared storage (Redis) unreachable: nothing listens on port 1."""
    from cdso.extensions import limiter
    down = "redis://127.0.0.1:1/0"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_STORAGE_URI": down, "REDIS_URL": down})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    limiter._storage_dead = False  # the limiter object is shared by every app of the session


def test_residents_log_in_and_answer_while_redis_is_down(app_without_redis):
    from tests.test_quiz_support import browser, fresh, login, token
    contest = factories.make_contest()
    person = factories.make_participant(contest)
    client = browser(app_without_redis)
    wrong = client.post("/dang-nhap", data={"csrf_token": token(client, "/dang-nhap"),
                                            "login": person.login, "password": "sai-mat-khau"})
    assert wrong.status_code == 422 and "không đúng" in wrong.get_data(as_text=True)
    login(client, person)

    started = client.post("/thi/bat-dau", data={"csrf_token": token(client, "/thi")})
    assert started.status_code == 303
    attempt_id = int(re.search(r"/thi/(\d+)", started.headers["Location"]).group(1))
    page = client.get(f"/thi/{attempt_id}/cau/1")
    choice = int(CHOICE.findall(page.data)[0])
    answered = client.post(f"/thi/{attempt_id}/cau/1", data={
        "csrf_token": token(client, "/thi"), "choice": str(choice), "go": "next"})
    assert answered.status_code == 303
    fresh()
    saved = db.session.query(AttemptQuestion).filter_by(attempt_id=attempt_id, position=1).one()
    assert saved.chosen_choice_id == choice
