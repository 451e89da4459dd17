"""Questions from tabular files (CSV/XLSX rows as dicts with Vietnamese headers):
checked row by row, imported all or nothing. `cdso init` loads the shipped bank
through the same code."""
from __future__ import annotations

import hashlib
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, update

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Choice, Question, QuestionStatus, Topic
from cdso.models.bank import DIFFICULTY_LABELS
from cdso.services.imports.errors import Report, RowError
from cdso.services.units.catalogue import tone_key

LETTERS = "ABCDEF"
HEADERS = ["Chủ đề", "Câu hỏi", *[f"Phương án {x}" for x in LETTERS], "Đáp án đúng",
           "Giải thích", "Mức độ", "Nguồn"]
MAX_TEXT, MAX_CHOICE, MAX_EXPLANATION, MAX_SOURCE = 1000, 300, 2000, 300
BANK_DIR = Path(__file__).resolve().parents[2] / "data" / "question_bank"


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
class ImportReport(Report):
    READ = "questions"
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


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
            report.errors.append(RowError(number, _cell(row, "Câu hỏi")[:80], reasons))
            continue
        parsed.row = number
        report.questions.append(parsed)
    if not report.questions and not report.errors:
        report.errors.append(RowError(first_row, "", ["tệp không có câu hỏi nào"]))
    return report


def import_questions(report: ImportReport, created_by_id: int | None = None) -> list[Question]:
    """Create every checked question; refuses a report with errors (all or nothing).
    Bulk inserts (a file may hold a thousand questions); flushes, never commits."""
    if not report.ok:
        raise ValueError("report has errors")
    topics = {t.name: t for t in db.session.scalars(select(Topic))}
    for name in dict.fromkeys(p.topic for p in report.questions if p.topic not in topics):
        topics[name] = Topic(name=name, position=len(topics) + 1)
        db.session.add(topics[name])
    db.session.flush()
    now = utcnow()
    ids = db.session.scalars(insert(Question).returning(Question.id, sort_by_parameter_order=True), [
        dict(topic_id=topics[p.topic].id, text=p.text, text_key=text_key(p.text),
             explanation=p.explanation, difficulty=p.difficulty, source=p.source,
             status=QuestionStatus.ACTIVE.value, version=1, created_at=now,
             created_by_id=created_by_id) for p in report.questions]).all()
    db.session.execute(insert(Choice), [
        dict(question_id=question_id, position=i + 1, text=text, is_correct=(i == p.correct))
        for question_id, p in zip(ids, report.questions, strict=True)
        for i, text in enumerate(p.choices)])
    db.session.execute(update(Question).where(Question.id.in_(ids)).values(root_id=Question.id))
    found = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    return [found[i] for i in ids]


def shipped_bank_rows() -> list[dict]:
    import csv
    rows = []
    for path in sorted(BANK_DIR.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows

