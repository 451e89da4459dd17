"""deploy/backup.sh and deploy/restore.sh on the local PostgreSQL: a small contest
database is dumped, restored into a new database, and every row is there."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from cdso import create_app
from cdso.extensions import db
from tests import factories
from tests.conftest import PG_URL, TEST_CONFIG, _pg_admin, _pg_url

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
TABLES = ("unit", "account", "registration", "attempt", "figure_bucket", "question",
          "choice", "alembic_version")


def _fingerprint(url: str) -> dict[str, tuple]:
    """Row count and a checksum of every row of the main tables."""
    import psycopg
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    out = {}
    with psycopg.connect(conninfo) as conn:
        for table in TABLES:
            out[table] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f" FROM {table} t").fetchone()
    return out


def _database_exists(name: str) -> bool:
    with _pg_admin(PG_URL) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (name,)).fetchone() is not None


@pytest.fixture
def databases(pg_template):
    """A source database cloned from the migrated template, and a name for the restore."""
    source = f"cdso_bk_{uuid.uuid4().hex[:10]}"
    restored = f"{source}_restored"
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'CREATE DATABASE "{source}" TEMPLATE "{pg_template}"')
    yield source, restored
    with _pg_admin(PG_URL) as conn:
        for name in (source, restored):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fill(url: str) -> None:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        contest = factories.make_contest()
        for full_name in ("Nguyễn Thị Hoà", "Trần Văn Bình", "Lê Thuỷ Tiên"):
            person = factories.make_participant(contest, full_name=full_name)
            factories.make_finished_attempt(contest, person, score=17)
        db.session.remove()
        db.engine.dispose()


def _run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(DEPLOY / script), *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_backup_then_restore_into_a_new_database_keeps_every_row(databases, tmp_path):
    source, restored = databases
    source_url = _pg_url(source)
    _fill(source_url)

    backup = _run("backup.sh", env={"DATABASE_URL": source_url, "BACKUP_DIR": str(tmp_path)})
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip().splitlines()[-1])
    assert dump.parent == tmp_path and dump.name.startswith("cdso-") and dump.suffix == ".dump"
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert not list(tmp_path.glob("*.partial"))

    restore = _run("restore.sh", str(dump), _pg_url(restored))
    assert restore.returncode == 0, restore.stderr
    assert f"restored into {restored}" in restore.stdout
    assert "account 3" in restore.stdout and "attempt 3" in restore.stdout

    before, after = _fingerprint(source_url), _fingerprint(_pg_url(restored))
    assert after == before
    assert after["unit"][0] == 114 and after["account"][0] == 3

    # The restore never overwrites a database that exists (the live one, say).
    again = _run("restore.sh", str(dump), _pg_url(restored))
    assert again.returncode == 3 and "already exists" in again.stderr
    assert _fingerprint(_pg_url(restored)) == before


def test_a_broken_dump_restores_nothing(databases, tmp_path):
    _source, restored = databases
    broken = tmp_path / "cdso-broken.dump"
    broken.write_bytes(b"PGDMP" + os.urandom(2000))
    result = _run("restore.sh", str(broken), _pg_url(restored))
    assert result.returncode == 1
    assert "restore failed" in result.stderr
    assert not _database_exists(restored)


def test_backup_refuses_to_run_without_a_database_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(["bash", str(DEPLOY / "backup.sh")], capture_output=True, text=True,
                            timeout=30, env={**env, "BACKUP_DIR": str(tmp_path)})
    assert result.returncode != 0 and "DATABASE_URL is not set" in result.stderr
    assert not list(tmp_path.iterdir())
