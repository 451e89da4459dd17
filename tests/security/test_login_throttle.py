"""Nobody can keep the owner out: growing delays instead of a lock, a known device is not
slowed by failures from elsewhere, the address limit is sized for carrier NAT and counts
failures only; officials see the bursts on their accounts."""
from __future__ import annotations

import datetime as dt
import os

import pytest
import redis
import time_machine
from sqlalchemy import select

from cdso.models import AuditLog, Role
from cdso.services.accounts.login_throttle import Throttle, delay_after, keys_for
from tests import factories
from tests.test_quiz_support import browser, fresh, login, token

REDIS_URL = os.environ.get("TEST_REDIS_URL_SECURITY", "redis://127.0.0.1:6379/7")
START = dt.datetime.now(dt.UTC).replace(microsecond=0)  # frozen from here on


def post_login(client, typed: str, password: str, address: str = "10.0.0.1"):
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/dang-nhap", data={"login": typed, "password": password,
                                           "csrf_token": token(client, "/dang-nhap")})


def test_delays_grow_and_stop_at_the_cap():
    assert [delay_after(n, 5, 300) for n in range(4, 16)] == \
        [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def _stores():
    yield "memory", ""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed for the shared login counters ({REDIS_URL}): {error}")
    yield "redis", REDIS_URL


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_counters_forget_after_the_window_in_both_stores(store):
    url = dict(_stores()).get(store) if store == "redis" else ""
    throttle = Throttle({"LOGIN_ACCOUNT_FREE_FAILURES": 3}, url or "")
    keys = keys_for("0912000001", "10.0.0.9", None)
    now = 1_000_000.0
    for n in range(3):
        throttle.record_failure(keys, now + n)
    assert throttle.wait_seconds(keys, now + 2) == 1  # the 3rd failure: 1 s
    throttle.record_failure(keys, now + 3)
    assert throttle.wait_seconds(keys, now + 3) == 2
    assert throttle.wait_seconds(keys, now + 5) == 0  # the delay has passed
    assert throttle.wait_seconds(keys, now + 3 + 901) == 0  # and the window too
    throttle.record_failure(keys, now + 3 + 902)
    assert throttle.wait_seconds(keys, now + 3 + 902) == 0  # counting starts again


def test_redis_down_falls_back_to_the_process():
    throttle = Throttle({"LOGIN_ACCOUNT_FREE_FAILURES": 1}, "redis://127.0.0.1:1/0")
    keys = keys_for("0912000002", "10.0.0.9", None)
    throttle.record_failure(keys, 100.0)
    assert throttle.wait_seconds(keys, 100.0) == 1


def test_an_attacker_from_many_addresses_cannot_keep_the_owner_out(app, contest):
    person = factories.make_participant(contest)
    with time_machine.travel(START, tick=False) as clock:
        own_phone = browser(app)
        login(own_phone, person)  # the owner's phone: now a known device
        own_phone.post("/dang-xuat", data={"csrf_token": token(own_phone, "/thi")})
        statuses = [post_login(browser(app), person.login, "sai", f"10.1.0.{n}").status_code
                    for n in range(40)]
        assert statuses == [422] * 5 + [429] * 35  # 5 guesses checked, then delays
        # The owner's own phone is not slowed by failures made elsewhere.
        response = post_login(own_phone, person.login, factories.PASSWORD, "10.9.9.9")
        assert response.status_code == 303
        # A new device waits, but only minutes, never for good.
        stranger = browser(app)
        refused = post_login(stranger, person.login, factories.PASSWORD, "10.2.0.1")
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429 and "xin đợi" in html and person.login in html
        assert 0 < int(refused.headers["Retry-After"]) <= 300
        clock.shift(int(refused.headers["Retry-After"]))
        assert post_login(stranger, person.login, factories.PASSWORD, "10.2.0.1").status_code \
            == 303


def test_a_known_device_still_gets_slowed_when_it_guesses_itself(app, contest):
    person = factories.make_participant(contest)
    with time_machine.travel(START, tick=False):
        device = browser(app)
        login(device, person)
        device.post("/dang-xuat", data={"csrf_token": token(device, "/thi")})
        for _ in range(10):
            assert post_login(device, person.login, "sai").status_code == 422
        assert post_login(device, person.login, factories.PASSWORD).status_code == 429


def test_the_address_limit_is_sized_for_carrier_nat_and_counts_failures_only(app, contest):
    people = [factories.make_participant(contest) for _ in range(6)]
    with time_machine.travel(START, tick=False):
        for person in people:  # many phones behind one carrier address
            for _ in range(2):
                post_login(browser(app), person.login, "sai", "100.64.0.1")
            assert post_login(browser(app), person.login, factories.PASSWORD,
                              "100.64.0.1").status_code == 303
        for _ in range(20):  # successes are never counted
            assert post_login(browser(app), people[0].login, factories.PASSWORD,
                              "100.64.0.1").status_code == 303


def test_the_address_limit_still_stops_a_sweep_over_many_accounts(app, contest):
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 30
    app.extensions.pop("cdso_login_throttle", None)
    person = factories.make_participant(contest)
    with time_machine.travel(START, tick=False):
        for n in range(30):
            post_login(browser(app), f"09120{n:05d}", "123456789", "10.5.5.5")
        assert post_login(browser(app), person.login, factories.PASSWORD,
                          "10.5.5.5").status_code == 429
        assert post_login(browser(app), person.login, factories.PASSWORD,
                          "10.5.5.6").status_code == 303


def test_officials_see_failed_login_bursts_on_their_accounts(app, contest):
    clerk = factories.make_official(Role.CLERK)
    with time_machine.travel(START, tick=False):
        for n in range(5):
            post_login(browser(app), clerk.login, "doan-mo", f"203.0.113.{n}")
    fresh()
    rows = list(db_rows(AuditLog.action == "login.failures"))
    assert [(r.target_id, r.detail["failures"]) for r in rows] == [(clerk.id, 5)]
    client = browser(app)
    login(client, clerk)
    page = client.get("/quan-tri/", follow_redirects=True).get_data(as_text=True)
    assert "Đăng nhập sai vào tài khoản của bạn" in page and "5 lần nhập sai" in page
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    manager = browser(app)
    login(manager, admin)
    listing = manager.get("/quan-tri/tai-khoan").get_data(as_text=True)
    assert "5 lần đăng nhập sai liên tiếp trong tuần" in listing  # on the accounts they manage


def db_rows(*where):
    from cdso.extensions import db
    return db.session.scalars(select(AuditLog).where(*where))
