"""Bulk-load a city-scale contest into PostgreSQL for the dashboard benchmark.

    .venv/bin/python bench/bulk_seed.py --participants 3000000
    .venv/bin/python bench/bulk_seed.py --participants 100000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/cdso_bench_figures

Everything is generated inside PostgreSQL (INSERT … SELECT over generate_series), not
row by row in Python: accounts, registrations spread unevenly over the 114 units and
their organisations, about 60% finishing with 1–3 attempts (≈ one attempt per
participant), 20 attempt_question rows per attempt, then the hourly figure buckets
rebuilt through cdso.services.figures.stats. The database is dropped and created again: never
point this at a database you need (the default is `cdso_bench_figures`).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cdso_bench_figures"
BENCH_PASSWORD = "bench-mat-khau-2025"
GENERATED = ("account", "registration", "attempt", "attempt_question")


def recreate_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.database in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"Không dùng cơ sở dữ liệu «{parsed.database}» cho benchmark.")
    with psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                         password=parsed.password, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def step(label: str):
    started = time.perf_counter()
    print(f"… {label}", flush=True)
    return lambda: print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def prepare(app) -> int:
    """Schema, units, question bank, the demo contest and 4 organisations per unit."""
    from flask_migrate import upgrade

    from cdso.extensions import db
    from cdso.services.bank import rows as bank_import
    from cdso.services import demo
    from cdso.services.units import catalogue as units

    upgrade(directory=app.extensions["migrate"].directory)
    units.load_units()
    report = bank_import.parse_rows(bank_import.shipped_bank_rows(), create_topics=True)
    bank_import.import_questions(report)
    contest = demo.create_demo_contest()
    demo.ensure_demo_organisations()
    db.session.commit()
    return contest.id


def helper_tables(session, seed: int) -> None:
    """Unit slots weighted like the real contest (a few large units, a long tail), the
    organisations of each unit, and each question with its choices."""
    rng = random.Random(seed)
    unit_ids = [row[0] for row in session.execute(text("SELECT id FROM unit ORDER BY code"))]
    weights = [rng.paretovariate(1.6) for _ in unit_ids]
    total = sum(weights)
    slots: list[int] = []
    for unit_id, weight in zip(unit_ids, weights, strict=True):
        slots += [unit_id] * max(1, round(weight / total * 1000))
    session.execute(text("CREATE UNLOGGED TABLE bench_slot (slot int PRIMARY KEY, unit_id int)"))
    session.execute(text("INSERT INTO bench_slot VALUES (:slot, :unit_id)"),
                    [{"slot": i, "unit_id": u} for i, u in enumerate(slots)])
    session.execute(text("""
        CREATE UNLOGGED TABLE bench_org AS
        SELECT unit_id, (row_number() OVER (PARTITION BY unit_id ORDER BY id) - 1)::int AS k,
               id AS org_id FROM organisation"""))
    session.execute(text("""
        CREATE UNLOGGED TABLE bench_q AS
        SELECT (row_number() OVER (ORDER BY q.id) - 1)::int AS idx, q.id AS question_id,
               string_agg(c.id::text, ',' ORDER BY c.position) AS choice_order,
               min(c.id) FILTER (WHERE c.is_correct) AS right_choice,
               min(c.id) FILTER (WHERE NOT c.is_correct) AS wrong_choice
        FROM question q JOIN choice c ON c.question_id = q.id
        WHERE q.status = 'active' GROUP BY q.id"""))
    return len(slots)


PEOPLE = """
CREATE UNLOGGED TABLE bench_person AS
WITH base AS (
  SELECT g AS n, floor(random() * :slots)::int AS slot, floor(random() * 4)::int AS k,
         random() AS r_org, random() AS r_created, random() AS r_finish, random() AS r_delay,
         random() AS r_att, floor(random() * 4)::int AS grp, random() AS r_score
  FROM generate_series(1, :n) g)
SELECT b.n, :offset + b.n AS id, s.unit_id,
       CASE WHEN b.r_org < 0.7 THEN o.org_id END AS org_id,
       (ARRAY['can_bo','hoc_sinh','nguoi_dan','doanh_nghiep'])[b.grp + 1] AS grp,
       CAST(:opens AS timestamp) + make_interval(secs => :span * power(b.r_created, 0.8))
         AS created_at,
       b.r_finish, b.r_delay, b.r_score,
       CASE WHEN b.r_att < 0.36 THEN 1 WHEN b.r_att < 0.76 THEN 2 ELSE 3 END AS tries
FROM base b JOIN bench_slot s ON s.slot = b.slot
LEFT JOIN bench_org o ON o.unit_id = s.unit_id AND o.k = b.k
"""

ACCOUNTS = """
INSERT INTO account (id, login, role, full_name, birth_date, gender, phone, password_hash,
                     unit_id, must_change_password, is_active_account, is_organiser,
                     consent_at, consent_version, created_at, session_version)
SELECT p.id, '0' || (300000000 + p.n)::text, 'participant',
       (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Vũ','Đặng','Bùi','Đỗ','Ngô','Phan'])[1 + p.n % 11]
       || ' ' || (ARRAY['Văn','Thị','Minh','Đức','Thu','Ngọc','Hữu','Thanh','Quang'])[1 + (p.n / 11) % 9]
       || ' ' || (ARRAY['An','Bình','Châu','Dũng','Giang','Hà','Hải','Hoa','Hùng','Lan','Linh',
                        'Long','Mai','Nam','Phương','Quân','Sơn','Thảo','Trang','Tuấn','Yến'])[1 + (p.n / 99) % 21],
       DATE '1950-01-01' + (p.n::bigint * 7919 % 21000)::int, CASE WHEN p.n % 2 = 0 THEN 'nam' ELSE 'nu' END,
       '0' || (300000000 + p.n)::text, '!synthetic', p.unit_id, false, true, false,
       p.created_at, 'bench', p.created_at, 1
FROM bench_person p
"""

REGISTRATIONS = """
INSERT INTO registration (id, contest_id, account_id, unit_id, organisation_id, "group",
                          created_at, first_finished_at)
SELECT p.id, :contest, p.id, p.unit_id, p.org_id, p.grp, p.created_at,
       CASE WHEN p.r_finish < 0.6 AND p.created_at + make_interval(mins => 5 + (p.r_delay * 1435)::int) < :now
            THEN p.created_at + make_interval(mins => 5 + (p.r_delay * 1435)::int) END
FROM bench_person p
"""

ATTEMPTS = """
INSERT INTO attempt (contest_id, registration_id, account_id, number, status, started_at,
                     deadline, finished_at, recorded_at, finished_by, question_count, score,
                     duration_seconds, prediction, source)
SELECT :contest, r.id, r.account_id, t.k, 'finished', f.at - make_interval(secs => f.secs),
       f.at - make_interval(secs => f.secs) + interval '20 minutes', f.at, f.at, 'participant',
       20, least(20, 6 + floor(p.r_score * 12)::int + t.k), f.secs,
       50000 + (p.n * 37 % 150000), 'online'
FROM registration r
JOIN bench_person p ON p.id = r.id
CROSS JOIN LATERAL generate_series(1, p.tries) AS t(k)
CROSS JOIN LATERAL (SELECT r.first_finished_at + make_interval(hours => (t.k - 1) * (3 + p.n % 40)) AS at,
                           120 + (p.n * 13 + t.k * 101) % 1080 AS secs) f
WHERE r.contest_id = :contest AND r.first_finished_at IS NOT NULL AND f.at < :now
ORDER BY r.id, t.k
"""

ANSWERS = """
INSERT INTO attempt_question (attempt_id, position, question_id, choice_order,
                              chosen_choice_id, answered_at, is_correct)
SELECT a.id, pos, q.question_id, q.choice_order,
       CASE WHEN pos <= a.score THEN q.right_choice ELSE q.wrong_choice END,
       a.started_at + make_interval(secs => pos * 20), pos <= a.score
FROM attempt a CROSS JOIN generate_series(1, 20) AS pos
JOIN bench_q q ON q.idx = (a.id * 7 + pos * 13) % :questions
WHERE a.id BETWEEN :low AND :high
"""

SECONDARY_KEYS = """
SELECT c.conrelid::regclass::text, 'constraint', c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(:tables)
UNION ALL
SELECT i.tablename, 'index', i.indexname, i.indexdef
FROM pg_indexes i
WHERE i.schemaname = 'public' AND i.tablename = ANY(:tables)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
"""


def drop_secondary_keys(session) -> list[tuple[str, str, str, str]]:
    """Unique constraints and indexes (not primary keys, which foreign keys need) of the
    generated tables: dropped before the load and built once after it, far faster than
    maintained row by row. Returns what to build again."""
    keys = session.execute(text(SECONDARY_KEYS), {"tables": list(GENERATED)}).all()
    for table, kind, name, _definition in keys:
        if kind == "constraint":
            session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        else:
            session.execute(text(f'DROP INDEX "{name}"'))
    return keys


def build_secondary_keys(session, keys) -> None:
    for table, kind, name, definition in keys:
        if kind == "constraint":
            session.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        else:
            session.execute(text(definition))
        session.commit()


def officials(session, contest_id: int) -> None:
    """A city administrator, the clerk and a team member of the largest unit, and the
    reporter of its largest organisation, for the timed requests."""
    from cdso.extensions import db
    from cdso.formatting import utcnow
    from cdso.models import Account, Role

    unit_id, org_id = session.execute(text("""
        SELECT unit_id, organisation_id FROM registration
        WHERE contest_id = :c AND organisation_id IS NOT NULL
        GROUP BY unit_id, organisation_id ORDER BY count(*) DESC LIMIT 1"""),
        {"c": contest_id}).one()
    for login, role, unit, org in (("bench.admin", Role.ADMIN, None, None),
                                   ("bench.clerk", Role.CLERK, unit_id, None),
                                   ("bench.team", Role.TEAM_MEMBER, unit_id, None),
                                   ("bench.reporter", Role.REPORTER, unit_id, org_id)):
        account = Account(login=login, role=role.value, full_name=f"Cán bộ {login}",
                          unit_id=unit, organisation_id=org, created_at=utcnow(),
                          is_organiser=True)
        account.set_password(BENCH_PASSWORD)
        db.session.add(account)
    db.session.flush()
    team_id = session.execute(text("SELECT id FROM account WHERE login = 'bench.team'")).scalar()
    session.execute(text("UPDATE registration SET assisted_by_id = :t WHERE unit_id = :u "
                         "AND id % 40 = 0"), {"t": team_id, "u": unit_id})


def configure_session(session, seed: int) -> None:
    """A bulk load: no waiting for the disk at each commit, room to sort, a fixed seed."""
    session.execute(text("SET synchronous_commit = off"))
    session.execute(text("SET work_mem = '256MB'"))
    session.execute(text("SET maintenance_work_mem = '1GB'"))
    session.execute(text(f"SELECT setseed({(seed % 1000) / 1000})"))


def insert_answers(session, skip: bool) -> None:
    """The 20 answer rows of every attempt, half a million attempts per commit."""
    low, high = session.execute(text("SELECT min(id), max(id) FROM attempt")).one()
    questions = session.execute(text("SELECT count(*) FROM bench_q")).scalar()
    done = step(f"answers (20 × {high - low + 1:,} attempts)")
    chunk = 500_000
    for start in range(low, high + 1 if not skip else low, chunk):
        session.execute(text(ANSWERS), {"low": start, "high": start + chunk - 1,
                                        "questions": questions})
        session.commit()
        print(f"    attempts up to {min(start + chunk - 1, high):,}", flush=True)
    done()


def restore_tables(session, keys) -> None:
    """The keys and indexes dropped for the load, the triggers, the id sequences; the
    helper tables dropped."""
    done = step(f"{len(keys)} unique keys and indexes")
    build_secondary_keys(session, keys)
    done()
    for table in GENERATED:
        session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER ALL"))
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT max(id) FROM {table}))"))
    for table in ("bench_person", "bench_slot", "bench_org", "bench_q"):
        session.execute(text(f"DROP TABLE {table}"))


def vacuum_analyze(database_url: str) -> None:
    done = step("vacuum analyze")
    parsed = make_url(database_url)
    with psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                         password=parsed.password, dbname=parsed.database,
                         autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    done()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=3_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-answers", action="store_true",
                        help="skip the 20 answer rows per attempt (benches that never read them)")
    args = parser.parse_args()

    from cdso import create_app
    from cdso.extensions import db
    from cdso.formatting import utcnow
    from cdso.models import Contest
    from cdso.services.figures import stats

    started = time.perf_counter()
    done = step("database and reference data")
    recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "REDIS_URL": ""})
    with app.app_context():
        contest_id = prepare(app)
        contest = db.session.get(Contest, contest_id)
        opens, now = contest.opens_at, utcnow()
        span = (min(now, contest.closes_at) - opens).total_seconds()
        session = db.session
        configure_session(session, args.seed)
        slots = helper_tables(session, args.seed)
        offset = session.execute(text("SELECT coalesce(max(id), 0) FROM account")).scalar()
        for table in GENERATED:  # consistent by construction: skip per-row FK triggers
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER ALL"))
        keys = drop_secondary_keys(session)
        session.commit()
        done()
        params = {"n": args.participants, "slots": slots, "offset": offset, "opens": opens,
                  "span": span, "contest": contest_id, "now": now}
        for label, sql in (("people", PEOPLE), ("accounts", ACCOUNTS),
                           ("registrations", REGISTRATIONS), ("attempts", ATTEMPTS)):
            done = step(label)
            session.execute(text(sql), params)
            done()
        insert_answers(session, skip=args.no_answers)
        restore_tables(session, keys)
        officials(session, contest_id)
        done = step("figure buckets")
        stats.rebuild_buckets(contest_id)
        session.commit()
        done()
        counts = {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("registration", "attempt", "attempt_question", "figure_bucket")}
        db.session.remove()
        db.engine.dispose()
    vacuum_analyze(args.database_url)
    print(", ".join(f"{t}: {c:,}" for t, c in counts.items()))
    print(f"Total {time.perf_counter() - started:.0f} s. Officials: bench.admin, bench.clerk, "
          f"bench.reporter, bench.team / {BENCH_PASSWORD}")


if __name__ == "__main__":
    main()
