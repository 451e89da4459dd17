"""The upload guard: every uploaded table is checked before it is parsed, the same way for
every format we accept (XLSX, CSV), so that a decompression bomb, a huge CSV or a file that
never ends is refused at once with a Vietnamese message naming the limit it broke.

- the file's size (setting IMPORT_MAX_MB, 10 MB by default);
- for XLSX (a zip): the declared uncompressed size of its parts, at most 100 MB and at
  most 50 times the file (Python's zipfile never inflates a part past its declared size),
  and at most 1,000 parts;
- rows and columns, counted while reading (reading stops at the first row too many);
- a parse time limit, checked while reading.
openpyxl parses the XML with defusedxml (installed: no entity expansion, no external
entities)."""
from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass

from cdso.formatting import number
from cdso.services.imports.errors import TableError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * MB
    max_unpacked: int = 100 * MB
    max_ratio: int = 50
    max_parts: int = 1000
    max_rows: int = 100_000
    max_columns: int = 100
    max_seconds: float = 20.0


def limits() -> Limits:
    """The limits of this app (IMPORT_MAX_MB); the defaults outside a request."""
    from flask import current_app, has_app_context
    if not has_app_context():
        return Limits()
    return Limits(max_bytes=int(current_app.config.get("IMPORT_MAX_MB", 10)) * MB)


def check_size(data: bytes, limit: Limits) -> None:
    if len(data) > limit.max_bytes:
        raise TableError(f"Tệp lớn quá {number(limit.max_bytes // MB)} MB (giới hạn kích "
                         "thước tệp). Xin chia thành nhiều tệp nhỏ hơn.", "size")


def check_zip(data: bytes, limit: Limits) -> None:
    """An XLSX before openpyxl opens it: its parts and their declared sizes."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TableError("Không đọc được tệp Excel này. Xin lưu lại dưới dạng .xlsx "
                         "(Excel Workbook) hoặc .csv rồi tải lên lại.") from None
    if len(parts) > limit.max_parts:
        raise TableError(f"Tệp Excel có hơn {number(limit.max_parts)} phần bên trong (giới "
                         "hạn số phần của tệp). Xin mở tệp và lưu lại, hoặc lưu dưới dạng "
                         ".csv.", "parts")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limit.max_unpacked:
        raise TableError(f"Tệp Excel khi giải nén lớn quá {number(limit.max_unpacked // MB)} "
                         "MB (giới hạn dung lượng giải nén). Xin chia thành nhiều tệp nhỏ "
                         "hơn.", "unpacked")
    if unpacked > limit.max_ratio * max(len(data), 1):
        raise TableError(f"Tệp Excel giải nén ra gấp hơn {limit.max_ratio} lần kích thước "
                         "tệp (giới hạn tỉ lệ nén): tệp bất thường. Xin mở tệp và lưu lại, "
                         "hoặc lưu dưới dạng .csv.", "ratio")


def check_csv_text(text: str, limit: Limits) -> None:
    """A decoded CSV before the csv module reads it: lines and separators counted (any of
    the separators we accept, whichever the file turns out to use)."""
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines > limit.max_rows + 1:  # the header line
        raise_rows(limit)
    widest = 0
    for line in text.split("\n"):
        widest = max(widest, line.count(","), line.count(";"), line.count("\t"))
    if widest + 1 > limit.max_columns:
        raise_columns(limit)


def raise_rows(limit: Limits):
    raise TableError(f"Tệp có hơn {number(limit.max_rows)} dòng (giới hạn số dòng). Xin chia "
                     "thành nhiều tệp.", "rows")


def raise_columns(limit: Limits):
    raise TableError(f"Tệp có hơn {number(limit.max_columns)} cột (giới hạn số cột). Xin chỉ "
                     "giữ các cột của tệp mẫu.", "columns")


class Budget:
    """Rows, columns and seconds while a table is read; `row` is called for each row."""

    def __init__(self, limit: Limits) -> None:
        self.limit, self.rows = limit, 0
        self.deadline = time.monotonic() + limit.max_seconds

    def row(self, width: int) -> None:
        self.rows += 1
        if self.rows > self.limit.max_rows + 1:
            raise_rows(self.limit)
        if width > self.limit.max_columns:
            raise_columns(self.limit)
        if self.rows % 256 == 0 and time.monotonic() > self.deadline:
            raise TableError(f"Đọc tệp quá {number(int(self.limit.max_seconds))} giây (giới "
                             "hạn thời gian đọc tệp). Xin chia thành nhiều tệp nhỏ hơn, hoặc "
                             "lưu dưới dạng .csv.", "time")
