"""The quiz service: drawing within quotas, starting, saving, finishing, grading,
the server's clock, and the sweep."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
import time_machine
from sqlalchemy import select, update

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import (Attempt, AttemptQuestion, Choice, Question, QuestionStatus, Role,
                         Topic, TopicQuota)
from cdso.services.quiz import attempts as quiz
from cdso.services.quiz import review as quiz_review
from cdso.services.accounts import registration
from cdso.services.figures import stats
from tests import factories
from tests.test_quiz_support import answer_key


def joined(contest, **person):
    account = factories.make_participant(contest, **person)
    return account, registration.registration_of(account, contest)


def at(moment: dt.datetime):
    return time_machine.travel(moment.replace(tzinfo=dt.UTC), tick=False)


def test_draw_follows_the_topic_quotas_and_shuffles_choices(app, contest):
    topics = db.session.scalars(select(Topic).order_by(Topic.position)).all()
    db.session.execute(update(TopicQuota).where(TopicQuota.contest_id == contest.id)
                       .values(count=0))
    for topic, count in ((topics[0], 5), (topics[1], 4), (topics[2], 1)):
        db.session.execute(update(TopicQuota).where(TopicQuota.topic_id == topic.id)
                           .values(count=count))
    contest.questions_per_attempt = 12  # 10 by quota, 2 more from any topic
    db.session.commit()
    rng = random.Random(7)
    drawn = quiz.draw_questions(contest, rng)
    assert len(drawn) == 12 and len({q for q, _ in drawn}) == 12
    topic_of = dict(db.session.execute(select(Question.id, Question.topic_id)).all())
    per_topic = Counter(topic_of[q] for q, _ in drawn)
    quota_part = [per_topic[t.id] for t in topics[:3]]
    assert quota_part[0] >= 5 and quota_part[1] >= 4 and quota_part[2] >= 1
    contest.questions_per_attempt = 10
    exact = Counter(topic_of[q] for q, _ in quiz.draw_questions(contest, rng))
    assert exact == {topics[0].id: 5, topics[1].id: 4, topics[2].id: 1}
    for question_id, choice_ids in drawn:
        assert sorted(choice_ids) == sorted(db.session.scalars(
            select(Choice.id).where(Choice.question_id == question_id)))
    # The correct choice is not always in the same place, nor the lowest id.
    places = Counter()
    for _ in range(20):
        for question_id, choice_ids in quiz.draw_questions(contest, rng):
            correct = db.session.scalar(select(Choice.id).where(
                Choice.question_id == question_id, Choice.is_correct.is_(True)))
            places[choice_ids.index(correct)] += 1
    assert len(places) >= 3 and max(places.values()) < sum(places.values()) * 0.6


def test_starting_twice_resumes_and_attempts_allowed_holds(app, contest):
    account, reg = joined(contest)
    now = utcnow()
    first = quiz.start_attempt(contest, reg, now=now)
    assert quiz.start_attempt(contest, reg, now=now + dt.timedelta(minutes=3)).id == first.id
    assert first.deadline == now + dt.timedelta(minutes=20) and first.question_count == 20
    assert [q.position for q in first.questions] == list(range(1, 21))
    for number in (1, 2):
        quiz.finish_attempt(quiz.open_attempt(reg.id).id, now)
        assert quiz.start_attempt(contest, reg, now=now).number == number + 1
    quiz.finish_attempt(quiz.open_attempt(reg.id).id, now)
    with pytest.raises(quiz.QuizRefused, match="dùng hết 3 lượt"):
        quiz.start_attempt(contest, reg, now=now)


def test_start_respects_the_contest_window_and_caps_the_deadline(app, contest):
    account, reg = joined(contest)
    helper = factories.make_official(Role.TEAM_MEMBER)
    with pytest.raises(quiz.QuizRefused, match="đã kết thúc"):
        quiz.start_attempt(contest, reg, now=contest.closes_at)
    with pytest.raises(quiz.QuizRefused, match="bắt đầu lúc"):
        quiz.start_attempt(contest, reg, now=contest.opens_at - dt.timedelta(seconds=1))
    late = contest.closes_at - dt.timedelta(minutes=5)
    attempt = quiz.start_attempt(contest, reg, now=late, assisted_by=helper)
    assert attempt.deadline == contest.closes_at and attempt.assisted_by_id == helper.id


def test_save_checks_the_choice_the_owner_and_the_clock(app, contest):
    account, reg = joined(contest)
    stranger, _ = joined(contest)
    now = utcnow()
    attempt = quiz.start_attempt(contest, reg, now=now)
    db.session.commit()
    sheet = quiz.load_sheet(attempt.id, account.id)
    first, second = sheet.slots[0], sheet.slots[1]
    with pytest.raises(quiz.InvalidAnswer, match="không thuộc câu hỏi này"):
        quiz.save_answer(attempt.id, account.id, 1, second.choice_ids[0], now)
    with pytest.raises(quiz.AttemptNotFound):
        quiz.save_answer(attempt.id, stranger.id, 1, first.choice_ids[0], now)
    with pytest.raises(quiz.AttemptNotFound):
        quiz.save_answer(attempt.id, account.id, 21, first.choice_ids[0], now)
    in_grace = attempt.deadline + dt.timedelta(seconds=9)
    quiz.save_answer(attempt.id, account.id, 1, first.choice_ids[-1], in_grace)  # some have 2
    with pytest.raises(quiz.AttemptExpired, match="Đã hết giờ làm bài"):
        quiz.save_answer(attempt.id, account.id, 2, second.choice_ids[0],
                         attempt.deadline + dt.timedelta(seconds=11))
    db.session.commit()
    assert [s.chosen for s in quiz.load_sheet(attempt.id, account.id).slots[:2]] == [
        first.choice_ids[-1], None]


def test_finish_grades_once_and_counts_once(app, contest):
    account, reg = joined(contest)
    start = utcnow()
    attempt = quiz.start_attempt(contest, reg, now=start)
    key = answer_key(attempt.id)
    sheet = quiz.load_sheet(attempt.id, account.id)
    for slot in sheet.slots[:7]:  # 7 right, 3 wrong, 10 unanswered
        quiz.save_answer(attempt.id, account.id, slot.position, key[slot.position], start)
    for slot in sheet.slots[7:10]:
        wrong = next(c for c in slot.choice_ids if c != key[slot.position])
        quiz.save_answer(attempt.id, account.id, slot.position, wrong, start)
    quiz.save_prediction(attempt.id, account.id, "84.360", start)
    end = start + dt.timedelta(minutes=6, seconds=5)
    assert quiz.finish_attempt(attempt.id, end) is True
    assert quiz.finish_attempt(attempt.id, end + dt.timedelta(seconds=1)) is False
    db.session.commit()
    db.session.refresh(attempt)
    assert (attempt.status, attempt.score, attempt.duration_seconds) == ("finished", 7, 365)
    assert attempt.recorded_at == end and attempt.finished_by == "participant"
    assert attempt.prediction == 84360
    figures = stats.city_figures(contest.id, end + dt.timedelta(seconds=5)).total
    assert (figures.finished, figures.attempts) == (1, 1)
    review = quiz_review.graded_review(attempt)
    assert sum(item.is_correct for item in review) == 7
    assert review[0].chosen_id == key[1] and review[0].explanation
    assert sum(item.chosen_id is None for item in review) == 10


def test_edits_to_the_bank_never_change_a_drawn_attempt(app, contest):
    account, reg = joined(contest)
    attempt = quiz.start_attempt(contest, reg)
    db.session.commit()
    before = quiz.load_sheet(attempt.id, account.id)
    shown = quiz_review.shown_question(before.slots[0].question_id)
    db.session.execute(update(Question).values(status=QuestionStatus.RETIRED.value))
    db.session.commit()
    after = quiz.load_sheet(attempt.id, account.id)
    assert [(s.question_id, s.choice_ids) for s in after.slots] == [
        (s.question_id, s.choice_ids) for s in before.slots]
    assert quiz_review.shown_question(after.slots[0].question_id) == shown


def test_sweep_finishes_expired_attempts_with_what_was_saved(app, contest, runner):
    start = utcnow()
    late, _ = joined(contest)
    on_time, _ = joined(contest)
    with at(start):
        attempt = quiz.start_attempt(contest, registration.registration_of(late, contest))
        other = quiz.start_attempt(contest, registration.registration_of(on_time, contest),
                                   now=start + dt.timedelta(minutes=15))
        key = answer_key(attempt.id)
        quiz.save_answer(attempt.id, late.id, 1, key[1], start + dt.timedelta(minutes=2))
        db.session.commit()
    with at(start + dt.timedelta(minutes=20, seconds=5)):
        assert quiz.sweep_expired() == 0  # still inside the grace
    with at(start + dt.timedelta(minutes=21)):
        result = runner.invoke(args=["cdso", "sweep"])
    assert "Đã tự động nộp 1 bài thi quá giờ" in result.output
    db.session.expire_all()
    swept = db.session.get(Attempt, attempt.id)
    assert (swept.status, swept.score, swept.finished_by) == ("finished", 1, "sweep")
    assert swept.finished_at == swept.deadline and swept.duration_seconds == 20 * 60
    assert db.session.get(Attempt, other.id).status == "open"
    assert db.session.scalar(select(AttemptQuestion.is_correct).where(
        AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == 1)) is True


def test_a_save_that_commits_inside_a_callers_transaction_commits_it_all(app, contest):
    """The answer step's save is its own transaction; asked inside an open one (nothing
    committed yet), it joins it and commits everything, on either database."""
    account, reg = joined(contest)
    now = utcnow()
    attempt = quiz.start_attempt(contest, reg, now=now)  # not committed
    slot = quiz.load_sheet(attempt.id, account.id).slots[0]
    quiz.save_answer(attempt.id, account.id, 1, slot.choice_ids[0], now, commit=True)
    db.session.rollback()  # nothing left to undo
    assert quiz.load_sheet(attempt.id, account.id).slots[0].chosen == slot.choice_ids[0]


def test_questions_warmed_at_start_are_shown_without_a_query(app, contest):
    """wsgi.py loads every active question as shown before gunicorn forks its workers."""
    from sqlalchemy import event
    quiz_review._shown.clear()
    active = db.session.scalars(select(Question.id).where(
        Question.status == QuestionStatus.ACTIVE.value)).all()
    assert quiz_review.warm_shown_questions() == len(active) > 0
    queries = []

    def seen(*args):
        queries.append(args[2])

    event.listen(db.engine, "before_cursor_execute", seen)
    shown = quiz_review.shown_question(active[0])
    event.remove(db.engine, "before_cursor_execute", seen)
    assert queries == [] and shown.text and len(shown.choices) >= 2
    expected = dict(db.session.execute(select(Choice.id, Choice.text)
                                       .where(Choice.question_id == active[0])).all())
    assert shown.choices == expected
