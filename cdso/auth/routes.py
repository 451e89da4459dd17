"""Registration, login, logout and the resident's own account pages.

The blueprint lives here; login/logout are in cdso/auth/login.py and the own-account
pages in cdso/auth/account.py, imported at the bottom so their routes register."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdso.auth import forms, throttle
from cdso.auth.sessions import home_url, start_session
from cdso.extensions import db, limiter
from cdso.formatting import utcnow
from cdso.services.accounts import registration
from cdso.services.accounts.registration import RESET_HINT
from cdso.services.contest.current import current_contest
from cdso.web.device import device_id
from cdso.web.pages import is_htmx, next_page

bp = Blueprint("auth", __name__)


def _register_page(values: dict, errors: dict, picker: dict, *, closed: bool, consent: bool,
                   status: int = 200):
    contest = current_contest()
    can_start = contest is not None and contest.is_open(utcnow())
    return render_template("auth/register.html", values=values, errors=errors, closed=closed,
                           consent=consent, can_start=can_start, **picker), status


def _welcome(contest, created, start: bool):
    """Straight on after registering: the first question itself when the person chose
    «Đăng ký và bắt đầu làm bài» and the contest is open, else their quiz home; for htmx
    in this very response (no 204 + HX-Redirect, no second page load: issue 16)."""
    from cdso.quiz.routes import home_page, start_and_show
    start_session(created.account)
    if start and contest.is_open(utcnow()):
        return start_and_show(contest, created)
    flash("Đăng ký thành công. Chào mừng bạn đến với Cuộc thi!", "success")
    return next_page(url_for("quiz.home"), home_page)


TOO_MANY_DUPLICATES = (
    "Từ mạng của bạn đã có quá nhiều lần đăng ký trùng số điện thoại hoặc CCCD, nên lúc này "
    "không kiểm tra thêm được. Nếu bạn đã có tài khoản, xin đăng nhập; " + RESET_HINT
    + " Nếu chưa có, xin thử lại sau một giờ.")


def _hide_duplicates(values: dict, errors: dict) -> None:
    """Over the limit, every registration from the address gets the same answer for the
    rest of the hour (say nothing about which number is registered); what was typed and
    the other fields' messages stay."""
    values.pop("phone_taken", None)
    if values.pop("cccd_taken", None):
        errors.pop("cccd", None)
    errors["phone"] = TOO_MANY_DUPLICATES


@bp.route("/dang-ky", methods=["GET", "POST"])
@limiter.limit(throttle.registration_posts_limit, methods=["POST"])
@limiter.limit(throttle.registrations_limit, methods=["POST"],
               deduct_when=throttle.created_something)
def register():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    contest = current_contest()
    closed = contest is None or utcnow() >= contest.closes_at
    if request.method == "GET":
        values = forms.read_values({})
        return _register_page(values, {}, forms.unit_picker(values), closed=closed, consent=False)
    action = request.form.get("action", "")
    consent = request.form.get("consent") == "yes"
    if action in forms.UNIT_ACTIONS:
        values = forms.read_values(request.form)
        return _register_page(values, {}, forms.unit_picker(values, action), closed=closed,
                              consent=consent)
    person, errors, values = forms.parse_registration(request.form, contest)
    if not consent:
        errors["consent"] = ("Xin đánh dấu vào ô đồng ý sau khi đọc thông báo về dữ liệu cá nhân; "
                             "không có sự đồng ý của bạn, Ban tổ chức không thể ghi nhận đăng ký.")
    if not throttle.duplicate_answers_left():
        _hide_duplicates(values, errors)
        return _register_page(values, errors, forms.unit_picker(values), closed=closed,
                              consent=consent, status=429)
    if values.get("phone_taken") or values.get("cccd_taken"):
        throttle.count_duplicate_answer()
    if errors or closed:
        return _register_page(values, errors, forms.unit_picker(values), closed=closed,
                              consent=consent, status=422)
    try:
        created = registration.create_participant(contest, person, client_ip=request.remote_addr,
                                                   device_id=device_id())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        throttle.count_duplicate_answer()
        values["phone_taken"] = person.phone
        errors["phone"] = ("Số điện thoại hoặc số CCCD này vừa được đăng ký. "
                           "Xin đăng nhập bằng tài khoản đã có; " + RESET_HINT)
        return _register_page(values, errors, forms.unit_picker(values), closed=closed,
                              consent=consent, status=422)
    return _welcome(contest, created, start=action == "submit-start")


@bp.get("/dang-ky/don-vi")
def unit_search():
    """The unit picker's results as the person types (htmx), or the form without JS."""
    values = forms.read_values(request.args)
    picker = forms.unit_picker(values, request.args.get("action", "search-unit"))
    if is_htmx():  # the results alone, as the person types: no contest to read
        return render_template("auth/_unit_results.html", values=values, errors={}, **picker)
    contest = current_contest()
    closed = contest is None or utcnow() >= contest.closes_at
    return render_template("auth/register.html", values=values, errors={}, closed=closed,
                           consent=False, **picker)


from cdso.auth import account, login  # noqa: E402,F401
