"""Answers for the demo's synthetic attempts, so that the knowledge-gap pages of a demo
show something: each finished attempt gets the questions its topic quotas draw, as many
right as its score, the misses falling more often on the topics its unit finds hard."""
from __future__ import annotations

import random

from sqlalchemy import insert, select

from cdso.extensions import db
from cdso.models import (Attempt, AttemptQuestion, Choice, Contest, Question, QuestionStatus,
                         Registration)
from cdso.services.figures import topics
from cdso.services.quiz.topic_quotas import effective_quotas


def _bank() -> dict[int, list[tuple[int, int, int, str]]]:
    """Topic id -> [(question id, right choice id, a wrong choice id, choice order)]."""
    choices: dict[int, list[tuple[int, bool]]] = {}
    for question_id, choice_id, right in db.session.execute(
            select(Choice.question_id, Choice.id, Choice.is_correct).order_by(Choice.position)):
        choices.setdefault(question_id, []).append((choice_id, right))
    out: dict[int, list] = {}
    for question_id, topic_id in db.session.execute(select(Question.id, Question.topic_id).where(
            Question.status == QuestionStatus.ACTIVE.value)):
        own = choices.get(question_id, [])
        right = next((c for c, ok in own if ok), None)
        wrong = next((c for c, ok in own if not ok), None)
        if right and wrong:
            out.setdefault(topic_id, []).append(
                (question_id, right, wrong, ",".join(str(c) for c, _ in own)))
    return out


def seed_answers(contest: Contest, rng: random.Random) -> int:
    """Answer every finished attempt of the contest that has no drawn question yet;
    returns how many answers were made. The topic counts are rebuilt after."""
    bank, quotas = _bank(), effective_quotas(contest)
    if not bank or not quotas:
        return 0
    hard: dict[tuple[int, int], float] = {}
    rows = []
    for attempt_id, score, unit_id, answered_at in db.session.execute(
            select(Attempt.id, Attempt.score, Registration.unit_id, Attempt.finished_at)
            .join(Registration, Registration.id == Attempt.registration_id)
            .where(Attempt.contest_id == contest.id, Attempt.status == "finished",
                   Attempt.source == "online",
                   ~select(AttemptQuestion.id).where(
                       AttemptQuestion.attempt_id == Attempt.id).exists())):
        drawn = [(topic_id, q) for topic_id, count in quotas.items()
                 for q in rng.sample(bank.get(topic_id, []), min(count, len(bank.get(topic_id, []))))]
        weights = [hard.setdefault((unit_id, t), rng.uniform(0.5, 3.0)) for t, _ in drawn]
        misses = set()
        while len(misses) < max(0, len(drawn) - (score or 0)):
            misses.add(rng.choices(range(len(drawn)), weights)[0])
        for position, (_topic, (question_id, right, wrong, order)) in enumerate(drawn, 1):
            ok = position - 1 not in misses
            rows.append(dict(attempt_id=attempt_id, position=position, question_id=question_id,
                             choice_order=order, chosen_choice_id=right if ok else wrong,
                             answered_at=answered_at, is_correct=ok))
    for start in range(0, len(rows), 20000):
        db.session.execute(insert(AttemptQuestion), rows[start:start + 20000])
    topics.rebuild(contest.id)
    return len(rows)
