"""Jinja filters and globals: Vietnamese formats, the current contest, masks."""
from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask.templating import Environment
from werkzeug.local import LocalProxy

from cdso import formatting
from cdso.services.accounts import masking


class GlobalsOnceEnvironment(Environment):
    """Flask's Jinja environment, each template's globals made one dict when the template
    is loaded instead of a ChainMap over the environment's. Jinja copies a template's
    globals into the context of every render and every include, and walking a ChainMap
    to do so was a quarter of the answer step's render (~15 µs). Jinja asks that globals
    not change once a template is loaded (Environment.make_globals): cdso sets them all
    in create_app, before any template is."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.filters["mask_phone"] = masking.mask_phone
    app.jinja_env.filters["mask_name"] = masking.mask_name
    from cdso.office.menu import office_menu, role_label
    app.jinja_env.globals["office_menu"] = office_menu
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["login_bursts"] = _login_bursts
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    def _current_contest():
        from cdso.services.contest.current import current_contest
        if "contest" not in g:
            g.contest = current_contest()
        return g.contest

    @app.context_processor
    def _contest():
        # Looked up when a template first reads it: a partial (an answer step) needs no query.
        return {"contest": LocalProxy(_current_contest),
                "text_size": text_size()}


TEXT_SIZES = ("125", "150")  # «Chữ lớn» (issue 24); the cookie is absent at 100%
TEXT_SIZE_COOKIE = "chu"


def text_size() -> str:
    """The larger text the person chose ("125", "150"), or "" for the usual size."""
    if not has_request_context():  # a PDF rendered outside a request
        return ""
    size = request.cookies.get(TEXT_SIZE_COOKIE, "")
    return size if size in TEXT_SIZES else ""


# The office pages that show an official the failed-login bursts on their own account.
LOGIN_BURST_PAGES = {"office.dashboard", "helper.home", "office.home", "office.accounts"}


def _login_bursts(account) -> list:
    from cdso.formatting import utcnow
    from cdso.services.accounts.login_alerts import recent_bursts
    if request.endpoint not in LOGIN_BURST_PAGES or not account.is_authenticated:
        return []
    return recent_bursts(account, utcnow())
