"""The quiz in the browser, three ways: full pages, htmx partials, plain POSTs without
JavaScript; resuming; the key kept back until the attempt is finished; other people's
attempts; the page weight of a step."""
from __future__ import annotations

import gzip
import re

from markupsafe import escape
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Attempt, AttemptQuestion, Question, Role
from cdso.services.accounts import registration
from cdso.services.figures import stats
from tests import factories
from tests.test_quiz_support import (HTMX, answer_key, browser, choices_on, fresh, login,
                                     participant_client, start, token)


def explanations_of(attempt_id: int) -> list[str]:
    """Each drawn question's explanation as a page would carry it (HTML-escaped)."""
    return [str(escape(text)) for text in raw_explanations(attempt_id)]


def raw_explanations(attempt_id: int) -> list[str]:
    return list(db.session.scalars(select(Question.explanation).join(
        AttemptQuestion, AttemptQuestion.question_id == Question.id).where(
        AttemptQuestion.attempt_id == attempt_id)))


def test_whole_attempt_without_javascript(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    resume = client.get(f"/thi/{attempt_id}")
    assert resume.headers["Location"] == f"/thi/{attempt_id}/cau/1"
    csrf = token(client, "/thi")
    key = answer_key(attempt_id)
    url = f"/thi/{attempt_id}/cau/1"
    for position in range(1, 21):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and f"Câu {position}/20" in html and "<html" in html
        options = choices_on(html)
        chosen = key[position] if position <= 15 else next(c for c in options if c != key[position])
        response = client.post(url, data={"csrf_token": csrf, "choice": chosen, "go": "next"})
        assert response.status_code == 303
        url = response.headers["Location"]
    assert url == f"/thi/{attempt_id}/du-doan"
    assert contest.prediction_question in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf, "prediction": "90 000", "go": "review"})
    assert response.headers["Location"] == f"/thi/{attempt_id}/xem-lai"
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bạn đã trả lời đủ 20 câu" in review and "90.000" in review
    finished = client.post(f"/thi/{attempt_id}/nop-bai", data={"csrf_token": csrf})
    assert finished.headers["Location"] == f"/thi/{attempt_id}/ket-qua"
    result = client.get(finished.headers["Location"]).get_data(as_text=True)
    assert "<strong>15/20</strong> câu đúng" in result and "Đã nộp bài" in result
    assert "đáp án đúng" in result and "bạn chọn" in result
    assert all(text in result for text in explanations_of(attempt_id) if text)
    results = client.get("/ket-qua").get_data(as_text=True)
    assert f"/chung-nhan/{attempt_id}.pdf" in results and "(được tính)" in results
    assert f"/thi/{attempt_id}/ket-qua" in results


def test_each_step_is_one_htmx_request_answered_with_the_next_partial(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    first = client.get(f"/thi/{attempt_id}/cau/1").get_data(as_text=True)
    response = client.post(f"/thi/{attempt_id}/cau/1", headers=HTMX,
                           data={"csrf_token": csrf, "choice": choices_on(first)[0], "go": "next"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.startswith('<section id="step" tabindex="-1">')
    assert "<html" not in html and "Câu 2/20" in html and "Đã trả lời 1/20 câu" in html
    assert response.headers["HX-Push-Url"] == f"/thi/{attempt_id}/cau/2"
    assert "Vary" not in response.headers  # no-store, asked for by htmx only (issue 16)
    assert len(gzip.compress(response.get_data())) <= 1536
    back = client.post(f"/thi/{attempt_id}/cau/2", headers=HTMX,
                       data={"csrf_token": csrf, "go": "prev"})
    back_html = back.get_data(as_text=True)
    assert "Câu 1/20" in back_html
    assert f'value="{choices_on(first)[0]}" checked' in back_html
    changed = client.post(f"/thi/{attempt_id}/cau/1", headers=HTMX,
                          data={"csrf_token": csrf, "choice": choices_on(first)[1], "go": "20"})
    assert "Câu 20/20" in changed.get_data(as_text=True)
    to_review = client.post(f"/thi/{attempt_id}/cau/20", headers=HTMX,
                            data={"csrf_token": csrf, "go": "review"})
    review = to_review.get_data(as_text=True)
    assert review.startswith('<section id="step" tabindex="-1"') and "Bạn còn 19 câu chưa trả lời" in review
    fresh()
    assert db.session.scalar(select(AttemptQuestion.chosen_choice_id).where(
        AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 1)) == \
        choices_on(first)[1]


def test_step_fragments_render_the_same_without_the_context_processors(app, contest,
                                                                      monkeypatch):
    """The steps' fragments skip Flask's context processors (web/pages.render_fragment):
    each renders exactly as through render_template, so none reads what they add."""
    from flask import render_template

    from cdso.quiz import steps
    from cdso.web.pages import render_fragment
    compared = []

    def both(template, **context):
        lean = render_fragment(template, **context)
        assert lean == render_template(template, **context)
        compared.append(template)
        return lean

    monkeypatch.setattr(steps, "render_fragment", both)
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    first = client.get(f"/thi/{attempt_id}/cau/1").get_data(as_text=True)
    for go in ("next", "du-doan", "review"):
        assert client.post(f"/thi/{attempt_id}/cau/1", headers=HTMX, data={
            "csrf_token": csrf, "choice": choices_on(first)[0], "go": go}).status_code == 200
    assert compared == ["quiz/_step.html", "quiz/_prediction.html", "quiz/_review.html"]


def test_full_page_step_is_within_its_weight(app, contest):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    page = client.get(f"/thi/{attempt_id}/cau/1", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    assert len(page.get_data()) <= 5 * 1024


def test_answer_key_never_reaches_the_browser_before_finishing(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    bodies = []

    def fetch(method, url, **kwargs):
        response = getattr(client, method)(url, **kwargs)
        bodies.append(response.get_data(as_text=True))
        return response
    for position in range(1, 21):
        url = f"/thi/{attempt_id}/cau/{position}"
        options = choices_on(fetch("get", url).get_data(as_text=True))
        fetch("get", url, headers=HTMX)
        fetch("post", url, headers=HTMX if position % 2 else {},
              data={"csrf_token": csrf, "choice": options[-1], "go": "next"})
    for url in (f"/thi/{attempt_id}/du-doan", f"/thi/{attempt_id}/xem-lai", "/thi",
                "/ket-qua", "/tai-khoan", "/tai-khoan/du-lieu.json", f"/thi/{attempt_id}"):
        fetch("get", url)
        fetch("get", url, headers=HTMX)
    fetch("post", f"/thi/{attempt_id}/du-doan", headers=HTMX,
          data={"csrf_token": csrf, "prediction": "12", "go": "review"})
    fetch("post", f"/thi/{attempt_id}/cau/1", headers=HTMX,
          data={"csrf_token": csrf, "choice": "999999", "go": "next"})
    assert client.get(f"/thi/{attempt_id}/ket-qua").status_code == 302  # not yet
    shown = [text for text in explanations_of(attempt_id) if text]
    assert len(shown) == 20
    raw = raw_explanations(attempt_id)
    secrets = shown + [text for text in raw if text]
    for body in bodies:
        assert not [secret for secret in secrets if secret in body], body
        assert not re.search(r"is_correct|correct|đáp án đúng|class=\"(right|wrong)", body)
    client.post(f"/thi/{attempt_id}/nop-bai", data={"csrf_token": csrf})
    result = client.get(f"/thi/{attempt_id}/ket-qua").get_data(as_text=True)
    assert all(text in result for text in shown) and 'class="right"' in result


def test_losing_the_phone_resumes_the_same_attempt_at_the_first_unanswered(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    for position in (1, 2, 4):
        options = choices_on(client.get(f"/thi/{attempt_id}/cau/{position}").get_data(as_text=True))
        client.post(f"/thi/{attempt_id}/cau/{position}",
                    data={"csrf_token": csrf, "choice": options[0], "go": "next"})
    other_phone = browser(app)
    login(other_phone, account)
    home = other_phone.get("/thi").get_data(as_text=True)
    assert "đang làm dở lượt thi số 1" in home and "Đã trả lời 3/20 câu" in home
    assert other_phone.get(f"/thi/{attempt_id}").headers["Location"] == f"/thi/{attempt_id}/cau/3"
    again = other_phone.post("/thi/bat-dau", data={"csrf_token": token(other_phone, "/thi")})
    assert again.headers["Location"] == f"/thi/{attempt_id}/cau/3"  # straight there, no hop
    fresh()
    assert db.session.scalar(select(Attempt.id).where(Attempt.account_id == account.id)
                             .order_by(Attempt.id.desc())) == attempt_id


def test_someone_elses_attempt_is_not_found(app, contest):
    owner_client, owner = participant_client(app, contest)
    attempt_id = start(owner_client)
    intruder, _ = participant_client(app, contest)
    csrf = token(intruder, "/thi")
    for url in (f"/thi/{attempt_id}", f"/thi/{attempt_id}/cau/1", f"/thi/{attempt_id}/du-doan",
                f"/thi/{attempt_id}/xem-lai", f"/thi/{attempt_id}/ket-qua", "/thi/999999/cau/1"):
        assert intruder.get(url).status_code == 404, url
    for url, data in ((f"/thi/{attempt_id}/cau/1", {"choice": "1", "go": "next"}),
                      (f"/thi/{attempt_id}/du-doan", {"prediction": "5"}),
                      (f"/thi/{attempt_id}/nop-bai", {})):
        assert intruder.post(url, data={"csrf_token": csrf, **data}).status_code == 404, url
    official = browser(app)
    login(official, factories.make_official(Role.CLERK))
    assert official.get("/thi").status_code == 404
    fresh()
    assert db.session.get(Attempt, attempt_id).status == "open"


def test_bad_answers_get_a_message_and_save_nothing(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    other_question = choices_on(client.get(f"/thi/{attempt_id}/cau/2").get_data(as_text=True))
    for headers in ({}, HTMX):
        response = client.post(f"/thi/{attempt_id}/cau/1", headers=headers,
                               data={"csrf_token": csrf, "choice": other_question[0], "go": "next"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "không thuộc câu hỏi này" in html
        assert "Câu 1/20" in html
    assert client.post(f"/thi/{attempt_id}/cau/1", data={"csrf_token": csrf, "choice": "x1"}
                       ).status_code == 422
    missing = client.get(f"/thi/{attempt_id}/cau/21")
    assert missing.status_code == 404
    assert "không có câu số 21" in missing.get_data(as_text=True)
    assert client.post(f"/thi/{attempt_id}/cau/0", data={"csrf_token": csrf}).status_code == 404
    bad = client.post(f"/thi/{attempt_id}/du-doan", data={"csrf_token": csrf, "prediction": "nhiều"})
    assert bad.status_code == 422 and 'value="nhiều"' in bad.get_data(as_text=True)
    assert client.post(f"/thi/{attempt_id}/cau/1", data={"choice": "1"}).status_code == 400
    fresh()
    assert db.session.scalar(select(AttemptQuestion.id).where(
        AttemptQuestion.attempt_id == attempt_id,
        AttemptQuestion.chosen_choice_id.is_not(None))) is None
    assert db.session.get(Attempt, attempt_id).prediction is None


def test_a_finished_attempt_takes_no_more_answers_and_finishing_twice_is_one_score(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    options = choices_on(client.get(f"/thi/{attempt_id}/cau/1").get_data(as_text=True))
    for _ in range(2):
        response = client.post(f"/thi/{attempt_id}/nop-bai", data={"csrf_token": csrf})
        assert response.headers["Location"] == f"/thi/{attempt_id}/ket-qua"
    stale = client.post(f"/thi/{attempt_id}/cau/1", headers=HTMX,
                        data={"csrf_token": csrf, "choice": options[0], "go": "next"})
    assert stale.status_code == 204 and stale.headers["HX-Redirect"] == f"/thi/{attempt_id}/ket-qua"
    page = client.get(f"/thi/{attempt_id}/ket-qua").get_data(as_text=True)
    assert "Bài thi này đã nộp, không thể sửa câu trả lời nữa." in page
    fresh()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.score == 0 and attempt.finished_by == "participant"
    assert stats.city_figures(contest.id, utcnow()).total.attempts == 1


def test_a_resident_of_an_earlier_edition_joins_the_new_one(app, contest):
    client, account = participant_client(app, contest, group="hoc_sinh")
    contest.is_current, contest.slug = False, "cdso-truoc"
    db.session.commit()
    edition = factories.make_contest()
    home = client.get("/thi").get_data(as_text=True)
    assert "Bạn chưa tham gia Cuộc thi" in home
    response = client.post("/thi/tham-gia", data={"csrf_token": token(client, "/thi")})
    assert response.headers["Location"] == "/thi"
    assert "Bắt đầu làm bài" in client.get("/thi").get_data(as_text=True)
    fresh()
    joined = registration.registration_of(account, edition)
    assert joined.group == "hoc_sinh" and joined.unit_id == factories.unit().id
    assert stats.city_figures(edition.id, utcnow()).total.registered == 1


def test_answer_posting_is_rate_limited_per_account(app, contest):
    app.config["RATELIMIT_ANSWERS"] = "3 per minute"
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    statuses = [client.post(f"/thi/{attempt_id}/cau/1", headers=HTMX,
                            data={"csrf_token": csrf, "go": "next"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other, _ = participant_client(app, contest)  # another resident is not slowed down
    other_attempt = start(other)
    assert other.post(f"/thi/{other_attempt}/cau/1", headers=HTMX,
                      data={"csrf_token": token(other, "/thi"), "go": "next"}).status_code == 200


def seq_on(html: str) -> int:
    return int(re.search(r'name="seq" value="(\d+)"', html).group(1))


def saved_choice(attempt_id: int, position: int) -> int | None:
    fresh()
    return db.session.scalar(select(AttemptQuestion.chosen_choice_id).where(
        AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == position))


def test_a_late_earlier_tap_never_overwrites_the_answer_seen_saved(app, contest):
    """A phone taps A, the signal drops, it taps B: B is saved and shown. A's request,
    held up in the network, arrives after: it changes nothing and says so."""
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    page = client.get(f"/thi/{attempt_id}/cau/3").get_data(as_text=True)
    first, second = choices_on(page)[:2]
    base = seq_on(page)
    url = f"/thi/{attempt_id}/cau/3"
    later = client.post(url, headers=HTMX, data={"csrf_token": csrf, "choice": second,
                                                 "seq": base + 2, "go": "next"})
    assert later.status_code == 200 and "Câu 4/20" in later.get_data(as_text=True)
    for headers in (HTMX, {}):
        late = client.post(url, headers=headers, data={"csrf_token": csrf, "choice": first,
                                                       "seq": base + 1, "go": "next"})
        html = late.get_data(as_text=True)
        assert late.status_code == 409 and "một lần chọn sau" in html and "Câu 3/20" in html
        assert f'value="{second}" checked' in html and seq_on(html) > base + 2
    # The same choice arriving late is simply true, and a tap on a newer page wins.
    assert client.post(url, headers=HTMX, data={"csrf_token": csrf, "choice": second,
                                                "seq": base + 1}).status_code == 200
    newer = seq_on(client.get(url).get_data(as_text=True))
    assert client.post(url, headers=HTMX, data={"csrf_token": csrf, "choice": first,
                                                "seq": newer}).status_code == 200
    assert saved_choice(attempt_id, 3) == first


def test_taps_without_javascript_keep_the_last_to_arrive_and_garbled_keys_are_ignored(app, contest):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    url = f"/thi/{attempt_id}/cau/1"
    page = client.get(url).get_data(as_text=True)
    first, second = choices_on(page)[:2]
    base = seq_on(page)
    for choice in (first, second):  # two submissions of one page: both send its base
        assert client.post(url, data={"csrf_token": csrf, "choice": choice, "seq": base}
                           ).status_code == 303
    for garbled in ("", "abc", "-5", "9" * 40):
        assert client.post(url, data={"csrf_token": csrf, "choice": second, "seq": garbled}
                           ).status_code == 303
    assert saved_choice(attempt_id, 1) == second


def test_a_late_earlier_prediction_never_overwrites_the_one_seen_saved(app, contest):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    url = f"/thi/{attempt_id}/du-doan"
    base = seq_on(client.get(url).get_data(as_text=True))
    later = client.post(url, headers=HTMX, data={"csrf_token": csrf, "prediction": "90.000",
                                                 "seq": base + 2, "go": "review"})
    assert later.status_code == 200
    late = client.post(url, headers=HTMX, data={"csrf_token": csrf, "prediction": "85.000",
                                                "seq": base + 1, "go": "review"})
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "Dự đoán vừa được lưu bằng một lần gửi sau" in html
    assert 'value="90.000"' in html
    newer = seq_on(client.get(url).get_data(as_text=True))
    assert client.post(url, data={"csrf_token": csrf, "prediction": "85.000", "seq": newer,
                                  "go": "review"}).status_code == 303
    fresh()
    assert db.session.get(Attempt, attempt_id).prediction == 85000
