"""What a participant reads about the quiz: a drawn question as shown (never its key),
the graded review of a finished attempt, and their results with the attempt that counts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import (Attempt, AttemptQuestion, Choice, Contest, Question, QuestionStatus,
                         Topic)
from cdso.services.contest import counting
from cdso.services.quiz.attempts import FINISHED, Slot

MAX_CACHED = 5000


@dataclass(frozen=True)
class ShownQuestion:
    text: str
    topic: str
    choices: dict[int, str]


# Questions and choices never change once created (an edit is a new version), so what
# a question shows can be kept per worker: an answer step then needs no query for it.
_shown: dict[tuple[str, int], ShownQuestion] = {}


def shown_question(question_id: int) -> ShownQuestion:
    key = (str(db.engine.url), question_id)
    cached = _shown.get(key)
    if cached is None:
        _remember_shown(key[0], _shown_rows(Question.id == question_id))
        cached = _shown[key]
    return cached


def warm_shown_questions() -> int:
    """Every active question as shown, kept at once (up to MAX_CACHED): served by
    gunicorn, the app is loaded once and forked, so each worker starts with them instead
    of one query per question in its first minutes, which are a contest's rush. Returns
    how many are kept."""
    url = str(db.engine.url)
    newest = (select(Question.id).where(Question.status == QuestionStatus.ACTIVE.value)
              .order_by(Question.id.desc()).limit(MAX_CACHED // 2))
    return _remember_shown(url, _shown_rows(Question.id.in_(newest)))


def _shown_rows(*where) -> list:
    """(question id, text, topic, choice id, choice text) rows of the questions asked."""
    return db.session.execute(
        select(Question.id, Question.text, Topic.name, Choice.id, Choice.text)
        .join(Topic, Topic.id == Question.topic_id)
        .join(Choice, Choice.question_id == Question.id)
        .where(*where)).all()


def _remember_shown(url: str, rows: list) -> int:
    """Keeps the questions of `rows` as shown; returns how many."""
    by_question: dict[int, list] = {}
    for row in rows:
        by_question.setdefault(row[0], []).append(row)
    for question_id, its in by_question.items():
        if len(_shown) >= MAX_CACHED:
            _shown.clear()
        _shown[url, question_id] = ShownQuestion(its[0][1], its[0][2],
                                                 {row[3]: row[4] for row in its})
    return len(by_question)


def shown_choices(slot: Slot, question: ShownQuestion | None = None) -> list[tuple[int, str]]:
    """The slot's choices in the order drawn for this attempt: (id, text), nothing else.
    `question`: the slot's shown_question when the caller has it already."""
    choices = (question or shown_question(slot.question_id)).choices
    return [(choice_id, choices[choice_id]) for choice_id in slot.choice_ids]


@dataclass
class ReviewedChoice:
    id: int
    text: str
    is_correct: bool


@dataclass
class ReviewedQuestion:
    position: int
    text: str
    choices: list[ReviewedChoice]
    chosen_id: int | None
    is_correct: bool
    explanation: str


def graded_review(attempt: Attempt) -> list[ReviewedQuestion]:
    """Each question of a finished attempt with the chosen and the correct answer."""
    if attempt.status != FINISHED:
        raise ValueError("the key of an unfinished attempt is never shown")
    rows = db.session.execute(
        select(AttemptQuestion.position, AttemptQuestion.choice_order,
               AttemptQuestion.chosen_choice_id, AttemptQuestion.is_correct,
               Question.id, Question.text, Question.explanation)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)
    ).all()
    choices = {c.id: c for c in db.session.scalars(
        select(Choice).where(Choice.question_id.in_([r.id for r in rows])))}
    return [ReviewedQuestion(
        position=r.position, text=r.text,
        choices=[ReviewedChoice(choices[int(i)].id, choices[int(i)].text, choices[int(i)].is_correct)
                 for i in r.choice_order.split(",")],
        chosen_id=r.chosen_choice_id, is_correct=bool(r.is_correct), explanation=r.explanation)
        for r in rows]


@dataclass
class ContestResults:
    contest: Contest
    attempts: list[Attempt]
    standings: list[counting.Standing]  # the whole contest first, then the rounds taken part in

    @property
    def overall(self) -> counting.Standing:
        return self.standings[0]

    @property
    def counting(self) -> Attempt | None:
        return self.overall.attempt


def results_of(account_id: int, now: dt.datetime) -> list[ContestResults]:
    """Every attempt of the person, grouped by contest (newest contest first), with the
    attempt that counts in each ranking they compete in, judged against that ranking's
    true figure (`counting`, the rule every surface uses)."""
    attempts = db.session.scalars(select(Attempt).where(Attempt.account_id == account_id)
                                  .order_by(Attempt.contest_id, Attempt.number)).all()
    by_contest: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_contest.setdefault(attempt.contest_id, []).append(attempt)
    results = []
    for contest_id, group in by_contest.items():
        contest = db.session.get(Contest, contest_id)
        standings = [counting.standing(contest, account_id, None, now)]
        rounds = {r.id: r for a in group if a.status == FINISHED
                  for r in [counting.round_of(contest, a.finished_at)] if r is not None}
        for round_ in sorted(rounds.values(), key=lambda r: r.starts_at):
            standings.append(counting.standing(contest, account_id, round_, now))
        results.append(ContestResults(contest, group, standings))
    return sorted(results, key=lambda r: r.contest.opens_at, reverse=True)
