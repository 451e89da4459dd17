"""The server's clock rules, seen in the browser with a frozen clock, and the results
page with the attempt that counts."""
from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import clock, utcnow
from cdso.models import Attempt
from cdso.services.quiz import attempts as quiz
from cdso.services.accounts import registration
from tests import factories
from tests.test_quiz_support import (HTMX, answer_key, choices_on, fresh, participant_client,
                                     start, token)


def at(moment: dt.datetime):
    return time_machine.travel(moment.replace(tzinfo=dt.UTC), tick=False)


def test_timer_deadline_and_grace_with_a_frozen_clock(app, contest):
    t0 = utcnow().replace(microsecond=0)
    with at(t0):
        client, account = participant_client(app, contest)
        attempt_id = start(client)
        csrf = token(client, "/thi")
        page = client.get(f"/thi/{attempt_id}/cau/1").get_data(as_text=True)
        second = choices_on(client.get(f"/thi/{attempt_id}/cau/2").get_data(as_text=True))
        deadline = t0 + dt.timedelta(minutes=20)
        assert "Còn <span data-left>20 phút</span>" in page
        assert f"hết giờ lúc {clock(deadline)}" in page
        assert f'data-deadline="{deadline:%Y-%m-%dT%H:%M:%S}Z"' in page
    with at(t0 + dt.timedelta(minutes=5, seconds=30)):
        page = client.get(f"/thi/{attempt_id}/cau/1", headers=HTMX).get_data(as_text=True)
        assert "Còn <span data-left>15 phút</span>" in page
    with at(deadline + dt.timedelta(seconds=8)):  # late by latency: still taken
        options = choices_on(page)
        saved = client.post(f"/thi/{attempt_id}/cau/1",
                            data={"csrf_token": csrf, "choice": options[0], "go": "next"})
        assert saved.status_code == 303 and saved.headers["Location"].endswith("/cau/2")
    with at(deadline + dt.timedelta(seconds=11)):
        refused = client.post(f"/thi/{attempt_id}/cau/2", headers=HTMX,
                              data={"csrf_token": csrf, "choice": second[0], "go": "next"})
        assert refused.headers["HX-Redirect"] == f"/thi/{attempt_id}/ket-qua"
        result = client.get(f"/thi/{attempt_id}/ket-qua").get_data(as_text=True)
    assert f"Đã hết giờ làm bài lúc {clock(deadline)}" in result
    assert "tự động nộp khi hết giờ" in result
    fresh()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "finished" and attempt.finished_by == "deadline"
    assert attempt.finished_at == deadline and attempt.duration_seconds == 1200
    assert attempt.recorded_at == deadline + dt.timedelta(seconds=11)
    answered = [q.chosen_choice_id for q in attempt.questions]
    assert answered[0] is not None and answered[1:] == [None] * 19


def test_next_visit_finishes_an_expired_attempt(app, contest):
    t0 = utcnow()
    with at(t0):
        client, account = participant_client(app, contest)
        attempt_id = start(client)
    with at(t0 + dt.timedelta(hours=2)):
        home = client.get("/thi").get_data(as_text=True)
        assert "Lượt thi số 1 đã hết giờ và đã được tự động nộp" in home
        assert "Lượt thi số 2" in home
        assert client.get(f"/thi/{attempt_id}/cau/3").headers["Location"] == \
            f"/thi/{attempt_id}/ket-qua"
    fresh()
    assert db.session.get(Attempt, attempt_id).finished_by == "deadline"


def test_a_closed_contest_starts_nothing(app, contest):
    with at(contest.closes_at + dt.timedelta(minutes=1)):
        client, account = participant_client(app, contest)
        home = client.get("/thi").get_data(as_text=True)
        assert "Cuộc thi đã kết thúc" in home and "Bắt đầu làm bài" not in home
        response = client.post("/thi/bat-dau", data={"csrf_token": token(client, "/ket-qua")})
        assert response.headers["Location"] == "/thi"
        assert "Cuộc thi đã kết thúc lúc" in client.get("/thi").get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(Attempt.id)) is None


def test_results_page_marks_the_attempt_that_counts(app, contest):
    client, account = participant_client(app, contest)
    reg = registration.registration_of(account, contest)
    now = utcnow()
    scores = {}
    for prediction, seconds in ((500, 300), (1, 100)):
        attempt = quiz.start_attempt(contest, reg, now=now)
        key = answer_key(attempt.id)
        for position in (1, 2, 3):
            quiz.save_answer(attempt.id, account.id, position, key[position], now)
        quiz.save_prediction(attempt.id, account.id, str(prediction), now)
        quiz.finish_attempt(attempt.id, now + dt.timedelta(seconds=seconds))
        scores[attempt.number] = attempt.id
    db.session.commit()
    with at(now + dt.timedelta(minutes=10)):  # figures are counted to the whole minute
        html = client.get("/ket-qua").get_data(as_text=True)
    # Same score; one person registered so far: the prediction 1 is the closer one.
    assert "<h3>Lượt 2 <strong>(được tính)</strong></h3>" in html
    assert "Toàn cuộc thi: <strong>lượt số 2</strong>" in html
    assert "Dự đoán so với con số 1 (tính đến" in html and "<strong>tạm tính</strong>" in html
    for attempt_id in scores.values():
        assert f'href="/chung-nhan/{attempt_id}.pdf"' in html
        assert f'href="/thi/{attempt_id}/ket-qua"' in html
    assert "3/20" in html and "1 phút 40 giây" in html
    assert factories.PASSWORD not in html
