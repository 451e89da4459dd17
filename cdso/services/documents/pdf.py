"""PDF rendering: official dispatches (Decree 30/2020) and certificates.

Templates live in ``templates/pdf/`` and are rendered by the caller (Flask's
``render_template`` or any autoescaping Jinja2 environment); this module turns
the resulting HTML into PDF bytes with WeasyPrint.

Convention for relative URLs
    The HTML is given ``base_url`` = the repository's ``static/`` folder, so a
    template links its stylesheet as ``href="css/pdf/decree30.css"``. Inside a
    stylesheet, ``url()`` resolves against the stylesheet itself (plain CSS
    rules), so ``static/css/pdf/*.css`` load fonts as
    ``url(../../fonts/LiberationSerif-Regular.ttf)``. The same files therefore
    also work when Flask serves them under ``/static/`` for an HTML preview.

Speed: the stylesheets a template links (``<link rel="stylesheet"
href="css/pdf/....css">``) are parsed once per process and reused (re-read when
the file changes), rather than re-parsed on every render; the link tag is kept
in the template so that it stays a standalone, previewable HTML page. Together
with the shared FontConfiguration this keeps a warm certificate render around
50 ms.

Only ``file:`` URLs inside ``static/`` (and ``data:`` URLs) are fetched: the
documents never reach the network, and a stray URL in user data (which the
templates autoescape anyway) cannot make the server fetch anything.

The fonts are Liberation Serif 2.1.5 (Times New Roman metrics, full
Vietnamese coverage, SIL OFL, see ``static/fonts/LICENSE-LiberationSerif.txt``),
embedded and subset by WeasyPrint.
"""
from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

ROOT = Path(__file__).resolve().parents[3]
STATIC_DIR = ROOT / "static"
BASE_URL = STATIC_DIR.as_uri() + "/"


class _StaticOnlyFetcher(URLFetcher):
    """Fetch ``data:`` URLs and files under ``static/``; refuse everything else."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(STATIC_DIR):
                raise ValueError(f"PDF resource outside static/: {url}")
        elif parts.scheme != "data":
            raise ValueError(f"PDF resource not allowed: {url}")
        return super().fetch(url, headers)


# One FontConfiguration for the process: each @font-face is loaded into
# Fontconfig once, which makes every render after the first much faster.
# Fontconfig/Pango are not thread-safe, so renders are serialised by a lock.
_FONT_CONFIG = FontConfiguration()
_FETCHER = _StaticOnlyFetcher(allowed_protocols={"file", "data"})
_LOCK = threading.Lock()


_LINK_RE = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"<>]+\.css)"\s*/?>')
_CSS_CACHE: dict[Path, tuple[int, CSS]] = {}


def _stylesheet(href: str) -> CSS:
    """The parsed stylesheet static/<href>, cached until the file changes."""
    path = (STATIC_DIR / href).resolve()
    if not path.is_relative_to(STATIC_DIR):
        raise ValueError(f"stylesheet outside static/: {href}")
    mtime = path.stat().st_mtime_ns
    cached = _CSS_CACHE.get(path)
    if cached is None or cached[0] != mtime:
        css = CSS(filename=path, url_fetcher=_FETCHER, font_config=_FONT_CONFIG)
        cached = _CSS_CACHE[path] = (mtime, css)
    return cached[1]


def render_pdf(html: str) -> bytes:
    """Render an HTML document (from ``templates/pdf/``) to PDF bytes."""
    with _LOCK:
        sheets = [_stylesheet(href) for href in _LINK_RE.findall(html)]
        document = HTML(string=_LINK_RE.sub("", html), base_url=BASE_URL,
                        url_fetcher=_FETCHER)
        return document.write_pdf(stylesheets=sheets, font_config=_FONT_CONFIG)


@functools.lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    """Inline SVG markup of a QR code (level M) encoding ``url``.

    No XML declaration and no width/height: only a viewBox, so the stylesheet
    sizes it (the certificate draws it 32 mm square). The 4-module quiet zone
    is included. Cached: encoding (mask choice) costs ~5 ms in pure Python.
    """
    qr = segno.make_qr(url, error="m", boost_error=False)
    return qr.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None)
