"""What every server-drawn SVG shares (the map, the daily chart, the heat map): numbers
written short and text escaped. Pages run under a Content-Security-Policy without
'unsafe-inline' styles: presentation attributes only, never ``style``."""
from __future__ import annotations

from markupsafe import escape


def fmt(value: float) -> str:
    """A coordinate rounded to one decimal, without a useless ".0"."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def text(x: float, y: float, content: str, *, size: int, fill: str,
         anchor: str | None = None, weight: str | None = None) -> str:
    """A ``<text>`` element; `content` is escaped."""
    extra = f' text-anchor="{anchor}"' if anchor else ""
    if weight:
        extra += f' font-weight="{weight}"'
    return (f'<text x="{fmt(x)}" y="{fmt(y)}" font-size="{size}" fill="{fill}"{extra}>'
            f"{escape(content)}</text>")
