"""The people and units of a ranking run, for the review page, the public winners page,
the XLSX list and the official notice (Decree 30 format, templates/pdf/dispatch.html)."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select

from cdso.extensions import db
from cdso.services.exports import print_setup
from cdso.formatting import date_long, duration, moment_phrase, number, percent, to_local
from cdso.models import Account, Contest, RankingEntry, RankingRun, Unit
from cdso.models.contest import PREDICTION_RULES
from cdso.services.accounts.masking import mask_name
from cdso.services.contest.ranking import KIND_LABELS, run_title
from cdso.services.exports import guard


@dataclass
class Row:
    place: int
    prize: str | None
    decided_by: str
    unit_name: str
    full_name: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    score: int | None = None
    prediction_gap: int | None = None
    duration_seconds: int | None = None
    finished_at: dt.datetime | None = None
    finished_count: int | None = None
    coverage: float | None = None

    @property
    def masked_name(self) -> str:
        return mask_name(self.full_name) if self.full_name else ""


def rows(run: RankingRun, winners_only: bool = False) -> list[Row]:
    query = (select(RankingEntry, Account, Unit)
             .outerjoin(Account, Account.id == RankingEntry.account_id)
             .outerjoin(Unit, Unit.id == RankingEntry.unit_id)
             .where(RankingEntry.run_id == run.id).order_by(RankingEntry.place))
    if winners_only:
        query = query.where(RankingEntry.prize.is_not(None))
    out = []
    for entry, account, unit in db.session.execute(query):
        out.append(Row(
            place=entry.place, prize=entry.prize, decided_by=entry.decided_by,
            unit_name=unit.name if unit else "", full_name=account.full_name if account else "",
            birth_date=account.birth_date if account else None,
            phone=(account.phone or "") if account else "", score=entry.score,
            prediction_gap=entry.prediction_gap, duration_seconds=entry.duration_seconds,
            finished_at=entry.finished_at, finished_count=entry.finished_count,
            coverage=entry.coverage))
    return out


def _moment_line(run: RankingRun) -> str:
    if run.published_at:
        return f"Công bố lúc {moment_phrase(run.published_at)}"
    return f"Bản tính lúc {moment_phrase(run.computed_at)} (chưa công bố)"


def _columns(run: RankingRun) -> list[tuple[str, int]]:
    if run.kind == "individual":
        return [("STT", 6), ("Giải", 18), ("Họ và tên", 26), ("Ngày sinh", 12),
                ("Điện thoại", 14), ("Xã, phường, đặc khu", 26), ("Điểm", 8),
                ("Chênh lệch dự đoán", 12), ("Thời gian làm bài (giây)", 12),
                ("Thời điểm nộp bài", 18), ("Tiêu chí quyết định", 18)]
    return [("STT", 6), ("Giải", 18), ("Xã, phường, đặc khu", 30), ("Hoàn thành bài thi", 14),
            ("Tỷ lệ bao phủ", 12), ("Tiêu chí quyết định", 18)]


def workbook(run: RankingRun, contest: Contest) -> bytes:
    """The winners as XLSX: a title row, the moment, then one row per prize."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách đạt giải"
    columns = _columns(run)
    guard.append(sheet, [f"Danh sách đạt giải — {run_title(run)} — Cuộc thi “{contest.name}”"])
    sheet["A1"].font = Font(bold=True, size=13)
    guard.append(sheet, [_moment_line(run) + _truth_line(run, contest, prefix="; ")])
    sheet["A2"].font = Font(italic=True)
    guard.append(sheet, [])
    guard.append(sheet, [header for header, _ in columns])
    for index in range(1, len(columns) + 1):
        cell = sheet.cell(row=4, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5EE")
    sheet.freeze_panes = "A5"
    for row in rows(run, winners_only=True):
        if run.kind == "individual":
            guard.append(sheet, [row.place, row.prize, row.full_name, row.birth_date, row.phone,
                          row.unit_name, row.score, row.prediction_gap, row.duration_seconds,
                          to_local(row.finished_at).replace(tzinfo=None)
                          if row.finished_at else None, row.decided_by])
            sheet.cell(row=sheet.max_row, column=4).number_format = "dd/mm/yyyy"
            sheet.cell(row=sheet.max_row, column=8).number_format = "#,##0"
            sheet.cell(row=sheet.max_row, column=10).number_format = "dd/mm/yyyy hh:mm:ss"
        else:
            guard.append(sheet, [row.place, row.prize, row.unit_name, row.finished_count,
                          row.coverage, row.decided_by])
            sheet.cell(row=sheet.max_row, column=4).number_format = "#,##0"
            sheet.cell(row=sheet.max_row, column=5).number_format = "0.0%"
    print_setup.fit_sheet(sheet, header_rows=(4, 4), title_rows=(1, 2),
                          minimum=[width for _, width in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _truth_line(run: RankingRun, contest: Contest, prefix: str = "") -> str:
    if run.truth_value is None:
        return ""
    rule = PREDICTION_RULES.get(contest.prediction_rule, "Con số đúng").lower()
    return f"{prefix}con số đúng của câu hỏi dự đoán ({rule}): {number(run.truth_value)}"


def document(run: RankingRun, contest: Contest, now: dt.datetime) -> dict:
    """The winners notice as a Decree-30 document (context `doc` of pdf/dispatch.html)."""
    where = run.round.name.lower() if run.round is not None else "toàn Cuộc thi"
    moment = run.published_at or now
    winners = rows(run, winners_only=True)
    body = [
        {"style": "normal", "text":
            f"Căn cứ Thể lệ Cuộc thi “{contest.name}”, Ban Tổ chức Cuộc thi thông báo kết quả "
            f"xét giải {KIND_LABELS[run.kind].lower()} {where} (bài thi nộp từ "
            f"{moment_phrase(run.window_start)} đến trước {moment_phrase(run.window_end)})."},
    ]
    if run.kind == "individual":
        body.append({"style": "normal", "text":
            "Thứ tự xếp hạng: điểm cao hơn; nếu bằng điểm thì dự đoán gần con số đúng hơn; "
            "rồi thời gian làm bài ngắn hơn; rồi nộp bài sớm hơn. Mỗi người chỉ được tính "
            "lượt thi có kết quả cao nhất."})
        truth = _truth_line(run, contest)
        body.append({"style": "normal", "text": truth[:1].upper() + truth[1:] + "."})
    else:
        body.append({"style": "normal", "text":
            "Thứ tự xếp hạng: tỷ lệ người hoàn thành bài thi trên dân số trưởng thành cao hơn; "
            "nếu bằng nhau thì số người hoàn thành bài thi nhiều hơn."})
    body.append({"style": "normal", "text":
        f"Có {number(len(winners))} giải được trao, danh sách chi tiết tại phụ lục kèm theo."})
    body.append({"style": "normal", "text": "Trân trọng./."})
    if run.kind == "individual":
        columns = ["STT", "Giải", "Họ và tên", "Xã, phường, đặc khu", "Điểm",
                   "Lệch dự đoán", "Thời gian làm bài"]
        table = [[number(r.place), r.prize, r.full_name, r.unit_name, number(r.score),
                  number(r.prediction_gap), duration(r.duration_seconds)] for r in winners]
        numeric = [4, 5]
    else:
        columns = ["STT", "Giải", "Xã, phường, đặc khu", "Hoàn thành bài thi", "Tỷ lệ bao phủ"]
        table = [[number(r.place), r.prize, r.unit_name, number(r.finished_count),
                  percent(r.coverage)] for r in winners]
        numeric = [3, 4]
    signer_lines = [line for line in (contest.signer_title or "").splitlines() if line.strip()]
    return {
        "parent_agency": contest.parent_agency.upper(),
        "issuing_agency": contest.organiser.upper(),
        "number_symbol": "Số:      /TB-BTC",
        "place_date": f"Hải Phòng, {date_long(moment)}",
        "subject": f"V/v thông báo kết quả xét giải {where} Cuộc thi “{contest.name}”",
        "recipients": ["Các thí sinh, đơn vị đạt giải",
                       "Ủy ban nhân dân các xã, phường, đặc khu"],
        "body": body,
        "appendix": {
            "title": f"DANH SÁCH ĐẠT GIẢI {KIND_LABELS[run.kind].upper()} — "
                     f"{(run.round.name if run.round else 'TOÀN CUỘC THI').upper()}",
            "subtitle": f"({_moment_line(run)})",
            "columns": columns, "rows": table, "numeric_columns": numeric,
        },
        "copy_list": ["Như trên", "Lưu: VT"],
        "signing_lines": signer_lines,
        "signer": contest.signer_name,
    }
