"""The server-side SVG renderers: unit map and daily chart."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from vietnamadminunits.database import query

from cdso.services.documents.svg_chart import DayPoint, render_daily_chart, y_ticks
from cdso.services.documents.svg_map import UNKNOWN_COLOUR, UnitPoint, render_unit_map

NS = {"svg": "http://www.w3.org/2000/svg"}
ARTIFACTS = Path(__file__).parent / "artifacts"


def _kind(name: str) -> str:
    if name.startswith("Phường"):
        return "phuong"
    if name.startswith("Xã"):
        return "xa"
    return "dac_khu"


@pytest.fixture(scope="module")
def units() -> list[UnitPoint]:
    rows = query(
        "select ward, wardLat, wardLon from admin_units "
        "where province like '%Hải Phòng%'"
    )
    rnd = random.Random(20251022)
    out = []
    for i, row in enumerate(rows):
        participants = 0 if i % 23 == 0 else int(rnd.lognormvariate(6.5, 1.0))
        coverage = None if i % 11 == 0 else rnd.random() * 1.05
        out.append(
            UnitPoint(
                code=f"{i:05d}",
                name=row["ward"],
                kind=_kind(row["ward"]),
                lat=row["wardLat"],
                lon=row["wardLon"],
                participants=participants,
                coverage=coverage,
            )
        )
    return out


@pytest.fixture(scope="module")
def map_svg(units: list[UnitPoint]) -> str:
    svg = render_unit_map(units)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "map.svg").write_text(svg, encoding="utf-8")
    return svg


def _unit_circles(root: ET.Element) -> dict[str, ET.Element]:
    """Circles carrying a tooltip, keyed by the unit name of the tooltip."""
    out = {}
    for circle in root.iter(f"{{{NS['svg']}}}circle"):
        title = circle.find("svg:title", NS)
        if title is not None:
            out[title.text.split(":")[0]] = circle
    return out


def _no_inline_style(svg: str) -> None:
    assert "style=" not in svg
    assert "<style" not in svg
    assert not svg.startswith("<?xml")


def _accessible(root: ET.Element) -> None:
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox", ""))
    ids = root.get("aria-labelledby", "").split()
    assert ids
    for ident in ids:
        assert root.find(f".//*[@id='{ident}']") is not None


def test_real_units_loaded(units: list[UnitPoint]) -> None:
    assert len(units) == 114
    assert any("Bạch Long Vĩ" in u.name for u in units)


def test_map_structure(units: list[UnitPoint], map_svg: str) -> None:
    root = ET.fromstring(map_svg)
    _accessible(root)
    _no_inline_style(map_svg)
    circles = _unit_circles(root)
    assert len(circles) == 114
    assert len(map_svg.encode("utf-8")) < 25_000


def test_map_offshore_inset(map_svg: str) -> None:
    root = ET.fromstring(map_svg)
    inset = root.find(".//svg:g[@id='cdso-map-inset']", NS)
    assert inset is not None
    names = [t.text for t in inset.iter(f"{{{NS['svg']}}}title")]
    assert len(names) == 1 and names[0].startswith("Đặc khu Bạch Long Vĩ:")
    assert "cách đất liền ~130 km" in "".join(inset.itertext())
    main = root.find(".//svg:g[@id='cdso-map-units']", NS)
    assert all("Bạch Long Vĩ" not in t.text for t in main.iter(f"{{{NS['svg']}}}title"))


def test_map_text_vietnamese_and_escaped() -> None:
    units = [
        UnitPoint("1", "Phường Gia Viên", "phuong", 20.85, 106.69, 1234, 0.456),
        UnitPoint("2", 'Xã <Thử> & "Nghiệm"', "xa", 20.70, 106.50, 0, None),
    ]
    svg = render_unit_map(units)
    assert "Phường Gia Viên: 1.234 thí sinh, bao phủ 45,6%" in svg
    assert "&lt;Thử&gt; &amp;" in svg
    assert "<Thử>" not in svg
    root = ET.fromstring(svg)
    assert 'Xã <Thử> & "Nghiệm"' in _unit_circles(root)


def test_map_radius_and_colour(units: list[UnitPoint], map_svg: str) -> None:
    circles = _unit_circles(ET.fromstring(map_svg))
    by_size = sorted(
        (u for u in units if "Bạch Long Vĩ" not in u.name), key=lambda u: u.participants
    )
    radii = [float(circles[u.name].get("r")) for u in by_size]
    assert radii == sorted(radii)
    assert radii[-1] > radii[0] > 0
    small, big = by_size[10], by_size[-1]
    assert float(circles[big.name].get("r")) > float(circles[small.name].get("r"))
    for u in units:
        fill = circles[u.name].get("fill")
        assert (fill == UNKNOWN_COLOUR) == (u.coverage is None)


def test_map_small_circles_drawn_last(map_svg: str) -> None:
    main = ET.fromstring(map_svg).find(".//svg:g[@id='cdso-map-units']", NS)
    radii = [float(c.get("r")) for c in main.findall("svg:circle", NS)]
    assert radii == sorted(radii, reverse=True)


def test_map_two_points_and_empty() -> None:
    svg = render_unit_map([UnitPoint("1", "Xã A", "xa", 20.8, 106.5, 10, 0.9)])
    assert len(_unit_circles(ET.fromstring(svg))) == 1
    empty = render_unit_map([])
    ET.fromstring(empty)
    assert "Chưa có dữ liệu" in empty


# --- daily chart ---------------------------------------------------------------


def _bars(root: ET.Element) -> list[ET.Element]:
    return [
        r
        for r in root.iter(f"{{{NS['svg']}}}rect")
        if r.find("svg:title", NS) is not None
    ]


def test_chart(tmp_path: Path) -> None:
    rnd = random.Random(7)
    start = dt.date(2025, 10, 1)
    days = [
        DayPoint(
            start + dt.timedelta(days=i), rnd.randint(200, 3000), rnd.randint(100, 2500)
        )
        for i in range(30)
    ]
    svg = render_daily_chart(days)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "chart.svg").write_text(svg, encoding="utf-8")
    root = ET.fromstring(svg)
    _accessible(root)
    _no_inline_style(svg)
    bars = _bars(root)
    assert len(bars) == 60
    first = f"01/10/2025 – Đăng ký: {days[0].registered:,}".replace(",", ".")
    assert any(b.find("svg:title", NS).text == first for b in bars)
    text = "".join(root.itertext())
    assert "Đăng ký" in text and "Hoàn thành" in text
    assert "30/10" in text  # the last day is always labelled
    labels = re.findall(r">(\d\d/\d\d)<", svg)
    assert 3 <= len(labels) <= 10


def test_chart_empty() -> None:
    svg = render_daily_chart([])
    root = ET.fromstring(svg)
    _accessible(root)
    assert "Chưa có dữ liệu" in svg
    assert _bars(root) == []


def test_chart_single_day() -> None:
    svg = render_daily_chart([DayPoint(dt.date(2025, 10, 22), 5, 0)])
    root = ET.fromstring(svg)
    _no_inline_style(svg)
    bars = _bars(root)
    assert len(bars) == 2
    assert all(float(b.get("height")) >= 0 for b in bars)
    assert "22/10" in svg


def test_chart_fills_gaps_and_sorts() -> None:
    svg = render_daily_chart(
        [DayPoint(dt.date(2025, 10, 5), 1, 1), DayPoint(dt.date(2025, 10, 3), 2, 0)]
    )
    assert len(_bars(ET.fromstring(svg))) == 6


@pytest.mark.parametrize(
    "maximum", [0, 1, 4, 5, 9, 10, 13, 99, 1234, 4500, 10_000, 87_654]
)
def test_y_ticks_round(maximum: int) -> None:
    ticks = y_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert 4 <= len(ticks) <= 5
    step = ticks[1]
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert re.fullmatch(r"(1|2|25|3|5)0*", str(step))
