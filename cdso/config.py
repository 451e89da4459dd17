"""Settings from the environment. SQLite under instance/ unless DATABASE_URL is set."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _secret_key() -> str:
    """SECRET_KEY from the environment; on a developer machine, one kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgres://", "postgresql+psycopg://", 1)
    INSTANCE.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE / 'cdso.sqlite3'}"


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # WAL and a busy timeout let several gunicorn workers share the file.
        return {"connect_args": {"timeout": 15}}
    # No ping before each checkout (a round trip on every request): a connection found
    # dead (PostgreSQL restarted) invalidates the pool; the answer step retries once on a
    # fresh one and a GET is sent again (cdso/web/database.py).
    return {"pool_pre_ping": False, "pool_size": 5, "max_overflow": 5, "pool_recycle": 1800}


def cache_settings(redis_url: str) -> dict:
    """The one cache (cdso/caching.py): Redis, shared by every node, when REDIS_URL is set;
    otherwise each worker's memory, enough for the embedded single-machine default."""
    return {
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "cdso:",
        "CACHE_DEFAULT_TIMEOUT": 300,
        "CACHE_OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25} if redis_url else {},
        "CACHE_NO_NULL_WARNING": True,
    }


def from_environment() -> dict:
    url = _database_url()
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis down must not stop residents: limits fall back to each worker's memory.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # The cookie is signed and sent again only when the session changes (a login, a
        # flash message), not on every answer step: less CPU and ~200 bytes less per step.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,  # a resident may keep a quiz page open for its whole time
        # An upload of IMPORT_MAX_MB plus the form around it; the import guard says no
        # in Vietnamese to a file over IMPORT_MAX_MB.
        "MAX_CONTENT_LENGTH": (int(os.environ.get("IMPORT_MAX_MB", "10")) + 1) * 1024 * 1024,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript",
                               "text/javascript", "image/svg+xml", "application/json",
                               "application/geo+json", "text/csv"],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIN_SIZE": 300,
        # Brotli 5 instead of 4: an answer step ~7% smaller for 0.06 ms more CPU (issue 16).
        "COMPRESS_BR_LEVEL": 5,
        "SEND_FILE_MAX_AGE_DEFAULT": 0,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        **cache_settings(redis_url),
        # Uploaded tables (cdso.services.imports.guard): the file's size cap in MB.
        "IMPORT_MAX_MB": int(os.environ.get("IMPORT_MAX_MB", "10")),
        # Background jobs (cdso.jobs): the queue's Redis (default REDIS_URL, else the local
        # redis://127.0.0.1:6379/0); JOBS_SYNC=1 runs them in the request (no worker).
        "JOBS_REDIS_URL": os.environ.get("JOBS_REDIS_URL", ""),
        "JOBS_SYNC": os.environ.get("JOBS_SYNC", "0") == "1",
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE", "cdso"),
        # A worker silent this many seconds is dead (its job shows "thất bại, chưa ghi gì").
        "JOBS_HEARTBEAT_TTL": int(os.environ.get("JOBS_HEARTBEAT_TTL", "30")),
    }
