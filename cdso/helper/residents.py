"""Registering a resident on their behalf, their page, handing over access and resetting
a password after an identity check."""
from __future__ import annotations

from flask import abort, current_app, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cdso.auth import forms
from cdso.extensions import db, limiter
from cdso.formatting import utcnow
from cdso.helper.routes import bp
from cdso.models import Attempt, Unit
from cdso.services.accounts import assisted
from cdso.services.accounts import registration
from cdso.services.contest.current import current_contest
from cdso.web.device import device_id
from cdso.web.pages import redirect_to
from cdso.services.exports.download import download

ACCESS_CHOICES = [("own", "Người dân tự gõ mật khẩu của mình ngay bây giờ"),
                  ("one_time", "Cấp mật khẩu dùng một lần (hiện trên màn hình hoặc in phiếu), "
                               "người dân đổi khi đăng nhập lần đầu")]


def resident_or_404(account_id: int):
    resident = assisted.resident_in_scope(current_user, account_id)
    if resident is None:
        abort(404)
    return resident


def _register_page(values, errors, picker, *, access, consent, closed, status=200):
    unit = db.session.get(Unit, current_user.unit_id)
    return render_template("helper/register.html", values=values, errors=errors, access=access,
                           consent=consent, closed=closed, member_unit=unit,
                           access_choices=ACCESS_CHOICES, require_password=False,
                           **picker), status


@bp.route("/dang-ky", methods=["GET", "POST"])
def register():
    contest = current_contest()
    closed = contest is None or utcnow() >= contest.closes_at
    if request.method == "GET":
        values = forms.read_values({"unit_id": str(current_user.unit_id)})
        # One-time password by default: the password boxes start empty, and their hint
        # says to leave them empty for a one-time password.
        return _register_page(values, {}, forms.unit_picker(values), access="one_time",
                              consent=False, closed=closed)
    action = request.form.get("action", "")
    consent = request.form.get("consent") == "yes"
    access = request.form.get("access", "")
    if action in forms.UNIT_ACTIONS:
        values = forms.read_values(request.form)
        return _register_page(values, {}, forms.unit_picker(values, action), access=access,
                              consent=consent, closed=closed)
    own = access == "own"
    person, errors, values = forms.parse_registration(request.form, contest, require_password=own)
    if access not in ("own", "one_time"):
        errors["access"] = "Xin chọn cách trao quyền truy cập cho người dân."
    elif own and not request.form.get("password"):
        errors["password"] = ("Bạn đã chọn «Người dân tự gõ mật khẩu» nhưng ô mật khẩu còn trống: "
                              "mời người dân gõ mật khẩu, hoặc chọn «Cấp mật khẩu dùng một lần».")
    if values.get("unit_id") and values["unit_id"] != str(current_user.unit_id):
        unit = db.session.get(Unit, current_user.unit_id)
        errors["unit_id"] = f"Bạn chỉ đăng ký hộ người dân của {unit.name}."
    if not consent:
        errors["consent"] = ("Xin đọc thông báo cho người dân nghe và chỉ đánh dấu khi người dân "
                             "đã đồng ý trực tiếp với bạn.")
    if errors or closed:
        return _register_page(values, errors, forms.unit_picker(values), access=access,
                              consent=consent, closed=closed, status=422)
    try:
        created = assisted.register_resident(contest, person, current_user, own_password=own,
                                             ip=request.remote_addr, device_id=device_id())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        errors["phone"] = "Số điện thoại hoặc số CCCD này vừa được đăng ký."
        return _register_page(values, errors, forms.unit_picker(values), access=access,
                              consent=consent, closed=closed, status=422)
    flash(f"Đã đăng ký cho {created.account.full_name}."
          + ("" if own else " Bây giờ xin cấp mật khẩu dùng một lần cho người dân."), "success")
    return redirect_to("helper.resident", account_id=created.account_id)


@bp.get("/nguoi-dan/<int:account_id>")
def resident(account_id: int):
    person = resident_or_404(account_id)
    contest = current_contest()
    joined = registration.registration_of(person, contest) if contest else None
    attempts = list(db.session.scalars(select(Attempt).where(
        Attempt.registration_id == joined.id).order_by(Attempt.number))) if joined else []
    return render_template("helper/resident.html", resident=person, joined=joined,
                           attempts=attempts, has_password=assisted.has_password(person),
                           may_hand_over=assisted.may_hand_over(person, current_user),
                           actions=assisted.recent_actions(person), contest=contest,
                           action_labels=assisted.ACTION_LABELS,
                           open_contest=bool(contest and contest.is_open(utcnow())))


def deliver(resident, password: str, output: str):
    """The one-time password, shown once: on the page, or on a printable slip."""
    if output == "pdf":
        contest = current_contest()
        pdf = assisted.render_slips_pdf(
            [assisted.slip_for(resident, password)], contest_name=contest.name if contest else "",
            site_url=current_app.config.get("PUBLIC_BASE_URL") or request.host_url,
            issued_at=utcnow())
        db.session.commit()
        return download(pdf, f"phieu-dang-nhap-{resident.id}.pdf")
    db.session.commit()
    return render_template("helper/password_shown.html", resident=resident, password=password,
                           slip=assisted.slip_for(resident, password))


@bp.post("/nguoi-dan/<int:account_id>/trao-mat-khau")
def hand_over(account_id: int):
    person = resident_or_404(account_id)
    output = request.form.get("output", "")
    if output not in ("screen", "pdf"):
        abort(400)
    if not assisted.may_hand_over(person, current_user):
        flash("Người này đã có mật khẩu hoặc không do bạn đăng ký: muốn cấp mật khẩu mới, "
              "xin dùng «Đặt lại mật khẩu» sau khi đối chiếu giấy tờ tuỳ thân.", "error")
        return redirect_to("helper.resident", account_id=person.id)
    password = assisted.hand_over(person, current_user, output=output, ip=request.remote_addr)
    return deliver(person, password, output)


def _reset_request(form) -> assisted.ResetRequest:
    return assisted.ResetRequest(
        reason=(form.get("reason") or "")[:600], identity_checked=form.get("identity") == "yes",
        birth_date=(form.get("birth_date") or "")[:20], cccd=(form.get("cccd") or "")[:20],
        new_password=form.get("new_password") or "", new_password2=form.get("new_password2") or "",
        output=form.get("output") or "")


@bp.route("/nguoi-dan/<int:account_id>/dat-lai-mat-khau", methods=["GET", "POST"])
@limiter.limit("20 per hour", key_func=lambda: f"reset:{current_user.get_id()}",
               methods=["POST"])
def reset_password(account_id: int):
    person = resident_or_404(account_id)
    if request.method == "GET":
        return render_template("helper/reset.html", resident=person, typed=None, errors={})
    typed = _reset_request(request.form)
    errors = assisted.check_reset(person, typed)
    if errors:
        return render_template("helper/reset.html", resident=person, typed=typed,
                               errors=errors), 422
    password = assisted.reset_password(person, current_user, typed, ip=request.remote_addr)
    if password is None:
        db.session.commit()
        flash(f"Đã đặt mật khẩu mới do {person.full_name} tự chọn. Các phiên đăng nhập cũ "
              "của người này đã kết thúc.", "success")
        return redirect_to("helper.resident", account_id=person.id)
    return deliver(person, password, typed.output)
