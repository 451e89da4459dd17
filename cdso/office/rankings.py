"""Xếp hạng và giải thưởng: the city administrator computes a round's or the whole
contest's ranking, reviews it (with the criterion that decided each place), publishes it,
and exports the winners. Recomputing a published ranking needs a reason and is logged."""
from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import by_name, datetime_short, utcnow
from cdso.models import Contest, RankingRun, Round, Unit
from cdso.office.routes import bp
from cdso.services.contest import coverage_prizes, ranking
from cdso.services.accounts import scope
from cdso.services.contest.current import current_contest
from cdso.services.integrity import overview
from cdso.web import pages
from cdso.services.exports.download import download
from cdso.lazy import lazy_import

winners = lazy_import("cdso.services.contest.winners")  # openpyxl



def _contest_or_page():
    contest = current_contest()
    if contest is None:
        return None, render_template("office/rankings/no_contest.html")
    return contest, None


def _index(contest, typed: dict | None = None, errors: dict | None = None):
    typed = typed or {"muc": "all", "loai": "individual",
                      **{f"prize_{k}": str(v) for k, v in ranking.DEFAULT_PRIZES["round"].items()}}
    runs = db.session.scalars(select(RankingRun).where(RankingRun.contest_id == contest.id)
                              .order_by(RankingRun.computed_at.desc()).limit(40)).all()
    targets = [("all", f"Toàn cuộc thi ({datetime_short(contest.opens_at)} – "
                        f"{datetime_short(contest.closes_at)})")]
    targets += [(str(r.id), f"{r.name} ({datetime_short(r.starts_at)} – "
                            f"{datetime_short(r.ends_at)})") for r in contest.rounds]
    return pages.render("office/rankings/index.html", "office/rankings/_compute.html",
                       contest=contest, targets=targets, runs=runs, typed=typed, errors=errors or {},
                       prize_levels=ranking.PRIZE_LEVELS, kind_labels=ranking.KIND_LABELS,
                       run_title=ranking.run_title, now=utcnow())


@bp.get("/xep-hang", endpoint="rankings")
def rankings_page():
    contest, page = _contest_or_page()
    return page or _index(contest)


@bp.post("/xep-hang")
def rankings_compute():
    contest, page = _contest_or_page()
    if page:
        return page
    typed = {key: request.form.get(key, "").strip() for key in
             ["muc", "loai", "ly_do", *(f"prize_{k}" for k, _ in ranking.PRIZE_LEVELS)]}
    prizes, errors = ranking.clean_prize_counts(typed)
    round_ = None
    if typed["muc"] != "all":
        round_ = db.session.get(Round, int(typed["muc"])) if typed["muc"].isdigit() else None
        if round_ is None or round_.contest_id != contest.id:
            errors["muc"] = "Xin chọn toàn cuộc thi hoặc một vòng thi trong danh sách."
    if typed["loai"] not in ranking.KIND_LABELS:
        errors["loai"] = "Xin chọn xếp hạng cá nhân hoặc tập thể."
    if not errors:
        try:
            run = ranking.compute(contest, round_, typed["loai"], prizes, current_user.id,
                                  utcnow(), reason=typed["ly_do"])
        except ranking.RankingError as refusal:
            db.session.rollback()
            errors["ly_do"] = str(refusal)
    if errors:
        return _index(contest, typed, errors)
    db.session.commit()
    flash("Đã tính bảng xếp hạng. Xin xem lại trước khi công bố.", "success")
    return pages.redirect_to("office.ranking_run", run_id=run.id)


def _run_or_404(run_id: int) -> RankingRun:
    run = db.session.get(RankingRun, run_id)
    if run is None:
        abort(404)
    return run


@bp.get("/xep-hang/<int:run_id>")
def ranking_run(run_id: int, error: str | None = None, typed: dict | None = None,
                exclude_errors: dict | None = None, status: int = 200):
    run = _run_or_404(run_id)
    flags = None
    if not run.published_at and not run.superseded_at:  # the publication preview
        flags = overview.publication_flags(run_contest(run))
    return render_template("office/rankings/run.html", run=run, rows=winners.rows(run),
                           title=ranking.run_title(run), error=error, now=utcnow(),
                           no_population=coverage_prizes.units_without_population(run, False),
                           typed=typed or {}, exclude_errors=exclude_errors or {},
                           flags=flags, flagged=set(flags["units"]) if flags else set()), status


@bp.post("/xep-hang/<int:run_id>/loai-don-vi/<int:entry_id>")
def ranking_exclude_unit(run_id: int, entry_id: int):
    """Exclude a unit without adult population from a draft's coverage prizes, with a
    reason (logged): the publication preview then no longer blocks on it."""
    run = _run_or_404(run_id)
    reason = request.form.get("ly_do", "")
    try:
        coverage_prizes.exclude_unit(run, entry_id, reason, current_user.id, utcnow())
    except ranking.RankingError as refusal:
        db.session.rollback()
        return ranking_run(run_id, typed={entry_id: reason[:500]},
                           exclude_errors={entry_id: str(refusal)}, status=422)
    db.session.commit()
    flash("Đã loại đơn vị khỏi xét giải theo tỷ lệ bao phủ; lý do được ghi nhật ký.", "success")
    return pages.redirect_to("office.ranking_run", run_id=run.id)


@bp.post("/xep-hang/<int:run_id>/cong-bo")
def ranking_publish(run_id: int):
    run = _run_or_404(run_id)
    try:
        ranking.publish(run, current_user.id, utcnow())
    except ranking.RankingError as refusal:
        db.session.rollback()
        return ranking_run(run_id, error=str(refusal), status=422)
    db.session.commit()
    flash("Đã công bố kết quả. Kết quả đã công bố được giữ nguyên, không tự thay đổi.",
          "success")
    return pages.redirect_to("office.ranking_run", run_id=run.id)


def run_contest(run: RankingRun) -> Contest:
    return db.session.get(Contest, run.contest_id)


def _log_export(run: RankingRun, file_format: str) -> None:
    scope.log_access(current_user, "winners.export", target_type="ranking_run",
                     target_id=run.id, detail={"format": file_format},
                     ip=request.remote_addr)


@bp.get("/xep-hang/<int:run_id>/danh-sach-dat-giai.xlsx")
def ranking_winners_xlsx(run_id: int):
    run = _run_or_404(run_id)
    content = winners.workbook(run, run_contest(run))
    _log_export(run, "xlsx")
    db.session.commit()
    return download(content, f"danh-sach-dat-giai-{run.id}.xlsx")


@bp.get("/xep-hang/<int:run_id>/thong-bao-dat-giai.pdf")
def ranking_winners_pdf(run_id: int):
    run = _run_or_404(run_id)
    doc = winners.document(run, run_contest(run), utcnow())
    from cdso.services.documents.pdf import render_pdf  # WeasyPrint: loaded when used
    content = render_pdf(render_template("pdf/dispatch.html", doc=doc))
    _log_export(run, "pdf")
    db.session.commit()
    return download(content, f"thong-bao-dat-giai-{run.id}.pdf", inline=True)


@bp.get("/xep-hang/to-chuc")
def ranking_organisations():
    contest, page = _contest_or_page()
    if page:
        return page
    units = by_name(db.session.scalars(select(Unit).order_by(Unit.id)), lambda u: u.name)
    typed = request.args.get("don_vi", "")
    unit = db.session.get(Unit, int(typed)) if typed.isdigit() else None
    as_of = min(utcnow(), contest.closes_at)
    places = ranking.organisation_ranking(contest.id, unit.id, as_of) if unit else []
    return pages.render("office/rankings/organisations.html", "office/rankings/_organisations.html",
                       unit_options=[(u.id, u.name) for u in units], unit=unit,
                       typed=typed, places=places, as_of=as_of,
                       error="Không có đơn vị này." if typed and unit is None else None)
