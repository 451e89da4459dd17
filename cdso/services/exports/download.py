"""The one way to hand a file to a browser: its MIME type, an RFC 6266 filename that
keeps the Vietnamese characters (with a plain-ASCII fallback for old browsers), and
`Cache-Control: private, no-store` on anything that holds personal data.

    return download(content, "danh-sách thí sinh.xlsx")                 # personal: no-store
    return download(content, "mau-nhap.csv", personal=False)             # a blank template
    return download(pdf, "chung-nhan.pdf", inline=True)                 # shown in the browser
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIMETYPES = {
    "xlsx": XLSX,
    "docx": DOCX,
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
    "zip": "application/zip",
}
NO_STORE = "private, no-store"
UNSAFE = re.compile(r'[^A-Za-z0-9._\-]+')


def mimetype_of(filename: str) -> str:
    return MIMETYPES[filename.rsplit(".", 1)[-1].lower()]


def ascii_name(filename: str) -> str:
    """"Danh sách đạt giải.xlsx" -> "Danh-sach-dat-giai.xlsx" (the fallback filename)."""
    plain = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = UNSAFE.sub("-", plain).strip("-.")
    return plain or "tep"


def disposition(filename: str, *, inline: bool = False) -> str:
    """Content-Disposition per RFC 6266 / RFC 5987: filename= ASCII, filename*= UTF-8."""
    kind = "inline" if inline else "attachment"
    fallback = ascii_name(filename)
    value = f'{kind}; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def download(body: bytes | str, filename: str, *, personal: bool = True,
             inline: bool = False, mimetype: str | None = None) -> Response:
    """A file response. `personal` (the default) adds no-store: browsers and proxies
    keep no copy. Set personal=False only for files with nobody's data in them."""
    response = Response(body, mimetype=mimetype or mimetype_of(filename))
    response.headers["Content-Disposition"] = disposition(filename, inline=inline)
    if personal:
        response.headers["Cache-Control"] = NO_STORE
    return response


def zip_files(files: list[tuple[str, bytes]]) -> bytes:
    """Several files in one ZIP to download (PDFs are compressed already: stored)."""
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return out.getvalue()
