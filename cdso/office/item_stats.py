"""Thống kê câu hỏi: item statistics of the current contest for the bank's editors, each
flagged question with a link to edit it (an edit makes a new version)."""
from __future__ import annotations

from flask import render_template, request

from cdso.office.dashboard import _no_contest
from cdso.office.routes import bp
from cdso.services.bank import editing as bank
from cdso.services.bank import item_stats
from cdso.services.contest.current import current_contest


@bp.get("/cau-hoi/thong-ke", endpoint="item_stats")
def item_stats_page():
    contest = current_contest()
    if contest is None:
        return _no_contest()
    raw_topic = request.args.get("topic", "")
    topic_id = int(raw_topic) if raw_topic.isdigit() else None
    flagged_only = request.args.get("co") == "1"
    rows = item_stats.item_rows(contest.id, topic_id=topic_id, flagged_only=flagged_only)
    return render_template("office/bank/item_stats.html", rows=rows, topics=bank.topics(),
                           topic_id=topic_id, flagged_only=flagged_only,
                           min_answers=item_stats.MIN_ANSWERS)
