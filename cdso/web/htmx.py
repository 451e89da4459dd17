"""One URL, two renderings: the full page, or just the partial when htmx asked."""
from __future__ import annotations

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
