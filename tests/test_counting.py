"""Issue 17: which attempt counts, against which figure, the same on every surface.

The exact scenarios of the issue (3 online attempts plus a paper row; /ket-qua during
round 2 after round 1 is published; two attempts of equal score decided by the prediction,
before and after the whole-contest publication), the prize settings across rankings,
units without population, staff accounts; the seeded property test is in
test_counting_property.py."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import local_to_utc
from cdso.models import Attempt, AuditLog, Certificate, RankingRun, Registration, Role, Unit
from cdso.services.contest import counting, coverage_prizes, ranking, winners
from cdso.services.figures import stats
from cdso.services.imports import results as results_import
from cdso.services.imports import tabular
from tests import factories
from tests import test_quiz_support as support

OPENS = local_to_utc(dt.datetime(2025, 10, 11))  # 00:00 on 11/10/2025 in Vietnam
WEEK = dt.timedelta(days=7)
MANY = {"nhat": 1, "nhi": 1, "ba": 1, "kk": 20}


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def weeks(app):
    """A 30-day contest in weekly rounds (Tuần 1 … Tuần 5), made the day before it opens."""
    with at(OPENS - dt.timedelta(days=1)):
        contest = factories.make_contest(opens_at=OPENS)
    assert [r.name for r in contest.rounds][:2] == ["Tuần 1", "Tuần 2"]
    assert contest.rounds[1].starts_at == OPENS + WEEK
    return contest


def person(contest, name, moment, **kwargs):
    with at(moment):
        return factories.make_participant(contest, full_name=name, **kwargs)


def finished(contest, account, score, moment, prediction=None, seconds=600, source="online"):
    with at(moment):
        return factories.make_finished_attempt(contest, account, score=score,
                                               prediction=prediction, duration_seconds=seconds,
                                               finished_at=moment, source=source)


def results_page(app, account, moment) -> str:
    client = support.browser(app)
    with at(moment):
        factories.sign_in(client, account)  # the session is signed at the travelled time
        return client.get("/ket-qua").get_data(as_text=True)


def standing_lines(html: str) -> dict[str, str]:
    """/ket-qua's "Lượt được tính" list: ranking label -> its line, tags stripped."""
    block = html.split('<ul class="standings">', 1)[1].split("</ul>", 1)[0]
    lines = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip()
             for li in re.findall(r"<li>(.*?)</li>", block, re.S)]
    return {line.split(":", 1)[0]: line for line in lines}


# --- 1. A paper row counts against the attempt limit -------------------------------------

HEADER = ["Họ và tên", "Số điện thoại", "Xã, phường", "Ngày thi", "Điểm", "Dự đoán"]


def paper_file(*rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def three_online_then_paper(contest):
    """Hải has 3 online attempts and Mai 1; a paper file with one row for Hải and three
    for Mai (Bạch Long Vĩ). Returns Hải and the file."""
    day = OPENS + dt.timedelta(days=3)
    hai = person(contest, "Phạm Văn Hải", OPENS, phone="0912000001",
                 unit_name="Đặc khu Bạch Long Vĩ")
    mai = person(contest, "Lê Thị Mai", OPENS, phone="0912000002",
                 unit_name="Đặc khu Bạch Long Vĩ")
    for n, score in enumerate([12, 13, 14]):
        finished(contest, hai, score, day + dt.timedelta(hours=n))
    finished(contest, mai, 15, day)
    return hai, paper_file(
        ["Phạm Văn Hải", "0912000001", "Đặc khu Bạch Long Vĩ", "15/10/2025", "20", ""],
        ["Lê Thị Mai", "0912000002", "Đặc khu Bạch Long Vĩ", "15/10/2025", "16", ""],
        ["Lê Thị Mai", "0912000002", "Đặc khu Bạch Long Vĩ", "16/10/2025", "17", ""],
        ["Lê Thị Mai", "0912000002", "Đặc khu Bạch Long Vĩ", "17/10/2025", "18", ""])


def check_the_service_marks_the_fourth(contest, data: bytes, now: dt.datetime) -> None:
    """The service: the 4th attempt of each person is marked with the reason; nothing
    imports."""
    with at(now):
        rows = tabular.read_table("kq.csv", data, results_import.COLUMNS)
        report = results_import.check_results(rows, contest, None, now)
    assert not report.errors and not report.ok
    assert [(o.row.row, o.row.full_name) for o in report.pending] == [
        (2, "Phạm Văn Hải"), (5, "Lê Thị Mai")]
    assert report.pending[0].message == (
        "Vượt giới hạn 3 lượt thi mỗi người: người này đã có 3 lượt (trực tuyến hoặc đã nhập), "
        "dòng này sẽ là lượt thứ 4.")
    with pytest.raises(ValueError):
        results_import.import_results(report, contest, factories.make_official(Role.ADMIN),
                                      source="x", filename="kq.csv", digest="0", now=now)
    db.session.rollback()


def test_a_paper_row_after_three_online_attempts_is_refused_unless_an_official_allows_it(
        app, weeks):
    contest = weeks
    hai, data = three_online_then_paper(contest)
    now = OPENS + dt.timedelta(days=8)
    check_the_service_marks_the_fourth(contest, data, now)

    # The office: preview marks the rows; confirming without reasons writes nothing.
    clerk = factories.make_official(Role.CLERK, unit_name="Đặc khu Bạch Long Vĩ")
    client = support.browser(app)
    with at(now):
        factories.sign_in(client, clerk)  # the session is signed at the travelled time
        csrf = support.token(client, "/quan-tri/nhap-ket-qua")
        preview = client.post("/quan-tri/nhap-ket-qua/xem-truoc", data={
            "csrf_token": csrf, "source": "Thi giấy tại nhà văn hoá đặc khu",
            "tep": (io.BytesIO(data), "kq.csv")}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2</strong> dòng vượt giới hạn 3 lượt thi mỗi người" in html
    assert 'name="vuot-2"' in html and 'name="vuot-5"' in html and 'name="vuot-3"' not in html
    assert "dòng này sẽ là lượt thứ 4" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": csrf, "token": token, "source": "Thi giấy tại nhà văn hoá đặc khu"}
    with at(now):
        refused = client.post("/quan-tri/nhap-ket-qua/xac-nhan",
                              data={**form, "vuot-2": "ok", "vuot-5": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "ít nhất 10 ký tự" in html and ">ok</textarea>" in html  # kept as typed
    assert "Chưa có lý do cho phép" in html
    support.fresh()
    assert db.session.scalar(select(func.count(Attempt.id))) == 4

    # With a written reason for each row: imported, each override audited.
    reason = "Lượt trực tuyến thứ 3 bị mất mạng giữa chừng, BTC cho thi lại trên giấy"
    with at(now):
        done = client.post("/quan-tri/nhap-ket-qua/xac-nhan", data={
            **form, "vuot-2": reason, "vuot-5": "Đã xác minh với tổ công nghệ số cộng đồng"})
    assert done.status_code == 303, done.get_data(as_text=True)[-2000:]
    support.fresh()
    fourth = db.session.scalar(select(Attempt).where(Attempt.account_id == hai.id,
                                                     Attempt.number == 4))
    assert fourth.source == "import" and fourth.score == 20
    logs = {log.detail["row"]: log for log in db.session.scalars(
        select(AuditLog).where(AuditLog.action == "results.import.over_limit"))}
    assert sorted(logs) == [2, 5]
    assert logs[2].actor_id == clerk.id and logs[2].detail["reason"] == reason
    assert logs[2].target_id == fourth.id and logs[2].detail["number"] == 4
    # It counts, like any attempt, and nobody gets a 5th online.
    assert counting.counting_attempt(contest, hai.id, None, None).id == fourth.id
    assert counting.attempts_left(contest, counting.used_attempts(fourth.registration_id)) == 0


def test_without_an_override_the_paper_row_never_counts_in_the_ranking(app, weeks):
    contest = weeks
    day = OPENS + dt.timedelta(days=3)
    hai = person(contest, "Phạm Văn Hải", OPENS, phone="0912000001",
                 unit_name="Đặc khu Bạch Long Vĩ")
    for n in range(3):
        finished(contest, hai, 10 + n, day + dt.timedelta(hours=n))
    data = paper_file(["Phạm Văn Hải", "0912000001", "Đặc khu Bạch Long Vĩ", "15/10/2025", "20", ""])
    with at(OPENS + WEEK + dt.timedelta(hours=1)):
        rows = tabular.read_table("kq.csv", data, results_import.COLUMNS)
        report = results_import.check_results(rows, contest, None, OPENS + WEEK)
        assert len(report.pending) == 1
        # A reason that is too short is refused too, with the reason kept.
        short = results_import.check_results(rows, contest, None, OPENS + WEEK, {2: "vì"})
        assert short.pending[0].reason == "vì" and "ít nhất 10 ký tự" in short.pending[0].error
        run = ranking.compute(contest, contest.rounds[0], "individual", MANY, None,
                              OPENS + WEEK + dt.timedelta(hours=1))
    assert [e.score for e in run.entries] == [12]


# --- 2. /ket-qua judges each attempt against the figure of its own ranking -----------------

def test_ket_qua_during_round_2_after_round_1_is_published(app, weeks):
    contest = weeks
    week1, week2 = contest.rounds[:2]
    mai = person(contest, "Lê Thị Mai", OPENS - dt.timedelta(hours=2))
    for n in range(4):  # 5 registered by the end of week 1
        person(contest, f"Người Tuần Một {chr(65 + n)}", OPENS - dt.timedelta(hours=1))
    first = finished(contest, mai, 15, OPENS + dt.timedelta(days=2), prediction=5)
    with at(week1.ends_at + dt.timedelta(hours=1)):
        run1 = ranking.compute(contest, week1, "individual", MANY, None,
                               week1.ends_at + dt.timedelta(hours=1))
        ranking.publish(run1, None, week1.ends_at + dt.timedelta(hours=2))
        db.session.commit()
    assert run1.truth_value == 5
    for n in range(3):  # 8 registered during week 2
        person(contest, f"Người Tuần Hai {chr(65 + n)}", week2.starts_at + dt.timedelta(days=1))
    second = finished(contest, mai, 16, week2.starts_at + dt.timedelta(days=2), prediction=8)

    during = week2.starts_at + dt.timedelta(days=3)
    lines = standing_lines(results_page(app, mai, during))
    assert lines["Tuần 1"].startswith("Tuần 1: lượt số 1 (15 câu đúng). Dự đoán so với con số 5 ")
    assert "đã công bố" in lines["Tuần 1"]
    # Round 2 is judged against its own figure, as of now and marked provisional — never
    # against round 1's published figure.
    assert lines["Tuần 2"].startswith("Tuần 2: lượt số 2 (16 câu đúng). Dự đoán so với con số 8 ")
    assert "tạm tính" in lines["Tuần 2"] and "con số 5" not in lines["Tuần 2"]
    assert "con số 8" in lines["Toàn cuộc thi"] and "tạm tính" in lines["Toàn cuộc thi"]
    with at(during):
        assert counting.truth_for(contest, week2, during) == counting.Truth(8, True, during)
        assert counting.truth_for(contest, week1, during).value == 5
    assert (first.id, second.id) == (
        counting.counting_attempt(contest, mai.id, week1, 5).id,
        counting.counting_attempt(contest, mai.id, week2, 8).id)


def test_the_prediction_question_names_what_it_asks_about_and_the_rules_say_the_same(app):
    with at(OPENS + dt.timedelta(days=1, hours=3)):
        contest = factories.make_contest(opens_at=OPENS)  # in weekly rounds
        client, _ = support.participant_client(app, contest)
        attempt_id = support.start(client)
        html = client.get(f"/thi/{attempt_id}/du-doan").get_data(as_text=True)
        rules = client.get("/the-le").get_data(as_text=True)
    expected = ("Con số đúng là số thí sinh đăng ký: với xếp hạng Tuần 1, tính đến khi Tuần 1 "
                "kết thúc (00h00 ngày 18/10/2025); với xếp hạng toàn Cuộc thi, tính đến khi "
                "Cuộc thi kết thúc (00h00 ngày 10/11/2025).")
    assert expected in html
    assert ("Con số đúng là số thí sinh đăng ký: với xếp hạng của mỗi đợt, tính đến khi đợt đó "
            "kết thúc; với xếp hạng toàn Cuộc thi, tính đến khi Cuộc thi kết thúc "
            "(00h00 ngày 10/11/2025).") in rules
    assert "con số hiện trên trang kết quả là con số tạm tính" in rules
    for rule in ["tính vào giới hạn 3 lượt mỗi người", "Mỗi người nhận tối đa một giải đợt",
                 "Người đạt giải đợt vẫn được xét giải toàn Cuộc thi",
                 "chưa có số dân trưởng thành được ghi nhận thì không xét giải này",
                 "không được tính trong bất kỳ số liệu nào",
                 "giấy chứng nhận ghi rõ là kết quả tạm tính"]:
        assert rule in rules, rule


# --- 3. Equal scores, the prediction decides: the same attempt everywhere ------------------

def test_equal_scores_decided_by_the_prediction_before_and_after_publication(app, weeks):
    contest = weeks
    phuong = person(contest, "Nguyễn Thị Phượng", OPENS - dt.timedelta(hours=1),
                    unit_name="Phường Nam Đồ Sơn")
    for n in range(3):  # 4 registered now; 9 by the close
        person(contest, f"Người Đầu {chr(65 + n)}", OPENS - dt.timedelta(hours=1))
    # Same score; `near_now` guesses today's figure, `near_end` the final one but is slower,
    # so ignoring the prediction (the old certificate) would pick `near_now` by time.
    near_now = finished(contest, phuong, 18, OPENS + dt.timedelta(days=1), prediction=4,
                        seconds=300)
    near_end = finished(contest, phuong, 18, OPENS + dt.timedelta(days=2), prediction=9,
                        seconds=900)
    client = support.browser(app)

    before = OPENS + dt.timedelta(days=3)
    with at(before):
        factories.sign_in(client, phuong)  # the session is signed at the travelled time
        lines = standing_lines(client.get("/ket-qua").get_data(as_text=True))
        moved = client.get(f"/chung-nhan/{near_end.id}.pdf")
        pdf = client.get(f"/chung-nhan/{near_now.id}.pdf")
        run = ranking.compute(contest, None, "individual", MANY, None, before)
    assert lines["Toàn cuộc thi"].startswith("Toàn cuộc thi: lượt số 1 (18 câu đúng). Dự đoán "
                                             "so với con số 4 ")
    assert "tạm tính" in lines["Toàn cuộc thi"]
    assert moved.status_code == 303 and moved.location.endswith(f"/chung-nhan/{near_now.id}.pdf")
    text = re.sub(r"\s+", " ", pdf_text(pdf.data))
    assert "Kết quả tạm tính" in text and "18/20 câu đúng" in text
    assert run.entries[0].attempt_id == near_now.id and run.truth_value == 4

    for n in range(5):
        person(contest, f"Người Sau {chr(65 + n)}", OPENS + dt.timedelta(days=20))
    after = contest.closes_at + dt.timedelta(hours=1)
    with at(after):
        final = ranking.compute(contest, None, "individual", MANY, None, after)
        ranking.publish(final, None, after)
        db.session.commit()
    assert final.truth_value == 9 and final.entries[0].attempt_id == near_end.id
    with at(after + dt.timedelta(hours=1)):
        factories.sign_in(client, phuong)
        lines = standing_lines(client.get("/ket-qua").get_data(as_text=True))
        moved = client.get(f"/chung-nhan/{near_now.id}.pdf")
        pdf = client.get(f"/chung-nhan/{near_end.id}.pdf")
        prizes = client.get("/giai-thuong").get_data(as_text=True)
    assert lines["Toàn cuộc thi"].startswith("Toàn cuộc thi: lượt số 2 (18 câu đúng). Dự đoán "
                                             "so với con số 9 ")
    assert "đã công bố" in lines["Toàn cuộc thi"]
    assert moved.status_code == 303 and moved.location.endswith(f"/chung-nhan/{near_end.id}.pdf")
    text = re.sub(r"\s+", " ", pdf_text(pdf.data))
    assert "tạm tính" not in text and "18/20 câu đúng" in text
    assert "Nguyễn T. P." in prizes and "con số đúng của câu hỏi dự đoán" in prizes.lower()
    assert db.session.scalar(select(Certificate.attempt_id).where(
        Certificate.attempt_id == near_end.id)) == near_end.id


def pdf_text(content: bytes) -> str:
    import pdfplumber
    with pdfplumber.open(io.BytesIO(content)) as reader:
        return " ".join(page.extract_text() or "" for page in reader.pages)


# --- Prize settings across rankings --------------------------------------------------------

def test_weekly_and_final_prize_settings(app, weeks):
    contest = weeks
    week1, week2 = contest.rounds[:2]
    an = person(contest, "Ngô Văn An", OPENS - dt.timedelta(hours=1))
    binh = person(contest, "Bùi Thị Bình", OPENS - dt.timedelta(hours=1))
    finished(contest, an, 20, OPENS + dt.timedelta(days=1))
    finished(contest, binh, 15, OPENS + dt.timedelta(days=1))
    finished(contest, an, 19, week2.starts_at + dt.timedelta(days=1))
    finished(contest, binh, 14, week2.starts_at + dt.timedelta(days=1))
    one = {"nhat": 1, "nhi": 0, "ba": 0, "kk": 0}
    with at(contest.closes_at + dt.timedelta(hours=1)):
        moment = contest.closes_at + dt.timedelta(hours=1)
        ranking.publish(ranking.compute(contest, week1, "individual", one, None, moment),
                        None, moment)

        def winner(round_):
            run = ranking.compute(contest, round_, "individual", one, None, moment)
            return [e.account_id for e in run.entries if e.prize]

        # Defaults: one weekly prize per person; a weekly winner may win a final prize.
        assert winner(week2) == [binh.id] and winner(None) == [an.id]
        contest.one_weekly_prize_per_person = False
        contest.weekly_winner_may_win_final = False
        assert winner(week2) == [an.id] and winner(None) == [binh.id]


def test_settings_form_saves_the_prize_settings(app):
    from cdso.services.contest import settings
    contest = factories.make_contest()
    entry = settings.form_from_contest(contest)
    assert entry.values["weekly_winner_may_win_final"] == "1"
    assert entry.values["one_weekly_prize_per_person"] == "1"
    entry.values["weekly_winner_may_win_final"] = ""
    clean = settings.validate(entry, contest)
    assert clean is not None, entry.errors
    settings.save(contest, clean, None, contest.updated_at + dt.timedelta(minutes=1))
    db.session.commit()
    assert contest.weekly_winner_may_win_final is False
    assert contest.one_weekly_prize_per_person is True
    new = settings.form_from_contest(None)
    assert new.values["weekly_winner_may_win_final"] == "1"


# --- Units without population ---------------------------------------------------------------

def test_units_without_population_block_publishing_until_filled_or_excluded(app, weeks):
    contest = weeks
    units = {u.name: u for u in db.session.scalars(select(Unit))}
    units["Phường Gia Viên"].adult_population = 100
    units["Xã Tứ Kỳ"].adult_population = None
    units["Phường Lê Chân"].adult_population = None
    db.session.commit()
    for unit_name in ["Phường Gia Viên", "Xã Tứ Kỳ", "Phường Lê Chân"]:
        resident = person(contest, f"Người Ở {unit_name}", OPENS, unit_name=unit_name)
        finished(contest, resident, 10, OPENS + dt.timedelta(days=1))
    moment = contest.closes_at + dt.timedelta(hours=1)
    with at(moment):
        run = ranking.compute(contest, None, "unit", {"nhat": 1, "nhi": 1, "ba": 1, "kk": 0},
                              None, moment)
        db.session.commit()
    assert [r.prize for r in winners.rows(run) if r.prize] == ["Giải Nhất"]  # Gia Viên only
    pending = coverage_prizes.units_without_population(run)
    assert sorted(e.unit.name for e in pending) == ["Phường Lê Chân", "Xã Tứ Kỳ"]

    admin = factories.make_official(Role.ADMIN, unit_name=None)
    client = support.browser(app)
    with at(moment):
        factories.sign_in(client, admin)  # the session is signed at the travelled time
        page = client.get(f"/quan-tri/xep-hang/{run.id}").get_data(as_text=True)
        csrf = support.token(client, f"/quan-tri/xep-hang/{run.id}")
        blocked = client.post(f"/quan-tri/xep-hang/{run.id}/cong-bo", data={"csrf_token": csrf})
    assert "Đơn vị chưa có dân số trưởng thành" in page and "Xã Tứ Kỳ" in page
    assert blocked.status_code == 422
    assert "2 đơn vị chưa có dân số trưởng thành" in blocked.get_data(as_text=True)
    support.fresh()
    assert db.session.get(RankingRun, run.id).published_at is None

    tu_ky = next(e for e in pending if e.unit.name == "Xã Tứ Kỳ")
    le_chan = next(e for e in pending if e.unit.name == "Phường Lê Chân")
    with at(moment):
        short = client.post(f"/quan-tri/xep-hang/{run.id}/loai-don-vi/{tu_ky.id}",
                            data={"csrf_token": csrf, "ly_do": "ko"})
        assert short.status_code == 422 and 'value="ko"' in short.get_data(as_text=True)
        for entry in (tu_ky, le_chan):
            assert client.post(f"/quan-tri/xep-hang/{run.id}/loai-don-vi/{entry.id}", data={
                "csrf_token": csrf, "ly_do": "Xã chưa gửi số dân trưởng thành năm 2025"},
            ).status_code == 303
        published = client.post(f"/quan-tri/xep-hang/{run.id}/cong-bo",
                                data={"csrf_token": csrf})
    assert published.status_code == 303
    support.fresh()
    assert db.session.get(RankingRun, run.id).published_at is not None
    logs = db.session.scalars(select(AuditLog).where(AuditLog.action == "ranking.exclude_unit"))
    assert sorted(log.detail["unit_id"] for log in logs) == sorted(
        [units["Xã Tứ Kỳ"].id, units["Phường Lê Chân"].id])


def test_filling_in_the_population_then_recomputing_unblocks(app, weeks):
    contest = weeks
    unit = db.session.scalar(select(Unit).where(Unit.name == "Xã Tứ Kỳ"))
    unit.adult_population = None
    db.session.commit()
    resident = person(contest, "Người Ở Tứ Kỳ", OPENS, unit_name="Xã Tứ Kỳ")
    finished(contest, resident, 10, OPENS + dt.timedelta(days=1))
    moment = contest.closes_at + dt.timedelta(hours=1)
    with at(moment):
        run = ranking.compute(contest, None, "unit", MANY, None, moment)
        with pytest.raises(ranking.RankingError):
            ranking.publish(run, 1, moment)
        unit.adult_population = 40
        redo = ranking.compute(contest, None, "unit", MANY, None, moment)
        ranking.publish(redo, None, moment)
    assert redo.entries[0].unit_id == unit.id and redo.entries[0].prize == "Giải Nhất"


# --- Staff never count ----------------------------------------------------------------------

def test_staff_count_in_no_figure_and_no_ranking(app, weeks):
    contest = weeks
    resident = person(contest, "Trần Văn Dân", OPENS)
    tester = person(contest, "Tài Khoản Thử", OPENS)
    tester.is_organiser = True
    db.session.commit()
    stats.rebuild_buckets(contest.id)  # flagged after registering: recount once
    db.session.commit()
    official = factories.make_official(Role.TEAM_MEMBER)
    with at(OPENS):
        reg = Registration(contest_id=contest.id, account_id=official.id,
                           unit_id=official.unit_id, group="nguoi_dan", created_at=OPENS)
        db.session.add(reg)
        db.session.flush()
        stats.record_registration(reg)
        db.session.commit()
    for account, score in [(resident, 10), (tester, 20), (official, 20)]:
        finished(contest, account, score, OPENS + dt.timedelta(days=1), prediction=1)
    moment = OPENS + dt.timedelta(days=2)
    with at(moment):
        figures = stats.city_figures(contest.id, moment)
        run = ranking.compute(contest, None, "individual", MANY, None, moment)
    assert (figures.total.registered, figures.total.finished, figures.total.attempts) == (1, 1, 1)
    assert run.truth_value == 1 and [e.account_id for e in run.entries] == [resident.id]
    assert counting.counting_attempt(contest, tester.id, None, 1) is None
    with at(moment):
        stats.rebuild_buckets(contest.id)
        assert stats.city_figures(contest.id, moment).total.registered == 1


# --- Bad input in a results file ------------------------------------------------------------

def test_bad_rows_are_each_refused_with_their_reason_and_nothing_is_written(app, weeks):
    contest = weeks
    known = person(contest, "Lê Thị Mai", OPENS, phone="0912000002",
                   unit_name="Đặc khu Bạch Long Vĩ")
    for n in range(3):
        finished(contest, known, 12, OPENS + dt.timedelta(days=1, hours=n))
    unit = "Đặc khu Bạch Long Vĩ"
    data = paper_file(
        ["Trần Văn Lạ", "0912000002", unit, "15/10/2025", "15", ""],  # someone else's phone
        ["Phạm Văn Hải", "0912000001", unit, "15/10/2025", "15", ""],
        ["Phạm Văn Hải", "0912000001", unit, "15/10/2025", "15", ""],  # duplicate
        ["Phạm Văn Hải", "0912000001", unit, "10/11/2025", "16", ""],  # after the close
        ["Phạm Văn Hải", "0912000001", unit, "16/10/2025", "25", ""],  # above the maximum
        ["Lê Thị Mai", "0912000002", unit, "17/10/2025", "16", ""],  # past the limit
        ["Vũ Văn Mới", "0912000009", unit, "18/10/2025", "14", ""])  # new: an account is made
    now = contest.closes_at + dt.timedelta(days=1)
    accounts_before = db.session.scalar(select(func.count()).select_from(Registration))
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    client = support.browser(app)
    with at(now):
        factories.sign_in(client, admin)
        csrf = support.token(client, "/quan-tri/nhap-ket-qua")
        preview = client.post("/quan-tri/nhap-ket-qua/xem-truoc", data={
            "csrf_token": csrf, "source": "Thi giấy", "tep": (io.BytesIO(data), "kq.csv")},
            content_type="multipart/form-data")
        rows = tabular.read_table("kq.csv", data, results_import.COLUMNS)
        report = results_import.check_results(rows, contest, None, now)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    messages = {e.row: " ".join(e.messages) for e in report.errors}
    assert "đã đăng ký với họ tên khác" in messages[2]
    assert "Trùng hoàn toàn với dòng 3" in messages[4]
    assert "nằm ngoài thời gian cuộc thi" in messages[5]
    assert "vượt quá điểm tối đa 20" in messages[6]
    for text in messages.values():
        assert text.split(".")[0] in html
    assert [o.row.row for o in report.pending] == [7]
    assert "Dòng 7</strong> · Lê Thị Mai" in html and "dòng này sẽ là lượt thứ 4" in html
    support.fresh()
    assert db.session.scalar(select(func.count(Attempt.id))) == 3
    assert db.session.scalar(select(func.count()).select_from(Registration)) == accounts_before
