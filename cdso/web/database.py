"""Database engine settings that must hold for every connection."""
from __future__ import annotations

from flask import Flask, redirect, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from cdso.extensions import db
from cdso.web.errors import render_error


def init_app(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    def _dropped_connection(error: DBAPIError):
        """The pool pings no connection before use: a GET that met a connection dropped
        by the server (PostgreSQL restarted) is sent again by the browser (307), and finds
        a fresh one (the pool was invalidated). Anything else is an unexpected error."""
        db.session.rollback()
        if error.connection_invalidated and request.method in ("GET", "HEAD"):
            return redirect(request.full_path if request.query_string else request.path,
                            code=307)
        app.logger.exception("database error", exc_info=error)
        return render_error(500)

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
