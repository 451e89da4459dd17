"""cdso: the "Công dân số Hải Phòng" contest platform."""
from __future__ import annotations

from flask import Flask

from cdso import config as settings
from cdso.extensions import cache, compress, csrf, db, htmx, init_migrations, limiter, login_manager
from cdso.web.templating import GlobalsOnceEnvironment


class CdsoFlask(Flask):
    """Flask, asking once per function's code whether it is a coroutine function: Flask
    asks inspect on every request for every hook and view, 13 times per answer step
    (issue 19). Keyed by code objects, so closures made per request add nothing. Its
    Jinja environment: cdso/web/templating.py."""

    jinja_environment = GlobalsOnceEnvironment  # each template's globals one dict

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._plain_code: set = set()  # code objects known not to be coroutines

    def ensure_sync(self, func):
        code = getattr(func, "__code__", None)  # a function's, or a bound method's
        if code in self._plain_code:
            return func
        synced = super().ensure_sync(func)
        if synced is func and code is not None:
            self._plain_code.add(code)
        return synced


def create_app(config: dict | None = None, *, web_only: bool = False) -> Flask:
    """The app; `web_only` (gunicorn's workers, see wsgi.py) leaves out the migrations."""
    app = CdsoFlask(__name__, template_folder="../templates", static_folder="../static",
                    instance_path=str(settings.INSTANCE))
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = settings.engine_options(
                config["SQLALCHEMY_DATABASE_URI"])
        if "REDIS_URL" in config and "CACHE_TYPE" not in config:
            app.config.update(settings.cache_settings(config["REDIS_URL"]))

    db.init_app(app)
    app.config.setdefault("MIGRATIONS_DIRECTORY", settings.ROOT / "migrations")
    if not web_only:
        init_migrations(app)
    login_manager.init_app(app, add_context_processor=False)  # see web/auth_session.py
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    cache.init_app(app)

    from cdso.web import assets, auth_session, database, errors, security, templating
    database.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    auth_session.init_app(app)

    from cdso.auth.routes import bp as auth_bp
    from cdso.helper.routes import bp as helper_bp
    from cdso.office.routes import bp as office_bp
    from cdso.public.routes import bp as public_bp
    from cdso.quiz.routes import bp as quiz_bp
    for blueprint in (public_bp, auth_bp, quiz_bp, helper_bp, office_bp):
        app.register_blueprint(blueprint)
    limiter.check_route_limits_only()

    from cdso.cli import cli
    app.cli.add_command(cli)
    return app
