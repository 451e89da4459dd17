"""The city heat map page is drawn once per view and minute and shared through Redis, and
`flask cdso sweep` draws the current minute's ahead (issue 22, bench/README.md "Knowledge
gaps at city scale"): what an official reads is the same page, byte for byte, as one drawn
fresh in the request."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cdso.formatting import moment_phrase, to_local
from cdso.models import Role
from tests import factories
from tests.test_gaps import BASE, bank_by_topic, one_each, play, topic_ids

pytestmark = pytest.mark.usefixtures("fast_passwords")
REDIS_URL = "redis://127.0.0.1:6379/9"  # its own: bench/gaps.py and test_gaps use 12
MINUTE = BASE + dt.timedelta(hours=2)  # the page's "now", after the answers below


def use_redis(app):
    import redis

    from cdso.extensions import cache
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    app.config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_OPTIONS={})
    cache.init_app(app)
    return client


def at(moment: dt.datetime):
    return time_machine.travel(moment.replace(tzinfo=dt.UTC), tick=False)


def pages(client, paths) -> dict[str, bytes]:
    out = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        out[path] = response.get_data()
    return out


def test_the_city_page_is_the_same_drawn_fresh_shared_or_by_the_sweep(app, contest, client,
                                                                     runner):
    bank, tids = bank_by_topic(), topic_ids()
    play(contest, factories.make_participant(contest, unit_name="Xã Tứ Kỳ"),
         one_each(bank, {tids[1]: False}), BASE)
    play(contest, factories.make_participant(contest), one_each(bank, {}), BASE)
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    past = to_local(BASE + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    paths = ["/quan-tri/kien-thuc", "/quan-tri/kien-thuc?theo=2&chieu=giam&ban-do=3",
             f"/quan-tri/kien-thuc?luc={past}&theo=1", "/quan-tri/kien-thuc?theo=x&ban-do=99"]
    with at(MINUTE + dt.timedelta(seconds=30)):
        factories.sign_in(client, admin)
        fresh = pages(client, paths)  # no shared cache: drawn in the request
        redis = use_redis(app)
        result = runner.invoke(args=["cdso", "sweep"])
        assert "Đã vẽ sẵn bảng nhiệt" in result.output
        assert len(redis.keys("*topics-page*")) == 1  # the default view of this minute
        warmed = pages(client, paths[:1])
        assert pages(client, paths) == fresh  # the others drawn now,
        assert pages(client, paths) == fresh  # then read from the cache
        assert warmed == {paths[0]: fresh[paths[0]]}
        assert len(redis.keys("*topics-page*")) == len(paths)
    assert moment_phrase(MINUTE).encode() in fresh[paths[0]]
    assert b'aria-labelledby="heat-title heat-desc"' in fresh[paths[0]]


def content(html: bytes) -> bytes:
    """The page below the office menu (the menu's logout form has a fresh CSRF token)."""
    return html.split(b"<h1>", 1)[1]


def test_the_first_seconds_of_a_minute_show_the_previous_minute_until_the_sweep(
        app, contest, client):
    bank = bank_by_topic()
    play(contest, factories.make_participant(contest), one_each(bank, {}), BASE)
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    use_redis(app)
    with at(MINUTE + dt.timedelta(seconds=50)):
        factories.sign_in(client, admin)
        before = client.get("/quan-tri/kien-thuc").get_data()
    play(contest, factories.make_participant(contest, unit_name="Xã Tứ Kỳ"),
         one_each(bank, {}, default=False), MINUTE + dt.timedelta(seconds=55))
    following = MINUTE + dt.timedelta(minutes=1)
    with at(following + dt.timedelta(seconds=5)):  # the sweep has not drawn it yet
        assert content(client.get("/quan-tri/kien-thuc").get_data()) == content(before)
    with at(following + dt.timedelta(seconds=25)):  # past the grace: drawn in the request
        after = client.get("/quan-tri/kien-thuc").get_data()
    assert moment_phrase(MINUTE).encode() in before
    assert moment_phrase(following).encode() in after and b"X\xc3\xa3 T\xe1\xbb\xa9 K\xe1\xbb\xb3" in after
