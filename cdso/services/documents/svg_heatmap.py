"""Server-side SVG heat map: units (rows) × topics (columns), each cell coloured by the
share of correct answers, with the city's row on top. No JavaScript, no style attributes
(the Content-Security-Policy forbids inline styles): presentation attributes only, every
text escaped. Each cell carries its figures in a <title> and prints its percentage.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

from cdso.formatting import number, percent

# ColorBrewer RdYlBu (diverging, colour-blind safe): red = weak, blue = strong.
NO_DATA = "#e0e0e0"
BANDS: tuple[tuple[float, str, str, str], ...] = (
    # (lower bound, fill, text colour, label)
    (0.0, "#d7191c", "#fff", "Dưới 50%"),
    (0.5, "#fdae61", "#222", "50% – dưới 65%"),
    (0.65, "#ffffbf", "#222", "65% – dưới 80%"),
    (0.8, "#abd9e9", "#222", "80% – dưới 90%"),
    (0.9, "#2c7bb6", "#fff", "Từ 90%"),
)
LABEL_W = 190
CELL_W = 46
CELL_H = 20
HEAD_H = 24
PAD = 6
FONT = 12


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: Sequence[tuple[float | None, str | None]]  # (share correct, tooltip) per topic
    strong: bool = False  # the city's row
    href: str | None = None  # the label links there (an SVG link: no JavaScript)


def band(rate: float | None) -> tuple[str, str]:
    """(fill, text colour) of a share of correct answers."""
    if rate is None:
        return NO_DATA, "#555"
    fill, ink = BANDS[0][1], BANDS[0][2]
    for lower, colour, text, _label in BANDS:
        if rate >= lower:
            fill, ink = colour, text
    return fill, ink


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x, y, content, *, anchor="start", size=FONT, fill="#222", weight=None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}"{bold}>{escape(content)}</text>')


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def render_heatmap(topic_names: Sequence[str], rows: Sequence[HeatRow], *,
                   title: str = "Tỉ lệ trả lời đúng theo chủ đề") -> str:
    width = LABEL_W + CELL_W * len(topic_names) + PAD
    parts = []
    for i, _name in enumerate(topic_names):
        x = LABEL_W + i * CELL_W + CELL_W / 2
        parts.append(_text(x, HEAD_H - 8, str(i + 1), anchor="middle", weight="bold"))
    y = HEAD_H
    for row in rows:
        weight = "bold" if row.strong else None
        label = _text(PAD, y + CELL_H - 6, _short(row.label), weight=weight,
                      fill="#0b4f8a" if row.href else "#222")
        if row.href:
            label = f'<a href="{escape(row.href)}">{label}</a>'
        parts.append(f"<g><title>{escape(row.label)}</title>{label}</g>")
        rects, texts = [], []
        for i, (rate, tooltip) in enumerate(row.cells):
            fill, ink = band(rate)
            x = LABEL_W + i * CELL_W
            title = f"<title>{escape(tooltip)}</title>" if tooltip else ""
            rects.append(f'<rect x="{x}" y="{y}" width="{CELL_W - 1}" height="{CELL_H - 1}" '
                         f'fill="{fill}">{title}</rect>')
            ink_attr = f' fill="{ink}"' if ink != "#222" else ""
            shown = percent(rate, digits=0) if rate is not None else "–"
            texts.append(f'<text x="{x + CELL_W // 2}" y="{y + CELL_H - 6}"{ink_attr}>'
                         f'{escape(shown)}</text>')
        bold = ' font-weight="bold"' if row.strong else ""
        parts.append("<g>" + "".join(rects) + "</g>")
        parts.append(f'<g font-size="{FONT - 1}" text-anchor="middle" fill="#222"{bold}>'
                     + "".join(texts) + "</g>")
        y += CELL_H + (4 if row.strong else 0)
    y += 8
    parts.append(_text(PAD, y + 12, "Chủ đề", weight="bold"))
    for i, name in enumerate(topic_names):
        y += 18
        parts.append(_text(PAD, y + 12, f"{i + 1}. {name}"))
    y += 26
    parts.append(_text(PAD, y + 12, "Tỉ lệ trả lời đúng", weight="bold"))
    legend = [(colour, label) for _lo, colour, _ink, label in BANDS]
    legend.append((NO_DATA, "Chưa có câu trả lời"))
    for colour, label in legend:
        y += 20
        parts.append(f'<rect x="{PAD}" y="{_f(y)}" width="18" height="14" fill="{colour}" '
                     f'stroke="#222" stroke-width="0.5"/>')
        parts.append(_text(PAD + 24, y + 12, label))
    height = y + 14 + PAD
    desc = (f"{number(len(rows))} hàng × {number(len(topic_names))} chủ đề; mỗi ô ghi tỉ lệ "
            "trả lời đúng, màu đỏ là yếu, màu xanh là vững.")
    # With links inside, the drawing is a group (an image may not hold links).
    role = "group" if any(row.href for row in rows) else "img"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
            f'width="100%" role="{role}" aria-labelledby="heat-title heat-desc" '
            f'font-family="system-ui, sans-serif">'
            f'<title id="heat-title">{escape(title)}</title>'
            f'<desc id="heat-desc">{escape(desc)}</desc>' + "".join(parts) + "</svg>")
