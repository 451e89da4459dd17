"""The question bank as the city administrator manages it: listing with search and filters,
create, edit (a new version once a question has been shown in an attempt), retire, restore.

Attempts point at the exact Question row they showed, so a question that has been shown is
never changed under them: editing it creates a new row (root_id = the first version's id,
version + 1) and marks the old one superseded. The quiz draws only `status == 'active'`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cdso.extensions import db
from cdso.web.pagination import Page, page_number, paginate_list
from cdso.models import AttemptQuestion, AuditLog, Choice, Contest, Question, QuestionStatus, Topic
from cdso.services.bank import rows as bank_import
from cdso.services.bank.rows import LETTERS, ParsedQuestion, text_key
from cdso.services.quiz.topic_quotas import active_counts_by_topic, effective_quotas, quota_shortfalls
from cdso.services.units.catalogue import plain_key

STATUS_LABELS = {"active": "Đang dùng", "retired": "Ngừng dùng", "superseded": "Bản cũ đã sửa",
                 "all": "Đang dùng và ngừng dùng"}
PAGE_SIZE = 50
# Form field name -> the import column it fills (the form and the import share one check).
FORM_FIELDS = {"topic": "Chủ đề", "text": "Câu hỏi",
               **{f"choice_{x.lower()}": f"Phương án {x}" for x in LETTERS},
               "correct": "Đáp án đúng", "explanation": "Giải thích", "difficulty": "Mức độ",
               "source": "Nguồn"}
FIELD_OF_COLUMN = {column: name for name, column in FORM_FIELDS.items()}


class BankRefusal(ValueError):
    """An action the bank's rules refuse; the message is for the administrator."""


@dataclass(frozen=True)
class BankFilters:
    q: str = ""
    topic_id: int | None = None
    difficulty: int | None = None
    status: str = "active"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> BankFilters:
        def as_int(key: str) -> int | None:
            value = (args.get(key) or "").strip()
            return int(value) if value.isdigit() and len(value) < 10 else None
        status = args.get("status") or "active"
        return cls(q=(args.get("q") or "").strip()[:200], topic_id=as_int("topic"),
                   difficulty=as_int("difficulty"),
                   status=status if status in STATUS_LABELS else "active",
                   page=page_number(args.get("trang") or "1"))

    def args(self, **changes) -> dict:
        """Query arguments for a link to this list (another page, the export)."""
        f = replace(self, **changes)
        values = {"q": f.q, "topic": f.topic_id, "difficulty": f.difficulty,
                  "status": f.status if f.status != "active" else None,
                  "trang": f.page if f.page > 1 else None}
        return {k: v for k, v in values.items() if v}


def _matching_ids(filters: BankFilters) -> list[int]:
    """Ids of the questions the filters select, in list order. The search ignores accents
    and case ("lua dao" finds "Lừa đảo"), so it runs on the texts in Python: a bank holds
    thousands of questions, not millions."""
    stmt = select(Question.id, Question.text).join(Topic)
    if filters.status == "all":
        stmt = stmt.where(Question.status != QuestionStatus.SUPERSEDED.value)
    else:
        stmt = stmt.where(Question.status == filters.status)
    if filters.topic_id:
        stmt = stmt.where(Question.topic_id == filters.topic_id)
    if filters.difficulty:
        stmt = stmt.where(Question.difficulty == filters.difficulty)
    rows = db.session.execute(stmt.order_by(Topic.position, Topic.id, Question.id)).all()
    if filters.q.lstrip("#").isdigit():
        return [i for i, _ in rows if i == int(filters.q.lstrip("#"))]
    if filters.q:
        needle = plain_key(filters.q)
        return [i for i, text in rows if needle in plain_key(text)]
    return [i for i, _ in rows]


def _load(ids: list[int]) -> list[Question]:
    if not ids:
        return []
    found = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_(ids))
        .options(selectinload(Question.choices), selectinload(Question.topic)))}
    return [found[i] for i in ids]


def list_questions(filters: BankFilters) -> Page:
    page = paginate_list(_matching_ids(filters), filters.page, PAGE_SIZE)
    page.items = _load(page.items)
    return page


def questions_for_export(filters: BankFilters) -> list[Question]:
    return _load(_matching_ids(filters))


def status_counts() -> dict[str, int]:
    return dict(db.session.execute(
        select(Question.status, func.count(Question.id)).group_by(Question.status)).all())


def topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))


def versions_of(question: Question) -> list[Question]:
    root = question.root_id or question.id
    return list(db.session.scalars(select(Question).where(
        (Question.root_id == root) | (Question.id == root)).order_by(Question.version.desc())))


def was_shown(question: Question) -> bool:
    return db.session.scalar(select(AttemptQuestion.id).where(
        AttemptQuestion.question_id == question.id).limit(1)) is not None


def form_from_question(question: Question) -> dict[str, str]:
    values = dict.fromkeys(FORM_FIELDS, "")
    values |= {"topic": str(question.topic_id), "text": question.text,
              "explanation": question.explanation, "difficulty": str(question.difficulty),
              "source": question.source}
    for choice, letter in zip(question.choices, LETTERS, strict=False):
        values[f"choice_{letter.lower()}"] = choice.text
        if choice.is_correct:
            values["correct"] = letter
    return values


def form_values(form: Mapping[str, str]) -> dict[str, str]:
    return {name: (form.get(name) or "").strip() for name in FORM_FIELDS}


def check_form(values: dict[str, str], own: Question | None = None
               ) -> tuple[ParsedQuestion | None, dict[str, str]]:
    """Check a question typed in the office form with the import's rules. Returns the parsed
    question, or messages keyed by form field. The text may repeat only its own versions."""
    topic = db.session.get(Topic, int(values["topic"])) if values["topic"].isdigit() else None
    values = {name: values.get(name) or "" for name in FORM_FIELDS}
    row = {column: values[name] for name, column in FORM_FIELDS.items()}
    row["Chủ đề"] = topic.name if topic else ""
    duplicate = select(Question.id).where(
        Question.text_key == text_key(values["text"]),
        Question.status == QuestionStatus.ACTIVE.value)
    if own is not None:
        duplicate = duplicate.where(Question.root_id != (own.root_id or own.id))
    existing = {text_key(values["text"])} if db.session.scalar(duplicate.limit(1)) else set()
    parsed, problems = bank_import.check_row(row, bank_import.topic_names(), existing)
    errors: dict[str, str] = {}
    for column, reason in problems:
        errors.setdefault(FIELD_OF_COLUMN[column], reason[:1].upper() + reason[1:] + ".")
    return parsed, errors


def _audit(action: str, question: Question, actor_id: int | None, now: dt.datetime, **detail):
    db.session.add(AuditLog(at=now, actor_id=actor_id, action=action, target_type="question",
                            target_id=question.id, detail=detail or None))


def create_question(parsed: ParsedQuestion, actor_id: int | None, now: dt.datetime) -> Question:
    report = bank_import.ImportReport(questions=[parsed])
    question = bank_import.import_questions(report, created_by_id=actor_id)[0]
    _audit("question.create", question, actor_id, now)
    return question


def _same(question: Question, parsed: ParsedQuestion) -> bool:
    return (question.topic.name == parsed.topic and question.text == parsed.text
            and [c.text for c in question.choices] == parsed.choices
            and question.correct_choice.position == parsed.correct + 1
            and question.explanation == parsed.explanation
            and question.difficulty == parsed.difficulty and question.source == parsed.source)


def _fill(question: Question, parsed: ParsedQuestion) -> None:
    question.topic = db.session.scalar(select(Topic).where(Topic.name == parsed.topic))
    question.text, question.text_key = parsed.text, text_key(parsed.text)
    question.explanation, question.difficulty = parsed.explanation, parsed.difficulty
    question.source = parsed.source
    question.choices = [Choice(position=i + 1, text=c, is_correct=(i == parsed.correct))
                        for i, c in enumerate(parsed.choices)]


def edit_question(question: Question, parsed: ParsedQuestion, actor_id: int | None,
                  now: dt.datetime) -> Question:
    """Apply an edit; returns the question as it now is (a new version if the old one has
    been shown in an attempt). Only the latest version can be edited."""
    if question.status == QuestionStatus.SUPERSEDED.value:
        raise BankRefusal("Đây là bản cũ của câu hỏi; chỉ sửa được bản mới nhất.")
    if _same(question, parsed):
        return question
    if not was_shown(question):
        for choice in list(question.choices):
            db.session.delete(choice)
        db.session.flush()
        db.session.expire(question, ["choices"])
        _fill(question, parsed)
        _audit("question.edit", question, actor_id, now)
        db.session.flush()
        return question
    successor = Question(root_id=question.root_id or question.id, version=question.version + 1,
                         status=question.status, created_at=now, created_by_id=actor_id)
    _fill(successor, parsed)
    question.status = QuestionStatus.SUPERSEDED.value
    db.session.add(successor)
    db.session.flush()
    _audit("question.new_version", successor, actor_id, now, previous_id=question.id)
    db.session.flush()
    return successor


def _check_quotas_without(question: Question, now: dt.datetime) -> None:
    """Refuse to take a question out of the draw if a contest not yet closed could then
    no longer fill its topic quotas."""
    counts = active_counts_by_topic()
    counts[question.topic_id] = counts.get(question.topic_id, 0) - 1
    for contest in db.session.scalars(select(Contest).where(Contest.closes_at > now)):
        quotas = effective_quotas(contest, counts)
        short = quota_shortfalls(quotas, counts)
        if short or sum(quotas.values()) < contest.questions_per_attempt:
            reason = " ".join(short.values()) or "Ngân hàng sẽ không đủ câu cho một lượt thi."
            raise BankRefusal(f"Không ngừng dùng được câu hỏi này: cuộc thi «{contest.name}» "
                              f"sẽ thiếu câu. {reason} Xin giảm định mức của chủ đề trong "
                              "Thiết lập cuộc thi, hoặc thêm câu hỏi trước.")


def retire_question(question: Question, actor_id: int | None, now: dt.datetime) -> None:
    if question.status != QuestionStatus.ACTIVE.value:
        raise BankRefusal("Câu hỏi này không ở trạng thái đang dùng.")
    _check_quotas_without(question, now)
    question.status = QuestionStatus.RETIRED.value
    _audit("question.retire", question, actor_id, now)
    db.session.flush()


def restore_question(question: Question, actor_id: int | None, now: dt.datetime) -> None:
    if question.status != QuestionStatus.RETIRED.value:
        raise BankRefusal("Chỉ dùng lại được câu hỏi đã ngừng dùng.")
    if db.session.scalar(select(Question.id).where(
            Question.text_key == question.text_key,
            Question.status == QuestionStatus.ACTIVE.value).limit(1)):
        raise BankRefusal("Ngân hàng đã có một câu hỏi đang dùng trùng nội dung với câu này.")
    question.status = QuestionStatus.ACTIVE.value
    _audit("question.restore", question, actor_id, now)
    db.session.flush()

