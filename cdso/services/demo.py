"""The demo contest and synthetic participants, for a newcomer's first run and benchmarks."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from cdso.extensions import db
from cdso.clock import local_midnight
from cdso.formatting import utcnow
from cdso.models import (Account, Attempt, Contest, Group, Organisation, Registration, Role,
                         Round, Topic, TopicQuota, Unit)
from cdso.services.figures import stats
from cdso.services.units import population
from cdso.services.units.catalogue import tone_key

RULES_TEXT = """1. Đối tượng: cán bộ, công chức, viên chức, học sinh, sinh viên và Nhân dân đang sinh sống, làm việc trên địa bàn thành phố Hải Phòng.
2. Mỗi người đăng ký một tài khoản bằng số điện thoại di động và chọn đúng xã, phường, đặc khu nơi mình sinh sống hoặc làm việc.
3. Mỗi lượt thi gồm các câu hỏi trắc nghiệm chọn ngẫu nhiên từ ngân hàng câu hỏi và một câu hỏi dự đoán. Mỗi câu hỏi trắc nghiệm có một đáp án đúng.
4. Thời gian làm bài được tính từ lúc bắt đầu; hết giờ, bài thi tự động được nộp với các câu đã trả lời.
5. Xếp hạng cá nhân: điểm cao hơn; nếu bằng điểm thì dự đoán gần đúng hơn; rồi thời gian làm bài ngắn hơn; rồi nộp bài sớm hơn. Lượt thi có kết quả cao nhất của mỗi người được tính.
6. Giải tập thể dành cho các xã, phường, đặc khu có tỷ lệ người dân hoàn thành bài thi cao nhất."""

DEMO_ORGS = [("Tổ dân phố số 1", "to_dan_pho"), ("Tổ dân phố số 2", "to_dan_pho"),
             ("Trường THCS", "truong_hoc"), ("UBND", "co_quan")]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Phan"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thu", "Ngọc", "Hữu", "Thanh", "Quang"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh",
         "Long", "Mai", "Nam", "Phương", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Yến"]


def create_demo_contest(now: dt.datetime | None = None, opens_at: dt.datetime | None = None,
                        days: int = 31) -> Contest:
    """A contest open for `days` days with weekly rounds; by default it opened at midnight
    (Vietnam time) ten days ago."""
    now = now or utcnow()
    today_local = local_midnight(now)
    opens = opens_at or today_local - dt.timedelta(days=10)
    closes = opens + dt.timedelta(days=days)
    contest = Contest(
        slug=f"cdso-{opens.year}", name="Công dân số Hải Phòng - sử dụng thông minh, sống an toàn",
        organiser="Sở Khoa học và Công nghệ", parent_agency="UBND thành phố Hải Phòng",
        opens_at=opens, closes_at=closes, is_current=True, questions_per_attempt=20,
        time_limit_minutes=20, attempts_allowed=3, pass_mark=16,
        prediction_question="Theo bạn, khi Cuộc thi kết thúc sẽ có bao nhiêu thí sinh đăng ký "
                            "tham gia?",
        prediction_rule="registered_at_close", rules_text=RULES_TEXT,
        contact_name="Trần Thị Phượng - Trưởng phòng Tư liệu và Thống kê",
        contact_phone="0982103591", signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signer_name="Vũ Đại Thắng", certificate_kind="participation", updated_at=now,
    )
    db.session.add(contest)
    db.session.flush()
    start = opens
    week = 1
    while start < closes:
        end = min(start + dt.timedelta(days=7), closes)
        db.session.add(Round(contest_id=contest.id, name=f"Tuần {week}", starts_at=start,
                             ends_at=end))
        start, week = end, week + 1
    set_even_quotas(contest)
    return contest


def set_even_quotas(contest: Contest) -> None:
    """Spread the questions of an attempt evenly over the topics."""
    topics = list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))
    if not topics:
        return
    base, extra = divmod(contest.questions_per_attempt, len(topics))
    for index, topic in enumerate(topics):
        db.session.add(TopicQuota(contest_id=contest.id, topic_id=topic.id,
                                  count=base + (1 if index < extra else 0)))
    db.session.flush()


def ensure_demo_organisations() -> None:
    now = utcnow()
    for unit in db.session.scalars(select(Unit)):
        if unit.organisations:
            continue
        for name, kind in DEMO_ORGS:
            full = f"{name} {unit.short_name}" if kind != "to_dan_pho" else name
            db.session.add(Organisation(unit_id=unit.id, name=full, name_key=tone_key(full),
                                        kind=kind, created_at=now))
    db.session.flush()


def seed_participants(contest: Contest, count: int, seed: int = 2025,
                      batch: int = 5000) -> int:
    """Synthetic participants spread over units (unevenly, like the real contest) and
    over the days since opening; about 60% finish. Bulk inserts; buckets rebuilt after.
    Synthetic accounts cannot log in (their password hash matches no password)."""
    rng = random.Random(seed)
    now = utcnow()
    units = list(db.session.scalars(select(Unit)))
    orgs: dict[int, list[int]] = {}
    for org_id, unit_id in db.session.execute(select(Organisation.id, Organisation.unit_id)):
        orgs.setdefault(unit_id, []).append(org_id)
    weights = [rng.paretovariate(1.6) for _ in units]
    groups = [g.value for g in Group]
    span = max((min(now, contest.closes_at) - contest.opens_at).total_seconds(), 3600)
    start_id = (db.session.scalar(select(func.max(Account.id))) or 0) + 1
    phone_base = 300000000 + (db.session.scalar(select(func.count(Account.id))) or 0)
    made = 0
    while made < count:
        size = min(batch, count - made)
        accounts, registrations, attempts = [], [], []
        for i in range(size):
            n = made + i
            person = _synthetic_person(rng, contest, start_id + n, f"0{phone_base + n}", units,
                                       weights, orgs, groups, span, now)
            accounts.append(person[0])
            registrations.append(person[1])
            if person[2]:
                attempts.append(person[2])
        db.session.execute(insert(Account), accounts)
        db.session.execute(insert(Registration), registrations)
        if attempts:
            db.session.execute(insert(Attempt), attempts)
        made += size
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        for table in ("account", "registration"):
            db.session.execute(db.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"))
    stats.rebuild_buckets(contest.id)
    set_demo_population(contest, rng)
    return made


def _synthetic_person(rng: random.Random, contest: Contest, account_id: int, phone: str,
                      units, weights, orgs, groups, span: float, now: dt.datetime):
    """One synthetic participant: (account row, registration row, attempt row or None)."""
    unit = rng.choices(units, weights)[0]
    created = contest.opens_at + dt.timedelta(seconds=span * rng.random() ** 0.8)
    org_list = orgs.get(unit.id, [])
    account = dict(
        id=account_id, login=phone, role=Role.PARTICIPANT.value,
        full_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
        birth_date=dt.date(rng.randint(1950, 2008), rng.randint(1, 12), rng.randint(1, 28)),
        gender=rng.choice(["nam", "nu"]), phone=phone,
        password_hash="!synthetic", unit_id=unit.id, created_at=created,
        consent_at=created, consent_version="demo", session_version=1,
        must_change_password=False, is_active_account=True, is_organiser=False)
    finished = rng.random() < 0.6
    finish_at = created + dt.timedelta(minutes=rng.randint(5, 60 * 24))
    if finish_at > now:
        finished = False
    registration = dict(
        id=account_id, contest_id=contest.id, account_id=account_id, unit_id=unit.id,
        organisation_id=rng.choice(org_list) if org_list and rng.random() < 0.7 else None,
        group=rng.choice(groups), created_at=created,
        first_finished_at=finish_at if finished else None)
    if not finished:
        return account, registration, None
    score = min(contest.questions_per_attempt,
                int(rng.triangular(5, contest.questions_per_attempt + 1, 16)))
    duration = rng.randint(120, contest.time_limit_minutes * 60)
    started = finish_at - dt.timedelta(seconds=duration)
    attempt = dict(
        contest_id=contest.id, registration_id=account_id, account_id=account_id,
        number=1, status="finished", started_at=started,
        deadline=started + dt.timedelta(minutes=contest.time_limit_minutes),
        finished_at=finish_at, recorded_at=finish_at, finished_by="participant",
        question_count=contest.questions_per_attempt, score=score,
        duration_seconds=duration, prediction=rng.randint(50000, 200000), source="online")
    return account, registration, attempt


# Adults = base + per km², by kind: about 3 million adults over the city's 114 units, as
# in Hải Phòng (4.6 million people); inner-city wards small and dense, communes large.
DEMO_ADULTS = {"phuong": (20_000, 300), "xa": (3_000, 850), "dac_khu": (500, 90)}


def demo_population(unit: Unit, finished: int, rng: random.Random) -> int:
    """A plausible adult population for a unit, never below 125% of those who finished
    (coverage stays under 80%), never above what the population form accepts."""
    base, per_km2 = DEMO_ADULTS.get(unit.kind, DEMO_ADULTS["xa"])
    guess = (base + per_km2 * (unit.area_km2 or 10)) * rng.uniform(0.85, 1.15)
    value = max(int(round(guess, -1)), finished * 5 // 4 + 10)
    return min(value, population.absurd_limit(unit))


def set_demo_population(contest: Contest, rng: random.Random) -> None:
    """Give units without a population a plausible synthetic adult population, marked as
    demo (population_is_demo) until officials type or import the real figure."""
    finished = dict(db.session.execute(
        select(Registration.unit_id, func.count()).where(
            Registration.contest_id == contest.id, Registration.first_finished_at.is_not(None)
        ).group_by(Registration.unit_id)).all())
    for unit in db.session.scalars(select(Unit).where(Unit.adult_population.is_(None))
                                   .order_by(Unit.id)):
        unit.adult_population = demo_population(unit, finished.get(unit.id, 0), rng)
        unit.population_is_demo = True
        unit.population_updated_at = utcnow()
    db.session.flush()
