"""The steps of one attempt: a question per screen, the prediction, the review, finishing,
and the graded result. Each step is one URL with two renderings: the full page (no
JavaScript, post/redirect/get) or, when htmx posts, the next step as a partial."""
from __future__ import annotations

import math

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import DBAPIError

from cdso.auth import throttle
from cdso.extensions import db, login_manager
from cdso.formatting import utcnow
from cdso.models import Attempt, Contest
from cdso.quiz.routes import bp
from cdso.quiz.strip import strip_buttons
from cdso.services.contest import counting
from cdso.services.quiz import attempts as quiz
from cdso.services.quiz import review as quiz_review
from cdso.web.auth_session import session_account
from cdso.web.access import participant_required
from cdso.web.errors import render_error
from cdso.web.pages import is_htmx, redirect_to, render_fragment

STEP_PAGES = {"question": "quiz/step.html", "prediction": "quiz/prediction.html",
              "review": "quiz/review.html"}


def _sheet(attempt_id: int, *, lock: bool = False) -> quiz.Sheet:
    try:
        return quiz.load_sheet(attempt_id, current_user.id, lock=lock)
    except quiz.AttemptNotFound:
        abort(404)


def _closed(sheet: quiz.Sheet, now, message: str | None = None):
    """The response for an attempt no longer taking answers, or None while it is open.
    An attempt past its deadline is finished here, with the answers saved before it."""
    if sheet.is_open and not sheet.expired(now):
        return None
    db.session.rollback()  # release the row lock before finishing in a clean transaction
    if sheet.is_open and quiz.finish_attempt(sheet.attempt_id, now, by="deadline"):
        db.session.commit()
        message = message or ("Đã hết giờ làm bài. Bài thi đã được tự động nộp với các câu "
                              "trả lời đã lưu trước giờ hết hạn.")
    if message:
        flash(message, "error")
    return redirect_to("quiz.attempt_result", attempt_id=sheet.attempt_id)


def _target(go: str, position: int, count: int) -> tuple[str, int]:
    """Where a step's button leads: ("question", n), ("prediction", 0) or ("review", 0)."""
    if go == "review":
        return "review", 0
    if go == "du-doan" or (go == "next" and position >= count):
        return "prediction", 0
    if go == "prev":
        return "question", max(1, position - 1 if position else count)
    if go.isdigit() and 1 <= int(go) <= count:
        return "question", int(go)
    return "question", min(position + 1, count) if position else count


def _url(sheet: quiz.Sheet, kind: str, position: int) -> str:
    if kind == "question":
        return url_for("quiz.question", attempt_id=sheet.attempt_id, position=position)
    endpoint = "quiz.prediction" if kind == "prediction" else "quiz.review"
    return url_for(endpoint, attempt_id=sheet.attempt_id)


def _render(sheet: quiz.Sheet, kind: str, position: int = 0, *, partial: bool = False,
            error: str | None = None, typed: str | None = None, status: int = 200,
            url: str | None = None):
    """The step's page (or fragment); `url`: the step's own, when the caller has it."""
    now = utcnow()
    # partial: the answer step leaves out the CSRF field; htmx sends the token from the
    # page's <main hx-headers> (step_csrf), ~80 bytes less per step (issue 16).
    context = dict(sheet=sheet, position=position, error=error, typed=typed,
                   partial=partial, step_csrf=True,
                   deadline_iso=sheet.deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   minutes_left=max(0, math.ceil((sheet.deadline - now).total_seconds() / 60)),
                   answered=sheet.count - len(sheet.unanswered))
    if kind in ("question", "prediction"):  # the pages with the question strip
        context["strip_buttons"] = strip_buttons(sheet, position)
    if kind == "question":
        slot = sheet.slot(position)
        question = quiz_review.shown_question(slot.question_id)
        context.update(slot=slot, question=question, url=url or _url(sheet, kind, position),
                       choices=quiz_review.shown_choices(slot, question))
    if kind == "prediction":
        contest = db.session.get(Contest, sheet.contest_id)
        context["attempt_contest"] = contest
        context["prediction_scope"] = counting.prediction_scope(contest, min(now, sheet.deadline))
    page = STEP_PAGES[kind]
    if partial:
        return render_fragment(page.replace("quiz/", "quiz/_"), **context), status
    return render_template(page, **context), status


def question_page(sheet: quiz.Sheet, position: int):
    """The whole page of question `position` (after starting, or registering and starting)."""
    return _render(sheet, "question", position)


def _after_post(sheet: quiz.Sheet, current: int):
    """The next step: as a partial for htmx (one request), else a redirect (PRG)."""
    kind, position = _target(request.form.get("go", "next"), current, sheet.count)
    url = _url(sheet, kind, position)
    if is_htmx():
        body, status = _render(sheet, kind, position, partial=True, url=url)
        return body, status, {"HX-Push-Url": url}
    return redirect(url, code=303)


def _no_such_question(count: int, position: int):
    return render_error(404, f"Bài thi của bạn không có câu số {position}: bài gồm các câu "
                             f"từ 1 đến {count}.")


@bp.get("/thi/<int:attempt_id>")
@participant_required
def resume(attempt_id: int):
    """Where to go on: the first unanswered question, else the prediction, else review."""
    sheet = _sheet(attempt_id)
    closed = _closed(sheet, utcnow())
    if closed:
        return closed
    position = sheet.first_unanswered()
    if position:
        return redirect(_url(sheet, "question", position))
    return redirect(_url(sheet, "prediction" if sheet.prediction is None else "review", 0))


@bp.route("/thi/<int:attempt_id>/cau/<int:position>", methods=["GET", "POST"])
def question(attempt_id: int, position: int):
    if request.method == "GET":
        return _question_page(attempt_id, position)
    return _answer_step(attempt_id, position)


@participant_required
def _question_page(attempt_id: int, position: int):
    sheet = _sheet(attempt_id)
    if sheet.slot(position) is None:
        return _no_such_question(sheet.count, position)
    return _closed(sheet, utcnow()) or _render(sheet, "question", position, partial=is_htmx())


def _answer_step(attempt_id: int, position: int):
    """The hot path: the account and its session version come from the signed session
    and are checked in the save's own statement, with no account loaded; the rate limit
    is in this worker's memory (cdso/auth/throttle.py)."""
    signed = session_account()
    if signed is None:
        return login_manager.unauthorized()
    account_id, version = signed
    if not throttle.answer_allowed(account_id):
        return render_error(429, throttle.ANSWERS_TOO_FAST)
    now = utcnow()
    # The token just checked (CSRFProtect) serves the next step's form: not signed anew.
    checked = request.form.get("csrf_token")
    if checked and current_app.config.get("WTF_CSRF_ENABLED", True):
        g.csrf_token = checked
    raw = request.form.get("choice", "").strip()
    choice_id = int(raw) if raw.isdigit() and len(raw) < 10 else (-1 if raw else None)
    try:
        sheet = _save_and_commit(attempt_id, account_id, version, position, choice_id, now)
    except quiz.SessionEnded:
        session.clear()
        return login_manager.unauthorized()
    except quiz.QuestionNotInAttempt:
        return _no_such_question(_sheet(attempt_id).count, position)
    except quiz.AttemptNotFound:
        abort(404)
    except (quiz.AttemptFinished, quiz.AttemptExpired) as refused:
        return _closed(_sheet(attempt_id), now, str(refused))
    except (quiz.InvalidAnswer, quiz.StaleAnswer) as refused:
        db.session.rollback()
        return _render(_sheet(attempt_id), "question", position, partial=is_htmx(),
                       error=str(refused), status=409 if isinstance(refused, quiz.StaleAnswer)
                       else 422)
    return _after_post(sheet, position)


def _save_and_commit(attempt_id, account_id, version, position, choice_id, now):
    """Save and commit; once more on a fresh connection when the pooled one had died
    (PostgreSQL restarted: the pool pings no connection before use). Saving is
    idempotent, so a retry after a commit whose answer was lost writes nothing twice."""
    seq = _seq(request.form.get("seq", ""))

    def save():
        return quiz.save_answer(attempt_id, account_id, position, choice_id, now, seq=seq,
                                session_version=version, commit=True)

    try:
        return save()
    except DBAPIError as error:
        db.session.rollback()
        if not error.connection_invalidated:
            raise
    return save()


def _seq(raw: str) -> int | None:
    """The tap's order key from the form; None (the page's base) when absent or garbled."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 16 else None


@bp.route("/thi/<int:attempt_id>/du-doan", methods=["GET", "POST"])
@participant_required
def prediction(attempt_id: int):
    now = utcnow()
    if request.method == "GET":
        sheet = _sheet(attempt_id)
        return _closed(sheet, now) or _render(sheet, "prediction", partial=is_htmx())
    typed = request.form.get("prediction", "")[:30]
    try:
        sheet = quiz.save_prediction(attempt_id, current_user.id, typed, now,
                                     seq=_seq(request.form.get("seq", "")))
    except quiz.AttemptNotFound:
        abort(404)
    except (quiz.AttemptFinished, quiz.AttemptExpired) as refused:
        return _closed(_sheet(attempt_id), now, str(refused))
    except quiz.InvalidAnswer as refused:
        db.session.rollback()
        return _render(_sheet(attempt_id), "prediction", partial=is_htmx(), error=str(refused),
                       typed=typed, status=422)
    except quiz.StaleAnswer as refused:  # show the number saved, not the late one
        db.session.rollback()
        return _render(_sheet(attempt_id), "prediction", partial=is_htmx(), error=str(refused),
                       status=409)
    db.session.commit()
    return _after_post(sheet, 0)


@bp.get("/thi/<int:attempt_id>/xem-lai")
@participant_required
def review(attempt_id: int):
    sheet = _sheet(attempt_id)
    return _closed(sheet, utcnow()) or _render(sheet, "review", partial=is_htmx())


@bp.post("/thi/<int:attempt_id>/nop-bai")
@participant_required
def finish(attempt_id: int):
    """Finishing twice, or from two tabs at once, gives one score counted once."""
    now = utcnow()
    sheet = _sheet(attempt_id)
    if sheet.is_open:
        late = sheet.expired(now)
        if quiz.finish_attempt(attempt_id, now, by="deadline" if late else "participant"):
            flash("Hết giờ: bài thi đã được nộp với các câu trả lời đã lưu trước giờ hết hạn."
                  if late else "Đã nộp bài. Đây là kết quả của bạn.", "success")
        db.session.commit()
    return redirect_to("quiz.attempt_result", attempt_id=attempt_id)


@bp.get("/thi/<int:attempt_id>/ket-qua")
@participant_required
def attempt_result(attempt_id: int):
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.account_id != current_user.id:
        abort(404)
    if attempt.is_open:
        closed = _closed(_sheet(attempt_id), utcnow())
        if closed is None:
            return redirect(url_for("quiz.resume", attempt_id=attempt_id))
        db.session.refresh(attempt)
    contest = db.session.get(Contest, attempt.contest_id)
    return render_template("quiz/attempt_result.html", attempt=attempt, contest_of=contest,
                           review=quiz_review.graded_review(attempt))
