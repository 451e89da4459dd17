"""The functions RQ runs. A worker process builds the app once (from the environment:
DATABASE_URL, REDIS_URL) and runs each job inside its app context."""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app, has_app_context, has_request_context

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


def _register() -> None:
    """Every kind of job registers its functions with the pipeline when imported."""
    from cdso.services.documents import batch  # noqa: F401
    from cdso.services.imports import kinds  # noqa: F401


def _run(job_id: int, work) -> str:
    from cdso.jobs import progress
    from cdso.services.imports import pipeline

    _register()
    with _app_context() as app:
        if app.config.get("JOBS_SYNC") or has_request_context():
            return work(job_id)  # inside a request: no progress page is watching
        token = pipeline.reporting(progress.reporter(job_id))
        try:
            with progress.Heartbeat(job_id):
                return work(job_id)
        finally:
            pipeline._reporter.reset(token)


def run_job(job_id: int) -> str:
    """Apply a confirmed import, or make an ordered batch (slips, documents)."""
    from cdso.services.imports import pipeline
    return _run(job_id, pipeline.run)


def run_check(job_id: int) -> str:
    """Check a large upload for its preview."""
    from cdso.services.imports import pipeline
    return _run(job_id, pipeline.check)


run_import = run_job  # the name of jobs queued before background jobs had kinds
