"""Drawing the questions of a new attempt: random within the contest's topic quotas."""
from __future__ import annotations

import random
from collections import defaultdict

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Choice, Contest, Question, QuestionStatus, TopicQuota


def draw_questions(contest: Contest, rng: random.Random) -> list[tuple[int, list[int]]]:
    """Active questions at random within the topic quotas (the rest from any topic), each
    with its choices in a new random order."""
    by_topic: dict[int, list[int]] = defaultdict(list)
    for question_id, topic_id in db.session.execute(
            select(Question.id, Question.topic_id).where(
                Question.status == QuestionStatus.ACTIVE.value).order_by(Question.id)):
        by_topic[topic_id].append(question_id)
    wanted = contest.questions_per_attempt
    picked: list[int] = []
    for topic_id, count in db.session.execute(
            select(TopicQuota.topic_id, TopicQuota.count).where(
                TopicQuota.contest_id == contest.id).order_by(TopicQuota.topic_id)):
        pool = by_topic.get(topic_id, [])
        picked += rng.sample(pool, min(count, len(pool)))
    rng.shuffle(picked)
    picked = picked[:wanted]
    if len(picked) < wanted:
        chosen = set(picked)
        rest = [q for pool in by_topic.values() for q in pool if q not in chosen]
        picked += rng.sample(rest, min(wanted - len(picked), len(rest)))
        rng.shuffle(picked)
    choices: dict[int, list[int]] = defaultdict(list)
    for question_id, choice_id in db.session.execute(
            select(Choice.question_id, Choice.id).where(Choice.question_id.in_(picked))
            .order_by(Choice.id)):
        choices[question_id].append(choice_id)
    for ids in choices.values():
        rng.shuffle(ids)
    return [(question_id, choices[question_id]) for question_id in picked]
