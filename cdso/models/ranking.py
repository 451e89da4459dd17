"""Computed rankings of a round or a contest, reviewed then published (frozen)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db


class RankingRun(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))  # None: whole contest
    kind: Mapped[str] = mapped_column(String(20))  # individual | unit
    window_start: Mapped[dt.datetime]
    window_end: Mapped[dt.datetime]
    truth_value: Mapped[int | None]  # the true figure for the prediction question
    computed_at: Mapped[dt.datetime]
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    published_at: Mapped[dt.datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    superseded_at: Mapped[dt.datetime | None]

    entries: Mapped[list[RankingEntry]] = relationship(
        back_populates="run", order_by="RankingEntry.place"
    )
    round = relationship("Round")


class RankingEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ranking_run.id"), index=True)
    place: Mapped[int]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    score: Mapped[int | None]
    prediction_gap: Mapped[int | None]
    duration_seconds: Mapped[int | None]
    finished_at: Mapped[dt.datetime | None]
    finished_count: Mapped[int | None]  # unit ranking
    coverage: Mapped[float | None]  # unit ranking
    decided_by: Mapped[str] = mapped_column(String(30), default="")  # the tie-break that placed it
    prize: Mapped[str | None] = mapped_column(String(50))
    # unit ranking: a unit without population excluded from coverage prizes, and why
    excluded_reason: Mapped[str | None] = mapped_column(String(500))

    run: Mapped[RankingRun] = relationship(back_populates="entries")
    account = relationship("Account")
    unit = relationship("Unit")
