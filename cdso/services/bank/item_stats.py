"""Item statistics per question version, as Moodle's quiz statistics report them, from
the counts kept on write (cdso.services.figures.topics.record_attempt):

- facility index: the share of correct answers;
- discrimination index: the correlation between the item's score (0/1) and the rest of
  the attempt's score (the score without this item), over the finished online attempts
  that drew it; near zero or negative means the item does not tell who knows from who
  does not: a likely wrong key or an ambiguous question;
- the share of attempts choosing each option (and leaving it unanswered).

Flags need MIN_ANSWERS answers, so that a handful of early answers flags nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cdso.extensions import db
from cdso.models import ChoiceStat, ItemStat, Question

MIN_ANSWERS = 20
TOO_EASY = 0.95
TOO_HARD = 0.20
NEAR_ZERO = 0.10
LETTERS = "ABCDEFGH"


def discrimination(n: int, sx: int, sy: int, syy: int, sxy: int) -> float | None:
    """Pearson correlation of x ∈ {0, 1} (Σx² = Σx) with y; None when either is constant."""
    spread = (n * sx - sx * sx) * (n * syy - sy * sy)
    if n < 2 or spread <= 0:
        return None
    return (n * sxy - sx * sy) / math.sqrt(spread)


@dataclass
class ItemRow:
    question: Question
    answered: int
    facility: float | None
    discrimination: float | None
    options: list[tuple[str, str, float, bool]]  # (letter, text, share, is the key)
    unanswered: float
    flags: list[str] = field(default_factory=list)


def flags_of(answered: int, facility: float | None, index: float | None) -> list[str]:
    if answered < MIN_ANSWERS or facility is None:
        return []
    flags = []
    if facility > TOO_EASY:
        flags.append("Quá dễ")
    if facility < TOO_HARD:
        flags.append("Quá khó")
    if index is not None and index < 0:
        flags.append("Độ phân biệt âm: có thể sai đáp án")
    elif index is not None and index < NEAR_ZERO:
        flags.append("Độ phân biệt gần 0: câu có thể mơ hồ")
    return flags


def item_rows(contest_id: int, *, topic_id: int | None = None,
              flagged_only: bool = False) -> list[ItemRow]:
    """Every question version answered in the contest, flagged ones first, then by
    discrimination (lowest first)."""
    query = (select(ItemStat, Question).join(Question, Question.id == ItemStat.question_id)
             .where(ItemStat.contest_id == contest_id)
             .options(selectinload(Question.choices), selectinload(Question.topic)))
    if topic_id is not None:
        query = query.where(Question.topic_id == topic_id)
    stats = db.session.execute(query).all()
    chosen: dict[tuple[int, int], int] = {
        (q, c): n for q, c, n in db.session.execute(
            select(ChoiceStat.question_id, ChoiceStat.choice_id, ChoiceStat.chosen)
            .where(ChoiceStat.contest_id == contest_id))}
    rows = []
    for stat, question in stats:
        n = stat.answered
        facility = stat.correct / n if n else None
        index = discrimination(n, stat.correct, stat.sum_rest, stat.sum_rest2, stat.sum_x_rest)
        options = [(LETTERS[i], c.text, chosen.get((question.id, c.id), 0) / n if n else 0.0,
                    c.is_correct) for i, c in enumerate(question.choices)]
        row = ItemRow(question, n, facility, index, options,
                      chosen.get((question.id, 0), 0) / n if n else 0.0,
                      flags_of(n, facility, index))
        if row.flags or not flagged_only:
            rows.append(row)
    rows.sort(key=lambda r: (not r.flags, r.discrimination if r.discrimination is not None
                             else 2.0, r.question.id))
    return rows
