"""Contest settings for the city administrator (/quan-tri/thiet-lap): the edition's name,
dates, rounds, quiz rules, topic quotas, prediction question, rules text and contacts."""
from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Contest
from cdso.models.contest import CERTIFICATE_KINDS, PREDICTION_RULES
from cdso.office.routes import bp
from cdso.services.bank import editing as bank
from cdso.services.contest import settings as contest_settings
from cdso.services.quiz import topic_quotas
from cdso.services.contest.current import current_contest
from cdso.web import pages

BLANK_ROUND = {"id": "", "name": "", "starts": "", "ends": ""}


def _page(edition: Contest | None, entry: contest_settings.SettingsInput, notice: str = ""):
    counts = topic_quotas.active_counts_by_topic()
    questions = entry.values.get("questions_per_attempt") or "0"
    spread = topic_quotas.even_quotas(int(questions) if questions.isdigit() else 0, counts)
    return render_template(
        "office/settings/form.html", edition=edition, entry=entry,
        rounds=[*entry.rounds, dict(BLANK_ROUND)], topics=bank.topics(), counts=counts,
        spread=spread, notice=notice, prediction_rules=PREDICTION_RULES,
        certificate_kinds=CERTIFICATE_KINDS,
        editions=db.session.scalars(select(Contest).order_by(Contest.opens_at.desc())).all())


def _edition(contest_id: int) -> Contest:
    return db.session.get(Contest, contest_id) or abort(404)


def _handle_post(edition: Contest | None):
    entry = contest_settings.read_form(request.form, bank.topics())
    action = request.form.get("action", "save")
    if action == "add-round":
        entry.rounds.append(dict(BLANK_ROUND))
        return _page(edition, entry)
    if action == "weekly-rounds":
        entry = contest_settings.weekly_rounds(entry)
        return _page(edition, entry, "" if entry.errors else
                     "Đã chia các đợt theo tuần. Kiểm tra rồi bấm «Lưu thiết lập» để ghi lại.")
    try:
        clean = contest_settings.validate(entry, edition)
    except contest_settings.ForgedRound:
        abort(404)
    if clean is None:
        return _page(edition, entry)
    try:
        saved = contest_settings.save(edition, clean, current_user.id, utcnow())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        entry.errors["form"] = "Không lưu được vì dữ liệu vừa thay đổi. Xin thử lưu lại."
        return _page(edition, entry)
    flash("Đã lưu thiết lập. Thay đổi có hiệu lực ngay với các lượt thi bắt đầu từ bây giờ; "
          "lượt thi đang làm giữ số câu và giờ nộp bài đã định.")
    return pages.redirect_to("office.settings_edition", contest_id=saved.id)


@bp.get("/thiet-lap", endpoint="settings")
def settings_home():
    contest = current_contest()
    if contest is None:
        return _page(None, contest_settings.form_from_contest(None))
    return _page(contest, contest_settings.form_from_contest(contest))


@bp.route("/thiet-lap/<int:contest_id>", methods=["GET", "POST"])
def settings_edition(contest_id: int):
    edition = _edition(contest_id)
    if request.method == "POST":
        return _handle_post(edition)
    return _page(edition, contest_settings.form_from_contest(edition))


@bp.route("/thiet-lap/moi", methods=["GET", "POST"])
def settings_new():
    if request.method == "POST":
        return _handle_post(None)
    return _page(None, contest_settings.form_from_contest(None, template=current_contest()))
