"""Extensions, created unbound and attached in create_app (the init_app pattern)."""
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from htmx_flask import Htmx
from sqlalchemy import MetaData

from cdso.web.csrf import RememberingCSRF

# Named constraints so that Alembic's batch mode (SQLite) can alter them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))


def init_migrations(app) -> None:
    """Alembic (Flask-Migrate) for the `flask` commands and the tests; a web worker
    (wsgi.py under gunicorn) goes without it: ~11 MiB less per worker."""
    from flask_migrate import Migrate
    Migrate(render_as_batch=True, compare_type=True).init_app(
        app, db, directory=str(app.config["MIGRATIONS_DIRECTORY"]))
login_manager = LoginManager()
csrf = RememberingCSRF()  # Flask-WTF's, each token verified once per worker


class RouteLimiter(Limiter):
    """Flask-Limiter with every limit on its route, checked by the route's decorator
    (`@limiter.limit`, `limiter.shared_limit`). Flask-Limiter also checks before every
    request for default, application, blueprint and meta limits; cdso sets none, and
    that check cost 13% of an answer step (0.53 M instructions) though the step is
    exempt, so it is not registered. `check_route_limits_only()`, called once the
    blueprints are in, refuses to start with any such limit, which would go unchecked."""

    def init_app(self, app) -> None:
        super().init_app(app)
        app.before_request_funcs[None].remove(self._check_request_limit)

    def check_route_limits_only(self) -> None:
        manager = self.limit_manager
        if (manager.default_limits or manager.application_limits or self._meta_limits
                or manager._blueprint_limits):
            raise RuntimeError("cdso sets rate limits on routes only (cdso/extensions.py: "
                               "RouteLimiter); a default, application, blueprint or meta "
                               "limit would go unchecked")


limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])
htmx = Htmx()
cache = Cache()  # the one cache: cdso/caching.py


class CompressAlsoRefusals(Compress):
    """Flask-Compress leaves every response outside 2xx as it is; here a 4xx page is
    compressed too: a form sent back with its errors (422) or a refused answer (409) is
    a whole page on a resident's 3G phone."""

    def after_request(self, response):
        status = response.status_code
        if not 400 <= status < 500 or response.get_etag()[0]:
            return super().after_request(response)
        response.status_code = 200
        try:
            return super().after_request(response)
        finally:
            response.status_code = status


compress = CompressAlsoRefusals()
