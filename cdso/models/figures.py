"""Counts kept on write, by hour and by minute, so any figure "as of" a moment is a
small sum."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cdso.extensions import db


COUNT_COLUMNS = ["registered", "finished", "attempts", "imported_attempts"]


class _Counts:
    """What a bucket keeps: registrations, first finishes and attempts (imported ones also
    apart), per contest, unit, organisation (0 = none) and group."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    organisation_id: Mapped[int] = mapped_column(default=0)
    group: Mapped[str] = mapped_column(String(20))
    registered: Mapped[int] = mapped_column(default=0)
    finished: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    imported_attempts: Mapped[int] = mapped_column(default=0)


class FigureBucket(_Counts, db.Model):
    """The counts recorded in one hour."""

    __table_args__ = (
        UniqueConstraint("contest_id", "hour", "unit_id", "organisation_id", "group"),
        Index("ix_bucket_contest_unit", "contest_id", "unit_id"),
        # Index-only reads of a unit's buckets and of the city's buckets of one day.
        Index("ix_bucket_unit_hour", "contest_id", "unit_id", "hour",
              postgresql_include=["organisation_id", "group", *COUNT_COLUMNS]),
        Index("ix_bucket_hour", "contest_id", "hour",
              postgresql_include=["unit_id", "group", *COUNT_COLUMNS]),
    )

    hour: Mapped[dt.datetime]  # start of the hour, naive UTC


class FigureMinute(_Counts, db.Model):
    """The counts recorded in one minute: a figure as of a moment inside an hour adds
    those of the hour's whole minutes instead of counting the hour's rows in the source
    tables."""

    __table_args__ = (
        UniqueConstraint("contest_id", "minute", "unit_id", "organisation_id", "group",
                         name="uq_figure_minute_key"),
        Index("ix_minute_unit", "contest_id", "unit_id", "minute",
              postgresql_include=["organisation_id", "group", *COUNT_COLUMNS]),
        Index("ix_minute_city", "contest_id", "minute",
              postgresql_include=["unit_id", "organisation_id", "group", *COUNT_COLUMNS]),
    )

    minute: Mapped[dt.datetime]  # start of the minute, naive UTC
