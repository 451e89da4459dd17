"""Bulk enrolment: a school, agency or residential group registers its members from a
list. Every row is checked with the registration rules, duplicates are found inside the
file and against existing accounts, and then all accounts are created or none.

The accounts get no password at creation: the login slips issue one-time passwords
(never stored in clear), part by part for a large list, and printing again replaces the
slips not used yet."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import to_local, utcnow
from cdso.models import Account, ImportBatch, Organisation, Registration, Role, Unit
from cdso.services.accounts import assisted
from cdso.services.accounts import registration
from cdso.services.imports import pipeline, tabular
from cdso.services.accounts.registration import NewParticipant, create_participants
from cdso.services.imports.errors import Report
from cdso.services.imports.tabular import Column, RowError
from cdso.services.units.catalogue import tone_key

APPLY_CHUNK = 2000  # accounts written per multi-row INSERT batch
SLIPS_PER_PDF = 300  # a PDF of 30 pages renders in a few seconds, far under the worker timeout
COLUMNS = [
    Column("Họ và tên", required=True, hint="Họ và tên đầy đủ, có dấu. Ví dụ: Nguyễn Văn An."),
    Column("Ngày sinh", required=True,
           hint="Ngày/tháng/năm, ví dụ 05/03/2010 (hoặc ô kiểu ngày của Excel)."),
    Column("Giới tính", required=True, hint="Nam, Nữ hoặc Khác."),
    Column("Số điện thoại", required=True, aliases=("Điện thoại", "SĐT", "Số ĐT"),
           hint="Số di động 10 chữ số, mỗi người một số: là tên đăng nhập của người đó."),
    Column("Số CCCD", aliases=("CCCD", "Căn cước công dân", "Số căn cước"),
           hint="12 chữ số, bắt đầu bằng 0. Bỏ trống nếu cuộc thi không yêu cầu."),
    Column("Đối tượng", hint="Cán bộ, công chức, viên chức / Học sinh, sinh viên / Người dân / "
                             "Doanh nghiệp. Bỏ trống: theo loại đơn vị (trường học: học sinh)."),
    Column("Tổ dân phố, trường, cơ quan", aliases=("Tổ dân phố", "Thôn", "Trường", "Cơ quan"),
           hint="Cán bộ xã/phường: tên tổ dân phố, thôn, trường, cơ quan trong xã/phường "
                "(bỏ trống nếu không có). Cán bộ đơn vị: bỏ trống, là đơn vị của mình."),
    Column("Xã, phường", aliases=("Xã/phường/đặc khu", "Đơn vị hành chính"),
           hint="Xã, phường, đặc khu mới. Bỏ trống: xã, phường của cán bộ nhập danh sách."),
    Column("Xã, phường cũ", hint="Nếu chưa biết tên mới: xã, phường cũ (trước 1/7/2025)."),
    Column("Quận, huyện cũ", hint="Đi cùng xã, phường cũ. Ví dụ: Quận Ngô Quyền."),
]
EXAMPLES = [
    ["Nguyễn Văn An", "05/03/2010", "Nam", "0912345678", "", "Học sinh, sinh viên",
     "Trường THCS Chu Văn An", "Phường Gia Viên", "", ""],
    ["Trần Thị Bình", "17/08/1968", "Nữ", "0987654321", "031168001234", "Người dân",
     "Tổ dân phố số 1", "", "Phường Lạch Tray", "Quận Ngô Quyền"],
]


@dataclass
class EnrolmentScope:
    """Where an official may enrol people: a clerk their unit (and its organisations),
    a reporter their organisation only."""

    unit: Unit
    organisation: Organisation | None = None
    organisations: dict[str, Organisation] = field(default_factory=dict)


def scope_of(account: Account) -> EnrolmentScope | None:
    if account.role == Role.REPORTER.value and account.organisation_id:
        organisation = db.session.get(Organisation, account.organisation_id)
        return EnrolmentScope(unit=organisation.unit, organisation=organisation,
                              organisations={organisation.name_key: organisation})
    if account.role == Role.CLERK.value and account.unit_id:
        unit = db.session.get(Unit, account.unit_id)
        return EnrolmentScope(unit=unit, organisations={o.name_key: o
                                                        for o in unit.organisations})
    return None


@dataclass(slots=True)
class Enrollee:
    row: int
    person: NewParticipant


@dataclass
class EnrolmentReport(Report):
    READ = "people"
    people: list[Enrollee] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _organisation(text: str, scope: EnrolmentScope) -> tuple[Organisation | None, str | None]:
    if scope.organisation is not None:
        if text and tone_key(text) != scope.organisation.name_key:
            return None, (f"«{text}» không phải {scope.organisation.name}: cán bộ đơn vị chỉ "
                          "đăng ký được thành viên của đơn vị mình.")
        return scope.organisation, None
    if not text:
        return None, None
    found = scope.organisations.get(tone_key(text))
    if found:
        return found, None
    names = ", ".join(o.name for o in list(scope.organisations.values())[:6])
    known = f" Các tên đã có: {names}." if names else ""
    return None, (f"Không có «{text}» trong các tổ dân phố, trường, cơ quan của "
                  f"{scope.unit.name}.{known}")


def _check_row(number: int, row: dict, contest, scope: EnrolmentScope,
               units: tabular.UnitResolver, today: dt.date) -> tuple[dict, RowError]:
    """One row's values by the registration rules, and what is wrong with it."""
    error = RowError(number, row.get("Họ và tên") or row.get("Số điện thoại") or "")
    values: dict = {}
    clean = tabular.clean_into
    clean(values, error, "full_name", registration.clean_full_name, row.get("Họ và tên"))
    clean(values, error, "birth_date", registration.clean_birth_date, row.get("Ngày sinh"),
          contest, today)
    clean(values, error, "gender", tabular.clean_gender_text, row.get("Giới tính"))
    clean(values, error, "phone", registration.clean_phone, row.get("Số điện thoại"))
    clean(values, error, "cccd", registration.clean_cccd, row.get("Số CCCD"),
          contest.cccd_required)
    organisation, problem = _organisation(row.get("Tổ dân phố, trường, cơ quan", ""), scope)
    if problem:
        error.messages.append(problem)
    clean(values, error, "group", tabular.clean_group_text, row.get("Đối tượng"), organisation)
    unit_id, problem = units.resolve(row.get("Xã, phường", ""), row.get("Xã, phường cũ", ""),
                                     row.get("Quận, huyện cũ", ""), default=scope.unit)
    if problem:
        error.messages.append(problem)
    elif unit_id != scope.unit.id:
        error.messages.append(f"Người này thuộc {units.name(unit_id)}, không thuộc "
                              f"{scope.unit.name}: chỉ đăng ký được người của đơn vị mình.")
    values.update(unit_id=unit_id, organisation_id=organisation.id if organisation else None)
    return values, error


def check_members(rows: list[tuple[int, dict]], contest, scope: EnrolmentScope,
                  today: dt.date) -> EnrolmentReport:
    """Check every row with the registration rules; nothing is written. Each good row is
    kept as a NewParticipant at once (not as its cells), so 100,000 rows stay small."""
    report = EnrolmentReport()
    units = tabular.UnitResolver()
    seen_phone: dict[str, int] = {}
    seen_cccd: dict[str, int] = {}
    checked: list[tuple[int, NewParticipant | None, str | None, str | None, RowError]] = []
    for index, (number, row) in enumerate(rows):
        if index % 500 == 0:
            pipeline.tick(index, 2 * len(rows))  # checking: the first half
        values, error = _check_row(number, row, contest, scope, units, today)
        phone, cccd = values.get("phone"), values.get("cccd")
        if phone and phone in seen_phone:
            error.messages.append(f"Trùng số điện thoại với dòng {seen_phone[phone]}.")
        if cccd and cccd in seen_cccd:
            error.messages.append(f"Trùng số CCCD với dòng {seen_cccd[cccd]}.")
        if phone:
            seen_phone.setdefault(phone, number)
        if cccd:
            seen_cccd.setdefault(cccd, number)
        person = None if error.messages else NewParticipant(password="", **values)
        checked.append((number, person, phone, cccd, None if person else error))
    taken_phones = tabular.existing_values(Account.phone, list(seen_phone))
    taken_cccds = tabular.existing_values(Account.cccd, list(seen_cccd))
    for number, person, phone, cccd, error in checked:
        if phone in taken_phones or (cccd and cccd in taken_cccds):
            error = error or RowError(number, person.full_name)
        if phone in taken_phones:
            error.messages.append("Số điện thoại này đã có tài khoản trên hệ thống "
                                  "(người này đã đăng ký).")
        if cccd and cccd in taken_cccds:
            error.messages.append("Số CCCD này đã được dùng cho một tài khoản khác.")
        if error is not None:
            report.errors.append(error)
        else:
            report.people.append(Enrollee(number, person))
    return report


@dataclass
class Preview:
    """A checked list as its preview shows it, kept with the job (JSON) from the check,
    in the request or on a worker, to the page."""

    count: int
    rows: list  # the first rows, as the preview table shows them
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors and self.count > 0


def summary(report: EnrolmentReport, rows: int) -> dict:
    return {"ok": report.ok, "count": len(report.people),
            "errors": [error.as_dict() for error in report.errors],
            "rows": [{"row": item.row, "full_name": item.person.full_name,
                      "birth_date": item.person.birth_date.isoformat(),
                      "phone": item.person.phone, "group": item.person.group,
                      "organisation_id": item.person.organisation_id}
                     for item in report.people[:rows]]}


def preview_of(kept: dict) -> Preview:
    from types import SimpleNamespace
    rows = [SimpleNamespace(**{**row, "birth_date": dt.date.fromisoformat(row["birth_date"])})
            for row in kept.get("rows", [])]
    return Preview(kept.get("count", 0), rows,
                   [RowError.from_dict(error) for error in kept.get("errors", [])])


def enrol_members(report: EnrolmentReport, contest, actor: Account, *, filename: str,
                  digest: str, ip: str | None = None) -> ImportBatch:
    """Create every account of a checked list, or none (the caller commits or rolls
    back). A file already enrolled fails on the batch's unique hash at flush."""
    if not report.ok:
        raise ValueError("the list has errors")
    batch = ImportBatch(kind="members", source="", filename=filename[:200], sha256=digest,
                        row_count=len(report.people), created_by_id=actor.id,
                        created_at=utcnow())
    db.session.add(batch)
    db.session.flush()
    for start in range(0, len(report.people), APPLY_CHUNK):  # bounded memory, one transaction
        chunk = report.people[start:start + APPLY_CHUNK]
        create_participants(contest, [e.person for e in chunk], created_by=actor,
                            import_batch_id=batch.id, password_hash=assisted.NO_PASSWORD)
        pipeline.tick(len(report.people) + start + len(chunk), 2 * len(report.people))
    assisted.log_action(actor, "members.enrol", target_type="import_batch",
                        target_id=batch.id, ip=ip,
                        detail={"filename": filename, "count": len(report.people)})
    return batch


def open_contest():
    from cdso.services.contest.current import current_contest
    contest = current_contest()
    return contest if contest and utcnow() < contest.closes_at else None


def check_upload(filename: str, data: bytes, contest, scope: EnrolmentScope) -> EnrolmentReport:
    """Read (with the upload guard) and check a member list; nothing is written."""
    rows = tabular.Draining(tabular.read_table(filename, data, COLUMNS))
    return check_members(rows, contest, scope, to_local(utcnow()).date())


def _in_scope(query, scope: EnrolmentScope):
    query = query.where(Registration.unit_id == scope.unit.id)
    if scope.organisation is not None:
        query = query.where(Registration.organisation_id == scope.organisation.id)
    return query


def batches(scope: EnrolmentScope, limit: int = 20) -> list[ImportBatch]:
    """The member lists enrolled in this scope, newest first."""
    ids = _in_scope(select(Registration.import_batch_id), scope).where(
        Registration.import_batch_id.is_not(None)).distinct()
    return list(db.session.scalars(select(ImportBatch).where(
        ImportBatch.kind == "members", ImportBatch.id.in_(ids))
        .order_by(ImportBatch.created_at.desc()).limit(limit)))


def batch_in_scope(batch_id: int, scope: EnrolmentScope) -> ImportBatch | None:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.kind != "members":
        return None
    inside = db.session.scalar(_in_scope(select(Registration.id), scope).where(
        Registration.import_batch_id == batch.id).limit(1))
    return batch if inside else None


def batch_accounts(batch: ImportBatch, scope: EnrolmentScope) -> list[Account]:
    """The batch's accounts in the order of the list."""
    return list(db.session.scalars(_in_scope(
        select(Account).join(Registration, Registration.account_id == Account.id), scope)
        .where(Registration.import_batch_id == batch.id).order_by(Registration.id)))


def slip_parts(count: int) -> list[tuple[int, int, int]]:
    """(part, first, last) numbers of the slips PDFs for a list of `count` people."""
    return [(index + 1, start + 1, min(start + SLIPS_PER_PDF, count))
            for index, start in enumerate(range(0, count, SLIPS_PER_PDF))]


def issue_slips(batch: ImportBatch, scope: EnrolmentScope, part: int, actor: Account, *,
                ip: str | None = None) -> list[assisted.Slip] | None:
    """New one-time passwords for one part of the list, for the people who have not chosen
    their own password yet (earlier slips of theirs stop working). None: no such part."""
    accounts = batch_accounts(batch, scope)
    if part < 1 or (part - 1) * SLIPS_PER_PDF >= len(accounts):
        return None
    chunk = accounts[(part - 1) * SLIPS_PER_PDF: part * SLIPS_PER_PDF]
    slips, issued = [], []
    for account in chunk:
        if not account.must_change_password:
            continue  # they logged in and chose their own password: nothing to print
        slips.append(assisted.slip_for(account, assisted.set_one_time_password(account)))
        issued.append(account.id)
    db.session.flush()
    assisted.log_action(actor, "members.slips", target_type="import_batch", target_id=batch.id,
                        ip=ip, detail={"part": part, "account_ids": issued})
    return slips
