"""The background jobs beside confirmed imports, on RQ over real Redis with a real RQ
worker (tests/test_jobs.py): login slips (passwords change only with their PDF, kept
downloadable), a large member list checked on the worker before its preview, and the ZIP
of every unit's documents. Each: the progress page with and without JavaScript, leaving
and coming back, cancel, another unit's clerk answered 404, and a worker dying midway."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cdso.clock import utcnow
from cdso.extensions import db
from cdso.jobs import queue as job_queue
from cdso.models import Account, ImportBatch, ImportJob, Role
from cdso.office import import_jobs
from cdso.services.accounts import assisted
from cdso.services.imports import enrolment, pipeline
from tests import factories
from tests import test_quiz_support as support
from tests.test_documents import clock, october
from tests.test_jobs import (MEMBERS, clerk, confirm, jobs, members_count, polling, two_people,
                             work)

FIXTURES = (clerk, clock, jobs, october)  # shared with test_jobs.py and test_documents.py


def enrolled(clerk) -> ImportBatch:
    contest = enrolment.open_contest()
    report = enrolment.check_upload("ds.csv", two_people(), contest, enrolment.scope_of(clerk))
    batch = enrolment.enrol_members(report, contest, clerk, filename="ds.csv", digest="d1")
    db.session.commit()
    return batch


def hashes() -> set[str]:
    support.fresh()
    return set(db.session.scalars(select(Account.password_hash).where(
        Account.role == Role.PARTICIPANT.value)))


def ask_for_slips(web, batch, **fields):
    url = f"{MEMBERS}/{batch.id}"
    return web.post(f"{url}/phieu", data={"csrf_token": support.token(web, url), **fields})


def test_slips_are_made_on_the_worker_and_stay_downloadable(app, clerk):
    batch = enrolled(clerk)
    web = support.browser(app)
    support.login(web, clerk)
    asked = ask_for_slips(web, batch)
    assert asked.status_code == 303
    page_url = asked.headers["Location"]
    assert re.search(r"/quan-tri/nhap/\d+$", page_url)
    assert hashes() == {assisted.NO_PASSWORD}  # nothing until the worker has made the PDF
    assert "Huỷ việc in phiếu này" in polling(web, page_url)
    work()
    done = web.get(page_url).get_data(as_text=True)  # leaving and coming back
    assert "Đã tạo 2 phiếu đăng nhập" in done and 'http-equiv="refresh"' not in done
    assert f"{page_url}/tep" in done and "Tải về (PDF)" in done
    for _ in range(2):  # kept: downloaded again gives the same slips
        pdf = web.get(f"{page_url}/tep")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.headers["Cache-Control"] == "private, no-store"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    passwords = re.findall(r"Mật khẩu dùng một lần: (\w{10})", text)
    support.fresh()
    people = db.session.scalars(select(Account).where(Account.role == Role.PARTICIPANT.value))
    assert len(passwords) == 2 and all(any(a.check_password(p) for p in passwords)
                                       for a in people)
    assert "Các lần tạo phiếu gần đây" in web.get(f"{MEMBERS}/{batch.id}").get_data(
        as_text=True)
    assert pipeline.stale_previews(utcnow() + dt.timedelta(hours=23)) == 0
    assert pipeline.stale_previews(utcnow() + dt.timedelta(hours=25)) == 1  # `cdso sweep`
    db.session.commit()
    gone = web.get(f"{page_url}/tep", follow_redirects=True).get_data(as_text=True)
    assert "Tệp đã được xoá sau một ngày" in gone


def test_every_part_at_once_is_a_zip_and_a_double_click_runs_once(app, clerk, monkeypatch):
    monkeypatch.setattr(enrolment, "SLIPS_PER_PDF", 1)  # two people: two parts
    batch = enrolled(clerk)
    web = support.browser(app)
    support.login(web, clerk)
    first = ask_for_slips(web, batch).headers["Location"]
    assert ask_for_slips(web, batch).headers["Location"] == first
    assert db.session.scalar(select(func.count(ImportJob.id))) == 1
    assert job_queue.queue().count == 1  # handed to the worker once
    work()
    archive = zipfile.ZipFile(io.BytesIO(web.get(f"{first}/tep").data))
    assert archive.namelist() == [f"phieu-dang-nhap-{batch.id}-1.pdf",
                                  f"phieu-dang-nhap-{batch.id}-2.pdf"]
    one = ask_for_slips(web, batch, phan="2").headers["Location"]
    assert one != first  # printing again is a new job with new passwords
    work()
    assert web.get(f"{one}/tep").mimetype == "application/pdf"


def test_cancelled_slips_change_no_password(app, clerk):
    batch = enrolled(clerk)
    web = support.browser(app)
    support.login(web, clerk)
    page_url = ask_for_slips(web, batch).headers["Location"]
    web.post(f"{page_url}/huy", data={"csrf_token": support.token(web, page_url)})
    work()
    assert hashes() == {assisted.NO_PASSWORD}
    page = web.get(page_url).get_data(as_text=True)
    assert "Đã huỷ, chưa ghi gì" in page and "Huỷ việc in phiếu này" not in page
    assert web.get(f"{page_url}/tep").status_code == 303  # no file


def test_a_worker_dying_while_printing_changes_no_password(app, clerk, monkeypatch):
    batch = enrolled(clerk)
    web = support.browser(app)
    support.login(web, clerk)
    page_url = ask_for_slips(web, batch).headers["Location"]

    def render_then_die(*args, **kwargs):
        db.session.flush()  # the new passwords are flushed, not committed
        raise SystemExit("worker killed")
    monkeypatch.setattr(assisted, "render_slips_pdf", render_then_die)
    from cdso.jobs.tasks import run_job
    with pytest.raises(SystemExit):
        run_job(db.session.scalar(select(ImportJob.id)))
    db.session.rollback()  # what the database does when the worker's connection drops
    assert hashes() == {assisted.NO_PASSWORD}
    page = web.get(page_url).get_data(as_text=True)
    assert "Thất bại, chưa ghi gì" in page and "Tải về" not in page
    assert hashes() == {assisted.NO_PASSWORD}


def children(pid: int) -> list[int]:
    """The processes `pid` forked (from /proc: RQ's work horse calls setsid)."""
    from pathlib import Path
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_forking_worker_killed_midway_changes_no_password(app, clerk, database_url):
    """`flask cdso worker` (the forking RQ worker systemd runs) killed with SIGKILL while
    it issues 600 slips: its transaction never commits, and once its heartbeat lapses the
    page says so."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tests.test_enrolment import csv_bytes, person

    contest, scope = enrolment.open_contest(), enrolment.scope_of(clerk)
    data = csv_bytes([person(phone=f"0912{n:06d}") for n in range(600)])
    report = enrolment.check_upload("ds.csv", data, contest, scope)
    batch = enrolment.enrol_members(report, contest, clerk, filename="ds.csv", digest="d6")
    db.session.commit()
    web = support.browser(app)
    support.login(web, clerk)
    page_url = ask_for_slips(web, batch).headers["Location"]
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
           "JOBS_REDIS_URL": app.config["JOBS_REDIS_URL"], "JOBS_QUEUE": app.config["JOBS_QUEUE"],
           "JOBS_HEARTBEAT_TTL": "2"}
    app.config["JOBS_HEARTBEAT_TTL"] = 2
    worker = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi",
                               "cdso", "worker", "--burst"], cwd=root, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    from cdso.jobs import progress
    job_id = db.session.scalar(select(ImportJob.id))
    db.session.rollback()  # no lock held on SQLite while the worker writes
    try:  # the job's first progress report: it is issuing passwords
        while worker.poll() is None and progress.read(job_id) is None:
            time.sleep(0.02)
    finally:  # the machine dies: the worker and its work horse (a session of its own)
        for pid in [*children(worker.pid), worker.pid]:
            os.kill(pid, signal.SIGKILL)
        worker.wait()
    assert hashes() == {assisted.NO_PASSWORD}
    for _ in range(600):  # until the heartbeat's 2 s lapse (no timing is asserted)
        page = web.get(page_url).get_data(as_text=True)
        if "Thất bại" in page:
            break
        time.sleep(0.1)
    assert "Thất bại, chưa ghi gì" in page and "Máy xử lý dừng giữa chừng" in page
    assert hashes() == {assisted.NO_PASSWORD}
    assert web.get(f"{page_url}/tep").status_code == 303


def test_another_units_clerk_cannot_see_cancel_or_download_slips(app, clerk):
    batch = enrolled(clerk)
    web = support.browser(app)
    support.login(web, clerk)
    page_url = ask_for_slips(web, batch).headers["Location"]
    work()
    other = support.browser(app)
    support.login(other, factories.make_official(Role.CLERK, unit_name="Phường Lê Chân"))
    token = support.token(other, MEMBERS)
    for path in ("", "/tep", "/bao-cao.csv"):
        assert other.get(f"{page_url}{path}").status_code == 404
    assert other.post(f"{page_url}/huy", data={"csrf_token": token}).status_code == 404
    assert other.post(f"{MEMBERS}/{batch.id}/phieu", data={"csrf_token": token}
                      ).status_code == 404
    colleague = support.browser(app)
    support.login(colleague, factories.make_official(Role.CLERK, unit_name="Phường Gia Viên"))
    assert colleague.get(f"{page_url}/tep").status_code == 200  # the same unit's clerks


def test_a_large_list_is_checked_on_the_worker_then_previewed(app, clerk, monkeypatch):
    monkeypatch.setattr(import_jobs, "INLINE_CHECK_BYTES", 10)  # every list is "large"
    web = support.browser(app)
    support.login(web, clerk)
    before = members_count()
    sent = web.post(f"{MEMBERS}/xem-truoc", content_type="multipart/form-data", data={
        "csrf_token": support.token(web, MEMBERS), "tep": (io.BytesIO(two_people()), "ds.csv")})
    assert sent.status_code == 303
    page_url = sent.headers["Location"]
    assert "đang chờ đến lượt kiểm tra" in polling(web, page_url)
    assert f'href="{page_url}"' in web.get(MEMBERS).get_data(as_text=True)  # come back
    other = support.browser(app)
    support.login(other, factories.make_official(Role.CLERK, unit_name="Phường Lê Chân"))
    assert other.get(page_url).status_code == 404
    work()
    job = db.session.scalar(select(ImportJob))
    preview_url = f"{MEMBERS}/xem-truoc/{job.id}"
    checked = web.get(page_url)  # without JavaScript the refresh lands on the preview
    assert checked.status_code == 303 and checked.headers["Location"].endswith(preview_url)
    polled = web.get(page_url, headers=support.HTMX)
    assert polled.status_code == 204 and polled.headers["HX-Redirect"].endswith(preview_url)
    assert other.get(preview_url).status_code == 404
    html = web.get(preview_url).get_data(as_text=True)
    assert "Tạo 2 tài khoản" in html and "Lê Thị Hoa" in html
    first = confirm(web, html).headers["Location"]
    assert confirm(web, html).headers["Location"] == first  # confirmed twice
    assert job_queue.queue().count == 1 and members_count() == before
    work()
    assert members_count() == before + 2
    assert "Đã tạo 2 tài khoản" in web.get(first).get_data(as_text=True)


def test_a_large_list_with_errors_shows_them_and_keeps_no_upload(app, clerk, monkeypatch):
    from tests.test_enrolment import csv_bytes, person

    monkeypatch.setattr(import_jobs, "INLINE_CHECK_BYTES", 10)
    web = support.browser(app)
    support.login(web, clerk)
    bad = csv_bytes([person(born="31/02/1990")])
    page_url = web.post(f"{MEMBERS}/xem-truoc", content_type="multipart/form-data", data={
        "csrf_token": support.token(web, MEMBERS), "tep": (io.BytesIO(bad), "ds.csv")}
    ).headers["Location"]
    work()
    shown = web.get(web.get(page_url).headers["Location"])
    html = shown.get_data(as_text=True)
    assert shown.status_code == 422 and "Ngày sinh không có thật" in html
    assert 'name="token"' not in html and 'name="tep"' in html
    assert db.session.scalar(select(ImportJob.data)) is None


def test_a_worker_dying_while_checking_says_so(app, clerk, monkeypatch):
    monkeypatch.setattr(import_jobs, "INLINE_CHECK_BYTES", 10)

    def check_then_die(*args, **kwargs):
        raise SystemExit("worker killed")
    monkeypatch.setattr(enrolment, "check_upload", check_then_die)
    web = support.browser(app)
    support.login(web, clerk)
    page_url = web.post(f"{MEMBERS}/xem-truoc", content_type="multipart/form-data", data={
        "csrf_token": support.token(web, MEMBERS), "tep": (io.BytesIO(two_people()), "ds.csv")}
    ).headers["Location"]
    from cdso.jobs.tasks import run_check
    with pytest.raises(SystemExit):
        run_check(db.session.scalar(select(ImportJob.id)))
    db.session.rollback()
    page = web.get(page_url).get_data(as_text=True)
    assert "Thất bại, chưa ghi gì" in page and "Tải tệp lên lại" in page


def issued(contest, clerk, kind: str = "unit_report"):
    from tests.test_documents import MOMENT, NOW, blanks_of, complete
    from cdso.services.documents import lifecycle as documents

    document = documents.new_document(clerk, contest, kind, "", NOW)
    fields = complete(document)
    assert documents.issue_document(document, fields, MOMENT, clerk, NOW,
                                    blanks_ok=blanks_of(document, fields)) == {}
    db.session.commit()
    return document


def test_the_city_gets_every_units_report_in_one_zip(app, jobs, clock, october):
    from tests.test_documents import admin, clerk_of

    gia_vien, tu_ky = clerk_of(), clerk_of("Xã Tứ Kỳ")
    issued(october, gia_vien)
    issued(october, tu_ky)
    issued(october, tu_ky, "unit_urge")  # another kind: not in this batch
    city = support.browser(app)
    support.login(city, admin())
    listing = "/quan-tri/cong-van"
    asked = city.post(f"{listing}/tap", data={"csrf_token": support.token(city, listing),
                                              "kind": "unit_report"})
    page_url = asked.headers["Location"]
    assert "Huỷ việc gom văn bản này" in polling(city, page_url)
    ward = support.browser(app)
    support.login(ward, gia_vien)
    assert ward.get(page_url).status_code == 404  # the city's job
    work()
    done = city.get(page_url).get_data(as_text=True)
    assert "Đã gom 2 văn bản" in done and "112 đơn vị chưa ban hành" in done
    archive = zipfile.ZipFile(io.BytesIO(city.get(f"{page_url}/tep").data))
    names = archive.namelist()
    assert names[0] == "danh-sach.csv" and len(names) == 3
    assert all(name.endswith(".pdf") and "bao-cao-ket-qua" in name for name in names[1:])
    rows = archive.read("danh-sach.csv").decode("utf-8-sig")
    assert "Xã Tứ Kỳ" in rows and "Chưa ban hành" in rows
    assert ward.get(f"{page_url}/tep").status_code == 404
    own = ward.post(f"{listing}/tap", data={"csrf_token": support.token(ward, listing),
                                            "kind": "unit_report"}).headers["Location"]
    work()
    mine = zipfile.ZipFile(io.BytesIO(ward.get(f"{own}/tep").data))
    assert len(mine.namelist()) == 2 and "Gia-Vien" in mine.namelist()[1]
    assert "Xã Tứ Kỳ" not in mine.read("danh-sach.csv").decode("utf-8-sig")


def test_a_batch_with_nothing_issued_says_so_and_queues_nothing(app, jobs, clock, october):
    from tests.test_documents import admin, clerk_of

    issued(october, clerk_of(), "unit_urge")  # another kind only
    city = support.browser(app)
    support.login(city, admin())
    listing = "/quan-tri/cong-van"
    asked = city.post(f"{listing}/tap", data={"csrf_token": support.token(city, listing),
                                              "kind": "unit_report"})
    assert asked.status_code == 303 and asked.headers["Location"].endswith(listing)
    page = city.get(listing).get_data(as_text=True)
    assert "Chưa đơn vị nào ban hành «Báo cáo kết quả của xã/phường gửi Sở»" in page
    with app.app_context():
        assert db.session.query(ImportJob).count() == 0


def test_a_large_results_file_is_checked_on_the_worker_then_confirmed(app, jobs, contest,
                                                                      monkeypatch):
    from cdso.models import Attempt
    from tests.test_results_import import confirm as confirm_results
    from tests.test_results_import import upload

    monkeypatch.setattr(import_jobs, "INLINE_CHECK_BYTES", 10)
    web = support.browser(app)
    support.login(web, factories.make_official(Role.CLERK, unit_name="Đặc khu Bạch Long Vĩ"))
    from tests.test_results_import import csv_bytes, result
    from cdso.formatting import to_local
    today = to_local(utcnow()).strftime("%d/%m/%Y")  # inside this contest
    sent = upload(web, csv_bytes([result(unit="", day=today),
                                  result("Lê Văn Hoà", "0912000002", day=today)]))
    assert sent.status_code == 303
    page_url = sent.headers["Location"]
    assert "đang chờ đến lượt kiểm tra" in polling(web, page_url)
    work()
    html = web.get(page_url, follow_redirects=True).get_data(as_text=True)
    assert "Nhập 2 lượt thi" in html and "Thi giấy tại Bạch Long Vĩ" in html
    first = confirm_results(web, html).headers["Location"]
    assert confirm_results(web, html).headers["Location"] == first  # confirmed twice
    work()
    support.fresh()
    assert db.session.scalar(select(func.count(Attempt.id))) == 2
    assert "Đã nhập 2 lượt thi" in web.get(first).get_data(as_text=True)
