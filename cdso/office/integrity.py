"""Kiểm tra số liệu (/quan-tri/kiem-tra-so-lieu): signals of padded figures for the city
(every unit, reviews and settings) and for a ward clerk (their own unit, read only).
Nothing here changes a score or a figure by itself (docs/integrity.md)."""
from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, Attempt, Registration, Unit
from cdso.models.integrity import VERDICTS
from cdso.office.routes import bp
from cdso.services.accounts import masking, scope
from cdso.services.contest.current import current_contest
from cdso.services.integrity import overview, review
from cdso.services.integrity import settings as integrity_settings
from cdso.web import pages
from cdso.web.pagination import page_number, paginate_list

SIGNALS_PER_PAGE = 50  # ranked: the signals touching most of a unit's figure come first



def _contest():
    contest = current_contest()
    if contest is None:
        abort(404)
    return contest


def _unit_names() -> dict[int, str]:
    return dict(db.session.execute(select(Unit.id, Unit.name)).all())


def _page(contest, typed=None, errors=None, notice=""):
    units = scope.visible_unit_ids(current_user)
    found = overview.current(contest, units)
    listing = paginate_list(found.signals, page_number(), SIGNALS_PER_PAGE)
    return render_template(
        "office/integrity/index.html", contest=contest, found=found, listing=listing,
        names=_unit_names(),
        limits=integrity_settings.thresholds(contest), specs=integrity_settings.THRESHOLDS,
        typed=typed or integrity_settings.typed_from(contest), errors=errors or {},
        notice=notice, is_city=scope.is_city(current_user), verdicts=VERDICTS), \
        422 if errors else 200


@bp.get("/kiem-tra-so-lieu", endpoint="integrity")
def integrity_page():
    if current_contest() is None:
        return render_template("office/integrity/no_contest.html")
    return _page(_contest())


def _signal_or_404(contest, key: str, unit_raw: str):
    unit = scope.unit_or_404(current_user, unit_raw)
    found = overview.current(contest, {unit.id})
    signal = next((s for s in found.signals if s.key == key), None)
    if signal is None:
        abort(404)
    return unit, signal


def _people(signal, full_phone: bool) -> list[dict]:
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(
        Account.id.in_(signal.account_ids)))}
    registered = dict(db.session.execute(select(Registration.account_id, Registration.created_at)
                                         .where(Registration.account_id.in_(signal.account_ids))
                                         ).all())
    attempts = {}
    if signal.attempt_ids:
        for a in db.session.scalars(select(Attempt).where(Attempt.id.in_(signal.attempt_ids))):
            attempts.setdefault(a.account_id, []).append(a)
    return [{"name": masking.mask_name(accounts[i].full_name),
             "phone": accounts[i].phone if full_phone else masking.mask_phone(accounts[i].phone),
             "registered_at": registered.get(i), "attempts": attempts.get(i, [])}
            for i in signal.account_ids if i in accounts]


@bp.get("/kiem-tra-so-lieu/tin-hieu", endpoint="integrity_signal")
def integrity_signal(error: str = "", typed_note: str = ""):
    contest = _contest()
    unit, signal = _signal_or_404(contest, request.values.get("ma", ""),
                                  request.values.get("don_vi", ""))
    scope.log_access(current_user, "integrity.accounts", target_type="unit", target_id=unit.id,
                     detail={"signal": signal.key}, ip=request.remote_addr)
    db.session.commit()
    people = _people(signal, scope.may_see_full_phone(current_user))
    return render_template("office/integrity/signal.html", contest=contest, unit=unit,
                           signal=signal, people=people, verdicts=VERDICTS, error=error,
                           typed_note=typed_note, is_city=scope.is_city(current_user)), \
        422 if error else 200


@bp.post("/kiem-tra-so-lieu/xem-xet", endpoint="integrity_review")
def integrity_review():
    contest = _contest()
    unit, signal = _signal_or_404(contest, request.form.get("ma", ""),
                                  request.form.get("don_vi", ""))
    note = request.form.get("ghi_chu", "")
    try:
        review.mark(contest, signal, request.form.get("ket_luan", ""), note, current_user.id,
                    utcnow(), ip=request.remote_addr)
    except review.ReviewRefused as refusal:
        db.session.rollback()
        return integrity_signal(error=str(refusal), typed_note=note)
    db.session.commit()
    flash(f"Đã ghi kết luận «{VERDICTS[request.form['ket_luan']]}» cho tín hiệu của "
          f"{unit.name}.", "success")
    return pages.redirect_to("office.integrity")


@bp.post("/kiem-tra-so-lieu/mo-lai", endpoint="integrity_reopen")
def integrity_reopen():
    contest = _contest()
    if not review.reopen(contest, request.form.get("ma", ""), current_user.id, utcnow(),
                         ip=request.remote_addr):
        abort(404)
    db.session.commit()
    flash("Đã mở lại tín hiệu: kết luận trước được bỏ, các lượt thi được tính lại như cũ.",
          "success")
    return pages.redirect_to("office.integrity")


@bp.post("/kiem-tra-so-lieu/thiet-lap", endpoint="integrity_settings")
def integrity_settings_save():
    contest = _contest()
    typed = integrity_settings.read_form(request.form)
    values, errors = integrity_settings.clean(typed)
    if errors:
        return _page(contest, typed, errors)
    review.save_settings(contest, values, typed["exclude_invalid"] == "1", current_user.id,
                         utcnow(), ip=request.remote_addr)
    db.session.commit()
    flash("Đã lưu ngưỡng cảnh báo." + (
        " Các lượt thi đã kết luận «Không hợp lệ» được loại khỏi số liệu."
        if contest.exclude_invalid else " Mọi lượt thi đều được tính vào số liệu."), "success")
    return pages.redirect_to("office.integrity")
