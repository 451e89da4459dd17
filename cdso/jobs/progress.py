"""A running job's progress and heartbeat in Redis. The job's own transaction stays
uncommitted until the end (all or nothing), so neither can live in the database."""
from __future__ import annotations

import logging
import threading

from flask import current_app

from cdso.jobs.queue import connection, name

log = logging.getLogger(__name__)
HEARTBEAT_TTL = 30  # seconds: a worker silent this long is dead (JOBS_HEARTBEAT_TTL)


def _key(job_id: int, what: str) -> str:
    return f"{name()}:import-job:{job_id}:{what}"


def reporter(job_id: int):
    client = connection()

    def report(done: int, total: int) -> None:
        try:
            client.set(_key(job_id, "progress"), f"{done}/{total}", ex=24 * 3600)
        except Exception:  # progress is a courtesy: never fail the import for it
            log.warning("progress of import job %s not recorded", job_id)
    return report


def read(job_id: int) -> tuple[int, int] | None:
    try:
        raw = connection().get(_key(job_id, "progress"))
    except Exception:
        return None
    if not raw:
        return None
    done, _, total = raw.decode().partition("/")
    return int(done), int(total)


def alive(job_id: int) -> bool | None:
    """True/False; None when Redis cannot be asked (then nobody is declared dead)."""
    try:
        return bool(connection().exists(_key(job_id, "alive")))
    except Exception:
        return None


class Heartbeat:
    """Keeps `alive` set while the job runs, from a thread beside it."""

    def __init__(self, job_id: int) -> None:
        self.key, self.client = _key(job_id, "alive"), connection()
        self.ttl = int(current_app.config.get("JOBS_HEARTBEAT_TTL") or HEARTBEAT_TTL)
        self.every = max(1, self.ttl // 6)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self.stopped.wait(self.every):
            self._set()

    def _set(self) -> None:
        try:
            self.client.set(self.key, "1", ex=self.ttl)
        except Exception:
            log.warning("heartbeat %s not recorded", self.key)

    def __enter__(self):
        self._set()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=1)
        try:
            self.client.delete(self.key)
        except Exception:
            pass
