"""Knowledge gaps (issue 22): topic × unit as of a moment, "cần tăng cường", item
statistics with flags, open data with suppression, ward officials' scope. Every answer is
simulated with a known truth and finished through the quiz's own finish_attempt."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Attempt, AttemptQuestion, Question, QuestionStatus, Role, Topic
from cdso.services.accounts import registration
from cdso.services.bank import item_stats
from cdso.services.figures import gaps, topics
from cdso.services.figures.stats import hour_of
from cdso.services.quiz.attempts import finish_attempt
from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")


def bank_by_topic() -> dict[int, list[Question]]:
    out: dict[int, list[Question]] = {}
    for question in db.session.scalars(select(Question).where(
            Question.status == QuestionStatus.ACTIVE.value).order_by(Question.id)):
        out.setdefault(question.topic_id, []).append(question)
    return out


def topic_ids() -> list[int]:
    return list(db.session.scalars(select(Topic.id).order_by(Topic.position, Topic.id)))


def play(contest, account, answers: list[tuple[Question, bool | int]], moment: dt.datetime):
    """An attempt drawing exactly these questions, answered right (True), wrong (False)
    or with a given choice id (int), finished at `moment` through finish_attempt."""
    reg = registration.registration_of(account, contest)
    number = db.session.scalar(select(func.count()).where(Attempt.registration_id == reg.id))
    started = moment - dt.timedelta(minutes=5)
    attempt = Attempt(contest_id=contest.id, registration_id=reg.id, account_id=account.id,
                      number=number + 1, started_at=started,
                      deadline=started + dt.timedelta(minutes=20), question_count=len(answers))
    db.session.add(attempt)
    db.session.flush()
    for position, (question, answer) in enumerate(answers, start=1):
        if isinstance(answer, bool):
            chosen = next(c for c in question.choices if c.is_correct == answer)
            chosen_id = chosen.id
        else:
            chosen_id = answer
        db.session.add(AttemptQuestion(
            attempt_id=attempt.id, position=position, question_id=question.id,
            choice_order=",".join(str(c.id) for c in question.choices),
            chosen_choice_id=chosen_id, answered_at=moment))
    db.session.flush()
    assert finish_attempt(attempt.id, moment)
    db.session.commit()
    return attempt


def one_each(bank, right: dict[int, bool], default: bool = True):
    """One question of each topic, answered as `right` says (default otherwise)."""
    return [(bank[tid][0], right.get(tid, default)) for tid in topic_ids()]


BASE = hour_of(utcnow()) - dt.timedelta(hours=5)


def test_a_deliberately_weak_topic_tops_the_units_list(app, contest):
    bank = bank_by_topic()
    weak, other = topic_ids()[4], topic_ids()[0]
    for i in range(4):  # Gia Viên: everything right except the weak topic
        person = factories.make_participant(contest)
        play(contest, person, one_each(bank, {weak: False, other: i % 2 == 0}),
             BASE + dt.timedelta(minutes=i))
    for i in range(6):  # elsewhere: right everywhere but one miss in `other`
        person = factories.make_participant(contest, unit_name="Xã Tứ Kỳ")
        play(contest, person, one_each(bank, {other: i % 2 == 0}), BASE + dt.timedelta(minutes=i))
    unit = factories.unit("Phường Gia Viên")
    data = gaps.unit_gaps(contest.id, unit, BASE + dt.timedelta(hours=2))
    assert data.own[weak].rate == 0.0 and data.own[weak].people == 4
    assert [g.topic.id for g in data.weakest][:2] == [weak, other]
    assert len(data.weakest) == 3
    assert data.city[weak].answered == 10 and data.city[weak].correct == 6


def test_figures_as_of_a_past_moment_do_not_change_when_answers_arrive(app, contest):
    bank = bank_by_topic()
    first_topic = topic_ids()[0]
    moments = [BASE + dt.timedelta(minutes=m, seconds=s) for m, s in
               ((10, 0), (70, 5), (71, 10), (71, 40))]
    as_of = BASE + dt.timedelta(minutes=71, seconds=20)  # inside an hour and a minute
    people = [factories.make_participant(contest) for _ in moments]
    for person, moment in zip(people[:3], moments[:3], strict=True):
        play(contest, person, one_each(bank, {first_topic: False}), moment)
    before = topics.cells_by(contest.id, as_of)
    key = (factories.unit().id, first_topic)
    assert before[key].answered == 3 and before[key].people == 3 and before[key].correct == 0
    play(contest, people[3], one_each(bank, {}), moments[3])  # same minute, after as_of
    later = factories.make_participant(contest)
    play(contest, later, one_each(bank, {}), BASE + dt.timedelta(hours=3))
    play(contest, people[0], one_each(bank, {}), BASE + dt.timedelta(hours=3, minutes=1))
    assert topics.cells_by(contest.id, as_of) == before
    now = topics.cells_by(contest.id, BASE + dt.timedelta(hours=4))
    assert now[key].answered == 6 and now[key].correct == 3
    assert now[key].people == 5  # a second attempt counts its answers, not its person again
    # Rebuilding from the answers gives what was kept on write, at every moment.
    topics.rebuild(contest.id)
    db.session.commit()
    assert topics.cells_by(contest.id, as_of) == before
    assert topics.cells_by(contest.id, BASE + dt.timedelta(hours=4)) == now


def test_a_wrong_key_shows_negative_discrimination_and_is_flagged(app, contest):
    bank = bank_by_topic()
    tids = topic_ids()
    suspect = bank[tids[0]][0]
    # The key says one choice; people who know everything else pick another one.
    wrong_choice = next(c for c in suspect.choices if not c.is_correct)
    rest_questions = [bank[tid][0] for tid in tids[1:]] + [bank[tids[0]][1]]
    for i in range(30):
        person = factories.make_participant(contest, unit_name="Xã Tứ Kỳ")
        strong = i % 2 == 0
        # strong people: every other question right, the suspect "wrong"; weak: the reverse
        answers = [(suspect, wrong_choice.id if strong else True)]
        answers += [(q, strong if j % 3 else not strong) for j, q in enumerate(rest_questions)]
        play(contest, person, answers, BASE + dt.timedelta(minutes=i))
    rows = {r.question.id: r for r in item_stats.item_rows(contest.id)}
    row = rows[suspect.id]
    assert row.answered == 30 and row.facility == 0.5
    assert row.discrimination < -0.5
    assert "Độ phân biệt âm: có thể sai đáp án" in row.flags
    shares = {letter: share for letter, _text, share, _key in row.options}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert max(shares.values()) == 0.5
    assert item_stats.item_rows(contest.id)[0].question.id in {
        r.question.id for r in rows.values() if r.flags}
    good = rows[rest_questions[1].id]
    assert good.discrimination > 0.5 and not any("phân biệt" in f for f in good.flags)
    # The bank editor sees the flag with a link to edit the question.
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    client = app.test_client()
    factories.sign_in(client, admin)
    html = client.get("/quan-tri/cau-hoi/thong-ke?co=1").get_data(as_text=True)
    assert "Độ phân biệt âm" in html
    assert f"/quan-tri/cau-hoi/{suspect.id}/sua" in html
    # Rebuilding from the answers gives the same statistics.
    topics.rebuild(contest.id)
    db.session.commit()
    again = {r.question.id: r for r in item_stats.item_rows(contest.id)}[suspect.id]
    assert again.discrimination == pytest.approx(row.discrimination)


def test_open_data_suppresses_a_cell_of_9_and_shows_a_cell_of_10(app, contest, client):
    bank = bank_by_topic()
    for i in range(9):
        play(contest, factories.make_participant(contest), one_each(bank, {}),
             BASE + dt.timedelta(minutes=i))
    for i in range(10):
        play(contest, factories.make_participant(contest, unit_name="Xã Tứ Kỳ"),
             one_each(bank, {}, default=i < 7), BASE + dt.timedelta(minutes=i))
    body = client.get("/du-lieu/chu-de.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 114 * len(topic_ids())
    gia_vien = [r for r in rows if r["name"] == "Phường Gia Viên"]
    tu_ky = [r for r in rows if r["name"] == "Xã Tứ Kỳ"]
    assert all(r["suppressed"] == "1" and r["correct_rate"] == "" and r["finished"] == ""
               for r in gia_vien)
    assert all(r["suppressed"] == "0" and r["finished"] == "10" and r["correct_rate"] == "0.7"
               for r in tu_ky)
    assert "phone" not in body and "full_name" not in body
    features = json.loads(client.get("/du-lieu/don-vi.geojson").get_data(as_text=True))
    by_name = {f["properties"]["name"]: f["properties"]["topics"] for f in features["features"]}
    assert by_name["Phường Gia Viên"][0]["correct_rate"] is None
    assert by_name["Xã Tứ Kỳ"][0]["correct_rate"] == 0.7
    assert by_name["Xã Tứ Kỳ"][0]["finished"] == 10


def test_ward_officials_see_their_own_unit_only(app, contest, client):
    bank = bank_by_topic()
    play(contest, factories.make_participant(contest, unit_name="Xã Tứ Kỳ"),
         one_each(bank, {}), BASE)
    clerk = factories.make_official(Role.CLERK)
    factories.sign_in(client, clerk)
    own = client.get("/quan-tri/kien-thuc")
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert "Phường Gia Viên" in html and "Chủ đề cần tăng cường" in html
    assert "Xã Tứ Kỳ" not in html
    other = factories.unit("Xã Tứ Kỳ")
    assert client.get(f"/quan-tri/kien-thuc/don-vi/{other.id}").status_code == 404
    assert client.get(f"/quan-tri/kien-thuc/don-vi/{clerk.unit_id}").status_code == 200
    assert client.get("/quan-tri/cau-hoi/thong-ke").status_code in (403, 404)


def test_city_heat_map_sorted_by_a_topic_and_map_coloured_by_it(app, contest, client):
    bank = bank_by_topic()
    tids = topic_ids()
    play(contest, factories.make_participant(contest, unit_name="Xã Tứ Kỳ"),
         one_each(bank, {tids[1]: False}), BASE)
    play(contest, factories.make_participant(contest), one_each(bank, {}), BASE)
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    factories.sign_in(client, admin)
    response = client.get("/quan-tri/kien-thuc?theo=2&chieu=tang&ban-do=2")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script" not in html.split("<main", 1)[-1]
    heat = html.split('aria-labelledby="heat-title heat-desc"', 1)[1].split("</svg>", 1)[0]
    assert heat.count("<rect") >= 115 * len(tids)
    # Sorted by topic 2, lowest first: Tứ Kỳ (0%) before Gia Viên (100%), the rest after.
    assert heat.index("Xã Tứ Kỳ") < heat.index("Phường Gia Viên") < heat.index("Phường An Biên")
    assert 'id="gap-map-units"' in html and "Tỉ lệ trả lời đúng" in html


def test_documents_carry_the_weakest_topics_and_a_topic_appendix(app, contest):
    from cdso.services.documents import defaults as document_defaults
    from cdso.services.documents import docx as docx_export
    from cdso.services.documents import fields as document_fields
    from cdso.services.documents import figures as document_figures

    bank = bank_by_topic()
    tids = topic_ids()
    weak = tids[6]
    for i in range(3):
        play(contest, factories.make_participant(contest), one_each(bank, {weak: False}),
             BASE + dt.timedelta(minutes=i))
    for i in range(10):
        play(contest, factories.make_participant(contest, unit_name="Xã Tứ Kỳ"),
             one_each(bank, {}, default=i < 8), BASE + dt.timedelta(minutes=i))
    as_of = BASE + dt.timedelta(hours=1)
    weak_name = db.session.get(Topic, weak).name
    unit = factories.unit()
    snapshot = document_figures.take_snapshot(contest, unit, as_of, None)
    phrase = document_figures.all_values(snapshot)["chu_de_can_tang_cuong"]
    assert phrase.startswith(f"{weak_name} (trả lời đúng 0,0%, toàn thành phố 61,5%)")
    assert phrase.count("; ") == 2
    for kind in ("unit_urge", "unit_report"):
        doc = document_fields.build_doc(kind, document_defaults.DEFAULT_FIELDS[kind],
                                        snapshot, as_of.date())
        body = " ".join(p["text"] for p in doc["body"])
        assert f"{weak_name} (trả lời đúng 0,0%" in body
        assert doc["extra_appendices"] == []
    city = document_figures.take_snapshot(contest, None, as_of, None)
    doc = document_fields.build_doc("city_progress",
                                    document_defaults.DEFAULT_FIELDS["city_progress"],
                                    city, as_of.date())
    assert doc["appendix"]["label"] == "PHỤ LỤC I"
    topic_appendix = doc["extra_appendices"][0]
    assert topic_appendix["label"] == "PHỤ LỤC II"
    assert topic_appendix["title"] == "TỶ LỆ TRẢ LỜI ĐÚNG THEO CHỦ ĐỀ"
    row = next(r for r in topic_appendix["rows"] if r[1] == weak_name)
    assert row[2:5] == ["13", "13", "61,5%"]
    assert row[5] == "Xã Tứ Kỳ (80,0%)"  # Gia Viên has 3 people: not named
    assert b"PH\xe1\xbb\xa4 L\xe1\xbb\xa4C II" in _docx_text(docx_export.build_docx(doc))
    from flask import render_template
    with app.test_request_context():
        html = render_template("pdf/dispatch.html", doc=doc)
    assert html.count('<section class="appendix">') == 2 and "PHỤ LỤC II" in html


def _docx_text(data: bytes) -> bytes:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml")


def test_the_shared_city_grid_adds_up_to_the_plain_sums(app, contest, monkeypatch):
    """The city's grid is shared in pieces (days, today's hours, the hour's minutes from
    the previous minute's sums): at every minute it equals the plain sum, with Redis."""
    import os

    import redis
    url = os.environ.get("TEST_GAPS_REDIS_URL", "redis://127.0.0.1:6379/12")
    client = redis.Redis.from_url(url)
    client.flushdb()
    from cdso.extensions import cache
    app.config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url, CACHE_OPTIONS={})
    cache.init_app(app)
    bank = bank_by_topic()
    start = hour_of(utcnow()) - dt.timedelta(hours=30)
    for i, offset in enumerate((0, 26 * 60, 29 * 60 + 2, 29 * 60 + 3, 29 * 60 + 5)):
        play(contest, factories.make_participant(contest), one_each(bank, {}, default=i % 2 == 0),
             start + dt.timedelta(minutes=offset, seconds=10))
    unit = factories.unit()
    try:
        for minutes in range(29 * 60, 29 * 60 + 8):  # minute by minute through the last hour
            as_of = start + dt.timedelta(minutes=minutes)
            grid = gaps.city_grid(contest.id, as_of)
            assert grid.cells == topics.cells_by(contest.id, as_of), as_of
            plain = topics.cells_by(contest.id, as_of, gaps.ORG_DIMS, unit_id=unit.id)
            assert gaps._decode(gaps._split_grid(contest.id, as_of, unit.id)) == plain, as_of
            own = gaps.unit_gaps(contest.id, unit, as_of).own
            assert {t: c.answered for t, c in own.items()} == {
                t: sum(c.answered for (_o, tid), c in plain.items() if tid == t) for t in own}
        assert client.keys("*topics-minutes*")  # the minutes were shared
        assert client.keys(f"*topics-minutes*:u{unit.id}:*")  # and the unit's
    finally:
        client.flushdb()


def test_rebuild_topics_command_counts_answers_given_before_the_feature(app, contest, runner):
    from cdso.models import ItemStat, TopicBucket
    bank = bank_by_topic()
    play(contest, factories.make_participant(contest), one_each(bank, {}), BASE)
    kept = topics.cells_by(contest.id, BASE + dt.timedelta(hours=1))
    for model in (TopicBucket, topics.TopicMinute, ItemStat):
        db.session.execute(model.__table__.delete())
    db.session.commit()
    assert topics.cells_by(contest.id, BASE + dt.timedelta(hours=1)) == {}
    result = runner.invoke(args=["cdso", "rebuild-topics"])
    assert result.exit_code == 0, result.output
    assert "đã đếm lại" in result.output
    assert topics.cells_by(contest.id, BASE + dt.timedelta(hours=1)) == kept


def test_the_demo_answers_its_attempts_as_their_scores_say(app, contest):
    import random

    from cdso.models import Attempt
    from cdso.services import demo
    from cdso.services.demo_answers import seed_answers

    demo.ensure_demo_organisations()
    demo.seed_participants(contest, 200)
    made = seed_answers(contest, random.Random(1))
    db.session.commit()
    finished = db.session.execute(select(func.count(), func.sum(Attempt.score)).where(
        Attempt.contest_id == contest.id, Attempt.status == "finished")).one()
    assert made == finished[0] * contest.questions_per_attempt > 0
    cells = topics.cells_by(contest.id, utcnow())
    assert sum(c.correct for c in cells.values()) == finished[1]
    assert sum(c.answered for c in cells.values()) == made
    assert seed_answers(contest, random.Random(1)) == 0  # answered once
