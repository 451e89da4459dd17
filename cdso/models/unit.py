"""The city's 114 commune-level units and the organisations inside them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdso.extensions import db

UNIT_KIND_LABELS = {"phuong": "phường", "xa": "xã", "dac_khu": "đặc khu"}
ORG_KIND_LABELS = {
    "to_dan_pho": "Tổ dân phố",
    "thon": "Thôn",
    "truong_hoc": "Trường học",
    "co_quan": "Cơ quan",
    "doanh_nghiep": "Doanh nghiệp",
}


class Unit(db.Model):
    """A xã, phường or đặc khu, as in the official list (vietnam-provinces)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # "Phường Việt Hoà"
    short_name: Mapped[str] = mapped_column(String(100))  # "Việt Hoà"
    kind: Mapped[str] = mapped_column(String(10))  # phuong | xa | dac_khu
    name_key: Mapped[str] = mapped_column(String(120), index=True)  # folded short name
    lat: Mapped[float]
    lon: Mapped[float]
    area_km2: Mapped[float | None]
    adult_population: Mapped[int | None]
    population_updated_at: Mapped[dt.datetime | None]
    # made up by `seed-demo` (plausible, not real); cleared when a figure is typed or imported
    population_is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())

    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="unit", order_by="Organisation.name"
    )

    @property
    def kind_label(self) -> str:
        return UNIT_KIND_LABELS[self.kind]

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class Organisation(db.Model):
    """A tổ dân phố/thôn, school, agency or enterprise inside one unit."""

    __table_args__ = (UniqueConstraint("unit_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime]

    unit: Mapped[Unit] = relationship(back_populates="organisations")

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS.get(self.kind, self.kind)
