"""Real concurrent requests (threads through the app, each with its own connection):
one attempt, one score, counted once, and no acknowledged answer lost."""
from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Attempt, AttemptQuestion, FigureBucket
from tests.test_quiz_support import (answer_key, browser, choices_on, fresh, login,
                                     participant_client, start, token)


def all_at_once(calls):
    """Run the calls in threads released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # reported by the assertions below
            results[index] = error
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def phones(app, account, count):
    """The same person logged in on `count` devices, with each device's CSRF token."""
    devices = []
    for _ in range(count):
        device = browser(app)
        login(device, account)
        devices.append((device, token(device, "/thi")))
    return devices


def test_concurrent_starts_make_one_attempt(app, contest):
    for _ in range(3):  # a few residents: the race shows in some rounds, not in each
        _, account = participant_client(app, contest)
        devices = phones(app, account, 5)
        responses = all_at_once([
            lambda d=d, t=t: d.post("/thi/bat-dau", data={"csrf_token": t}) for d, t in devices])
        assert {r.status_code for r in responses} == {303}, responses
        assert len({r.headers["Location"] for r in responses}) == 1
        fresh()
        assert db.session.scalar(select(func.count(Attempt.id)).where(
            Attempt.account_id == account.id)) == 1


def test_concurrent_finishes_give_one_score_counted_once(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    key = answer_key(attempt_id)
    csrf = token(client, "/thi")
    for position in (1, 2, 3, 4, 5):
        client.post(f"/thi/{attempt_id}/cau/{position}",
                    data={"csrf_token": csrf, "choice": key[position], "go": "next"})
    devices = phones(app, account, 4)
    responses = all_at_once([
        lambda d=d, t=t: d.post(f"/thi/{attempt_id}/nop-bai", data={"csrf_token": t})
        for d, t in devices])
    assert {r.status_code for r in responses} == {303}, responses
    fresh()
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.status, attempt.score) == ("finished", 5)
    counted = db.session.execute(select(func.sum(FigureBucket.attempts),
                                        func.sum(FigureBucket.finished))).one()
    assert tuple(counted) == (1, 1)


def test_no_acknowledged_answer_is_lost_to_a_concurrent_finish(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    key = answer_key(attempt_id)
    devices = phones(app, account, 7)

    def answer(device, csrf, position):
        return device.post(f"/thi/{attempt_id}/cau/{position}",
                           data={"csrf_token": csrf, "choice": key[position], "go": "next"})
    calls = [lambda d=d, t=t, p=p: answer(d, t, p)
             for p, (d, t) in enumerate(devices[:6], start=1)]
    finisher, finisher_csrf = devices[6]
    calls.append(lambda: finisher.post(f"/thi/{attempt_id}/nop-bai",
                                       data={"csrf_token": finisher_csrf}))
    responses = all_at_once(calls)
    assert all(not isinstance(r, Exception) and r.status_code == 303 for r in responses), responses
    acknowledged = sum(1 for r in responses[:6] if "/cau/" in r.headers["Location"])
    fresh()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "finished"
    assert attempt.score == acknowledged  # every saved answer was right and is counted


def test_concurrent_taps_on_one_question_keep_the_latest(app, contest):
    """Taps of one page sent at once, in any arrival order: the one with the highest key
    is what stays saved, and every tap acknowledged as saved is no older than it."""
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    url = f"/thi/{attempt_id}/cau/2"
    page = client.get(url).get_data(as_text=True)
    choices = choices_on(page)
    base = int(re.search(r'name="seq" value="(\d+)"', page).group(1))
    devices = phones(app, account, 4)
    taps = [(base + tap, choices[tap % len(choices)]) for tap in (4, 1, 3, 2)]
    responses = all_at_once([
        lambda d=d, t=t, s=s, c=c: d.post(url, data={"csrf_token": t, "choice": c, "seq": s})
        for (d, t), (s, c) in zip(devices, taps, strict=True)])
    assert all(not isinstance(r, Exception) and r.status_code in (303, 409)
               for r in responses), responses
    assert responses[0].status_code == 303  # the last tap is never refused
    fresh()
    saved = db.session.execute(select(AttemptQuestion.chosen_choice_id, AttemptQuestion.answer_seq)
                               .where(AttemptQuestion.attempt_id == attempt_id,
                                      AttemptQuestion.position == 2)).one()
    assert tuple(saved) == (choices[4 % len(choices)], base + 4)
