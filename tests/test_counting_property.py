"""Issue 17, seeded property test: random contests (two played rounds, ties on every
tie-break level, paper rows, staff, late registrations); at a moment during round 2 (after
round 1 is published) and after the whole contest is published, every surface — ranking
rows, /giai-thuong, the winners XLSX, /ket-qua, the certificate, the unit's participants
list — names the attempt an independent oracle computes, with the same true figure."""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import local_to_utc, to_local
from cdso.models import Account, Attempt, Registration, Role
from cdso.services.accounts.masking import mask_name
from cdso.services.contest import certificates, ranking
from cdso.services.figures import stats
from cdso.services.imports import results as results_import
from cdso.services.imports import tabular
from tests import factories
from tests import test_quiz_support as support
from tests.test_counting import standing_lines

OPENS = local_to_utc(dt.datetime(2025, 10, 11))
DAY = dt.timedelta(days=1)
MANY = {"nhat": 1, "nhi": 2, "ba": 2, "kk": 15}
FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ"]
UNIT = "Phường Gia Viên"


def at(moment):
    return time_machine.travel(moment, tick=False)


def key(attempt: Attempt, truth: int):
    """The rule as docs/rules.md states it, written again here on Python objects."""
    gap = abs(attempt.prediction - truth) if attempt.prediction is not None else 0
    return (-attempt.score, attempt.prediction is None, gap, attempt.duration_seconds is None,
            attempt.duration_seconds or 0, attempt.finished_at, attempt.id)


class World:
    def __init__(self, app, seed: int):
        self.app, self.rng = app, random.Random(seed)
        with at(OPENS - DAY):
            self.contest = factories.make_contest(opens_at=OPENS)
        self.week1, self.week2 = self.contest.rounds[:2]
        self.people, self.staff = [], []

    def register(self, n: int, moment):
        with at(moment):
            for _ in range(n):
                family = FAMILIES[len(self.people)]
                self.people.append(factories.make_participant(
                    self.contest, full_name=f"{family} Văn {self.rng.choice('ABCDEGH')}n",
                    unit_name=UNIT))

    def add_staff(self):
        with at(OPENS - DAY / 2):
            tester = factories.make_participant(self.contest, full_name="Tài Khoản Thử",
                                                unit_name=UNIT)
            tester.is_organiser = True
            db.session.commit()
            stats.rebuild_buckets(self.contest.id)
            team = factories.make_official(Role.TEAM_MEMBER, unit_name=UNIT)
            reg = Registration(contest_id=self.contest.id, account_id=team.id,
                               unit_id=team.unit_id, group="nguoi_dan", created_at=OPENS - DAY)
            db.session.add(reg)
            db.session.flush()
            stats.record_registration(reg)
            db.session.commit()
        self.staff = [tester, team]
        for account in self.staff:
            self.attempt(account, OPENS + DAY, score=20)

    def attempt(self, account, moment, score=None):
        rng = self.rng
        with at(moment):
            return factories.make_finished_attempt(
                self.contest, account, score=score or rng.choice([14, 15]),
                prediction=rng.choice([None, 6, 8, 9, 11]),
                duration_seconds=rng.choice([300, 400]), finished_at=moment)

    def play(self, people, moments):
        for account in people:
            for _ in range(self.rng.randint(1, 2)):
                self.attempt(account, self.rng.choice(moments))

    def paper(self, now):
        """A results file for some people with attempts left, imported by the city."""
        rows = []
        for account in self.rng.sample(self.people, 4):
            day = self.rng.choice(["13/10/2025", "19/10/2025"])
            if day == "13/10/2025" and account.id in self.late:
                day = "19/10/2025"
            rows.append([account.full_name, account.phone, UNIT, day,
                         str(self.rng.choice([14, 15])), self.rng.choice(["", "8", "9"])])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Họ và tên", "Số điện thoại", "Xã, phường", "Ngày thi", "Điểm",
                         "Dự đoán"])
        writer.writerows(rows)
        data = out.getvalue().encode()
        admin = factories.make_official(Role.ADMIN, unit_name=None)
        with at(now):
            report = results_import.check_results(
                tabular.read_table("kq.csv", data, results_import.COLUMNS), self.contest, None,
                now)
            overrides = {o.row.row: "Cho phép theo biên bản buổi thi giấy"
                         for o in report.over_limit}
            report = results_import.check_results(
                tabular.read_table("kq.csv", data, results_import.COLUMNS), self.contest, None,
                now, overrides)
            assert report.ok, [(e.row, e.messages) for e in report.errors]
            results_import.import_results(report, self.contest, admin, source="Thi giấy",
                                          filename="kq.csv", digest=tabular.sha256(data),
                                          now=now)
            db.session.commit()
        self.admin = admin

    # --- the oracle ------------------------------------------------------------------------
    def published(self, round_):
        return ranking.current_published(self.contest.id, round_.id if round_ else None,
                                         "individual")

    def truth(self, round_, now) -> tuple[int, bool]:
        run = self.published(round_)
        end = round_.ends_at if round_ else self.contest.closes_at
        moment = min(now, end)
        staff = {a.id for a in self.staff}
        counted = sum(1 for reg in db.session.scalars(select(Registration).where(
            Registration.contest_id == self.contest.id))
            if reg.account_id not in staff and reg.created_at < moment)
        if run is not None:
            assert run.truth_value == sum(1 for reg in db.session.scalars(select(Registration))
                                          if reg.account_id not in staff
                                          and reg.created_at < min(run.computed_at, end))
            return run.truth_value, False
        return counted, True

    def expected(self, round_, now) -> tuple[dict[int, Attempt], int, bool]:
        truth, provisional = self.truth(round_, now)
        start = round_.starts_at if round_ else self.contest.opens_at
        end = round_.ends_at if round_ else self.contest.closes_at
        run = self.published(round_)
        seen = run.computed_at if run is not None else now  # a published ranking is frozen
        best = {}
        for account in self.people:
            mine = [a for a in db.session.scalars(select(Attempt).where(
                Attempt.account_id == account.id, Attempt.status == "finished"))
                if start <= a.finished_at < end and a.recorded_at < seen]
            if mine:
                best[account.id] = min(mine, key=lambda a: key(a, truth))
        return best, truth, provisional


def run_for(world, round_, now):
    published = ranking.current_published(world.contest.id, round_.id if round_ else None,
                                          "individual")
    if published is not None:
        return published
    with at(now):
        run = ranking.compute(world.contest, round_, "individual", MANY, None, now)
        db.session.commit()
    return run


def check_surfaces(world: World, now: dt.datetime) -> None:
    client = support.browser(world.app)
    admin_client = support.browser(world.app)
    for round_ in [None, world.week1, world.week2]:
        check_round(world, round_, now, client, admin_client)
    check_certificates(world, now, client)
    check_participants_list(world, now, admin_client)


def check_round(world: World, round_, now: dt.datetime, client, admin_client) -> None:
    """One ranking (None: the whole contest) on every surface that shows it."""
    people = world.people
    best, truth, provisional = world.expected(round_, now)
    label = round_.name if round_ else "Toàn cuộc thi"
    # Ranking rows: the oracle's attempt for everyone the prize rules let in.
    run = run_for(world, round_, now)
    assert run.truth_value == truth, label
    entries = {e.account_id: e.attempt_id for e in run.entries}
    assert not {a.id for a in world.staff} & set(entries)
    assert entries == {a: best[a].id for a in entries}, label
    if round_ is not world.week2:
        assert set(entries) == set(best), label
    # /ket-qua: the same attempt and figure, provisional exactly when unpublished.
    for account in people:
        with at(now):
            factories.sign_in(client, account)
            lines = standing_lines(client.get("/ket-qua").get_data(as_text=True))
        if account.id not in best:
            assert label not in lines
            continue
        line = lines[label]
        assert f"lượt số {best[account.id].number} " in line, (label, line)
        assert re.search(r"con số ([\d.]+) ", line).group(1).replace(".", "") == str(truth)
        assert ("tạm tính" in line) == provisional, line
    # The winners XLSX (the office's download) lists the oracle's attempts.
    with at(now):
        factories.sign_in(admin_client, world.admin)
        book = load_workbook(io.BytesIO(admin_client.get(
            f"/quan-tri/xep-hang/{run.id}/danh-sach-dat-giai.xlsx").data))
    by_name = {a.full_name: a for a in people}
    for row in book.active.iter_rows(min_row=5, values_only=True):
        attempt = best[by_name[row[2]].id]
        assert (row[6], row[8]) == (attempt.score, attempt.duration_seconds)
        assert row[9] == to_local(attempt.finished_at).replace(tzinfo=None)
        gap = abs(attempt.prediction - truth) if attempt.prediction is not None else None
        assert row[7] == gap
    if not provisional:
        check_prizes_page(client, run, best, truth, now)


def check_prizes_page(client, run, best, truth, now: dt.datetime) -> None:
    """/giai-thuong: published rankings only, with their figure and the same people."""
    with at(now):
        html = client.get("/giai-thuong").get_data(as_text=True)
    title = ranking.run_title(run)
    section = html.split(f"<h2>{title}</h2>", 1)[1].split("</section>", 1)[0]
    assert f"<strong>{truth}</strong>" in section
    shown = re.findall(r"<li><strong>[^<]+</strong> ([^<]+?) — [^<]+<small>(\d+) câu",
                       section)
    winners = [e for e in run.entries if e.prize]
    assert shown == [(mask_name(db.session.get(Account, e.account_id).full_name),
                      str(best[e.account_id].score)) for e in winners]


def check_certificates(world: World, now: dt.datetime, client) -> None:
    """The certificate: the whole contest's attempt, provisional until it is published."""
    contest, people = world.contest, world.people
    best, truth, provisional = world.expected(None, now)
    for account in people:
        attempts = db.session.scalars(select(Attempt).where(
            Attempt.account_id == account.id)).all()
        with at(now):
            named = certificates.counting_attempt(contest, account.id, now)
            other = next((a for a in attempts if a.id != best[account.id].id), None)
            if other is not None:
                factories.sign_in(client, account)
                moved = client.get(f"/chung-nhan/{other.id}.pdf")
                assert moved.location.endswith(f"/chung-nhan/{best[account.id].id}.pdf")
        assert named.id == best[account.id].id
    certificate = certificates.issue(contest, best[people[0].id], now)
    fields = certificates.printed_fields(certificate, "http://localhost")
    assert bool(fields["provisional_note"]) == provisional
    db.session.rollback()


def check_participants_list(world: World, now: dt.datetime, admin_client) -> None:
    """The unit's participants list: the same attempt number; staff never counted."""
    best, _truth, _provisional = world.expected(None, now)
    clerk = factories.make_official(Role.CLERK, unit_name=UNIT)
    with at(now):
        factories.sign_in(admin_client, clerk)
        csrf = support.token(admin_client, "/quan-tri/xuat")
        response = admin_client.post("/quan-tri/xuat/thi-sinh.xlsx",
                                     data={"csrf_token": csrf, "luc": ""})
    sheet = load_workbook(io.BytesIO(response.data)).active
    headers = [c.value for c in sheet[4]]
    column = headers.index("Lượt được tính")
    listed = {row[1]: row[column] for row in sheet.iter_rows(min_row=5, values_only=True)}
    for account in world.people:
        expected = best[account.id].number if account.id in best else None
        assert listed[account.full_name] == expected, account.full_name
    for account in world.staff:
        assert listed.get(account.full_name) is None


@pytest.mark.parametrize("seed", [3, 17, 2026])
def test_every_surface_names_the_same_attempt_and_true_figure(app, seed):
    world = World(app, seed)
    world.add_staff()
    world.register(7, OPENS - dt.timedelta(hours=2))
    world.play(world.people, [OPENS + DAY, OPENS + 2 * DAY])
    published_at = world.week1.ends_at + dt.timedelta(hours=1)
    with at(published_at):
        run1 = ranking.compute(world.contest, world.week1, "individual",
                               {"nhat": 1, "nhi": 1, "ba": 0, "kk": 0}, None, published_at)
        ranking.publish(run1, None, published_at)
        db.session.commit()
    before = len(world.people)
    world.register(3, world.week2.starts_at + dt.timedelta(hours=12))  # late registrations
    world.late = {a.id for a in world.people[before:]}
    week2_moments = [world.week2.starts_at + DAY, world.week2.starts_at + 2 * DAY]
    world.play(world.people[before:] + world.rng.sample(world.people[:before], 4), week2_moments)
    world.paper(world.week2.starts_at + 3 * DAY)

    check_surfaces(world, world.week2.starts_at + 4 * DAY)  # during round 2

    closed = world.contest.closes_at + dt.timedelta(hours=2)
    for round_ in (world.week2, None):
        with at(closed):
            run = ranking.compute(world.contest, round_, "individual", MANY, None, closed)
            ranking.publish(run, None, closed)
            db.session.commit()
    check_surfaces(world, closed + dt.timedelta(hours=1))
