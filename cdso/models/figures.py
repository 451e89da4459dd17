"""Counts kept on write, by hour and by minute, so any figure "as of" a moment is a
small sum."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cdso.extensions import db


COUNT_COLUMNS = ["registered", "finished", "attempts", "imported_attempts"]


def bucket_keys(moment: str, kind: str, counts: list[str], *, unique: str | None,
                by_unit: str, by_city: str, city_has_organisation: bool = True) -> tuple:
    """The key and the two index-only reads of a bucket table (figures, topics): one row
    per contest, `moment` (hour or minute), unit, organisation and `kind`; a unit's rows
    by moment (`by_unit`) and the city's rows by moment (`by_city`), counts included."""
    city = ["unit_id", "organisation_id"] if city_has_organisation else ["unit_id"]
    return (
        UniqueConstraint("contest_id", moment, "unit_id", "organisation_id", kind, name=unique),
        Index(by_unit, "contest_id", "unit_id", moment,
              postgresql_include=["organisation_id", kind, *counts]),
        Index(by_city, "contest_id", moment, postgresql_include=[*city, kind, *counts]),
    )


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
        Index("ix_bucket_contest_unit", "contest_id", "unit_id"),
        # Index-only reads of a unit's buckets and of the city's buckets of one day.
        *bucket_keys("hour", "group", COUNT_COLUMNS, unique=None, by_unit="ix_bucket_unit_hour",
                     by_city="ix_bucket_hour", city_has_organisation=False),
    )

    hour: Mapped[dt.datetime]  # start of the hour, naive UTC


class FigureMinute(_Counts, db.Model):
    """The counts recorded in one minute: a figure as of a moment inside an hour adds
    those of the hour's whole minutes instead of counting the hour's rows in the source
    tables."""

    __table_args__ = bucket_keys("minute", "group", COUNT_COLUMNS, unique="uq_figure_minute_key",
                                 by_unit="ix_minute_unit", by_city="ix_minute_city")

    minute: Mapped[dt.datetime]  # start of the minute, naive UTC
