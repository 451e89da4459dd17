"""An assisted attempt: a team member guides a resident through the quiz on the member's
own device.

The member starts the attempt for the resident (Attempt.assisted_by_id, AuditLog), then
their browser session acts as the resident for that one attempt, so the resident's
answers go through the real quiz pages and are stored on the resident's attempt. While
acting, `_confine` lets the session reach only that attempt's quiz pages and the two
pages below; ending the help gives the member their own session back."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from cdso.extensions import db
from cdso.helper.residents import resident_or_404
from cdso.helper.routes import bp
from cdso.models import Account, Attempt
from cdso.services.accounts import assisted
from cdso.services.quiz import attempts as quiz
from cdso.services.contest.current import current_contest
from cdso.web.pages import redirect_to

ACTING = "assisting"
ALWAYS_ALLOWED = {"helper.assisting", "helper.end_assist", "auth.logout", "asset", "static",
                  "public.healthz"}


def _marker() -> dict | None:
    """The acting marker if this session is indeed the resident's it names."""
    marker = session.get(ACTING)
    if not marker:
        return None
    if not current_user.is_authenticated or current_user.id != marker.get("resident_id"):
        session.pop(ACTING, None)  # logged out, or the resident's session ended
        return None
    return marker


@bp.before_app_request
def _confine():
    if not session.get(ACTING):
        return None
    marker = _marker()
    if marker is None or request.endpoint in ALWAYS_ALLOWED:
        return None
    if (request.blueprint == "quiz"
            and (request.view_args or {}).get("attempt_id") == marker["attempt_id"]):
        return None
    return redirect(url_for("helper.assisting"), code=303)


@bp.post("/nguoi-dan/<int:account_id>/thi-ho-tro")
def assist_attempt(account_id: int):
    person = resident_or_404(account_id)
    contest = current_contest()
    if contest is None or not person.is_active_account:
        abort(404)
    member = current_user._get_current_object()
    try:
        attempt = assisted.start_assisted_attempt(contest, person, member,
                                                  ip=request.remote_addr)
    except quiz.QuizRefused as refused:
        db.session.commit()  # an expired attempt finished on the way stays finished
        flash(str(refused), "error")
        return redirect_to("helper.resident", account_id=person.id)
    db.session.commit()
    marker = {"member_id": member.id, "member_version": member.session_version,
              "resident_id": person.id, "attempt_id": attempt.id}
    login_user(person)
    session[ACTING] = marker
    flash(f"Bạn đang giúp {person.full_name} làm bài thi. Xong bài, bấm «Kết thúc hỗ trợ» "
          "ở trang Bài thi để trở lại tài khoản của mình.", "info")
    return redirect_to("quiz.resume", attempt_id=attempt.id)


@bp.get("/dang-ho-tro")
def assisting():
    marker = _marker()
    if marker is None:
        abort(404)
    attempt = db.session.get(Attempt, marker["attempt_id"])
    return render_template("helper/assisting.html", resident=current_user, attempt=attempt)


@bp.post("/ket-thuc-ho-tro")
def end_assist():
    marker = _marker()
    if marker is None:
        abort(404)
    session.pop(ACTING, None)
    member = db.session.get(Account, marker["member_id"])
    if (member is None or not member.is_active_account
            or member.session_version != marker["member_version"]):
        logout_user()
        flash("Xin đăng nhập lại bằng tài khoản của bạn.", "info")
        return redirect_to("auth.login")
    attempt = db.session.get(Attempt, marker["attempt_id"])
    assisted.log_action(member, "assisted.attempt_end", target_type="account",
                        target_id=marker["resident_id"], ip=request.remote_addr,
                        detail={"attempt_id": attempt.id, "status": attempt.status,
                                "score": attempt.score})
    db.session.commit()
    login_user(member)
    flash("Đã kết thúc hỗ trợ. Bạn đã trở lại tài khoản của mình.", "success")
    return redirect_to("helper.resident", account_id=marker["resident_id"])
