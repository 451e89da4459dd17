"""Ward clerks' accounts from an XLSX or CSV (the city administrator), through the import
pipeline's reader and row report: every row checked first, then all created or none in one
step (no preview: the result is the file of temporary passwords to hand out)."""
from __future__ import annotations

from dataclasses import dataclass

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.services.exports import print_setup
from cdso.models import Account, ImportBatch, Role
from cdso.services.imports import pipeline, tabular
from cdso.services.imports.errors import Report, RowError, TableError
from cdso.services.accounts import registration
from cdso.services.units import catalogue as units
from cdso.services.accounts.officials import (Invalid, NewOfficial, clean_login,
                                          clean_optional_phone, create_official)
from cdso.services.units.catalogue import tone_key
from cdso.services.exports import guard

CLERK_HEADERS = ("Họ và tên", "Tên đăng nhập", "Xã, phường, đặc khu", "Điện thoại")


@dataclass
class ClerkImport(Report):
    READ = "rows"
    rows: list[tuple[int, NewOfficial]]
    errors: list[RowError]
    sha256: str = ""


def _header(rows: list[list[str]], keys: list[str]) -> int:
    header = next((i for i, r in enumerate(rows[:10])
                   if all(k in [tone_key(c) for c in r] for k in keys[:3])), None)
    if header is None:
        raise TableError("Không thấy dòng tiêu đề: " + ", ".join(CLERK_HEADERS[:3])
                         + " (cột Điện thoại không bắt buộc).")
    return header


def read_clerks(filename: str, content: bytes) -> ClerkImport:
    """Check every row of a clerks' table (headers: CLERK_HEADERS); nothing written.
    Raises TableError for a file that cannot be used at all."""
    report = ClerkImport([], [], tabular.sha256(content))
    rows = tabular.read_cells(filename, content)
    keys = [tone_key(h) for h in CLERK_HEADERS]
    header = _header(rows, keys)
    if pipeline.previous_batch("clerks", report.sha256):
        raise TableError("Tệp này đã được nhập trước đây; các tài khoản đã có.")
    heads = [tone_key(c) for c in rows[header]]
    position = {k: heads.index(k) for k in keys if k in heads}
    logins: set[str] = set()
    phones: set[str] = set()
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        cells = [row[position[k]] if k in position and position[k] < len(row) else ""
                 for k in keys]
        if not any(cells):
            continue
        error = RowError(number, cells[0] or cells[1])
        values = {}
        for name, clean, raw in (("full_name", registration.clean_full_name, cells[0]),
                                 ("login", lambda v: clean_login(v, logins), cells[1]),
                                 ("phone", lambda v: clean_optional_phone(v, phones), cells[3])):
            try:
                values[name] = clean(raw)
            except Invalid as problem:
                error.messages.append(str(problem))
        found = units.lookup(cells[2]) if cells[2] else None
        if found is None:
            error.messages.append("Thiếu xã, phường, đặc khu.")
        elif found.unit is None:
            error.messages.append(f"«{cells[2]}»: {found.message}")
        if error.messages:
            report.errors.append(error)
            continue
        logins.add(values["login"])
        if values["phone"]:
            phones.add(values["phone"])
        report.rows.append((number, NewOfficial(values["full_name"], values["login"],
                                                Role.CLERK.value, found.unit.id,
                                                values["phone"])))
    if not report.errors and not report.rows:
        raise TableError("Tệp không có dòng cán bộ nào.")
    return report


def import_clerks(actor: Account, report: ClerkImport, filename: str) -> list[tuple[Account, str]]:
    """Create every clerk of a checked file, with the batch that makes a re-import a no-op.
    Flushes; returns the accounts and their temporary passwords."""
    db.session.add(ImportBatch(kind="clerks", source="office", filename=filename[:200],
                               sha256=report.sha256, row_count=len(report.rows),
                               created_by_id=actor.id, created_at=utcnow()))
    return [create_official(actor, new) for _, new in report.rows]


def credentials_workbook(created: list[tuple[Account, str]]) -> bytes:
    """The temporary passwords of the accounts just created, to hand to each person."""
    workbook, sheet = print_setup.titled_sheet(
        "Tài khoản", "Tài khoản cán bộ vừa tạo — mật khẩu tạm thời, phải đổi khi đăng nhập "
        "lần đầu. Trao tận tay từng người, rồi xoá tệp này.",
        ["Họ và tên", "Tên đăng nhập", "Mật khẩu tạm thời", "Xã, phường, đặc khu"])
    for account, password in created:
        guard.append(sheet, [account.full_name, account.login, password,
                      account.unit.name if account.unit else ""])
    print_setup.fit_sheet(sheet, header_rows=(2, 2), title_rows=(1,), minimum=(24, 18, 18, 24))
    return print_setup.workbook_bytes(workbook)
