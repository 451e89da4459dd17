"""Questions from tabular files (CSV/XLSX rows as dicts with Vietnamese headers):
checked row by row, imported all or nothing. `cdso init` loads the shipped bank
through the same code."""
from __future__ import annotations

import hashlib
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import datetime_short, number, utcnow
from cdso.models import AuditLog, Choice, ImportBatch, Question, QuestionStatus, Topic
from cdso.models.bank import DIFFICULTY_LABELS
from cdso.services.units import plain_key, tone_key

LETTERS = "ABCDEF"
HEADERS = ["Chủ đề", "Câu hỏi", *[f"Phương án {x}" for x in LETTERS], "Đáp án đúng",
           "Giải thích", "Mức độ", "Nguồn"]
MAX_TEXT, MAX_CHOICE, MAX_EXPLANATION, MAX_SOURCE = 1000, 300, 2000, 300
BANK_DIR = Path(__file__).resolve().parent.parent / "data" / "question_bank"


def text_key(text: str) -> str:
    """The identity of a question's text, folded so that spacing and case don't matter."""
    return hashlib.sha256(tone_key(text).encode()).hexdigest()


@dataclass
class ParsedQuestion:
    row: int
    topic: str
    text: str
    choices: list[str]
    correct: int  # index into choices
    explanation: str
    difficulty: int
    source: str


@dataclass
class ImportReport:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.questions)


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _difficulty(value: str) -> int | None:
    """1, 2, 3 (also "1.0" from a spreadsheet) or the labels Dễ, Trung bình, Khó."""
    labels = {tone_key(label): level for level, label in DIFFICULTY_LABELS.items()}
    if tone_key(value) in labels:
        return labels[tone_key(value)]
    try:
        level = float(value)
    except ValueError:
        return None
    return int(level) if level in (1, 2, 3) else None


def check_row(row: dict, topics: dict[str, str], existing: Container[str],
              create_topics: bool = False) -> tuple[ParsedQuestion | None, list[tuple[str, str]]]:
    """Check one question given as a row (Vietnamese headers as keys). Returns the parsed
    question, or the problems as (column header, reason) pairs. `topics` maps the folded
    topic name to its name; `existing` holds the text keys the text must not repeat."""
    problems: list[tuple[str, str]] = []
    topic = _cell(row, "Chủ đề")
    if not topic:
        problems.append(("Chủ đề", "thiếu chủ đề"))
    elif tone_key(topic) not in topics and not create_topics:
        problems.append(("Chủ đề", f"chủ đề «{topic}» không có trong ngân hàng"))
    text = _cell(row, "Câu hỏi")
    if not text:
        problems.append(("Câu hỏi", "câu hỏi để trống"))
    elif len(text) > MAX_TEXT:
        problems.append(("Câu hỏi", f"câu hỏi dài quá {MAX_TEXT} ký tự"))
    elif text_key(text) in existing:
        problems.append(("Câu hỏi", "trùng một câu hỏi đã có trong ngân hàng"))
    choices, letters = [], []
    for letter in LETTERS:
        choice = _cell(row, f"Phương án {letter}")
        if choice:
            choices.append(choice)
            letters.append(letter)
            if len(choice) > MAX_CHOICE:
                problems.append((f"Phương án {letter}",
                                 f"phương án {letter} dài quá {MAX_CHOICE} ký tự"))
    if len(choices) < 2:
        problems.append(("Phương án A", "cần ít nhất 2 phương án"))
    folded = [tone_key(c) for c in choices]
    duplicates = [letters[i] for i, key in enumerate(folded) if key in folded[:i]]
    if duplicates:
        problems.append((f"Phương án {duplicates[0]}", "có phương án trùng nhau"))
    answer = _cell(row, "Đáp án đúng").upper().replace(" ", "")
    if not answer:
        problems.append(("Đáp án đúng", "không có đáp án đúng"))
    elif len(answer) > 1:
        problems.append(("Đáp án đúng", "chỉ được có một đáp án đúng"))
    elif answer not in letters:
        problems.append(("Đáp án đúng",
                         f"đáp án đúng «{answer}» không phải một phương án đã nhập"))
    explanation = _cell(row, "Giải thích")
    if len(explanation) > MAX_EXPLANATION:
        problems.append(("Giải thích", f"giải thích dài quá {MAX_EXPLANATION} ký tự"))
    source = _cell(row, "Nguồn")
    if len(source) > MAX_SOURCE:
        problems.append(("Nguồn", f"nguồn dài quá {MAX_SOURCE} ký tự"))
    difficulty = _difficulty(_cell(row, "Mức độ") or "1")
    if difficulty is None:
        problems.append(("Mức độ", "mức độ phải là 1 (Dễ), 2 (Trung bình) hoặc 3 (Khó)"))
    if problems:
        return None, problems
    return ParsedQuestion(
        row=0, topic=topics.get(tone_key(topic), topic), text=text, choices=choices,
        correct=letters.index(answer), explanation=explanation, difficulty=difficulty,
        source=source), []


def topic_names() -> dict[str, str]:
    return {tone_key(t.name): t.name for t in db.session.scalars(select(Topic))}


def parse_rows(rows: list[dict], *, create_topics: bool = False, first_row: int = 2) -> ImportReport:
    """Check every row; `first_row` is the sheet row number of rows[0] (after the header)."""
    report = ImportReport()
    topics = topic_names()
    existing = set(db.session.scalars(select(Question.text_key).where(
        Question.status == QuestionStatus.ACTIVE.value)))
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows):
        number = first_row + offset
        if not any(_cell(row, h) for h in HEADERS):
            continue  # blank line
        parsed, problems = check_row(row, topics, existing, create_topics)
        reasons = [reason for _, reason in problems]
        text = _cell(row, "Câu hỏi")
        if text and len(text) <= MAX_TEXT:
            key = text_key(text)
            if key in seen and key not in existing:
                reasons.append(f"trùng câu hỏi ở dòng {seen[key]}")
            seen.setdefault(key, number)
        if reasons:
            report.errors.append((number, "; ".join(reasons)))
            continue
        parsed.row = number
        report.questions.append(parsed)
    if not report.questions and not report.errors:
        report.errors.append((first_row, "tệp không có câu hỏi nào"))
    return report


def import_questions(report: ImportReport, created_by_id: int | None = None) -> list[Question]:
    """Create every checked question; refuses a report with errors (all or nothing)."""
    if not report.ok:
        raise ValueError("report has errors")
    topics = {t.name: t for t in db.session.scalars(select(Topic))}
    now = utcnow()
    created = []
    for parsed in report.questions:
        topic = topics.get(parsed.topic)
        if topic is None:
            topic = topics[parsed.topic] = Topic(name=parsed.topic, position=len(topics) + 1)
            db.session.add(topic)
        question = Question(topic=topic, text=parsed.text, text_key=text_key(parsed.text),
                            explanation=parsed.explanation, difficulty=parsed.difficulty,
                            source=parsed.source, created_at=now, created_by_id=created_by_id)
        question.choices = [Choice(position=i + 1, text=c, is_correct=(i == parsed.correct))
                            for i, c in enumerate(parsed.choices)]
        db.session.add(question)
        created.append(question)
    db.session.flush()
    for question in created:
        question.root_id = question.id
    db.session.flush()
    return created


def shipped_bank_rows() -> list[dict]:
    import csv
    rows = []
    for path in sorted(BANK_DIR.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


class UploadError(ValueError):
    """A file that cannot be read as a question table; the message is for the person."""


MAX_ROWS = 2000


def _header_map(header: list[str]) -> list[str | None]:
    """The template header each file column stands for (None for a blank column);
    accents, case and spacing in the file's headers do not matter."""
    known = {plain_key(h): h for h in HEADERS}
    mapped, unknown = [], []
    for title in header:
        if not title.strip():
            mapped.append(None)
            continue
        canonical = known.get(plain_key(title))
        if canonical is None:
            unknown.append(title.strip())
        mapped.append(canonical)
    if unknown:
        raise UploadError("Dòng 1 có cột không thuộc mẫu: " + ", ".join(f"«{u}»" for u in unknown)
                          + ". Xin dùng tệp mẫu tải về từ trang này.")
    missing = [h for h in ("Chủ đề", "Câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng")
               if h not in mapped]
    if missing:
        raise UploadError("Dòng 1 thiếu cột: " + ", ".join(f"«{m}»" for m in missing)
                          + ". Xin dùng tệp mẫu tải về từ trang này.")
    return mapped


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_lines(data: bytes) -> list[list[str]]:
    import csv
    import io
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("Tệp CSV cần được lưu với bảng mã UTF-8 (trong Excel: Lưu thành → "
                          "«CSV UTF-8»).") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_lines(data: bytes) -> list[list[str]]:
    import io
    import zipfile

    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UploadError("Không đọc được tệp Excel. Xin lưu lại dạng .xlsx rồi tải lên.") from None
    try:
        lines = []
        for values in book.worksheets[0].iter_rows(values_only=True):
            lines.append([_as_text(v) for v in values])
            if len(lines) > MAX_ROWS + 50:
                break
        return lines
    finally:
        book.close()


def read_upload(filename: str, data: bytes) -> list[list[str]]:
    """The rows of an uploaded .xlsx or .csv as lists of strings in HEADERS order (row 1 is
    the header and is left out, so the sheet row of result[i] is i + 2; blank rows are kept
    so that row numbers stay those of the sheet)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(data)
    elif name.endswith(".csv"):
        lines = _csv_lines(data)
    else:
        raise UploadError("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")
    if not lines:
        raise UploadError("Tệp trống.")
    columns = _header_map([_as_text(v) for v in lines[0]])
    rows = []
    for line in lines[1:]:
        values = dict.fromkeys(HEADERS, "")
        for column, value in zip(columns, line, strict=False):
            if column:
                values[column] = _as_text(value)
        rows.append([values[h] for h in HEADERS])
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) > MAX_ROWS:
        raise UploadError(f"Tệp có quá {number(MAX_ROWS)} dòng câu hỏi. "
                          "Xin chia thành nhiều tệp nhỏ hơn.")
    return rows


def as_dicts(rows: list[list[str]]) -> list[dict]:
    return [dict(zip(HEADERS, row, strict=False)) for row in rows]


# Between the preview and the confirmation the checked rows travel in a signed, compressed
# hidden field: no worker memory, no local file, so any app node can take the second step.
IMPORT_SALT = "cdso.bank-import"
IMPORT_MAX_AGE = 6 * 3600
MAX_TOKEN_CHARS = 450_000  # under the 500 kB a form field may hold


@dataclass
class UploadPreview:
    filename: str
    report: ImportReport
    token: str
    already: ImportBatch | None  # the same file was confirmed before


def _serializer(secret: str):
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(secret, salt=IMPORT_SALT)


def previous_import(sha256: str) -> ImportBatch | None:
    return db.session.scalar(select(ImportBatch).where(
        ImportBatch.kind == "questions", ImportBatch.sha256 == sha256))


def preview_upload(filename: str, data: bytes, account_id: int, secret: str) -> UploadPreview:
    """Read and check an uploaded file without writing anything (raises UploadError)."""
    rows = read_upload(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    token = _serializer(secret).dumps({"f": filename[-200:], "s": digest, "a": account_id,
                                       "r": rows})
    if len(token) > MAX_TOKEN_CHARS:
        raise UploadError("Tệp có quá nhiều câu hỏi cho một lần nhập. Xin chia thành các tệp "
                          "nhỏ hơn (khoảng 1.000 câu mỗi tệp).")
    return UploadPreview(filename, parse_rows(as_dicts(rows)), token, previous_import(digest))


def open_upload(token: str, account_id: int, secret: str) -> dict | None:
    """The payload of a preview made by this account in the last hours, or None."""
    from itsdangerous import BadData
    try:
        payload = _serializer(secret).loads(token, max_age=IMPORT_MAX_AGE)
    except BadData:
        return None
    return payload if payload.get("a") == account_id else None


def confirm_upload(payload: dict, actor_id: int, now) -> tuple[ImportReport, list[Question]]:
    """Check the rows again against the bank as it is now, then import all or none.
    Raises UploadError if this file was already imported."""
    already = previous_import(payload["s"])
    if already is not None:
        raise UploadError(f"Tệp này đã được nhập lúc {datetime_short(already.created_at)} "
                          f"({number(already.row_count)} câu); không nhập lại.")
    report = parse_rows(as_dicts(payload["r"]))
    if not report.ok:
        return report, []
    created = import_questions(report, created_by_id=actor_id)
    batch = ImportBatch(kind="questions", source="office", filename=payload["f"],
                        sha256=payload["s"], row_count=len(created), created_by_id=actor_id,
                        created_at=now)
    db.session.add(batch)
    db.session.flush()
    db.session.add(AuditLog(at=now, actor_id=actor_id, action="bank.import",
                            target_type="import_batch", target_id=batch.id,
                            detail={"filename": payload["f"], "questions": len(created)}))
    db.session.flush()
    return report, created
