"""Server-side SVG chart of new registrations and new finishers per day.

Grouped bars, two series (Đăng ký, Hoàn thành), with a legend, a y axis of 4–5
round ticks and "dd/MM" day labels (thinned out when there are many days).

The page runs under a Content-Security-Policy without 'unsafe-inline' styles:
only SVG presentation attributes are used, never ``style`` attributes or
``<style>`` elements. Every text goes through ``markupsafe.escape``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

from cdso.formatting import date_short, number
from cdso.services.documents import svg
from cdso.services.documents.svg import fmt as _f

# Okabe–Ito blue and orange: colour-blind safe.
SERIES: tuple[tuple[str, str], ...] = (
    ("Đăng ký", "#0072B2"),
    ("Hoàn thành", "#E69F00"),
)
TEXT = "#222"
MUTED = "#555"
GRID = "#dddddd"

WIDTH = 400
HEIGHT = 250
LEFT = 46
RIGHT = 12
TOP = 30
BOTTOM = 24
FONT = 12
FONT_SMALL = 11
MAX_BAR = 22
LABEL_SPACING = 44  # minimum room for one "dd/MM" label


@dataclass(frozen=True)
class DayPoint:
    """New registrations and new finishers on one (Vietnam-time) day."""

    day: dt.date
    registered: int
    finished: int


_text = functools.partial(svg.text, size=FONT, fill=TEXT)


def y_ticks(maximum: int) -> list[int]:
    """4–5 round integer ticks from 0 covering maximum (0..4 when tiny)."""
    if maximum <= 4:
        return [0, 1, 2, 3, 4]
    exponent = 10 ** math.floor(math.log10(maximum))
    candidates: list[float] = []
    for power in (exponent // 10, exponent, exponent * 10):
        if power < 1:
            continue
        steps = (1, 2, 3, 5) if power == 1 else (1, 2, 2.5, 5)
        candidates.extend(s * power for s in steps)
    for step in sorted(set(candidates)):
        if step != int(step):
            continue
        intervals = math.ceil(maximum / step)
        if intervals <= 4:
            return [int(step) * i for i in range(intervals + 1)]
    raise AssertionError("unreachable")  # pragma: no cover


def _fill_gaps(days: Sequence[DayPoint]) -> list[DayPoint]:
    """Sorted by day, one point per calendar day: missing days count as zero."""
    totals: dict[dt.date, tuple[int, int]] = {}
    for p in days:
        reg, fin = totals.get(p.day, (0, 0))
        totals[p.day] = (reg + p.registered, fin + p.finished)
    first, last = min(totals), max(totals)
    out = []
    for i in range((last - first).days + 1):
        day = first + dt.timedelta(days=i)
        reg, fin = totals.get(day, (0, 0))
        out.append(DayPoint(day, reg, fin))
    return out


def _svg_open(height: float, pid: str, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_f(height)}" '
        f'width="100%" role="img" aria-labelledby="{pid}-title {pid}-desc" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{pid}-title">{escape(title)}</title>'
        f'<desc id="{pid}-desc">{escape(desc)}</desc>'
    )


TITLE = "Số đăng ký và hoàn thành mới theo ngày"


@dataclass(frozen=True)
class _Plot:
    """Where the chart draws: the bars' area and the value at its top."""

    points: list[DayPoint]
    top_value: int
    width: float = WIDTH - LEFT - RIGHT
    height: float = HEIGHT - TOP - BOTTOM

    @property
    def base(self) -> float:
        return TOP + self.height

    @property
    def slot(self) -> float:
        return self.width / len(self.points)

    def y(self, value: int) -> float:
        return self.base - value / self.top_value * self.height


def _legend() -> list[str]:
    parts, lx = [], LEFT
    for label, colour in SERIES:
        parts.append(f'<rect x="{lx}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(lx + 16, 18.5, label))
        lx += 16 + 8 * len(label) + 20
    return parts


def _grid_and_y_axis(plot: _Plot, ticks: list[int]) -> list[str]:
    return [f'<g stroke="{GRID}" stroke-width="1">',
            *(f'<path d="M{LEFT} {_f(plot.y(t))}H{WIDTH - RIGHT}"/>' for t in ticks[1:]),
            "</g>",
            f'<g font-size="{FONT_SMALL}" fill="{MUTED}" text-anchor="end">',
            *(f'<text x="{LEFT - 5}" y="{_f(plot.y(t) + 4)}">{escape(number(t))}</text>'
              for t in ticks),
            "</g>"]


def _bars(plot: _Plot, pid: str) -> list[str]:
    """Side by side when there is room; with many days (thin slots) the finishers'
    narrower bar is drawn over the registrations' wider one."""
    slot, parts = plot.slot, []
    overlay = slot < 8
    for index, (label, colour) in enumerate(SERIES):
        parts.append(f'<g fill="{colour}" id="{pid}-s{index}">')
        for i, p in enumerate(plot.points):
            value = (p.registered, p.finished)[index]
            centre = LEFT + slot * (i + 0.5)
            if overlay:
                bar_w = slot * (0.8 if index == 0 else 0.4)
                x = centre - bar_w / 2
            else:
                bar_w = min(MAX_BAR, slot * 0.4)
                gap = min(1.0, slot * 0.05)
                x = centre - gap / 2 - bar_w if index == 0 else centre + gap / 2
            top = plot.y(value)
            tooltip = f"{date_short(p.day)} – {label}: {number(value)}"
            parts.append(f'<rect x="{_f(x)}" y="{_f(top)}" width="{_f(bar_w)}" '
                         f'height="{_f(plot.base - top)}"><title>{escape(tooltip)}</title></rect>')
        parts.append("</g>")
    return parts


def _baseline_and_days(plot: _Plot) -> list[str]:
    """The baseline and "dd/MM" labels, thinned out, always keeping the last day."""
    n, base = len(plot.points), plot.base
    parts = [f'<path d="M{LEFT} {base}H{WIDTH - RIGHT}" stroke="{MUTED}" stroke-width="1"/>',
             f'<g font-size="{FONT_SMALL}" fill="{MUTED}" text-anchor="middle">']
    every = max(1, math.ceil(n * LABEL_SPACING / plot.width))
    for i, p in enumerate(plot.points):
        if (n - 1 - i) % every:
            continue
        # Kept inside the viewBox: a "dd/MM" label is about 32 units wide.
        x = min(max(LEFT + plot.slot * (i + 0.5), LEFT), WIDTH - 17)
        parts.append(f'<text x="{_f(x)}" y="{base + 16}">'
                     f"{escape(p.day.strftime('%d/%m'))}</text>")
    parts.append("</g>")
    return parts


def _description(points: list[DayPoint]) -> str:
    if len(points) == 1:
        span = f"Ngày {date_short(points[0].day)}"
    else:
        span = f"Từ {date_short(points[0].day)} đến {date_short(points[-1].day)}"
    return (f"{span}: {number(sum(p.registered for p in points))} người đăng ký mới, "
            f"{number(sum(p.finished for p in points))} người hoàn thành.")


def render_daily_chart(days: Sequence[DayPoint], *, id_prefix: str = "cdso-chart") -> str:
    """An inline ``<svg>`` (no XML declaration) bar chart of the daily counts."""
    pid = str(escape(id_prefix))
    if not days:
        return (_svg_open(60, pid, TITLE, "Chưa có dữ liệu.")
                + _text(WIDTH / 2, 35, "Chưa có dữ liệu", size=14, fill=MUTED, anchor="middle")
                + "</svg>")
    points = _fill_gaps(days)
    ticks = y_ticks(max(max(p.registered, p.finished) for p in points))
    plot = _Plot(points, ticks[-1])
    parts = [*_legend(), *_grid_and_y_axis(plot, ticks), *_bars(plot, pid),
             *_baseline_and_days(plot)]
    return _svg_open(HEIGHT, pid, TITLE, _description(points)) + "".join(parts) + "</svg>"
