"""Confirmed imports run as background jobs on RQ over real Redis (db 5), executed by a
real RQ worker (SimpleWorker, in this process, so it reads the test's database), on
SQLite and PostgreSQL: progress page with and without JavaScript, leaving and coming
back, cancel before the apply, all or nothing when the worker dies, one apply for a file
confirmed twice, and no peeking at another unit's job."""
from __future__ import annotations

import io
import re
import uuid

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.jobs import queue as job_queue
from cdso.models import Account, ImportBatch, ImportJob, Role
from cdso.services.imports import enrolment, kinds
from tests import factories
from tests import test_quiz_support as support
from tests.test_enrolment import csv_bytes, person

MEMBERS = "/quan-tri/dang-ky-danh-sach"


@pytest.fixture
def jobs(app):
    """Real jobs: not in the request, on a queue of this test's own in Redis db 5."""
    app.config.update(JOBS_SYNC=False, JOBS_QUEUE=f"test-{uuid.uuid4().hex[:12]}")
    yield app
    from redis import Redis
    client = Redis.from_url("redis://127.0.0.1:6379/5")
    for key in client.scan_iter(f"{app.config['JOBS_QUEUE']}*"):
        client.delete(key)
    for key in client.scan_iter(f"rq:*{app.config['JOBS_QUEUE']}*"):
        client.delete(key)


@pytest.fixture
def clerk(jobs, contest):
    unit = factories.unit("Phường Gia Viên")
    factories.organisation(unit, "Tổ dân phố số 3", "to_dan_pho")
    return factories.make_official(Role.CLERK, unit_name="Phường Gia Viên")


def work() -> None:
    SimpleWorker([job_queue.queue()], connection=job_queue.connection()).work(burst=True)
    support.fresh()


def members_count() -> int:
    support.fresh()
    return db.session.scalar(select(func.count(Account.id)).where(
        Account.role == Role.PARTICIPANT.value))


def preview(web, data: bytes) -> str:
    html = web.post(f"{MEMBERS}/xem-truoc", content_type="multipart/form-data", data={
        "csrf_token": support.token(web, MEMBERS),
        "tep": (io.BytesIO(data), "ds.csv")}).get_data(as_text=True)
    assert 'name="token"' in html, html[-800:]
    return html


def confirm(web, html: str, headers=None):
    fields = dict(re.findall(r'name="(csrf_token|token)" value="([^"]*)"', html))
    return web.post(f"{MEMBERS}/xac-nhan", data=fields, headers=headers or {})


def polling(web, page_url: str) -> str:
    """A job's page while it waits or runs: it refreshes itself without JavaScript, htmx
    polls it for its partial. Returns the full page."""
    waiting = web.get(page_url).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in waiting  # without JavaScript
    assert 'hx-trigger="every 1s"' in waiting
    partial = web.get(page_url, headers=support.HTMX).get_data(as_text=True)
    assert partial.lstrip().startswith('<section id="import-job"')
    return waiting


def two_people() -> bytes:
    return csv_bytes([person(), person("Lê Thị Hoa", phone="0912000002")])


def test_a_confirmed_list_runs_on_the_worker_with_a_progress_page(app, clerk):
    web = support.browser(app)
    support.login(web, clerk)
    before = members_count()
    done = confirm(web, preview(web, two_people()))
    assert done.status_code == 303
    page_url = done.headers["Location"]
    job = db.session.scalar(select(ImportJob))
    assert page_url.endswith(f"/quan-tri/nhap/{job.id}") and job.status == "queued"
    assert members_count() == before  # nothing until the worker runs it
    assert "Đang chờ đến lượt" in polling(web, page_url)
    work()
    assert members_count() == before + 2
    listed = web.get(MEMBERS).get_data(as_text=True)  # where to come back to it
    assert f'href="/quan-tri/nhap/{job.id}"' in listed and "đã xong" in listed
    finished = web.get(page_url).get_data(as_text=True)  # leaving and coming back
    assert "Đã tạo 2 tài khoản" in finished and 'http-equiv="refresh"' not in finished
    batch = db.session.scalar(select(ImportBatch))
    assert f"/quan-tri/dang-ky-danh-sach/{batch.id}" in finished
    report = web.get(f"{page_url}/bao-cao.csv")
    assert report.status_code == 200 and "Đã tạo 2 tài khoản" in report.get_data(as_text=True)
    assert db.session.get(ImportJob, job.id).data is None  # the upload is not kept


def test_the_same_file_confirmed_twice_applies_once(app, clerk):
    web = support.browser(app)
    support.login(web, clerk)
    before = members_count()
    first_preview = preview(web, two_people())
    second_preview = preview(web, two_people())  # another tab, the same file
    first = confirm(web, first_preview).headers["Location"]
    assert confirm(web, first_preview).headers["Location"] == first  # a double click
    assert confirm(web, second_preview).headers["Location"] == first
    work()
    assert members_count() == before + 2
    assert db.session.scalar(select(func.count(ImportBatch.id))) == 1


def test_cancel_before_the_apply_writes_nothing(app, clerk):
    web = support.browser(app)
    support.login(web, clerk)
    before = members_count()
    page_url = confirm(web, preview(web, two_people())).headers["Location"]
    cancelled = web.post(f"{page_url}/huy", data={"csrf_token": support.token(web, page_url)})
    assert cancelled.status_code == 303
    work()
    assert members_count() == before
    page = web.get(page_url).get_data(as_text=True)
    assert "Đã huỷ, chưa ghi gì" in page and "Huỷ việc nhập này" not in page


def test_a_worker_dying_midway_leaves_nothing_and_says_so(app, clerk, monkeypatch):
    web = support.browser(app)
    support.login(web, clerk)
    before = members_count()
    page_url = confirm(web, preview(web, two_people())).headers["Location"]
    real_enrol = enrolment.enrol_members

    def enrol_then_die(*args, **kwargs):
        real_enrol(*args, **kwargs)  # the accounts are flushed, not committed
        db.session.flush()
        raise SystemExit("worker killed")  # not an Exception: the job code never sees it
    monkeypatch.setattr(enrolment, "enrol_members", enrol_then_die)
    monkeypatch.setitem(kinds.pipeline.KINDS, "members", kinds.members)
    with pytest.raises(SystemExit):
        from cdso.jobs.tasks import run_import
        run_import(db.session.scalar(select(ImportJob.id)))
    db.session.rollback()  # what the database does when the worker's connection drops
    assert members_count() == before
    assert db.session.scalar(select(ImportJob.status)) == "running"  # no heartbeat any more
    page = web.get(page_url).get_data(as_text=True)
    assert "Thất bại, chưa ghi gì" in page
    assert members_count() == before


def test_rows_that_went_bad_meanwhile_fail_whole_with_a_downloadable_report(app, clerk):
    web = support.browser(app)
    support.login(web, clerk)
    page_url = confirm(web, preview(web, two_people())).headers["Location"]
    contest = enrolment.open_contest()
    someone = factories.make_participant(contest, phone="0912000002")  # registered meanwhile
    assert someone.id
    before = members_count()
    work()
    assert members_count() == before
    page = web.get(page_url).get_data(as_text=True)
    assert "Thất bại, chưa ghi gì" in page and "Dòng 3" in page
    report = web.get(f"{page_url}/bao-cao.csv").get_data(as_text=True)
    assert "Lê Thị Hoa" in report and "đã có tài khoản" in report


def test_another_units_clerk_cannot_see_or_cancel_a_job(app, clerk):
    web = support.browser(app)
    support.login(web, clerk)
    page_url = confirm(web, preview(web, two_people())).headers["Location"]
    other = support.browser(app)
    support.login(other, factories.make_official(Role.CLERK, unit_name="Phường Lê Chân"))
    token = support.token(other, MEMBERS)
    assert other.get(page_url).status_code == 404
    assert other.get(f"{page_url}/bao-cao.csv").status_code == 404
    assert other.post(f"{page_url}/huy", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(select(ImportJob.status)) == "queued"
    colleague = support.browser(app)
    support.login(colleague, factories.make_official(Role.CLERK, unit_name="Phường Gia Viên"))
    assert colleague.get(page_url).status_code == 200  # the same unit's clerks may follow it


def test_the_worker_command_runs_jobs_in_its_own_process(app, clerk, database_url):
    """`flask cdso worker --burst`, as `make run` and systemd start it (forking RQ worker)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    web = support.browser(app)
    support.login(web, clerk)
    before = members_count()
    page_url = confirm(web, preview(web, two_people())).headers["Location"]
    db.session.commit()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
           "JOBS_REDIS_URL": app.config["JOBS_REDIS_URL"], "JOBS_QUEUE": app.config["JOBS_QUEUE"]}
    flask = str(Path(sys.executable).with_name("flask"))
    done = subprocess.run([flask, "--app", "wsgi", "cdso", "worker", "--burst"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert members_count() == before + 2
    assert "Đã tạo 2 tài khoản" in web.get(page_url).get_data(as_text=True)


def test_with_the_queue_unreachable_the_import_runs_in_the_request(app, clerk):
    app.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:1/5"  # nothing listens there
    app.extensions.pop("cdso_jobs_redis", None)
    web = support.browser(app)
    support.login(web, clerk)
    before = members_count()
    done = confirm(web, preview(web, two_people()))
    assert done.status_code == 303 and "/quan-tri/dang-ky-danh-sach/" in done.headers["Location"]
    assert members_count() == before + 2
