"""One URL, two renderings: the full page, or just the partial when htmx asked."""
from __future__ import annotations

from collections.abc import Callable

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue


def is_htmx() -> bool:
    """An htmx request that wants a fragment: not a boosted navigation (which swaps the
    whole body) and not a history restore after Back (which needs the whole page)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and not headers.get("HX-Boosted")
            and not headers.get("HX-History-Restore-Request"))


def render(page: str, partial: str, **context) -> str:
    """Render `partial` for an htmx request (not a boosted navigation), else `page`."""
    return render_template(partial if is_htmx() else page, **context)


def redirect_to(endpoint: str, **values) -> ResponseReturnValue:
    """Post/redirect/get for plain forms; HX-Redirect for htmx requests."""
    return redirect_to_url(url_for(endpoint, **values))


def redirect_to_url(url: str) -> ResponseReturnValue:
    if request.headers.get("HX-Request") == "true":
        return "", 204, {"HX-Redirect": url}
    return redirect(url, code=303)


def next_page(url: str, build: Callable[[], tuple[str, int] | str]) -> ResponseReturnValue:
    """The next page itself for htmx (a boosted form): swapped in and its URL pushed, with
    no second round trip (issue 16); post/redirect/get (303) without JavaScript."""
    if request.headers.get("HX-Request") != "true":
        return redirect(url, code=303)
    built = build()
    body, status = built if isinstance(built, tuple) else (built, 200)
    return body, status, {"HX-Push-Url": url}
