"""Giải thưởng: the published winners, names masked, for anyone to read."""
from __future__ import annotations

from flask import render_template

from cdso.models.contest import PREDICTION_RULES
from cdso.public.routes import bp
from cdso.services.contest import ranking
from cdso.services.contest.current import current_contest
from cdso.lazy import lazy_import

winners = lazy_import("cdso.services.contest.winners")  # openpyxl


@bp.get("/giai-thuong")
def prizes():
    contest = current_contest()
    sections = []
    if contest is not None:
        for run in ranking.published_runs(contest.id):
            sections.append({"run": run, "title": ranking.run_title(run),
                             "rows": winners.rows(run, winners_only=True)})
    return render_template("public/prizes.html", contest=contest, sections=sections,
                           rule_labels=PREDICTION_RULES)
