"""One URL, two renderings: the whole page, or only the partial when htmx asked for it.
htmx's request and response headers go through htmx-flask (`request.htmx`, its
`make_response`); this module only says which rendering and which hop each answer takes."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from htmx_flask import make_response


def is_htmx() -> bool:
    """An htmx request that wants a fragment: not a boosted navigation (which swaps the
    whole body) and not a history restore after Back (which needs the whole page)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, partial: str, **context) -> str:
    """Render `partial` for an htmx request (not a boosted navigation), else `page`."""
    return render_template(partial if is_htmx() else page, **context)


def render_fragment(template: str, **context) -> str:
    """A fragment that reads only the context given (and the app's globals and filters):
    rendered without Flask's context processors (current user, contest, text size) and
    template signals, which it would not read: ~45 µs, a thirtieth of an answer step.
    tests/test_quiz_web.py checks that the quiz's step fragments render the same as
    through render_template."""
    return current_app.jinja_env.get_template(template).render(context)


def redirect_to(endpoint: str, **values) -> ResponseReturnValue:
    """Post/redirect/get for plain forms; HX-Redirect for htmx requests."""
    return redirect_to_url(url_for(endpoint, **values))


def redirect_to_url(url: str) -> ResponseReturnValue:
    if request.htmx:
        return make_response("", 204, redirect=url)
    return redirect(url, code=303)


def next_page(url: str, build: Callable[[], tuple[str, int] | str]) -> ResponseReturnValue:
    """The next page itself for htmx (a boosted form): swapped in and its URL pushed, with
    no second round trip; post/redirect/get (303) without JavaScript."""
    if not request.htmx:
        return redirect(url, code=303)
    built = build()
    body, status = built if isinstance(built, tuple) else (built, 200)
    return make_response(body, status, push_url=url)
