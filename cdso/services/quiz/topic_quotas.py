"""How many questions of each topic an attempt draws, checked against the bank.

- either every topic's quota is left empty (or 0): the questions per attempt are spread
  evenly over the topics that have active questions, in topic order, the remainder going
  to the first topics, and that spread is saved as the quotas;
- or the quotas add up exactly to the questions per attempt.
Each attempt then draws exactly `count` questions of each topic with a quota.
Either way a topic must hold at least as many active questions as it is asked for: a quota
the bank cannot fill is refused when the settings are saved (and retiring a question that
would leave a quota unfilled is refused by `services.bank.editing`).
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from cdso.extensions import db
from cdso.formatting import number
from cdso.models import Contest, Question, QuestionStatus, Topic


def active_counts_by_topic() -> dict[int, int]:
    return dict(db.session.execute(
        select(Question.topic_id, func.count(Question.id))
        .where(Question.status == QuestionStatus.ACTIVE.value).group_by(Question.topic_id)).all())


def even_quotas(questions: int, counts: dict[int, int]) -> dict[int, int]:
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)).all()
    with_questions = [t.id for t in topics if counts.get(t.id)]
    if not with_questions:
        return {}
    base, extra = divmod(questions, len(with_questions))
    quotas = {tid: base + (1 if i < extra else 0) for i, tid in enumerate(with_questions)}
    return {tid: n for tid, n in quotas.items() if n}


def effective_quotas(contest: Contest, counts: dict[int, int] | None = None) -> dict[int, int]:
    """Topic id -> how many questions each attempt of `contest` draws from it."""
    explicit = {q.topic_id: q.count for q in contest.quotas if q.count > 0}
    if explicit:
        return explicit
    return even_quotas(contest.questions_per_attempt,
                       active_counts_by_topic() if counts is None else counts)


def quota_shortfalls(quotas: dict[int, int], counts: dict[int, int]) -> dict[int, str]:
    """Topic id -> why the bank cannot fill that topic's quota."""
    names = dict(db.session.execute(select(Topic.id, Topic.name)).all())
    return {tid: (f"Chủ đề «{names.get(tid, tid)}» chỉ có {number(counts.get(tid, 0))} câu hỏi "
                  f"đang dùng, không đủ {number(need)} câu cho mỗi lượt thi.")
            for tid, need in quotas.items() if need > counts.get(tid, 0)}


def clean_quotas(typed: dict[int, str], questions: int | None, errors: dict[str, str]) -> dict[int, int]:
    """The quotas typed in the settings form (topic id -> text), checked against the bank;
    messages land in `errors`. Empty quotas give the even spread."""
    counts = active_counts_by_topic()
    quotas = {}
    for topic_id, raw in typed.items():
        if not raw:
            continue
        if not re.fullmatch(r"\d{1,3}", raw):
            errors[f"quota-{topic_id}"] = "Nhập số câu (số nguyên, 0 nếu không lấy chủ đề này)."
        elif int(raw):
            quotas[topic_id] = int(raw)
    if questions is None or any(key.startswith("quota-") for key in errors):
        return quotas
    if quotas:
        total = sum(quotas.values())
        if total != questions:
            errors["quotas"] = (f"Tổng định mức các chủ đề là {number(total)} câu, phải bằng số "
                                f"câu mỗi lượt thi ({number(questions)}); hoặc để trống tất cả "
                                "để chia đều.")
        for topic_id, message in quota_shortfalls(quotas, counts).items():
            errors[f"quota-{topic_id}"] = message
        return quotas
    spread = even_quotas(questions, counts)
    missing = quota_shortfalls(spread, counts)
    if sum(spread.values()) < questions or missing:
        errors["quotas"] = (f"Ngân hàng không đủ câu hỏi để chia đều {number(questions)} câu mỗi "
                            "lượt thi. " + " ".join(missing.values())
                            + " Xin nhập định mức cho từng chủ đề hoặc giảm số câu mỗi lượt.")
    return spread  # saved as explicit quotas, so the draw needs no rule of its own
