"""Signals of padded figures (issue 23): the synthetic scenarios, the review page and its
scope, reviews and the exclusion of invalid attempts, and the highlight before publishing."""
from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
import time_machine
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Attempt, AuditLog, ImportBatch, Registration, Role
from cdso.services.accounts import registration
from cdso.services.figures import stats
from cdso.services.integrity import overview, review
from tests import factories

T0 = dt.datetime(2026, 10, 20, 1, 0)  # 08:00 in Vietnam, naive UTC
GIA_VIEN, LE_CHAN = "Phường Gia Viên", "Phường Lê Chân"
_phones = itertools.count(1)


@pytest.fixture
def clock(app):
    with time_machine.travel(T0.replace(tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def contest(clock):
    return factories.make_contest(opens_at=T0 - dt.timedelta(days=1))


def join(contest, clock, at, *, unit_name=GIA_VIEN, helper=None, ip=None, device=None,
         batch=None, organisation_id=None):
    """One registration at moment `at` (no password hashing: many accounts per test)."""
    clock.move_to(at.replace(tzinfo=dt.UTC))
    unit = factories.unit(unit_name)
    person = registration.NewParticipant(
        full_name=f"Nguyễn Văn Thử {next(_phones)}", birth_date=dt.date(1980, 1, 1),
        gender="nam", phone=f"098{next(_phones):07d}", cccd=None, unit_id=unit.id,
        organisation_id=organisation_id, group="nguoi_dan", password="")
    reg = registration.create_participant(contest, person, assisted_by=helper,
                                          import_batch_id=batch, password_hash="x",
                                          client_ip=ip, device_id=device)
    db.session.commit()
    return reg.account


def finish(contest, account, at, *, seconds=600, score=14, pattern=None, helper=None):
    attempt = factories.make_finished_attempt(contest, account, score=score,
                                              duration_seconds=seconds, finished_at=at)
    attempt.answer_pattern, attempt.assisted_by_id = pattern, helper.id if helper else None
    db.session.commit()
    return attempt


def signals(contest, kind=None, units=None):
    found = overview.compute(contest, T0 + dt.timedelta(days=2), units).signals
    return [s for s in found if kind is None or s.kind == kind]


def test_sixty_registrations_in_five_minutes_by_one_helper_are_flagged(contest, clock):
    helper = factories.make_official(Role.TEAM_MEMBER)
    people = [join(contest, clock, T0 + dt.timedelta(seconds=5 * i), helper=helper)
              for i in range(60)]
    join(contest, clock, T0 + dt.timedelta(hours=3), helper=helper)  # later, alone: not in it
    [burst] = signals(contest, "burst")
    assert burst.subject == f"Người hỗ trợ: {helper.full_name}"
    assert sorted(burst.account_ids) == sorted(p.id for p in people)
    assert burst.share == pytest.approx(60 / 61) and not burst.reviewed


def test_a_school_importing_forty_pupils_is_named_as_an_import_not_a_burst(contest, clock):
    school = factories.organisation(factories.unit(GIA_VIEN))
    batch = ImportBatch(kind="members", source="Trường THCS Chu Văn An", filename="lop-9a.xlsx",
                        sha256="a" * 64, row_count=40, created_at=T0)
    db.session.add(batch)
    db.session.commit()
    for i in range(40):
        join(contest, clock, T0 + dt.timedelta(seconds=i), batch=batch.id, ip="10.0.0.1",
             organisation_id=school.id)
    found = overview.compute(contest, T0 + dt.timedelta(days=1))
    assert found.signals == []
    [row] = found.imports
    assert (row.count, row.filename) == (40, "lop-9a.xlsx")


def test_twenty_attempts_of_twenty_questions_in_thirty_seconds_are_flagged(contest, clock):
    fast = [join(contest, clock, T0 + dt.timedelta(minutes=i)) for i in range(20)]
    normal = [join(contest, clock, T0 + dt.timedelta(minutes=i), unit_name=LE_CHAN)
              for i in range(20)]
    for i, account in enumerate(fast):
        finish(contest, account, T0 + dt.timedelta(hours=1, minutes=i), seconds=30)
    for i, account in enumerate(normal):
        finish(contest, account, T0 + dt.timedelta(hours=1, minutes=i), seconds=41)
    [signal] = signals(contest, "fast")
    assert signal.unit_id == factories.unit(GIA_VIEN).id
    assert len(signal.attempt_ids) == 20 and signal.share == 1.0


def test_identical_answer_sequences_across_fifteen_accounts_are_flagged(contest, clock):
    people = [join(contest, clock, T0 + dt.timedelta(minutes=i)) for i in range(15)]
    for i, account in enumerate(people):
        finish(contest, account, T0 + dt.timedelta(hours=2, minutes=2 * i),
               pattern="ABCDABCDABCDABCDABCD")
    [signal] = signals(contest, "same_answers")
    assert sorted(signal.account_ids) == sorted(p.id for p in people)


def test_a_class_in_one_room_over_an_hour_is_not_flagged(contest, clock):
    """30 pupils, one network address, different answers, normal speed."""
    rngs = [random.Random(i) for i in range(30)]
    patterns = ["".join(rng.choice("ABCD") for _ in range(20)) for rng in rngs]
    assert len(set(patterns)) == 30
    for i in range(30):
        pupil = join(contest, clock, T0 + dt.timedelta(minutes=2 * i), ip="203.0.113.7",
                     device=f"may-{i}")
        finish(contest, pupil, T0 + dt.timedelta(minutes=2 * i + 12), seconds=11 * 60,
               pattern=patterns[i], score=10 + i % 8)
    assert signals(contest) == []


def test_many_accounts_from_one_device_and_a_helper_far_from_the_unit(contest, clock):
    helper = factories.make_official(Role.TEAM_MEMBER)
    on_device = [join(contest, clock, T0 + dt.timedelta(hours=i), device="d" * 32)
                 for i in range(5)]
    own = [join(contest, clock, T0 + dt.timedelta(minutes=i)) for i in range(10)]
    helped = [join(contest, clock, T0 + dt.timedelta(hours=i), helper=helper)
              for i in range(10)]
    for account in own:
        finish(contest, account, T0 + dt.timedelta(hours=12), score=10)
    for account in helped:
        finish(contest, account, T0 + dt.timedelta(hours=12), score=20, helper=helper)
    [device] = signals(contest, "device")
    assert sorted(device.account_ids) == sorted(a.id for a in on_device)
    [gap] = signals(contest, "helper")
    assert gap.subject == f"Người hỗ trợ: {helper.full_name}" and "100%" in gap.detail


def test_finishing_an_attempt_records_its_answer_pattern(contest, clock):
    from cdso.services.quiz import attempts as quiz

    account = join(contest, clock, T0)
    reg = registration.registration_of(account, contest)
    attempt = quiz.start_attempt(contest, reg, now=T0)
    sheet = quiz.load_sheet(attempt.id, account.id)
    expected = ""
    for slot in sheet.slots[:3]:  # the 2nd, 3rd, 4th shown choice (or the last one)
        place = min(slot.position, len(slot.choice_ids) - 1)
        quiz.save_answer(attempt.id, account.id, slot.position, slot.choice_ids[place], T0)
        expected += "ABCD"[place]
    quiz.finish_attempt(attempt.id, T0 + dt.timedelta(minutes=5))
    db.session.commit()
    assert db.session.get(Attempt, attempt.id).answer_pattern == expected + "-" * 17


def _fast_unit(contest, clock):
    people = [join(contest, clock, T0 + dt.timedelta(minutes=i)) for i in range(6)]
    for account in people:
        finish(contest, account, T0 + dt.timedelta(hours=1), seconds=20)
    other = join(contest, clock, T0, unit_name=LE_CHAN)
    finish(contest, other, T0 + dt.timedelta(hours=1), seconds=20)
    clock.move_to((T0 + dt.timedelta(days=2)).replace(tzinfo=dt.UTC))
    return people


def test_a_ward_official_sees_only_their_own_units_signals(contest, clock, client):
    _fast_unit(contest, clock)
    [signal] = signals(contest, "fast")
    other_clerk = factories.make_official(Role.CLERK, unit_name=LE_CHAN)
    factories.sign_in(client, other_clerk)
    page = client.get("/quan-tri/kiem-tra-so-lieu").get_data(as_text=True)
    assert "Không có tín hiệu nào" in page and GIA_VIEN not in page
    assert client.get("/quan-tri/kiem-tra-so-lieu/tin-hieu", query_string={
        "ma": signal.key, "don_vi": signal.unit_id}).status_code == 404
    own_clerk = factories.make_official(Role.CLERK, unit_name=GIA_VIEN)
    factories.sign_in(client, own_clerk)
    detail = client.get("/quan-tri/kiem-tra-so-lieu/tin-hieu", query_string={
        "ma": signal.key, "don_vi": signal.unit_id}).get_data(as_text=True)
    assert "Nguyễn V. T." in detail and "Ghi kết luận" not in detail  # read only
    factories.sign_in(client, factories.make_official(Role.TEAM_MEMBER))
    assert client.get("/quan-tri/kiem-tra-so-lieu").status_code == 404


def test_review_with_a_note_then_exclusion_shows_in_figures_and_can_be_undone(
        contest, clock, client):
    people = _fast_unit(contest, clock)
    [signal] = signals(contest, "fast")
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    factories.sign_in(client, admin)
    form = {"csrf_token": factories.csrf_token(client, "/quan-tri/kiem-tra-so-lieu"),
            "ma": signal.key, "don_vi": signal.unit_id, "ket_luan": "invalid", "ghi_chu": " "}
    refused = client.post("/quan-tri/kiem-tra-so-lieu/xem-xet", data=form)
    assert refused.status_code == 422 and "Xin ghi chú" in refused.get_data(as_text=True)
    form["ghi_chu"] = "Tổ trưởng xác nhận đã bấm nộp hộ"
    assert client.post("/quan-tri/kiem-tra-so-lieu/xem-xet", data=form).status_code in (302, 303)
    [reviewed] = signals(contest, "fast")
    assert reviewed.reviewed and reviewed.review.verdict == "invalid"
    unit_id = signal.unit_id
    as_of = T0 + dt.timedelta(days=1)
    assert stats.city_figures(contest.id, as_of).by_unit[unit_id].finished == 6  # not yet

    review.save_settings(contest, {}, True, admin.id, T0)
    db.session.commit()
    city = stats.city_figures(contest.id, as_of)
    assert (city.by_unit[unit_id].finished, city.by_unit[unit_id].attempts) == (0, 0)
    assert city.excluded[unit_id].attempts == 6
    finish(contest, people[0], T0 + dt.timedelta(hours=5))  # a later, honest attempt counts
    assert stats.city_figures(contest.id, as_of).by_unit[unit_id].finished == 1

    client.post("/quan-tri/kiem-tra-so-lieu/mo-lai", data={
        "csrf_token": form["csrf_token"], "ma": signal.key})
    assert stats.city_figures(contest.id, as_of).by_unit[unit_id].finished == 6
    actions = db.session.scalars(select(AuditLog.action).where(
        AuditLog.action.like("integrity.%"), AuditLog.action != "integrity.accounts")
        .order_by(AuditLog.id)).all()
    assert actions == ["integrity.review", "integrity.settings", "integrity.reopen"]


def test_a_signal_that_grows_after_review_is_unreviewed_again(contest, clock):
    people = _fast_unit(contest, clock)
    [signal] = signals(contest, "fast")
    review.mark(contest, signal, "reviewed", "Đã gọi điện xác minh", None, T0)
    db.session.commit()
    assert signals(contest, "fast")[0].reviewed
    extra = join(contest, clock, T0 + dt.timedelta(hours=2))
    finish(contest, extra, T0 + dt.timedelta(hours=3), seconds=10)
    assert not signals(contest, "fast")[0].reviewed and people


def test_settings_form_keeps_what_was_typed_and_saves_nothing_on_error(contest, clock, client):
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    factories.sign_in(client, admin)
    token = factories.csrf_token(client, "/quan-tri/kiem-tra-so-lieu")
    typed = {name: "7" for name in ("burst_count", "burst_minutes", "reading_seconds",
                                    "fast_min_attempts", "same_answers_accounts",
                                    "same_answers_minutes", "device_accounts",
                                    "helper_gap_points", "helper_min_attempts")}
    bad = client.post("/quan-tri/kiem-tra-so-lieu/thiet-lap",
                      data={**typed, "reading_seconds": "hai", "csrf_token": token})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="hai"' in body and "Nhập một số nguyên" in body
    db.session.expire_all()
    assert contest.integrity_settings is None
    client.post("/quan-tri/kiem-tra-so-lieu/thiet-lap", data={**typed, "csrf_token": token})
    db.session.expire_all()
    assert contest.integrity_settings["reading_seconds"] == 7


def test_publication_preview_and_city_report_draft_highlight_unreviewed_units(
        contest, clock, client):
    from cdso.services.contest import ranking
    from cdso.services.documents import lifecycle as documents

    _fast_unit(contest, clock)
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    run = ranking.compute(contest, None, "unit", ranking.DEFAULT_PRIZES["unit"], admin.id,
                          T0 + dt.timedelta(days=2))
    draft = documents.new_document(admin, contest, "city_progress", "",
                                   T0 + dt.timedelta(days=2))
    db.session.commit()
    factories.sign_in(client, admin)
    preview = client.get(f"/quan-tri/xep-hang/{run.id}").get_data(as_text=True)
    assert "1 đơn vị có tín hiệu số liệu chưa được xem xét:</strong> Phường Gia Viên." in preview
    row = preview.split(GIA_VIEN + " <strong class=\"flag\">")
    assert len(row) == 2 and "⚠ tín hiệu chưa xem xét" in row[1][:40]
    assert f"{LE_CHAN} <strong" not in preview
    page = client.get(f"/quan-tri/cong-van/{draft.id}").get_data(as_text=True)
    assert "chưa được xem xét:</strong> Phường Gia Viên." in page

    [signal] = signals(contest, "fast")
    review.mark(contest, signal, "reviewed", "Đã xác minh: lớp học thử", admin.id, T0)
    db.session.commit()
    preview = client.get(f"/quan-tri/xep-hang/{run.id}").get_data(as_text=True)
    assert "chưa được xem xét" not in preview and "⚠" not in preview


def test_an_individual_ranking_leaves_out_invalid_attempts_only_while_the_setting_is_on(
        contest, clock):
    from cdso.models import RankingEntry
    from cdso.services.contest import ranking

    people = _fast_unit(contest, clock)
    [signal] = signals(contest, "fast")
    review.mark(contest, signal, "invalid", "Nộp bài trống hàng loạt", None, T0)
    db.session.commit()

    def ranked_accounts():
        run = ranking.compute(contest, None, "individual", ranking.DEFAULT_PRIZES["contest"],
                              None, T0 + dt.timedelta(days=2), reason="Tính lại sau xem xét")
        db.session.commit()
        return set(db.session.scalars(select(RankingEntry.account_id).where(
            RankingEntry.run_id == run.id)))

    assert {p.id for p in people} <= ranked_accounts()
    review.save_settings(contest, {}, True, None, T0)
    db.session.commit()
    assert not {p.id for p in people} & ranked_accounts()


REDIS_URL = "redis://127.0.0.1:6379/13"


def empty_redis() -> str:
    """The test's own Redis database, emptied; Redis is part of the deployment."""
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis is needed for the shared signals ({REDIS_URL}): {error}")
    return REDIS_URL


def use_redis_cache(app, url: str) -> None:
    from cdso.extensions import cache
    app.config.update(REDIS_URL=url, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url, CACHE_OPTIONS={})
    cache.init_app(app)


def test_signals_of_a_minute_are_shared_through_redis_and_reviews_show_at_once(
        app, contest, clock):
    url = empty_redis()
    use_redis_cache(app, url)
    _fast_unit(contest, clock)
    as_of = T0 + dt.timedelta(days=2)
    [first] = overview.compute(contest, as_of).signals
    join_late = join(contest, clock, T0 + dt.timedelta(hours=2))
    finish(contest, join_late, T0 + dt.timedelta(hours=3), seconds=10)
    [shared] = overview.compute(contest, as_of).signals  # the same minute: from the cache
    assert shared.attempt_ids == first.attempt_ids and not shared.reviewed
    review.mark(contest, shared, "reviewed", "Đã xác minh", None, T0)
    db.session.commit()
    assert overview.compute(contest, as_of).signals[0].reviewed
    [later] = overview.compute(contest, as_of + dt.timedelta(minutes=1)).signals
    assert len(later.attempt_ids) == 7 and not later.reviewed


def test_self_registration_keeps_its_address_and_a_signed_device_cookie(app):
    from tests.test_quiz_support import browser, fresh
    from tests.test_registration import GOOD, post

    factories.make_contest()
    client = browser(app)
    client.set_cookie("cdso_thiet_bi", "forged-value")  # not signed: replaced by a new id
    response = post(client, {**GOOD, "consent": "yes", "action": "submit"})
    assert response.status_code == 303
    cookie = client.get_cookie("cdso_thiet_bi")
    assert cookie is not None and cookie.value != "forged-value" and cookie.http_only
    fresh()
    reg = db.session.scalar(select(Registration).order_by(Registration.id.desc()))
    assert reg.client_ip == "127.0.0.1" and len(reg.device_id) == 32
    from itsdangerous import URLSafeSerializer
    assert URLSafeSerializer(app.secret_key, salt="device-cookie").loads(
        cookie.value) == reg.device_id


def test_the_sweep_computes_the_current_steps_signals_ahead_into_redis(
        app, contest, clock, runner):
    url = empty_redis()
    assert overview.signal_moment(T0 + dt.timedelta(minutes=17, seconds=30)) == \
        T0 + dt.timedelta(minutes=10)
    people = _fast_unit(contest, clock)  # the clock now at T0 + 2 days
    use_redis_cache(app, url)
    result = runner.invoke(args=["cdso", "sweep"])
    assert "Đã tính sẵn các tín hiệu" in result.output
    db.session.execute(Attempt.__table__.update().values(duration_seconds=900))  # no longer fast
    db.session.commit()
    [signal] = overview.compute(contest, overview.signal_moment()).signals  # computed ahead
    assert signal.account_ids == sorted(p.id for p in people)


def test_a_steps_first_minutes_show_the_previous_step_until_the_sweep_computed_it(
        app, contest, clock):
    use_redis_cache(app, empty_redis())
    people = _fast_unit(contest, clock)  # the clock now at T0 + 2 days, a step's start
    step = overview.signal_moment()
    clock.move_to((step - overview.STEP + overview.GRACE).replace(tzinfo=dt.UTC))
    earlier = overview.current(contest)  # past the grace, nothing ahead: computed here
    assert earlier.as_of == step - overview.STEP
    assert [s.account_ids for s in earlier.signals] == [sorted(p.id for p in people)]
    late = join(contest, clock, step - dt.timedelta(minutes=1))
    finish(contest, late, step - dt.timedelta(minutes=1), seconds=20)
    clock.move_to((step + dt.timedelta(minutes=1)).replace(tzinfo=dt.UTC))
    shown = overview.current(contest)  # the sweep is still at it: the previous step
    assert shown.as_of == earlier.as_of
    assert [s.account_ids for s in shown.signals] == [s.account_ids for s in earlier.signals]
    assert overview.publication_flags(contest)["units"] == ["Phường Gia Viên"]
    clock.move_to((step + overview.GRACE).replace(tzinfo=dt.UTC))
    [signal] = overview.current(contest).signals  # past the grace: this step, computed
    assert late.id in signal.account_ids and len(signal.account_ids) == 7
    assert overview.compute(contest, step).signals[0].account_ids == signal.account_ids


def test_the_signals_are_listed_page_by_page_in_ranked_order(contest, clock, client,
                                                             monkeypatch):
    from cdso.office import integrity as page
    monkeypatch.setattr(page, "SIGNALS_PER_PAGE", 1)
    _fast_unit(contest, clock)  # 6 of 6 attempts in Gia Viên
    for i in range(5):  # 5 of 6 in Lê Chân: a smaller share, ranked second
        person = join(contest, clock, T0 + dt.timedelta(minutes=20 + i), unit_name=LE_CHAN)
        finish(contest, person, T0 + dt.timedelta(hours=1), seconds=20)
    clock.move_to((T0 + dt.timedelta(days=2)).replace(tzinfo=dt.UTC))
    factories.sign_in(client, factories.make_official(Role.ADMIN, unit_name=None))
    first = client.get("/quan-tri/kiem-tra-so-lieu").get_data(as_text=True)
    second = client.get("/quan-tri/kiem-tra-so-lieu?trang=2").get_data(as_text=True)
    assert "Tín hiệu (2; chưa xem xét: 2)" in first and "Trang sau" in first
    rows = [html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] for html in (first, second)]
    assert GIA_VIEN in rows[0] and LE_CHAN not in rows[0]
    assert LE_CHAN in rows[1] and GIA_VIEN not in rows[1] and "Trang trước" in second
