"""The queue: RQ over the Redis of JOBS_REDIS_URL (default REDIS_URL, else the local
Redis, redis://127.0.0.1:6379/0, which `make run` expects)."""
from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger(__name__)

QUEUE = "cdso"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
JOB_TIMEOUT = 3600  # a 100,000-row list takes minutes, not an hour


def redis_url(config) -> str:
    return config.get("JOBS_REDIS_URL") or config.get("REDIS_URL") or DEFAULT_REDIS


def connection():
    """One client per app (a connection pool inside), opened on first use."""
    from redis import Redis
    app = current_app._get_current_object()
    client = app.extensions.get("cdso_jobs_redis")
    if client is None:
        client = Redis.from_url(redis_url(app.config), socket_timeout=5)
        app.extensions["cdso_jobs_redis"] = client
    return client


def name() -> str:
    """The queue's name (JOBS_QUEUE, "cdso"); also the prefix of every key we keep."""
    return current_app.config.get("JOBS_QUEUE") or QUEUE


def queue():
    from rq import Queue
    return Queue(name(), connection=connection())


def rq_id(job_id: int, task: str = "run_job") -> str:
    return f"{name()}-{'check' if task == 'run_check' else 'import'}-{job_id}"


def enqueue(job_id: int, task: str = "run_job", *, here: bool = False) -> None:
    """Run job N's `task` (cdso.jobs.tasks: run_job, run_check) on a worker; or here and
    now when asked (a small upload's check), with JOBS_SYNC, or when the queue's Redis
    cannot be reached (slower for the person, but never lost)."""
    from cdso.jobs import tasks
    if here or current_app.config.get("JOBS_SYNC"):
        getattr(tasks, task)(job_id)
        return
    from redis.exceptions import RedisError
    try:
        queue().enqueue(f"cdso.jobs.tasks.{task}", job_id, job_id=rq_id(job_id, task),
                        job_timeout=JOB_TIMEOUT, result_ttl=24 * 3600,
                        failure_ttl=7 * 24 * 3600)
    except RedisError:
        log.warning("job queue unreachable: job %s (%s) runs in the request", job_id, task)
        getattr(tasks, task)(job_id)
