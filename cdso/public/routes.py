"""Public pages: the landing page, the rules, the health check."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.services.figures import stats
from cdso.services.contest import counting
from cdso.services.contest.current import current_contest

bp = Blueprint("public", __name__)


@bp.get("/")
def landing():
    contest = current_contest()
    figures = stats.city_figures(contest.id, utcnow()).total if contest else None
    return render_template("public/landing.html", figures=figures, now=utcnow())


@bp.get("/the-le")
def rules():
    contest = current_contest()
    return render_template("public/rules.html", contest=contest,
                           prediction_rule_text=counting.prediction_rule_text(contest)
                           if contest else "")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "database unreachable"}, 503
    return {"status": "ok"}, 200


# Areas register their routes on `bp` when imported.
from cdso.public import figures as figure_pages  # noqa: E402,F401
from cdso.public import certificates as certificate_pages  # noqa: E402,F401
from cdso.public import prizes as prize_pages  # noqa: E402,F401
from cdso.public import reading  # noqa: E402,F401
