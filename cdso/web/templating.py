"""Jinja filters and globals: Vietnamese formats, the current contest, masks."""
from __future__ import annotations

from flask import Flask, g

from cdso import formatting
from cdso.services import masking


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.filters["mask_phone"] = masking.mask_phone
    app.jinja_env.filters["mask_name"] = masking.mask_name
    from cdso.office.menu import office_menu, role_label
    app.jinja_env.globals["office_menu"] = office_menu
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _contest():
        from cdso.services.contests import current_contest
        if "contest" not in g:
            g.contest = current_contest()
        return {"contest": g.contest}
