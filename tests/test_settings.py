"""Contest settings: saved from the office page, in effect at once, never altering attempts
already started; topic quotas checked against the bank; rounds; the public rules page."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from flask import g
from sqlalchemy import func, select, update

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import (Attempt, AttemptQuestion, AuditLog, Contest, Question, Role, Topic,
                         TopicQuota)
from cdso.models.ranking import RankingRun
from cdso.services.contest import settings as contest_settings
from cdso.services.accounts import registration
from tests import factories
from tests.factories import login_as


def form_data(client, contest: Contest, **changes) -> dict:
    """The settings form as the page fills it, with `changes` typed over it."""
    html = client.get("/quan-tri/thiet-lap").get_data(as_text=True)
    entry = contest_settings.form_from_contest(contest)
    data = {k: v for k, v in entry.values.items() if v}
    data.update(csrf_token=re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
                updated_at=entry.updated_at, round_rows=str(len(entry.rounds)))
    for i, row in enumerate(entry.rounds):
        data.update({f"round-{i}-{key}": value for key, value in row.items()})
    data.update({f"quota-{topic_id}": count for topic_id, count in entry.quotas.items()})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def edition(contest) -> Contest:
    """The test contest with its window matching its weekly rounds (factories.make_contest
    moves the opening without moving the demo rounds)."""
    contest.opens_at, contest.closes_at = contest.rounds[0].starts_at, contest.rounds[-1].ends_at
    db.session.commit()
    return contest


def no_quotas() -> dict:
    return {f"quota-{t}": "" for t in db.session.scalars(select(Topic.id))}


def post(client, contest, data):
    return client.post(f"/quan-tri/thiet-lap/{contest.id}", data=data)


def test_only_the_city_administrator_reaches_the_settings(client, edition):
    login_as(client, Role.CLERK)
    assert client.get("/quan-tri/thiet-lap").status_code == 404
    assert client.post(f"/quan-tri/thiet-lap/{edition.id}", data={"name": "X"}).status_code in (400, 404)
    login_as(client)
    assert client.get("/quan-tri/thiet-lap").status_code == 200
    assert client.get("/quan-tri/thiet-lap/99999").status_code == 404


def test_saved_settings_take_effect_at_once_on_the_rules_page(client, edition):
    admin = login_as(client)
    data = form_data(client, edition, questions_per_attempt="18", time_limit_minutes="15",
                     pass_mark="12", attempts_allowed="2", cccd_required="1",
                     prediction_rule="finished_at_close", opens_at="2026-09-01T08:00",
                     closes_at="2026-12-31T23:59", **{f"round-{i}-{k}": "" for i in range(6)
                                                     for k in ("name", "starts", "ends")},
                     rules_text="Điều 1. Thi trung thực.\nĐiều 2. Mỗi người một tài khoản.",
                     **no_quotas())
    response = post(client, edition, data)
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    assert edition.questions_per_attempt == 18 and edition.time_limit_minutes == 15
    assert edition.opens_at == dt.datetime(2026, 9, 1, 1, 0)  # 08:00 in Vietnam is 01:00 UTC
    assert edition.rounds == []
    # Empty quotas: 18 questions spread evenly over the 9 topics, saved as quotas.
    assert sorted(q.count for q in edition.quotas) == [2] * 9
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "contest.settings"))
    assert log.actor_id == admin.id and "questions_per_attempt" in log.detail["changed"]

    g.pop("contest", None)  # a new request in production; the test's app context lingers
    html = client.get("/the-le").get_data(as_text=True)
    assert "18 câu trắc nghiệm" in html and "15 phút" in html and "Tối đa 2 lượt" in html
    assert "từ 12/18 câu" in html and "căn cước công dân (CCCD), bắt buộc" in html
    assert "Từ 08:00 ngày 01 tháng 9 năm 2026 đến 23:59 ngày 31 tháng 12 năm 2026" in html
    assert "số thí sinh hoàn thành bài thi tính đến khi Cuộc thi kết thúc" in html
    assert "<p>Điều 2. Mỗi người một tài khoản.</p>" in html


def test_an_attempt_already_started_keeps_its_questions_and_deadline(client, edition):
    login_as(client)
    attempt = factories.make_open_attempt(edition, factories.make_participant(edition))
    started = attempt.started_at
    db.session.commit()
    response = post(client, edition, form_data(client, edition, questions_per_attempt="9",
                                               pass_mark="5", time_limit_minutes="5",
                                               **no_quotas()))
    assert response.status_code == 303, re.findall(r'class="error"[^>]*>([^<]+)', response.get_data(as_text=True))
    db.session.expire_all()
    assert edition.questions_per_attempt == 9 and edition.time_limit_minutes == 5
    kept = db.session.get(Attempt, attempt.id)
    assert kept.question_count == 20 and kept.deadline == started + dt.timedelta(minutes=20)


def test_an_attempt_draws_each_topics_quota(client, edition):
    from cdso.services.quiz import attempts as quiz
    login_as(client)
    topics = db.session.scalars(select(Topic.id).order_by(Topic.position)).all()
    quotas = {**no_quotas(), f"quota-{topics[0]}": "5", f"quota-{topics[3]}": "3",
              f"quota-{topics[6]}": "2"}
    assert post(client, edition, form_data(client, edition, questions_per_attempt="10",
                                           pass_mark="8", **quotas)).status_code == 303
    db.session.expire_all()
    for _ in range(2):
        account = factories.make_participant(edition)
        attempt = quiz.start_attempt(edition, registration.registration_of(account, edition))
        db.session.commit()
        drawn = Counter(db.session.scalars(
            select(Question.topic_id).join(AttemptQuestion, AttemptQuestion.question_id == Question.id)
            .where(AttemptQuestion.attempt_id == attempt.id)))
        assert drawn == {topics[0]: 5, topics[3]: 3, topics[6]: 2}


def test_a_quota_the_bank_cannot_fill_is_refused_with_a_clear_message(client, edition):
    login_as(client)
    topic = db.session.scalar(select(Topic).where(Topic.position == 1))
    available = db.session.scalar(select(func.count(Question.id)).where(
        Question.topic_id == topic.id, Question.status == "active"))
    others = db.session.scalars(select(Topic.id).where(Topic.id != topic.id)).all()
    data = form_data(client, edition, questions_per_attempt=str(available + 1),
                     **{**no_quotas(), f"quota-{topic.id}": str(available + 1)})
    html = post(client, edition, data).get_data(as_text=True)
    assert (f"Chủ đề «{topic.name}» chỉ có {available} câu hỏi đang dùng, không đủ "
            f"{available + 1} câu cho mỗi lượt thi.") in html
    assert f'value="{available + 1}"' in html  # what was typed stays
    data = form_data(client, edition, **{f"quota-{t}": "1" for t in [*others, topic.id]})
    assert "phải bằng số câu mỗi lượt thi (20)" in post(client, edition, data).get_data(as_text=True)
    # Leave one active question in the topic: an even spread of 20 questions cannot fill it.
    keep = db.session.scalar(select(Question.id).where(Question.topic_id == topic.id).limit(1))
    db.session.execute(update(Question).where(Question.topic_id == topic.id, Question.id != keep)
                       .values(status="retired"))
    db.session.commit()
    html = post(client, edition, form_data(client, edition, **no_quotas())).get_data(as_text=True)
    assert "Ngân hàng không đủ câu hỏi để chia đều 20 câu mỗi lượt thi" in html
    db.session.expire_all()
    assert edition.questions_per_attempt == 20
    assert db.session.scalar(select(func.sum(TopicQuota.count)).where(
        TopicQuota.contest_id == edition.id)) == 20


def test_bad_values_are_reported_next_to_their_fields_and_nothing_is_saved(client, edition):
    login_as(client)
    data = form_data(client, edition, name="", closes_at="2020-01-01T00:00", pass_mark="25",
                     time_limit_minutes="abc", min_age="90", max_age="20",
                     contact_phone="gọi tôi")
    html = post(client, edition, data).get_data(as_text=True)
    for message in ("Xin nhập mục này.", "Thời điểm kết thúc phải sau thời điểm bắt đầu.",
                    "Mức đạt không thể lớn hơn số câu mỗi lượt (20).",
                    "Nhập một số nguyên từ 1 đến 240.", "Tuổi tối đa phải lớn hơn tuổi tối thiểu.",
                    "Số điện thoại chỉ gồm chữ số"):
        assert message in html, message
    assert 'value="abc"' in html and 'id="e-pass_mark"' in html
    db.session.expire_all()
    assert edition.pass_mark == 16 and edition.name.startswith("Công dân số")

    stale = form_data(client, edition, updated_at="2000-01-01T00:00:00")
    assert "Một người khác vừa lưu thiết lập này" in post(client, edition, stale).get_data(as_text=True)


def test_rounds_weekly_overlap_window_and_ranked_rounds(client, edition):
    login_as(client)
    weekly = form_data(client, edition, action="weekly-rounds")
    html = post(client, edition, weekly).get_data(as_text=True)
    assert "Đã chia các đợt theo tuần" in html and 'value="Tuần 5"' in html
    first, second = edition.rounds[0], edition.rounds[1]
    overlap = form_data(client, edition, **{"round-1-starts": (
        contest_settings.moment_input(first.starts_at + dt.timedelta(days=1)))})
    assert "Đợt này trùng thời gian với «Tuần 1»" in post(client, edition, overlap).get_data(as_text=True)
    outside = form_data(client, edition, **{"round-0-starts": "2001-01-01T00:00"})
    assert "Đợt phải nằm trong thời gian của cuộc thi" in post(client, edition, outside).get_data(as_text=True)
    forged = form_data(client, edition, **{"round-0-id": "99999"})
    assert post(client, edition, forged).status_code == 404

    db.session.add(RankingRun(contest_id=edition.id, round_id=second.id, kind="individual",
                              window_start=second.starts_at, window_end=second.ends_at,
                              computed_at=utcnow()))
    db.session.commit()
    emptied = form_data(client, edition, **{"round-1-name": "", "round-1-starts": "",
                                            "round-1-ends": ""})
    assert "Đợt «Tuần 2» đã có bảng xếp hạng nên không xoá được." in post(
        client, edition, emptied).get_data(as_text=True)
    renamed = form_data(client, edition, **{"round-0-name": "Tuần mở màn", "round-2-name": "",
                                            "round-2-starts": "", "round-2-ends": ""})
    assert post(client, edition, renamed).status_code == 303
    db.session.expire_all()
    assert [r.name for r in edition.rounds][:3] == ["Tuần mở màn", "Tuần 2", "Tuần 4"]


def test_a_new_edition_becomes_the_current_contest(client, edition):
    login_as(client)
    html = client.get("/quan-tri/thiet-lap/moi").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert 'value="Công dân số Hải Phòng - sử dụng thông minh, sống an toàn"' in html
    entry = contest_settings.form_from_contest(None, template=edition)
    data = {k: v for k, v in entry.values.items() if v}
    data.update(csrf_token=token, opens_at="2027-10-01T00:00", closes_at="2027-11-01T00:00",
                is_current="1", round_rows="0",
                **{f"quota-{t}": c for t, c in entry.quotas.items()})
    response = client.post("/quan-tri/thiet-lap/moi", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    new = db.session.scalar(select(Contest).where(Contest.id != edition.id))
    assert new.is_current and not edition.is_current and new.slug == "cdso-2027"
    assert sum(q.count for q in new.quotas) == new.questions_per_attempt
    assert response.headers["Location"].endswith(f"/quan-tri/thiet-lap/{new.id}")


def test_without_any_contest_the_page_offers_a_first_edition(client, app):
    login_as(client)
    html = client.get("/quan-tri/thiet-lap").get_data(as_text=True)
    assert "<h1>Tạo kỳ thi mới</h1>" in html and 'action="/quan-tri/thiet-lap/moi"' in html
    assert 'name="questions_per_attempt" type="number" value="20"' in html
