"""Officials' dashboards: the city, a unit, an organisation; figures as of a moment."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import AuditLog, Role, Unit
from cdso.services.figures import dashboard
from cdso.services.figures import cache as figure_cache
from tests import factories

T0 = dt.datetime(2025, 10, 22, 8, 0)  # 15h00 in Vietnam


pytestmark = pytest.mark.usefixtures("fast_passwords")


sign_in = factories.sign_in


def test_city_dashboard_totals_rankings_and_sorting(app, contest):
    gia_vien = factories.unit("Phường Gia Viên")
    gia_vien.adult_population = 40
    db.session.commit()
    for _ in range(3):
        factories.make_participant(contest)
    finisher = factories.make_participant(contest, unit_name="Xã Tứ Kỳ")
    factories.make_finished_attempt(contest, finisher)
    data = dashboard.city_dashboard(contest, dashboard.now_minute() + dt.timedelta(minutes=1))
    assert (data.total.registered, data.total.finished, data.total.attempts) == (4, 1, 1)
    assert data.total.coverage is None  # most units have no population: unknown, not 0
    assert data.units_taking_part == 2 and data.unit_count == 114
    assert [r.name for r in data.most[:2]] == ["Phường Gia Viên", "Xã Tứ Kỳ"]
    assert len(data.most) == len(data.least) == 10
    assert all(r.figures.registered == 0 for r in data.least)
    row = next(r for r in data.rows if r.name == "Phường Gia Viên")
    assert row.figures.coverage == 0.0 and row.figures.population == 40
    by_coverage = dashboard.city_dashboard(contest, data.as_of, sort="ty-le", direction="giam")
    assert by_coverage.rows[0].name == "Phường Gia Viên"  # the only known coverage comes first
    zones = dashboard.city_dashboard(contest, data.as_of, kind="dac_khu", sort="ten",
                                     direction="tang")
    assert [r.name for r in zones.rows] == ["Đặc khu Bạch Long Vĩ", "Đặc khu Cát Hải"]
    residents = dict(data.groups)["Người dân"]
    assert residents.registered == 4


def test_figures_as_of_a_past_moment_never_change(app, contest):
    with time_machine.travel(T0, tick=False):
        factories.make_participant(contest)
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        late = factories.make_participant(contest)
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        factories.make_finished_attempt(contest, late)
        as_of = dashboard.parse_moment("2025-10-22T15:10", contest)
        first = dashboard.city_dashboard(contest, as_of)
    with time_machine.travel(T0 + dt.timedelta(days=2, seconds=30), tick=False):
        factories.make_participant(contest)
        again = dashboard.city_dashboard(contest, as_of)
        this_minute = dashboard.city_dashboard(contest, dashboard.now_minute())
    with time_machine.travel(T0 + dt.timedelta(days=2, minutes=1), tick=False):
        now = dashboard.city_dashboard(contest, dashboard.now_minute())
    assert as_of == T0 + dt.timedelta(minutes=10)
    assert (first.total.registered, first.total.finished) == (1, 0)
    assert (again.total.registered, again.total.finished) == (1, 0)
    # "Now" is stated to the minute: what came in during this minute counts from the next.
    assert this_minute.total.registered == 2
    assert (now.total.registered, now.total.finished, now.total.attempts) == (3, 1, 1)


@time_machine.travel(T0 + dt.timedelta(hours=1), tick=False)
def test_parse_moment_accepts_common_forms_and_refuses_the_future(app, contest):
    expected = T0
    for typed in ("2025-10-22T15:00", "15:00 22/10/2025", "22/10/2025 15:00",
                  "15h00 ngày 22/10/2025"):
        assert dashboard.parse_moment(typed, contest) == expected
    assert dashboard.parse_moment("", contest) == T0 + dt.timedelta(hours=1)
    with pytest.raises(dashboard.BadMoment, match="tương lai"):
        dashboard.parse_moment("2025-10-23T15:00", contest)
    with pytest.raises(dashboard.BadMoment, match="giờ và ngày"):
        dashboard.parse_moment("hôm qua", contest)


def test_city_page_full_and_partial(client, contest):
    factories.make_participant(contest)
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    sign_in(client, admin)
    html = client.get("/quan-tri/so-lieu").get_data(as_text=True)
    assert "Số liệu toàn thành phố" in html and "Số liệu tính đến" in html
    assert "<svg" in html and "Số đăng ký và hoàn thành mới theo ngày" in html
    assert "10 đơn vị có nhiều thí sinh nhất" in html and "10 đơn vị có ít thí sinh nhất" in html
    assert html.count('<tr><th scope="row"><a href="/quan-tri/so-lieu/don-vi/') == 114
    assert "chưa rõ" in html and "style=" not in html and "<script>" not in html
    partial = client.get("/quan-tri/so-lieu?loai=dac_khu&sap-xep=ten&chieu=giam",
                         headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="unit-table"') and "<html" not in body
    assert body.index("Cát Hải") < body.index("Bạch Long Vĩ")
    assert 'aria-sort="descending"' in body
    bad = client.get("/quan-tri/so-lieu?luc=2099-01-01T00:00").get_data(as_text=True)
    assert "còn ở tương lai" in bad


def test_office_home_sends_each_official_to_their_page(client, contest):
    clerk = factories.make_official(Role.CLERK)
    sign_in(client, clerk)
    response = client.get("/quan-tri/")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith("/quan-tri/so-lieu")


def test_clerk_sees_own_unit_with_follow_up_list(client, contest, monkeypatch):
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 1)
    gia_vien = factories.unit()
    school = factories.organisation(gia_vien)
    clerk = factories.make_official(Role.CLERK)
    team = factories.make_official(Role.TEAM_MEMBER)
    names = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường"]
    people = [factories.make_participant(contest, full_name=n, organisation_id=school.id,
                                         phone=f"098765432{i}") for i, n in enumerate(names)]
    factories.make_finished_attempt(contest, people[0])
    from cdso.services.accounts import registration
    registration.registration_of(people[1], contest).assisted_by_id = team.id
    db.session.commit()
    factories.make_participant(contest, unit_name="Xã Tứ Kỳ", full_name="Ngô Văn Dũng")
    sign_in(client, clerk)
    html = client.get("/quan-tri/so-lieu").get_data(as_text=True)
    assert "Số liệu Phường Gia Viên" in html
    assert "Trường THCS Chu Văn An" in html and team.full_name in html
    # Follow-up list: unfinished only, oldest first, full phone for the ward's clerk.
    assert "Trần Thị Bích" in html and "0987654321" in html and "Nguyễn Văn An" not in html
    assert "Ngô Văn Dũng" not in html and "Lê Văn Cường" not in html and "Trang sau" in html
    page2 = client.get(f"/quan-tri/so-lieu/don-vi/{gia_vien.id}/chua-hoan-thanh?trang=2",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert page2.lstrip().startswith('<section id="unfinished"') and "Lê Văn Cường" in page2
    assert "Trần Thị Bích" not in page2
    logged = db.session.scalars(select(AuditLog).where(
        AuditLog.action == "view.unfinished_list")).all()
    assert len(logged) == 2 and logged[0].actor_id == clerk.id
    tu_ky = db.session.scalar(select(Unit).where(Unit.name == "Xã Tứ Kỳ"))
    assert client.get(f"/quan-tri/so-lieu/don-vi/{tu_ky.id}").status_code == 404
    assert client.get(f"/quan-tri/so-lieu/don-vi/{tu_ky.id}/chua-hoan-thanh").status_code == 404


def test_reporter_sees_own_organisation_with_masked_phones(client, contest):
    gia_vien = factories.unit()
    school = factories.organisation(gia_vien)
    other = factories.organisation(gia_vien, "Tổ dân phố số 3", "to_dan_pho")
    factories.make_participant(contest, organisation_id=school.id, phone="0987000111",
                               full_name="Vũ Thị Mai")
    factories.make_participant(contest, organisation_id=other.id, full_name="Đỗ Văn Nam")
    reporter = factories.make_official(Role.REPORTER, organisation_id=school.id)
    sign_in(client, reporter)
    html = client.get("/quan-tri/so-lieu").get_data(as_text=True)
    assert "Số liệu Trường THCS Chu Văn An" in html
    assert "Vũ Thị Mai" in html and "0987***111" in html and "0987000111" not in html
    assert "Đỗ Văn Nam" not in html
    assert client.get(f"/quan-tri/so-lieu/don-vi/{gia_vien.id}").status_code == 404


def test_team_member_and_participant_cannot_open_dashboards(client, contest):
    team = factories.make_official(Role.TEAM_MEMBER)
    sign_in(client, team)
    assert client.get("/quan-tri/so-lieu").status_code == 404
    assert client.get(f"/quan-tri/so-lieu/don-vi/{team.unit_id}").status_code == 404
    participant = factories.make_participant(contest)
    sign_in(client, participant)
    assert client.get("/quan-tri/so-lieu").status_code == 404


def test_city_figures_are_shared_through_the_cache(app, contest, shared_cache):
    """Within one minute every node reuses the sums; populations are always fresh."""
    store = shared_cache
    factories.make_participant(contest)
    as_of = dashboard.now_minute() + dt.timedelta(minutes=1)
    first = figure_cache.city_figures(contest.id, as_of)
    factories.make_participant(contest)
    factories.unit().adult_population = 10
    db.session.commit()
    second = figure_cache.city_figures(contest.id, as_of)
    gia_vien = factories.unit().id
    assert first.by_unit[gia_vien].registered == second.by_unit[gia_vien].registered == 1
    assert second.by_unit[gia_vien].population == 10
    assert any(":units:" in key for key in store)
    series = figure_cache.daily_series(contest.id, as_of)
    assert figure_cache.daily_series(contest.id, as_of) == series
    assert sum(r for _, r, _ in series) in (1, 2)


def test_no_contest_yet(client):
    sign_in(client, factories.make_official(Role.ADMIN, unit_name=None))
    html = client.get("/quan-tri/so-lieu").get_data(as_text=True)
    assert "Chưa có cuộc thi nào" in html
    assert re.search(r"<h1>Số liệu</h1>", html)


def test_split_at_midnight_gives_the_same_figures_as_one_sum(app, monkeypatch):
    """The cache sums the days before the moment's day apart from that day: same result."""
    from cdso.services.figures import stats
    with time_machine.travel(T0 - dt.timedelta(days=3), tick=False):
        contest = factories.make_contest()
    moments = [T0 - dt.timedelta(days=2, hours=5), T0 - dt.timedelta(days=1, hours=9),
               T0 - dt.timedelta(hours=7, minutes=50), T0 - dt.timedelta(minutes=20)]
    for index, moment in enumerate(moments):
        with time_machine.travel(moment, tick=False):
            person = factories.make_participant(contest, unit_name=("Xã Tứ Kỳ", "Phường Gia Viên")[index % 2],
                                                group=("hoc_sinh", "nguoi_dan")[index % 2])
            if index:
                factories.make_finished_attempt(contest, person)
    from cdso.extensions import cache
    store: dict = {}
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        for as_of in (T0, T0 - dt.timedelta(hours=8), T0 - dt.timedelta(days=1, hours=2)):
            for kind in ("NullCache", "SimpleCache"):
                app.config.update(CACHE_TYPE=kind, CACHE_OPTIONS={})
                cache.init_app(app)
                if kind == "SimpleCache":
                    app.extensions["cache"][cache]._cache = store
                split = figure_cache.city_figures(contest.id, as_of)
                whole = stats.city_figures(contest.id, as_of)
                assert {k: (f.registered, f.finished, f.attempts) for k, f in split.by_unit.items()} \
                    == {k: (f.registered, f.finished, f.attempts) for k, f in whole.by_unit.items()}
                groups = figure_cache.city_figures_by_group(contest.id, as_of)
                assert {k: f.registered for k, f in groups.items() if f.registered} == \
                    {k: f.registered for k, f in stats.city_figures_by(contest.id, as_of, "group").items()
                     if f.registered}
                assert figure_cache.daily_series(contest.id, as_of) == \
                    stats.daily_series(contest.id, None, as_of)
        assert figure_cache.city_figures(contest.id, T0).total.registered == 4
    assert any(":upto:" in key for key in store) and any(":days:" in key for key in store)


def test_unit_breakdown_matches_the_separate_sums(app):
    """One read of a unit's buckets gives what three separate sums give."""
    from cdso.services.figures import stats
    with time_machine.travel(T0 - dt.timedelta(days=2), tick=False):
        contest = factories.make_contest()
        school = factories.organisation(factories.unit())
    for index, moment in enumerate([T0 - dt.timedelta(days=1, hours=3),
                                    T0 - dt.timedelta(hours=2), T0 + dt.timedelta(minutes=10)]):
        with time_machine.travel(moment, tick=False):
            person = factories.make_participant(
                contest, organisation_id=school.id if index != 1 else None,
                group=("hoc_sinh", "nguoi_dan", "can_bo")[index])
            factories.make_finished_attempt(contest, person)
    unit_id = factories.unit().id
    for as_of in (T0 + dt.timedelta(minutes=30), T0 - dt.timedelta(hours=1), T0):
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
            got = stats.unit_breakdown(contest.id, unit_id, as_of)
            by_org = stats.unit_figures_by(contest.id, unit_id, as_of, "organisation_id")
            by_group = stats.unit_figures_by(contest.id, unit_id, as_of, "group")

            def plain(figures):
                return {k: (f.registered, f.finished, f.attempts) for k, f in figures.items()
                        if f.registered or f.finished or f.attempts}
            assert plain(got.by_organisation) == plain(by_org)
            assert plain(got.by_group) == plain(by_group)
            assert got.days == stats.daily_series(contest.id, unit_id, as_of)
    assert sum(f.registered for f in got.by_group.values()) == 2  # as of T0: not the third


def test_minute_buckets_give_what_the_source_rows_give(app, monkeypatch):
    """Inside an hour a figure adds minute buckets instead of counting the hour's rows:
    for every moment, the same figures either way, and after a rebuild."""
    from cdso.models import FigureMinute
    from cdso.services.figures import stats
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        contest = factories.make_contest()
        school = factories.organisation(factories.unit())
    for index, seconds in enumerate((65, 600, 605, 1799, 3000)):  # inside T0's hour
        with time_machine.travel(T0 + dt.timedelta(seconds=seconds), tick=False):
            person = factories.make_participant(
                contest, organisation_id=school.id if index == 2 else None,
                group=("hoc_sinh", "nguoi_dan")[index % 2],
                unit_name=("Phường Gia Viên", "Xã Tứ Kỳ")[index % 2])
            if index in (1, 3, 4):
                factories.make_finished_attempt(contest, person)
    moments = [T0 + dt.timedelta(seconds=s) for s in (0, 64, 65, 66, 599, 600, 606, 1800, 3540)]
    unit_id = factories.unit().id

    def plain(figures):
        return {k: (f.registered, f.finished, f.attempts) for k, f in figures.items()
                if f.registered or f.finished or f.attempts}

    def everything():
        out = []
        for as_of in moments:
            out.append([plain(stats.city_figures_by(contest.id, as_of, dim))
                        for dim in ("unit_id", "group", "organisation_id")])
            out[-1].append(plain(stats.unit_figures_by(contest.id, unit_id, as_of, "group")))
            out[-1].append(stats.daily_series(contest.id, None, as_of))
        return out

    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        by_minutes = everything()
        monkeypatch.setattr(stats, "_recent_counts", stats._source_counts)  # the hour's rows
        by_rows = everything()
        monkeypatch.undo()
        stats.rebuild_buckets(contest.id)
        rebuilt = everything()
    assert by_minutes == by_rows == rebuilt
    assert by_minutes[-1][1] == {"hoc_sinh": (3, 1, 1), "nguoi_dan": (2, 2, 2)}
    assert by_minutes[2][0] == {} and by_minutes[3][0] == {unit_id: (1, 0, 0)}  # 08:01:05 on
    assert db.session.scalar(select(db.func.count(FigureMinute.id))) >= 5
