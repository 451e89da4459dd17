"""Registration, login, logout and the resident's own account pages.

The blueprint lives here; login/logout are in cdso/auth/login.py and the own-account
pages in cdso/auth/account.py, imported at the bottom so their routes register."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from cdso.auth import forms, throttle
from cdso.auth.sessions import home_url, start_session
from cdso.extensions import db, limiter
from cdso.formatting import utcnow
from cdso.services.accounts import registration
from cdso.services.contest.current import current_contest
from cdso.web.device import device_id
from cdso.web.htmx import redirect_to, render

bp = Blueprint("auth", __name__)


def _register_page(values: dict, errors: dict, picker: dict, *, closed: bool, consent: bool,
                   status: int = 200):
    return render_template("auth/register.html", values=values, errors=errors, closed=closed,
                           consent=consent, **picker), status


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
    if errors or closed:
        return _register_page(values, errors, forms.unit_picker(values), closed=closed,
                              consent=consent, status=422)
    try:
        created = registration.create_participant(contest, person, client_ip=request.remote_addr,
                                                   device_id=device_id())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        values["phone_taken"] = person.phone
        errors["phone"] = ("Số điện thoại hoặc số CCCD này vừa được đăng ký. "
                           "Xin đăng nhập bằng tài khoản đã có.")
        return _register_page(values, errors, forms.unit_picker(values), closed=closed,
                              consent=consent, status=422)
    start_session(created.account)
    flash("Đăng ký thành công. Chào mừng bạn đến với Cuộc thi!", "success")
    return redirect_to("quiz.home")


@bp.get("/dang-ky/don-vi")
def unit_search():
    """The unit picker's results as the person types (htmx), or the form without JS."""
    values = forms.read_values(request.args)
    picker = forms.unit_picker(values, request.args.get("action", "search-unit"))
    contest = current_contest()
    closed = contest is None or utcnow() >= contest.closes_at
    return render("auth/register.html", "auth/_unit_results.html", values=values, errors={},
                  closed=closed, consent=False, **picker)


from cdso.auth import account, login  # noqa: E402,F401
