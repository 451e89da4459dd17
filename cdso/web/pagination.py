"""The one pagination: `?trang=N` read the same way everywhere, a page fetched as one more
row than it shows (so "Trang sau" needs no count), and one pager in
templates/macros/pager.html."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request

from cdso.extensions import db

MAX_PAGE = 10_000


def page_number(raw: str | None = None) -> int:
    """The page asked for in `?trang=`; anything odd means page 1."""
    raw = request.args.get("trang", "1") if raw is None else raw
    return int(raw) if raw.isdigit() and 0 < int(raw) < MAX_PAGE else 1


@dataclass
class Page:
    items: list[Any]
    number: int
    has_next: bool
    size: int
    total: int | None = None  # known only when the whole list was at hand
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max((self.total + self.size - 1) // self.size, 1)


def paginate(query, number: int, size: int, *, scalars: bool = True) -> Page:
    """One page of a SELECT: `size` rows from page `number` on, plus one to know if more follow."""
    number = max(1, number)
    statement = query.offset((number - 1) * size).limit(size + 1)
    rows = list(db.session.scalars(statement) if scalars else db.session.execute(statement))
    return Page(rows[:size], number, len(rows) > size, size)


def paginate_list(items: list, number: int, size: int) -> Page:
    """One page of a list already at hand; a page past the end shows the last one."""
    total = len(items)
    last = max((total + size - 1) // size, 1)
    number = min(max(1, number), last)
    start = (number - 1) * size
    return Page(items[start:start + size], number, number < last, size, total)
