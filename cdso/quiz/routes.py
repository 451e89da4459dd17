"""The quiz: the participant's home (/thi), starting an attempt, and all results
(/ket-qua). The steps of an attempt are in cdso/quiz/steps.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.services.quiz import attempts as quiz
from cdso.services.quiz import review as quiz_review
from cdso.services.accounts import registration
from cdso.services.contest.current import current_contest
from cdso.web.access import participant_required
from cdso.web.pages import next_page, redirect_to

bp = Blueprint("quiz", __name__)


def finish_expired(now) -> None:
    """Finish the resident's attempts past their deadline, and say so."""
    finished = quiz.finish_expired_of(current_user.id, now)
    if finished:
        db.session.commit()
    for number in finished:
        flash(f"Lượt thi số {number} đã hết giờ và đã được tự động nộp với các câu trả lời "
              "đã lưu trước giờ hết hạn.", "info")


@bp.get("/thi")
@participant_required
def home():
    finish_expired(utcnow())
    return home_page()


def home_page() -> str:
    """The participant's home (/thi), rendered for whoever is signed in."""
    now = utcnow()
    contest = current_contest()
    joined = registration.registration_of(current_user, contest) if contest else None
    attempt = quiz.open_attempt(joined.id) if joined else None
    sheet = quiz.load_sheet(attempt.id, current_user.id) if attempt else None
    used = quiz.attempts_used(joined.id) if joined else 0
    return render_template("quiz/home.html", joined=joined, attempt=attempt, sheet=sheet,
                           used=used, now=now)


@bp.post("/thi/tham-gia")
@participant_required
def join():
    contest = current_contest()
    if contest is None or utcnow() >= contest.closes_at:
        flash("Cuộc thi đã kết thúc, không nhận thêm người tham gia.", "error")
        return redirect_to("quiz.home")
    try:
        registration.join_contest(current_user, contest)
        db.session.commit()
    except IntegrityError:  # the same button pressed twice at once: already joined
        db.session.rollback()
    flash(f"Bạn đã tham gia Cuộc thi «{contest.name}».", "success")
    return redirect_to("quiz.home")


@bp.post("/thi/bat-dau")
@participant_required
def start():
    contest = current_contest()
    joined = registration.registration_of(current_user, contest) if contest else None
    if joined is None:
        abort(404)
    return start_and_show(contest, joined)


def start_and_show(contest, joined):
    """Start the attempt (or take the open one) and answer with the question to work on
    itself: for htmx no 204 + HX-Redirect and no second page load (issue 16)."""
    try:
        try:
            attempt = quiz.start_attempt(contest, joined, now=utcnow())
        except quiz.StartRaced:
            db.session.rollback()
            attempt = quiz.start_attempt(contest, joined, now=utcnow())
    except quiz.QuizRefused as refused:
        db.session.commit()  # an expired attempt it finished on the way stays finished
        flash(str(refused), "error")
        return next_page(url_for("quiz.home"), home_page)
    db.session.commit()
    sheet = quiz.load_sheet(attempt.id, current_user.id)
    position = sheet.first_unanswered()
    if position is None:
        return redirect_to("quiz.resume", attempt_id=attempt.id)
    return next_page(url_for("quiz.question", attempt_id=attempt.id, position=position),
                     lambda: steps.question_page(sheet, position))


@bp.get("/ket-qua")
@participant_required
def results():
    now = utcnow()
    finish_expired(now)
    return render_template("quiz/results.html",
                           results=quiz_review.results_of(current_user.id, now), now=now)


from cdso.quiz import steps  # noqa: E402
