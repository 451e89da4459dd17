"""Knowledge gaps in the documents (issue 22): the figures by topic a snapshot keeps (plain
data, so an issued document reads the same for ever), the "Chủ đề cần tăng cường" phrase
of a unit's dispatch and report, and the city report's appendix by topic."""
from __future__ import annotations

import datetime as dt

from cdso.formatting import number, percent
from cdso.models import Unit
from cdso.services.figures import gaps
from cdso.services.figures.topics import Cell


def _counts(cell: Cell | None) -> list[int]:
    cell = cell or Cell()
    return [cell.answered, cell.correct, cell.people]


def unit_topics(contest_id: int, unit: Unit, as_of: dt.datetime) -> list[dict]:
    data = gaps.unit_gaps(contest_id, unit, as_of)
    return [{"name": t.name, "own": _counts(data.own.get(t.id)),
             "city": _counts(data.city.get(t.id))} for t in data.topics]


def city_topics(contest_id: int, as_of: dt.datetime) -> list[dict]:
    """Each topic city-wide, with the unit of lowest share among those with at least
    gaps.MIN_PEOPLE people in it."""
    grid = gaps.city_grid(contest_id, as_of)
    rows = gaps.unit_rows(grid)
    out = []
    for topic in grid.topics:
        counted = [r for r in rows if r.cells[topic.id].people >= gaps.MIN_PEOPLE
                   and r.cells[topic.id].answered]
        lowest = min(counted, key=lambda r: (r.cells[topic.id].rate, r.name), default=None)
        out.append({"name": topic.name, "city": _counts(grid.city.get(topic.id)),
                    "lowest": None if lowest is None else
                    [lowest.name, _counts(lowest.cells[topic.id])]})
    return out


def _cell(counts: list[int]) -> Cell:
    return Cell(*counts)


def weakest(topics: list[dict] | None, count: int = gaps.WEAKEST) -> list[dict]:
    """The unit's topics furthest below the city, from a snapshot's plain data."""
    rows = [t for t in topics or [] if t["own"][0]]

    def gap(t):
        return (_cell(t["own"]).rate or 0) - (_cell(t["city"]).rate or 0)
    return sorted(rows, key=lambda t: (gap(t), _cell(t["own"]).rate or 0))[:count]


def weakest_phrase(topics: list[dict] | None) -> str:
    """"An toàn thông tin (đúng 42,5%, toàn thành phố 71,3%); …", or "" without data."""
    parts = []
    for t in weakest(topics):
        own, city = _cell(t["own"]), _cell(t["city"])
        parts.append(f"{t['name']} (trả lời đúng {percent(own.rate)}, toàn thành phố "
                     f"{percent(city.rate)})")
    return "; ".join(parts)


def city_appendix(snapshot: dict) -> dict | None:
    """The city report's appendix by topic, or None when no answer is counted yet."""
    topics = snapshot.get("topics") or []
    if not any(t["city"][0] for t in topics):
        return None
    rows = []
    for i, t in enumerate(topics, 1):
        city = _cell(t["city"])
        lowest = t.get("lowest")
        lowest_text = "" if lowest is None else \
            f"{lowest[0]} ({percent(_cell(lowest[1]).rate)})"
        rows.append([number(i), t["name"], number(city.answered), number(city.people),
                     percent(city.rate), lowest_text])
    return {
        "columns": ["STT", "Chủ đề", "Câu trả lời", "Số người", "Tỷ lệ đúng",
                    "Đơn vị thấp nhất"],
        "rows": rows, "numeric_columns": [2, 3, 4], "widths": [7, 30, 15, 13, 13, 22],
        "note": "Ghi chú: Tỷ lệ đúng là số câu trả lời đúng chia cho số câu đã trả lời trong "
                "các bài thi trực tuyến đã nộp. Đơn vị thấp nhất được chọn trong các xã, "
                f"phường, đặc khu có từ {number(gaps.MIN_PEOPLE)} người trả lời chủ đề trở lên.",
    }
