"""At start: a clear line when the database is missing or unreachable, not a traceback;
then the caches every worker shares."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from cdso.extensions import db


def check_database(app: Flask) -> str | None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    from sqlalchemy.engine import make_url
    safe_url = make_url(url).render_as_string(hide_password=True)
    try:
        with app.app_context():
            db.session.execute(text("SELECT 1"))
            if not inspect(db.engine).has_table("unit"):
                return (f"cdso: cơ sở dữ liệu {safe_url} chưa được khởi tạo — "
                        "chạy `flask --app wsgi cdso init` (hoặc `make setup`).")
    except SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
        return (f"cdso: không kết nối được cơ sở dữ liệu {safe_url} ({reason}). "
                "Đặt biến DATABASE_URL, ví dụ "
                "DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test")
    finally:
        with app.app_context():
            db.session.remove()
    return None


def warm_caches(app: Flask) -> None:
    """What every worker would otherwise load on its own first requests, loaded once
    before gunicorn forks them (preload_app): the questions as shown."""
    from cdso.services.quiz.review import warm_shown_questions
    with app.app_context():
        try:
            warm_shown_questions()
        finally:
            db.session.remove()
