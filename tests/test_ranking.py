"""Rankings and prizes: the exact individual rule with ties at every level, the round's
window, organisers, one prize of a kind, frozen publication, units and organisations,
the office flow and the exports."""
from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pytest
import time_machine
from flask import g
from openpyxl import load_workbook
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Account, AuditLog, RankingRun, Role, Round, Unit
from cdso.services.contest import ranking
from cdso.services.contest import winners
from tests import factories

T0 = dt.datetime(2025, 10, 11, 1, 0)  # everyone registers then (naive UTC)
START = dt.datetime(2025, 10, 13, 17, 0)  # 00:00 on 14/10 in Vietnam
END = START + dt.timedelta(days=7)
PRIZES = {"nhat": 1, "nhi": 1, "ba": 1, "kk": 2}


@pytest.fixture
def week(app):
    """A contest with one round [START, END); its clock frozen at T0 while people register."""
    with time_machine.travel(T0, tick=False):
        contest = factories.make_contest(opens_at=START - dt.timedelta(days=3))
        round_ = Round(contest_id=contest.id, name="Tuần thử", starts_at=START, ends_at=END)
        db.session.add(round_)
        db.session.commit()
        yield contest, round_


def person(contest, name, **kwargs) -> Account:
    return factories.make_participant(contest, full_name=name, **kwargs)


def attempt(contest, account, score, *, prediction=None, seconds=600, at=None, **kwargs):
    return factories.make_finished_attempt(contest, account, score=score, prediction=prediction,
                                           duration_seconds=seconds,
                                           finished_at=at or START + dt.timedelta(days=1),
                                           **kwargs)


def names(run: RankingRun) -> list[str]:
    return [row.full_name for row in winners.rows(run)]


def test_individual_rule_ties_at_every_level_and_the_window(week):
    contest, round_ = week
    people = {n: person(contest, n) for n in
              ["Ngô Văn An", "Bùi Thị Bình", "Đỗ Văn Cường", "Đặng Thị Dung", "Phan Văn Em",
               "Vũ Thị Phương", "Hoàng Văn Giang", "Lê Thị Hạnh", "Trần Văn Ích"]}
    organiser = person(contest, "Phạm Ban Tổ Chức")
    organiser.is_organiser = True
    db.session.commit()
    truth = 10  # ten people registered before the round ended
    day = START + dt.timedelta(days=2)
    p = people
    attempt(contest, p["Ngô Văn An"], 18)
    attempt(contest, p["Bùi Thị Bình"], 17, prediction=truth, seconds=900)
    attempt(contest, p["Đỗ Văn Cường"], 17, prediction=truth - 5, seconds=300, at=day)
    attempt(contest, p["Đặng Thị Dung"], 17, prediction=truth + 5, seconds=400, at=day)
    attempt(contest, p["Phan Văn Em"], 17, prediction=truth + 5, seconds=400,
            at=day + dt.timedelta(seconds=1))
    attempt(contest, p["Vũ Thị Phương"], 17, prediction=None, seconds=60)
    attempt(contest, p["Hoàng Văn Giang"], 15)
    best_of_giang = attempt(contest, p["Hoàng Văn Giang"], 16)
    attempt(contest, p["Hoàng Văn Giang"], 20, at=END)  # just outside: the window is [start, end)
    just_inside = attempt(contest, p["Lê Thị Hạnh"], 12, at=START)
    attempt(contest, p["Trần Văn Ích"], 20, at=START - dt.timedelta(microseconds=1))
    attempt(contest, organiser, 20)

    run = ranking.compute(contest, round_, "individual", PRIZES, None, END + dt.timedelta(hours=1))
    assert run.truth_value == truth
    rows = winners.rows(run)
    assert [r.full_name for r in rows] == [
        "Ngô Văn An", "Bùi Thị Bình", "Đỗ Văn Cường", "Đặng Thị Dung", "Phan Văn Em",
        "Vũ Thị Phương", "Hoàng Văn Giang", "Lê Thị Hạnh"]
    assert [r.decided_by for r in rows] == [
        "", "điểm", "dự đoán", "thời gian", "thời điểm nộp", "dự đoán", "điểm", "điểm"]
    assert [r.prize for r in rows] == [
        "Giải Nhất", "Giải Nhì", "Giải Ba", "Giải Khuyến khích", "Giải Khuyến khích",
        None, None, None]
    assert [r.prediction_gap for r in rows[1:6]] == [0, 5, 5, 5, None]
    entries = {e.account_id: e for e in run.entries}
    assert entries[p["Hoàng Văn Giang"].id].attempt_id == best_of_giang.id
    assert entries[p["Lê Thị Hạnh"].id].attempt_id == just_inside.id


def test_one_prize_of_a_kind_and_the_final_is_another_kind(week):
    contest, week1 = week
    week2 = Round(contest_id=contest.id, name="Tuần 2", starts_at=END,
                  ends_at=END + dt.timedelta(days=7))
    db.session.add(week2)
    champion, runner = person(contest, "Ngô Văn An"), person(contest, "Bùi Thị Bình")
    attempt(contest, champion, 19)
    attempt(contest, champion, 20, at=END + dt.timedelta(days=1))
    attempt(contest, runner, 15, at=END + dt.timedelta(days=1))
    later = END + dt.timedelta(days=8)
    one_prize = {"nhat": 1, "nhi": 0, "ba": 0, "kk": 0}
    ranking.publish(ranking.compute(contest, week1, "individual", one_prize, None, later),
                    None, later)
    second = ranking.compute(contest, week2, "individual", one_prize, None, later)
    assert names(second) == ["Bùi Thị Bình"]  # the week-1 winner is skipped
    final = ranking.compute(contest, None, "individual", one_prize, None,
                            contest.closes_at + dt.timedelta(hours=1))
    assert [r.prize for r in winners.rows(final)] == ["Giải Nhất", None]
    assert names(final) == ["Ngô Văn An", "Bùi Thị Bình"]


def test_published_ranking_is_frozen_until_recomputed_on_purpose(week):
    contest, round_ = week
    first, second = person(contest, "Ngô Văn An"), person(contest, "Bùi Thị Bình")
    attempt(contest, first, 15)
    attempt(contest, second, 14)
    early = START + dt.timedelta(days=3)
    draft = ranking.compute(contest, round_, "individual", PRIZES, None, early)
    with pytest.raises(ranking.RankingError, match="trước khi thời gian xét giải kết thúc"):
        ranking.publish(draft, None, early)

    after = END + dt.timedelta(hours=2)
    run = ranking.compute(contest, round_, "individual", PRIZES, None, after)
    assert db.session.get(RankingRun, draft.id).superseded_at == after  # a draft set aside
    ranking.publish(run, None, after)
    db.session.commit()
    before = [(e.place, e.account_id, e.score, e.prize) for e in run.entries]

    late = person(contest, "Trần Văn Muộn")  # a paper result imported afterwards
    attempt(contest, late, 20, source="import")
    db.session.expire_all()
    frozen = db.session.get(RankingRun, run.id)
    assert [(e.place, e.account_id, e.score, e.prize) for e in frozen.entries] == before
    assert ranking.published_runs(contest.id) == [frozen]

    with pytest.raises(ranking.RankingError, match="lý do"):
        ranking.compute(contest, round_, "individual", PRIZES, None, after)
    redo = ranking.compute(contest, round_, "individual", PRIZES, None, after,
                           reason="Nhập bổ sung kết quả thi giấy")
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "ranking.recompute"))
    assert log.detail["replaces"] == run.id and "thi giấy" in log.detail["reason"]
    assert ranking.published_runs(contest.id) == [frozen]  # still in force until published
    ranking.publish(redo, None, after + dt.timedelta(minutes=5))
    assert frozen.superseded_at is not None
    assert ranking.published_runs(contest.id) == [redo]
    assert names(redo)[0] == "Trần Văn Muộn"


def test_units_by_coverage_then_finished_and_organisations(week):
    contest, round_ = week
    by_name = {u.name: u for u in db.session.scalars(select(Unit))}
    plan = {"Phường Gia Viên": (100, 2), "Xã Tứ Kỳ": (50, 1), "Xã Việt Khê": (10, 1),
            "Phường Lê Chân": (None, 3)}
    for unit_name, (population, finished) in plan.items():
        by_name[unit_name].adult_population = population
        for n in range(finished):
            attempt(contest, person(contest, f"Người Thứ {chr(65 + n)}", unit_name=unit_name), 10)
    by_name["Xã An Lão"].adult_population = 1000  # known population, nobody finished
    db.session.commit()
    run = ranking.compute(contest, None, "unit", {"nhat": 1, "nhi": 1, "ba": 1, "kk": 5}, None,
                          contest.closes_at + dt.timedelta(hours=1))
    rows = winners.rows(run)
    assert len(rows) == 114
    assert [r.unit_name for r in rows[:5]] == [
        "Xã Việt Khê", "Phường Gia Viên", "Xã Tứ Kỳ", "Xã An Lão", "Phường Lê Chân"]
    assert [r.decided_by for r in rows[:6]] == [
        "", "tỷ lệ bao phủ", "số hoàn thành", "tỷ lệ bao phủ", "tỷ lệ bao phủ", "số hoàn thành"]
    assert rows[0].coverage == pytest.approx(0.1) and rows[4].coverage is None
    # Prizes go only to units where someone finished, and never to a unit without an
    # adult population on record (issue 17): Lê Chân gets no coverage prize.
    assert [r.prize for r in rows[:6]] == ["Giải Nhất", "Giải Nhì", "Giải Ba", None, None, None]

    gia_vien = by_name["Phường Gia Viên"]
    school = factories.organisation(gia_vien, "Trường THCS Chu Văn An")
    group = factories.organisation(gia_vien, "Tổ dân phố số 1", "to_dan_pho")
    for org, done, pending in [(school, 2, 2), (group, 2, 0)]:
        for n in range(done + pending):
            member = person(contest, f"Thành Viên {chr(65 + n)}", organisation_id=org.id)
            if n < done:
                attempt(contest, member, 10)
    places = ranking.organisation_ranking(contest.id, gia_vien.id, END)
    assert [(p.name, p.finished, p.decided_by) for p in places] == [
        ("Tổ dân phố số 1", 2, ""), ("Trường THCS Chu Văn An", 2, "tỷ lệ hoàn thành")]


def as_user(app, account):
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    client = app.test_client()
    if account is not None:
        factories.login(client, account)
        g.pop("csrf_token", None)
    return client


def test_office_computes_reviews_publishes_and_exports(app, week):
    contest, round_ = week
    round_.starts_at, round_.ends_at = T0 - dt.timedelta(days=8), T0 - dt.timedelta(days=1)
    db.session.commit()
    inside = T0 - dt.timedelta(days=2)
    for name, score in [("Nguyễn Văn Hùng", 19), ("Lê Thị Mai", 19), ("Phạm Văn Nam", 12)]:
        attempt(contest, person(contest, name), score, prediction=3, at=inside,
                seconds=300 if name == "Nguyễn Văn Hùng" else 500)
    assert as_user(app, factories.make_official(Role.CLERK)).get(
        "/quan-tri/xep-hang").status_code == 404
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    client = as_user(app, admin)
    token = factories.csrf_token(client, "/quan-tri/xep-hang")
    form = {"csrf_token": token, "muc": str(round_.id), "loai": "individual", "prize_nhat": "1",
            "prize_nhi": "1", "prize_ba": "0", "prize_kk": "abc", "ly_do": ""}
    bad = client.post("/quan-tri/xep-hang", data=form, headers={"HX-Request": "true"})
    html = bad.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="ranking-compute"')
    assert "nhập số nguyên từ 0 đến 500" in html and 'value="abc"' in html
    assert db.session.scalar(select(RankingRun)) is None

    done = client.post("/quan-tri/xep-hang", data={**form, "prize_kk": "0"})
    assert done.status_code == 303
    run = db.session.scalar(select(RankingRun))
    review = client.get(done.location).get_data(as_text=True)
    assert "Con số đúng của câu hỏi dự đoán" in review and "thời gian" in review
    assert client.post(f"/quan-tri/xep-hang/{run.id}/cong-bo",
                       data={"csrf_token": token}).status_code == 303
    assert db.session.get(RankingRun, run.id).published_at is not None

    book = load_workbook(io.BytesIO(client.get(
        f"/quan-tri/xep-hang/{run.id}/danh-sach-dat-giai.xlsx").data))
    sheet = book.active
    assert "Tuần thử" in sheet["A1"].value and sheet["A2"].value.startswith("Công bố lúc")
    assert [c.value for c in sheet[4]][:3] == ["STT", "Giải", "Họ và tên"]
    assert [(r[1], r[2]) for r in sheet.iter_rows(min_row=5, values_only=True)] == [
        ("Giải Nhất", "Nguyễn Văn Hùng"), ("Giải Nhì", "Lê Thị Mai")]
    pdf = client.get(f"/quan-tri/xep-hang/{run.id}/thong-bao-dat-giai.pdf")
    with pdfplumber.open(io.BytesIO(pdf.data)) as reader:
        text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
        table = [[re.sub(r"\s+", " ", cell or "") for cell in row]
                 for p in reader.pages for t in p.extract_tables() for row in t]
    for expected in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "DANH SÁCH ĐẠT GIẢI", "Vũ Đại Thắng"]:
        assert expected in text, expected
    assert [row[1:4] for row in table if row[0].isdigit()] == [
        ["Giải Nhất", "Nguyễn Văn Hùng", "Phường Gia Viên"],
        ["Giải Nhì", "Lê Thị Mai", "Phường Gia Viên"]]
    assert "Phạm Văn Nam" not in text
    exports = db.session.scalars(select(AuditLog).where(AuditLog.action == "winners.export"))
    assert sorted(e.detail["format"] for e in exports) == ["pdf", "xlsx"]

    public = as_user(app, None).get("/giai-thuong").get_data(as_text=True)
    assert "Nguyễn V. H." in public and "Lê T. M." in public and "Phường Gia Viên" in public
    assert "Nguyễn Văn Hùng" not in public and "Phạm V. N." not in public
