"""The functions RQ runs. A worker process builds the app once (from the environment:
DATABASE_URL, REDIS_URL) and runs each job inside its app context."""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, has_app_context

_app = None


@contextmanager
def _app_context():
    global _app
    if has_app_context():
        yield current_app
        return
    if _app is None:
        from cdso import create_app
        _app = create_app()
    with _app.app_context():
        yield _app


def run_import(job_id: int) -> str:
    from cdso.jobs import progress
    from cdso.services.imports import kinds  # noqa: F401 (registers the kinds)
    from cdso.services.imports import pipeline

    with _app_context() as app:
        if app.config.get("JOBS_SYNC"):
            return pipeline.run(job_id)
        token = pipeline.reporting(progress.reporter(job_id))
        try:
            with progress.Heartbeat(job_id):
                return pipeline.run(job_id)
        finally:
            pipeline._reporter.reset(token)
