"""Results of paper sessions (or of another platform) imported as finished attempts.

A row is a person (phone, name, unit), a date and a score. Rows are checked first, with
the registration rules and the contest's limits, and imported all or nothing. Each row
has a stable key (contest, phone, date, score, prediction), kept as the attempt's
`external_ref`: importing the same rows again, even in another file, creates nothing.
Imported attempts count in every figure from the moment they are recorded, and apart as
`imported_attempts`."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import local_to_utc, to_local
from cdso.formatting import number as shown_number
from cdso.models import (Account, Attempt, AttemptStatus, ImportBatch, Registration, Role,
                         Unit)
from cdso.services.accounts import assisted
from cdso.services.accounts import registration
from cdso.services.contest import counting
from cdso.services.figures import stats
from cdso.services.imports import pipeline, tabular
from cdso.services.accounts.registration import Invalid, NewParticipant, create_participants
from cdso.services.imports.tabular import Column, RowError
from cdso.services.units.catalogue import tone_key

COLUMNS = [
    Column("Họ và tên", required=True, hint="Họ và tên đầy đủ, có dấu."),
    Column("Số điện thoại", required=True, aliases=("Điện thoại", "SĐT", "Số ĐT"),
           hint="Số di động của người dự thi: nhận ra người đã có tài khoản; người chưa có "
                "được tạo tài khoản (tổ công nghệ số cấp mật khẩu sau)."),
    Column("Xã, phường", aliases=("Xã/phường/đặc khu", "Đơn vị", "Đơn vị hành chính"),
           hint="Xã, phường, đặc khu mới. Cán bộ xã/phường có thể bỏ trống (là đơn vị mình)."),
    Column("Xã, phường cũ", hint="Nếu chưa biết tên mới: xã, phường cũ (trước 1/7/2025)."),
    Column("Quận, huyện cũ", hint="Đi cùng xã, phường cũ. Ví dụ: Huyện Cẩm Giàng."),
    Column("Ngày thi", required=True, aliases=("Ngày dự thi",),
           hint="Ngày/tháng/năm, trong thời gian cuộc thi. Ví dụ 25/10/2025."),
    Column("Điểm", required=True, aliases=("Số câu đúng", "Số câu trả lời đúng"),
           hint="Số câu trả lời đúng, từ 0 đến số câu của một lượt thi."),
    Column("Dự đoán", aliases=("Câu hỏi dự đoán", "Số dự đoán"),
           hint="Câu trả lời cho câu hỏi dự đoán (một số), nếu có."),
    Column("Ngày sinh", hint="Không bắt buộc. Ngày/tháng/năm."),
    Column("Giới tính", hint="Không bắt buộc. Nam, Nữ hoặc Khác."),
    Column("Đối tượng", hint="Không bắt buộc (mặc định: Người dân)."),
]
EXAMPLES = [
    ["Phạm Văn Hải", "0912345678", "Đặc khu Bạch Long Vĩ", "", "", "25/10/2025", "17", "85000",
     "", "Nam", ""],
    ["Lê Thị Mai", "0987654321", "", "Xã Phúc Điền", "Huyện Cẩm Giàng", "26/10/2025", "14", "",
     "12/04/1975", "Nữ", "Người dân"],
]


@dataclass
class ResultRow:
    row: int
    full_name: str
    phone: str
    unit_id: int
    day: dt.date
    score: int
    prediction: int | None
    birth_date: dt.date | None
    gender: str | None
    group: str
    external_ref: str
    override_reason: str = ""  # an official let this attempt past the limit, and why


@dataclass
class OverLimit:
    """A row that would give the person more attempts than the contest allows: refused
    unless the official writes a reason for it (`reason`, as typed; `error` on it)."""

    row: ResultRow
    message: str
    reason: str = ""
    error: str | None = None


@dataclass
class ResultsReport:
    rows: list[ResultRow] = field(default_factory=list)  # new: to import
    errors: list[RowError] = field(default_factory=list)
    already_imported: list[int] = field(default_factory=list)  # row numbers, skipped
    new_people: int = 0
    over_limit: list[OverLimit] = field(default_factory=list)  # every row past the limit

    @property
    def pending(self) -> list[OverLimit]:
        """Rows past the limit without a valid reason: nothing is imported while any."""
        return [o for o in self.over_limit if not o.row.override_reason]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.pending


@dataclass
class Preview:
    """A checked results file as its preview shows it, kept with the job (JSON) from the
    check, in the request or on a worker, to the page and its confirmation."""

    count: int  # new rows to import
    new_people: int
    already_imported: list[int]
    errors: list[RowError]
    over_limit: list

    @property
    def pending(self) -> list:
        return [item for item in self.over_limit if not item.reason or item.error]


def summary(report: ResultsReport) -> dict:
    return {"ok": not report.errors, "count": len(report.rows),
            "new_people": report.new_people, "already_imported": report.already_imported,
            "errors": [error.as_dict() for error in report.errors],
            "over_limit": [{"row": o.row.row, "full_name": o.row.full_name,
                            "day": o.row.day.isoformat(), "score": o.row.score,
                            "message": o.message} for o in report.over_limit]}


def preview_of(kept: dict, overrides: dict[int, str] | None = None) -> Preview:
    """The kept check; with `overrides`, each row past the limit gets the reason typed
    for it (and what is wrong with it), as the confirmation reads them."""
    from types import SimpleNamespace
    over = []
    for item in kept.get("over_limit", []):
        reason, error = counting.clean_override((overrides or {}).get(item["row"]))
        row = SimpleNamespace(row=item["row"], full_name=item["full_name"],
                              day=dt.date.fromisoformat(item["day"]), score=item["score"])
        over.append(OverLimit(row, item["message"], reason, error))
    return Preview(kept.get("count", 0), kept.get("new_people", 0),
                   kept.get("already_imported", []),
                   [RowError.from_dict(error) for error in kept.get("errors", [])], over)


def row_key(contest_id: int, phone: str, day: dt.date, score: int, prediction: int | None) -> str:
    guess = "" if prediction is None else prediction
    text = f"{contest_id}|{phone}|{day.isoformat()}|{score}|{guess}"
    return hashlib.sha256(text.encode()).hexdigest()


def contest_days(contest) -> tuple[dt.date, dt.date]:
    """The first and last day (Vietnam time) of the contest."""
    return (to_local(contest.opens_at).date(),
            to_local(contest.closes_at - dt.timedelta(microseconds=1)).date())


def clean_day(raw: str, contest, today: dt.date) -> dt.date:
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", (raw or "").strip())
    if not match:
        raise Invalid("Ngày thi cần theo dạng ngày/tháng/năm, ví dụ 25/10/2025."
                      if raw else "Thiếu ngày thi.")
    day, month, year = (int(x) for x in match.groups())
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise Invalid(f"Ngày thi {raw} không có thật. Xin kiểm tra lại ngày và tháng.") from None
    first, last = contest_days(contest)
    if not first <= value <= last:
        raise Invalid(f"Ngày thi {raw} nằm ngoài thời gian cuộc thi "
                      f"({first:%d/%m/%Y} – {last:%d/%m/%Y}).")
    if value > today:
        raise Invalid(f"Ngày thi {raw} chưa tới.")
    return value


def clean_score(raw: str, maximum: int) -> int:
    text = (raw or "").strip()
    if not re.fullmatch(r"\d+", text):
        raise Invalid(f"Điểm «{text}» phải là một số nguyên từ 0 đến {maximum}."
                      if text else "Thiếu điểm.")
    score = int(text)
    if score > maximum:
        raise Invalid(f"Điểm {score} vượt quá điểm tối đa {maximum} "
                      "(số câu của một lượt thi).")
    return score


def clean_prediction(raw: str) -> int | None:
    text = re.sub(r"[\s.,]", "", raw or "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise Invalid(f"Dự đoán «{raw}» phải là một số nguyên không âm.")
    return int(text)


def _optional(cleaner, raw, *args):
    return cleaner(raw, *args) if (raw or "").strip() else None


def check_results(rows: list[tuple[int, dict]], contest, scope_unit: Unit | None,
                  now: dt.datetime, overrides: dict[int, str] | None = None) -> ResultsReport:
    """Check every row; nothing is written. `scope_unit`: the clerk's unit (None: city);
    `overrides`: the reasons typed for rows past the attempt limit, by row number."""
    today = to_local(now).date()
    resolver = tabular.UnitResolver()
    checked: list[tuple[RowError, dict]] = []
    for index, (number, row) in enumerate(rows):
        if index % 500 == 0:
            pipeline.tick(index, 2 * len(rows))  # checking: the first half
        checked.append(_check_row(number, row, contest, scope_unit, today, resolver))
    _check_people(checked, contest)
    report = _sort_rows(checked, contest)
    _attempt_limit(report, contest, overrides or {})
    return report


def _check_row(number: int, row: dict, contest, scope_unit: Unit | None, today: dt.date,
               resolver) -> tuple[RowError, dict]:
    """One row's values, cleaned, and what is wrong with it."""
    error = RowError(number, row.get("Họ và tên") or row.get("Số điện thoại") or "")
    values: dict = {}
    clean = tabular.clean_into
    clean(values, error, "full_name", registration.clean_full_name, row.get("Họ và tên"))
    clean(values, error, "phone", registration.clean_phone, row.get("Số điện thoại"))
    clean(values, error, "day", clean_day, row.get("Ngày thi"), contest, today)
    clean(values, error, "score", clean_score, row.get("Điểm"), contest.questions_per_attempt)
    clean(values, error, "prediction", clean_prediction, row.get("Dự đoán"))
    clean(values, error, "birth_date", _optional, registration.clean_birth_date,
          row.get("Ngày sinh"), contest, today)
    clean(values, error, "gender", _optional, tabular.clean_gender_text, row.get("Giới tính"))
    clean(values, error, "group", tabular.clean_group_text, row.get("Đối tượng"))
    unit_id, problem = resolver.resolve(row.get("Xã, phường", ""), row.get("Xã, phường cũ", ""),
                                        row.get("Quận, huyện cũ", ""), default=scope_unit)
    if problem:
        error.messages.append(problem)
    elif scope_unit is not None and unit_id != scope_unit.id:
        error.messages.append(f"Người dự thi thuộc {resolver.name(unit_id)}: cán bộ "
                              f"{scope_unit.name} chỉ nhập kết quả của đơn vị mình.")
    values["unit_id"] = unit_id
    return error, values


def _sort_rows(checked: list[tuple[RowError, dict]], contest) -> ResultsReport:
    """Rows with errors, duplicates inside the file, rows imported before, and new rows."""
    report = ResultsReport()
    seen: dict[str, int] = {}
    refs = [row_key(contest.id, v["phone"], v["day"], v["score"], v.get("prediction"))
            for error, v in checked if not error.messages]
    imported = set(db.session.scalars(select(Attempt.external_ref).where(
        Attempt.contest_id == contest.id, Attempt.external_ref.in_(refs)))) if refs else set()
    new_phones = set()
    for error, values in checked:
        if error.messages:
            report.errors.append(error)
            continue
        ref = row_key(contest.id, values["phone"], values["day"], values["score"],
                      values.get("prediction"))
        if ref in seen:
            error.messages.append(f"Trùng hoàn toàn với dòng {seen[ref]} (cùng người, ngày thi, "
                                  "điểm và dự đoán).")
            report.errors.append(error)
            continue
        seen[ref] = error.row
        if ref in imported:
            report.already_imported.append(error.row)
            continue
        if values.get("is_new"):
            new_phones.add(values["phone"])
        report.rows.append(ResultRow(
            row=error.row, full_name=values["full_name"], phone=values["phone"],
            unit_id=values["unit_id"], day=values["day"], score=values["score"],
            prediction=values.get("prediction"), birth_date=values.get("birth_date"),
            gender=values.get("gender"), group=values["group"], external_ref=ref))
    report.new_people = len(new_phones)
    return report


def _attempt_limit(report: ResultsReport, contest, overrides: dict[int, str]) -> None:
    """An imported result counts against the same attempt limit as online ones
    (`counting.attempts_left`): a row past it is marked with the reason, and is imported
    only with an official's written reason for that row."""
    used = counting.used_attempts_by_phone(contest, sorted({r.phone for r in report.rows}))
    for row in report.rows:
        left = counting.attempts_left(contest, used.get(row.phone, 0))
        used[row.phone] = used.get(row.phone, 0) + 1
        if left > 0:
            continue
        before = used[row.phone] - 1
        message = (f"Vượt giới hạn {shown_number(contest.attempts_allowed)} lượt thi mỗi người: "
                   f"người này đã có {shown_number(before)} lượt (trực tuyến hoặc đã nhập), dòng "
                   f"này sẽ là lượt thứ {shown_number(before + 1)}.")
        reason, error = counting.clean_override(overrides.get(row.row))
        if reason and error is None:
            row.override_reason = reason
        report.over_limit.append(OverLimit(row, message, reason, error))


def _check_people(checked: list[tuple[RowError, dict]], contest) -> None:
    """The phone names the person: an existing account must be a participant with the
    same name and unit; the same new phone twice must be the same person."""
    phones = sorted({v["phone"] for _, v in checked if v.get("phone")})
    accounts: dict[str, Account] = {}
    for start in range(0, len(phones), 500):
        for account in db.session.scalars(select(Account).where(
                Account.phone.in_(phones[start:start + 500]))):
            accounts[account.phone] = account
    registered = dict(db.session.execute(select(Registration.account_id, Registration.unit_id)
                                         .where(Registration.contest_id == contest.id,
                                                Registration.account_id.in_(
                                                    [a.id for a in accounts.values()])))
                      .all()) if accounts else {}
    first_seen: dict[str, tuple[int, dict]] = {}
    for error, values in checked:
        phone, name = values.get("phone"), values.get("full_name")
        if not phone or not name:
            continue
        account = accounts.get(phone)
        if account is not None:
            if account.role != Role.PARTICIPANT.value:
                error.messages.append("Số điện thoại này thuộc một tài khoản cán bộ, không "
                                      "nhận kết quả thi.")
            elif tone_key(account.full_name) != tone_key(name):
                error.messages.append("Số điện thoại này đã đăng ký với họ tên khác. Xin kiểm "
                                      "tra lại số điện thoại hoặc họ tên.")
            elif account.id in registered and values.get("unit_id") not in (
                    None, registered[account.id]):
                error.messages.append("Người này đã đăng ký dự thi ở một xã, phường khác.")
            continue
        values["is_new"] = True
        if phone in first_seen:
            row, earlier = first_seen[phone]
            if tone_key(earlier["full_name"]) != tone_key(name):
                error.messages.append(f"Cùng số điện thoại với dòng {row} nhưng khác họ tên.")
            elif earlier.get("unit_id") != values.get("unit_id"):
                error.messages.append(f"Cùng người với dòng {row} nhưng khác xã, phường.")
        else:
            first_seen[phone] = (error.row, values)


def paper_moment(contest, day: dt.date, now: dt.datetime) -> dt.datetime:
    """Noon (Vietnam time) of the paper session's day, kept inside the contest window."""
    moment = local_to_utc(dt.datetime.combine(day, dt.time(12, 0)))
    return max(contest.opens_at, min(moment, contest.closes_at - dt.timedelta(seconds=1), now))


def import_results(report: ResultsReport, contest, actor: Account, *, source: str,
                   filename: str, digest: str, now: dt.datetime,
                   ip: str | None = None) -> ImportBatch | None:
    """Create the attempts of a checked file, all or none (the caller commits or rolls
    back). None when every row was imported before: nothing is created."""
    if not report.ok:
        raise ValueError("the file has errors")
    if not report.rows:
        return None
    batch = ImportBatch(kind="results", source=source[:200], filename=filename[:200],
                        sha256=digest, row_count=len(report.rows), created_by_id=actor.id,
                        created_at=now)
    db.session.add(batch)
    db.session.flush()
    registrations = _registrations_for(report.rows, contest, actor, batch)
    numbers = dict(db.session.execute(
        select(Attempt.registration_id, func.max(Attempt.number))
        .where(Attempt.registration_id.in_([r.id for r in registrations.values()]))
        .group_by(Attempt.registration_id)).all())
    created = []
    for row in report.rows:
        reg = registrations[row.phone]
        numbers[reg.id] = numbers.get(reg.id, 0) + 1
        moment = paper_moment(contest, row.day, now)
        attempt = Attempt(
            contest_id=contest.id, registration_id=reg.id, account_id=reg.account_id,
            number=numbers[reg.id], status=AttemptStatus.FINISHED.value, started_at=moment,
            deadline=moment, finished_at=moment, recorded_at=now, finished_by="import",
            question_count=contest.questions_per_attempt, score=row.score,
            prediction=row.prediction, source="import", import_batch_id=batch.id,
            external_ref=row.external_ref)
        db.session.add(attempt)
        created.append((reg, attempt))
    db.session.flush()  # one batched INSERT for every attempt
    stats.record_finished_attempts(created, recorded_at=now)
    assisted.log_action(actor, "results.import", target_type="import_batch", target_id=batch.id,
                        ip=ip, detail={"filename": filename, "source": source,
                                       "attempts": len(report.rows),
                                       "new_accounts": report.new_people})
    allowed_by = {r.external_ref: r for r in report.rows if r.override_reason}
    for reg, attempt in created:
        row = allowed_by.get(attempt.external_ref)
        if row is not None:
            assisted.log_action(actor, "results.import.over_limit", target_type="attempt",
                                target_id=attempt.id, ip=ip, detail={
                                    "account_id": reg.account_id, "row": row.row,
                                    "number": attempt.number, "batch_id": batch.id,
                                    "allowed": contest.attempts_allowed,
                                    "reason": row.override_reason})
    return batch


def _registrations_for(rows: list[ResultRow], contest, actor: Account,
                       batch: ImportBatch) -> dict[str, Registration]:
    """Each row's registration in the contest, creating the accounts (without a password,
    all in one go) or the registration when missing."""
    phones = sorted({r.phone for r in rows})
    accounts = {a.phone: a for a in db.session.scalars(select(Account).where(
        Account.phone.in_(phones)))}
    found = {reg.account.phone: reg for reg in db.session.scalars(
        select(Registration).join(Account, Account.id == Registration.account_id)
        .where(Registration.contest_id == contest.id, Account.phone.in_(phones)))}
    newcomers = {}
    for row in rows:
        if row.phone not in found and row.phone not in accounts:
            newcomers.setdefault(row.phone, NewParticipant(
                full_name=row.full_name, birth_date=row.birth_date, gender=row.gender,
                phone=row.phone, cccd=None, unit_id=row.unit_id, organisation_id=None,
                group=row.group, password=""))
    ids = create_participants(contest, list(newcomers.values()), created_by=actor,
                              import_batch_id=batch.id, password_hash=assisted.NO_PASSWORD)
    if ids:
        query = (select(Registration, Account.phone)
                 .join(Account, Account.id == Registration.account_id)
                 .where(Registration.contest_id == contest.id, Registration.account_id.in_(ids)))
        for reg, phone in db.session.execute(query):
            found[phone] = reg
    for row in rows:
        if row.phone in found:
            continue
        account = accounts[row.phone]  # registered in an earlier edition only
        reg = Registration(contest_id=contest.id, account_id=account.id, unit_id=row.unit_id,
                           group=row.group, import_batch_id=batch.id, created_at=batch.created_at)
        db.session.add(reg)
        db.session.flush()
        stats.record_registration(reg)
        found[row.phone] = reg
    return found
