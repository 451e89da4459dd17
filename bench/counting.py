"""What the attempt-that-counts rule (cdso.services.contest.counting) costs on a seeded
PostgreSQL database (bench/bulk_seed.py), everything inside a transaction rolled back:

    .venv/bin/python bench/bulk_seed.py --participants 300000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/cdso_bench_rules
    .venv/bin/python bench/counting.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/cdso_bench_rules

Measures: one person's standings as /ket-qua reads them (the whole contest and a round),
the whole-contest and first-week individual rankings, and the participants list of the
largest unit with its "Lượt được tính" column.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(label: str, action, runs: int) -> None:
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        spent.append((time.perf_counter() - start) * 1000)
    print(f"| {label} | {statistics.median(spent):.1f} | {max(spent):.1f} | {runs} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--people", type=int, default=50)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    from sqlalchemy import func, select

    from cdso import create_app
    from cdso.extensions import db
    from cdso.models import Account, Attempt, Contest, Registration, Role
    from cdso.services.contest import counting, ranking
    from cdso.services.exports import files

    app = create_app()
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.is_current.is_(True)))
        now = contest.closes_at
        week1 = contest.rounds[0]
        people = db.session.scalars(select(Attempt.account_id).where(
            Attempt.contest_id == contest.id).group_by(Attempt.account_id)
            .having(func.count() > 1).limit(args.people)).all()
        counting.truth_for(contest, None, now)  # warm the figures
        print("| measure | median ms | max ms | runs |\n|---|---:|---:|---:|")
        queue = iter(people * 3)
        timed("/ket-qua standings of one person (whole contest + week 1)",
              lambda: [counting.standing(contest, next(queue), r, now)
                       for r in (None, week1)], len(people))
        timed("individual ranking, whole contest (39 rows)",
              lambda: ranking._individual_rows(contest, None, 5, contest.opens_at,
                                               contest.closes_at, 39), 3)
        timed("individual ranking, week 1 (39 rows)",
              lambda: ranking._individual_rows(contest, week1, 5, week1.starts_at,
                                               week1.ends_at, 39), 3)
        unit_id = db.session.scalar(select(Registration.unit_id).where(
            Registration.contest_id == contest.id).group_by(Registration.unit_id)
            .order_by(func.count().desc()).limit(1))
        admin = db.session.scalar(select(Account).where(Account.role == Role.ADMIN.value)) \
            or Account(role=Role.ADMIN.value, unit_id=None, organisation_id=None)
        size = db.session.scalar(select(func.count()).where(
            Registration.contest_id == contest.id, Registration.unit_id == unit_id))
        timed(f"participants list of the largest unit ({size:,} people) with the counting "
              "attempt", lambda: sum(1 for _ in files.participants_rows(
                  admin, contest.id, now, unit_id)), 3)
        db.session.rollback()


if __name__ == "__main__":
    main()
