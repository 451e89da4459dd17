"""Fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL too. Each backend's schema is built once per test session by running the
migrations (so a broken migration fails the suite) and loading the 114 units and the
shipped question bank; each test then gets its own copy of that database."""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from cdso import create_app
from cdso.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "RATELIMIT_STORAGE_URI": "memory://",
    "SERVER_NAME": None,
    "PUBLIC_BASE_URL": "http://localhost",
    # No cache unless a test asks for one (the `shared_cache` fixture): a test reads what
    # it has just written.
    "CACHE_TYPE": "NullCache",
    "JOBS_SYNC": True,  # confirmed imports run in the request; tests/test_jobs.py runs a worker
    "JOBS_REDIS_URL": "redis://127.0.0.1:6379/5",
}


def _build_template(url: str) -> None:
    from flask_migrate import upgrade

    from cdso.services.bank import rows as bank_import
    from cdso.services.units import catalogue as units

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        units.load_units()
        report = bank_import.parse_rows(bank_import.shipped_bank_rows(), create_topics=True)
        assert report.ok, report.errors[:5]
        bank_import.import_questions(report)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _pg_admin(url: str):
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                           user=parsed.username or "postgres", password=parsed.password,
                           dbname=parsed.database or "postgres", autocommit=True)


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(drivername="postgresql+psycopg", database=name) \
        .render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _build_template(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template():
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")
    name = f"cdso_tmpl_{os.getpid()}"
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    _build_template(_pg_url(name))
    yield name
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def pg_copy(template: str, prefix: str):
    """A new PostgreSQL database copied from `template` (its URL), dropped afterwards."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        with _pg_admin(PG_URL) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, migrated database with units and the question bank, for one test."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with pg_copy(request.getfixturevalue("pg_template"), "cdso_t_") as url:
        yield url


@pytest.fixture
def app(database_url):
    from cdso.services.units import catalogue as units
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    units.clear_cache()
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


class IsolatedClient(FlaskClient):
    """Each request in its own application context, as in production: otherwise the
    test's app context would share `g` (the logged-in user, the CSRF token, the cached
    contest) and the database session between requests."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def contest(app):
    from tests import factories
    return factories.make_contest()


_PG_PASSED: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and "[postgresql" in report.nodeid:
        _PG_PASSED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_POSTGRES=1, a run in which no PostgreSQL test passed is a failure.
    (Under xdist the controller sees every worker's reports; workers skip the check.)"""
    if REQUIRE_PG and not hasattr(session.config, "workerinput") and not _PG_PASSED:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"PostgreSQL tests passed: {len(_PG_PASSED)}")
    if REQUIRE_PG and not _PG_PASSED:
        terminalreporter.write_line("REQUIRE_POSTGRES=1 but no PostgreSQL test passed: FAILED")


@pytest.fixture
def fast_passwords(monkeypatch):
    """Password hashing with one iteration, for tests that create many accounts."""
    from werkzeug.security import generate_password_hash

    from cdso.models import Account
    monkeypatch.setattr(Account, "set_password", lambda self, password: setattr(
        self, "password_hash", generate_password_hash(password, "pbkdf2:sha256:1")))


@pytest.fixture
def shared_cache(app) -> dict:
    """The app's one cache as an in-process store; returns its dict (key -> entry)."""
    from cdso.extensions import cache
    app.config.update(CACHE_TYPE="SimpleCache", CACHE_OPTIONS={})
    cache.init_app(app)
    return app.extensions["cache"][cache]._cache
