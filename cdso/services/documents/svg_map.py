"""Server-side SVG map of the city's commune-level units (proportional circles).

Each unit is a circle placed by its coordinates (equirectangular projection with
a cos(latitude) correction). Its area is proportional to the number of
participants and its colour tells the coverage band (finished ÷ adult
population). Đặc khu Bạch Long Vĩ, ~130 km offshore, is drawn in a framed inset
so that it does not stretch the main extent.

The page runs under a Content-Security-Policy without 'unsafe-inline' styles:
only SVG presentation attributes are used, never ``style`` attributes or
``<style>`` elements. Every text goes through ``markupsafe.escape``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from markupsafe import escape

from cdso.formatting import number, percent
from cdso.services.documents import svg
from cdso.services.documents.svg import fmt as _f

UnitKind = Literal["phuong", "xa", "dac_khu"]

OFFSHORE_MARKER = "Bạch Long Vĩ"
INSET_LABEL = ("Đặc khu Bạch Long Vĩ", "(cách đất liền ~130 km)")

# Coverage bands: ColorBrewer YlGn (sequential, colour-blind safe); the last
# band, dark green, reads as "goal reached".
UNKNOWN_COLOUR = "#bdbdbd"
BANDS: tuple[tuple[float, str, str], ...] = (
    # (lower bound, colour, label)
    (0.0, "#ffffcc", "Dưới 20%"),
    (0.2, "#c2e699", "20% – dưới 40%"),
    (0.4, "#78c679", "40% – dưới 60%"),
    (0.6, "#31a354", "60% – dưới 80%"),
    (0.8, "#006837", "Từ 80% – đạt mục tiêu"),
)
OUTLINE = "#222"
TEXT = "#222"
MUTED = "#555"

# Geometry, in viewBox units. 400 wide ≈ 1:1 on a 360–400 px phone.
WIDTH = 400
PAD = 8
R_MIN = 2.0
R_MAX = 16.0
FONT = 15  # shown at about 0.8 on a 360 px phone: 12 px, 10.5 px for the small text
FONT_SMALL = 12


@dataclass(frozen=True)
class Measure:
    """What the colour tells: the coverage by default, or another share (a topic's
    correct answers)."""

    title: str = "Bản đồ thí sinh theo xã, phường, đặc khu"
    legend: str = "Tỉ lệ bao phủ"
    note: str = "(hoàn thành ÷ dân số trưởng thành)"
    unknown: str = "Chưa rõ dân số"
    word: str = "bao phủ"  # in each circle's tooltip: "…, bao phủ 42,0%"


COVERAGE = Measure()


@dataclass(frozen=True)
class UnitPoint:
    """One commune-level unit as the map needs it."""

    code: str
    name: str  # "Phường Gia Viên"
    kind: UnitKind
    lat: float
    lon: float
    participants: int
    coverage: float | None  # finished ÷ adult population; None when unknown


def coverage_colour(coverage: float | None) -> str:
    """The fill colour of a coverage ratio (grey when unknown)."""
    if coverage is None or math.isnan(coverage):
        return UNKNOWN_COLOUR
    colour = BANDS[0][1]
    for lower, band_colour, _label in BANDS:
        if coverage >= lower:
            colour = band_colour
    return colour


def radius(participants: int, max_participants: int) -> float:
    """Circle radius: area proportional to participants, never below R_MIN."""
    if max_participants <= 0 or participants <= 0:
        return R_MIN
    return max(R_MIN, R_MAX * math.sqrt(participants / max_participants))


def is_offshore(unit: UnitPoint) -> bool:
    return OFFSHORE_MARKER in unit.name


def _nice_floor(value: float) -> int:
    """The largest 1-2-5 × 10^k integer not above value (at least 1)."""
    if value < 1:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * exponent <= value:
            return int(step * exponent)
    return int(exponent)


def _tooltip(unit: UnitPoint, word: str = COVERAGE.word) -> str:
    return (
        f"{unit.name}: {number(unit.participants)} thí sinh, "
        f"{word} {percent(unit.coverage)}"
    )


def _circle(unit: UnitPoint, x: float, y: float, r: float, word: str = COVERAGE.word) -> str:
    fill = coverage_colour(unit.coverage)
    return (
        f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{fill}" '
        f'data-code="{escape(unit.code)}">'
        f"<title>{escape(_tooltip(unit, word))}</title></circle>"
    )


_text = functools.partial(svg.text, size=FONT, fill=TEXT)


INSET_W = 170
INSET_H = 64


def _overlaps(
    box: tuple[float, float, float, float], x: float, y: float, r: float
) -> bool:
    """Whether a circle touches a rectangle (with a 2-unit margin)."""
    bx, by, bw, bh = box
    nx = min(max(x, bx), bx + bw)
    ny = min(max(y, by), by + bh)
    return (x - nx) ** 2 + (y - ny) ** 2 < (r + 2) ** 2


def _inset_box(
    placed: list[tuple[UnitPoint, float, float, float]], map_bottom: float
) -> tuple[float, float, float, float] | None:
    """A free corner of the map for the inset (top right first), or None.

    The bottom-left corner is left to the scale bar.
    """
    left, right = PAD, WIDTH - PAD - INSET_W
    top, bottom = PAD, map_bottom - PAD - INSET_H
    if bottom < top:
        return None
    for bx, by in ((right, top), (right, bottom), (left, top)):
        box = (bx, by, INSET_W, INSET_H)
        if not any(_overlaps(box, x, y, r) for _u, x, y, r in placed):
            return box
    return None


def _inset(
    offshore: list[UnitPoint],
    box: tuple[float, float, float, float],
    max_p: int,
    pid: str,
    word: str = COVERAGE.word,
) -> str:
    bx, by, bw, bh = box
    out = [
        f'<g id="{pid}-inset">',
        (
            f'<rect x="{_f(bx)}" y="{_f(by)}" width="{_f(bw)}" height="{_f(bh)}" '
            f'fill="#f4f8fb" stroke="{MUTED}" stroke-width="0.8"/>'
        ),
        _text(bx + 6, by + 14, INSET_LABEL[0], size=FONT_SMALL, weight="bold"),
        _text(bx + 6, by + 29, INSET_LABEL[1], size=FONT_SMALL, fill=MUTED),
        f'<g stroke="{OUTLINE}" stroke-width="0.7">',
    ]
    step = bw / (len(offshore) + 1)
    cy = by + 30 + (bh - 30) / 2
    for i, u in enumerate(sorted(offshore, key=lambda u: u.code)):
        # Capped so that a big island population still fits in the box.
        r = min(radius(u.participants, max_p), (bh - 30) / 2 - 2)
        out.append(_circle(u, bx + step * (i + 1), cy, r, word))
    out.append("</g></g>")
    return "".join(out)


def smallest_circle_floor(max_participants: int) -> int:
    """Below this many participants a circle shows at the minimum size."""
    return math.ceil(max_participants * (R_MIN / R_MAX) ** 2)


def render_unit_map(units: Sequence[UnitPoint], *, id_prefix: str = "cdso-map",
                    legend: bool = True, measure: Measure = COVERAGE) -> str:
    """An inline ``<svg>`` (no XML declaration) of the units as proportional circles,
    coloured by `measure` (the coverage unless told).

    Without `legend` the picture ends under the map: a web page then gives the legend
    as HTML text, which keeps its size on a 360 px phone (inside the SVG it shrinks
    with the picture) and grows with the reader's text size."""
    pid = str(escape(id_prefix))
    main = [u for u in units if not is_offshore(u)]
    offshore = [u for u in units if is_offshore(u)]
    max_p = max((u.participants for u in units), default=0)
    total = sum(u.participants for u in units)
    reached = sum(
        1 for u in units if u.coverage is not None and u.coverage >= BANDS[-1][0]
    )
    parts, placed, map_bottom = _main_map(main, max_p, pid, measure.word, bool(units))
    height = map_bottom
    if offshore:
        box = _inset_box(placed, map_bottom)
        if box is None:  # no free corner: put the inset under the map
            box = (WIDTH - PAD - INSET_W, map_bottom, INSET_W, INSET_H)
            height = map_bottom + INSET_H + PAD
        parts.append(_inset(offshore, box, max_p, pid, measure.word))
    if not legend:
        return _svg(parts, height, units, total, reached, pid, measure)
    ly = _legend(parts, height + 6, max_p, pid, measure)
    return _svg(parts, ly + PAD, units, total, reached, pid, measure)


def _main_map(main: list[UnitPoint], max_p: int, pid: str, word: str, any_unit: bool):
    """The mainland's circles and the scale bar: (parts, placed circles, map bottom)."""
    parts: list[str] = []
    inner = WIDTH - 2 * PAD - 2 * R_MAX
    if main:
        lat_min = min(u.lat for u in main)
        lat_max = max(u.lat for u in main)
        lon_min = min(u.lon for u in main)
        lon_max = max(u.lon for u in main)
        kx = math.cos(math.radians((lat_min + lat_max) / 2))
        span_x = max((lon_max - lon_min) * kx, 1e-6)
        span_y = max(lat_max - lat_min, 1e-6)
        scale = inner / max(span_x, span_y * 1.2)
        x0 = PAD + R_MAX + (inner - span_x * scale) / 2
        y0 = PAD + R_MAX

        def project(u: UnitPoint) -> tuple[float, float]:
            return (x0 + (u.lon - lon_min) * kx * scale, y0 + (lat_max - u.lat) * scale)

        map_bottom = y0 + span_y * scale + R_MAX + PAD
        bar = 10 / 111.2 * scale  # a 10 km scale bar (1° of latitude ≈ 111.2 km)
    else:
        map_bottom, bar = PAD + 40, 0.0
    placed = [(u, *project(u), radius(u.participants, max_p)) for u in main]
    # Big circles first so that small ones are drawn on top of them.
    placed.sort(key=lambda t: (-t[3], t[0].code))
    parts.append(f'<g stroke="{OUTLINE}" stroke-width="0.7" id="{pid}-units">')
    parts.extend(_circle(u, x, y, r, word) for u, x, y, r in placed)
    parts.append("</g>")
    if not any_unit:
        parts.append(_text(WIDTH / 2, PAD + 24, "Chưa có dữ liệu", anchor="middle", fill=MUTED))
    if bar:
        bx, by = PAD, map_bottom - PAD
        parts.append(f'<path d="M{_f(bx)} {_f(by - 4)}V{_f(by)}H{_f(bx + bar)}V{_f(by - 4)}" '
                     f'stroke="{TEXT}" stroke-width="1" fill="none"/>')
        parts.append(_text(bx + bar + 4, by, "10 km", size=FONT_SMALL, fill=MUTED))
    return parts, placed, map_bottom


def _legend(parts: list[str], ly: float, max_p: int, pid: str, measure: Measure) -> float:
    """The colour bands and the circle sizes under the map; returns where it ends."""
    parts.append(f'<g id="{pid}-legend">')
    parts.append(_text(PAD, ly + 12, measure.legend, size=FONT, weight="bold"))
    parts.append(_text(PAD, ly + 30, measure.note, size=FONT_SMALL, fill=MUTED))
    ly += 18
    rows = [(UNKNOWN_COLOUR, measure.unknown)] + [(c, label) for _lo, c, label in BANDS]
    row_h = 21
    col_w = (WIDTH - 2 * PAD) / 2
    for i, (colour, label) in enumerate(rows):
        col, row = divmod(i, 3)
        cx = PAD + 7 + col * col_w
        cy = ly + 32 + row * row_h
        parts.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="7" fill="{colour}" '
                     f'stroke="{OUTLINE}" stroke-width="0.7"/>')
        parts.append(_text(cx + 12, cy + 5, label, size=FONT))
    ly = ly + 32 + 2 * row_h + 16
    parts.append(_text(PAD, ly + 12, "Số thí sinh (diện tích vòng tròn)", size=FONT,
                       weight="bold"))
    ly = _size_legend(parts, ly, max_p) if max_p > 0 else _no_participants(parts, ly)
    parts.append("</g>")
    return ly


def _no_participants(parts: list[str], ly: float) -> float:
    parts.append(_text(PAD, ly + 30, "Chưa có thí sinh", size=FONT_SMALL, fill=MUTED))
    return ly + 36


def _size_legend(parts: list[str], ly: float, max_p: int) -> float:
    """Two reference circles and the smallest one, with what they stand for."""
    big = _nice_floor(max_p)
    small = _nice_floor(big / 5)
    base = ly + 22 + 2 * radius(big, max_p)
    cx = PAD + R_MAX + 4
    for value in sorted({big, small}, reverse=True):
        r = radius(value, max_p)
        parts.append(f'<circle cx="{_f(cx)}" cy="{_f(base - r)}" r="{_f(r)}" fill="none" '
                     f'stroke="{OUTLINE}" stroke-width="0.7"/>')
        parts.append(f'<path d="M{_f(cx)} {_f(base - 2 * r)}H{_f(cx + R_MAX + 10)}" '
                     f'stroke="{MUTED}" stroke-width="0.5"/>')
        parts.append(_text(cx + R_MAX + 13, base - 2 * r + 4, number(value), size=FONT_SMALL))
    floor = smallest_circle_floor(max_p)
    mx = cx + R_MAX + 80
    parts.append(f'<circle cx="{_f(mx)}" cy="{_f(base - R_MIN)}" r="{_f(R_MIN)}" '
                 f'fill="none" stroke="{OUTLINE}" stroke-width="0.7"/>')
    parts.append(_text(mx + 8, base + 2 - R_MIN,
                       f"vòng nhỏ nhất: dưới {number(floor)} thí sinh (kể cả 0)"
                       if floor > 1 else "vòng nhỏ nhất: 0 thí sinh",
                       size=FONT_SMALL, fill=MUTED))
    return base + 6


def _svg(parts: list[str], height: float, units: Sequence[UnitPoint], total: int,
         reached: int, pid: str, measure: Measure) -> str:
    title = measure.title
    desc = (
        f"{number(len(units))} đơn vị hành chính cấp xã, {number(total)} thí sinh. "
        f"Diện tích vòng tròn tỉ lệ với số thí sinh, màu thể hiện {measure.legend.lower()}; "
        f"{number(reached)} đơn vị đạt từ 80% trở lên."
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_f(height)}" '
        f'width="100%" role="img" aria-labelledby="{pid}-title {pid}-desc" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{pid}-title">{escape(title)}</title>'
        f'<desc id="{pid}-desc">{escape(desc)}</desc>'
    )
    return head + "".join(parts) + "</svg>"
