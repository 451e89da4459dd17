"""«Chữ lớn» (issue 24): larger text on every page, chosen with a plain link (no JS) and
remembered in a small cookie for a year."""
from __future__ import annotations

from flask import current_app, redirect, request

from cdso.auth.sessions import safe_next
from cdso.public.routes import bp
from cdso.web.templating import TEXT_SIZE_COOKIE, TEXT_SIZES

ONE_YEAR = 365 * 24 * 3600


@bp.get("/co-chu/<int:size>")
def text_size(size: int):
    """Set the text size (100, 125 or 150) and go back to the page it was chosen on."""
    response = redirect(safe_next(request.args.get("tiep")) or "/", code=303)
    secure = current_app.config.get("SESSION_COOKIE_SECURE", False)
    if str(size) in TEXT_SIZES:
        response.set_cookie(TEXT_SIZE_COOKIE, str(size), max_age=ONE_YEAR, httponly=True,
                            samesite="Lax", secure=secure)
    else:  # 100, or anything else: the usual size
        response.delete_cookie(TEXT_SIZE_COOKIE, httponly=True, samesite="Lax", secure=secure)
    return response
