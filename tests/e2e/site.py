"""The site the browser tests drive: a fresh SQLite database prepared with `cdso init`, a
current contest, a few demo participants and the accounts each journey starts from (built
through the app's own services and the test factories), served by a real gunicorn on a
free 127.0.0.1 port. bench/slow_network.py uses it too."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cdso import create_app
from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Attempt, Role
from cdso.services.contest import certificates
from cdso.services import demo
from cdso.services.quiz import attempts as quiz
from cdso.services.accounts import registration
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
PASSWORD = factories.PASSWORD
SECRET = "e2e-secret-key"
DEMO_PARTICIPANTS = 300


@dataclass(frozen=True)
class People:
    """Logins (phones for residents) of the accounts the journeys start from; every
    password is PASSWORD."""

    admin: str
    clerk_first_login: str  # a ward clerk whose password was set by someone else
    clerk: str              # a ward clerk of the same unit, password already their own
    team_member: str
    resident_resume: str    # has never started an attempt
    resident_done: str      # one graded attempt (answers kept), its certificate issued
    resident_midway: str    # an open attempt, the first five questions answered
    slow_residents: tuple[str, ...]  # never started: one per slow-network measurement
    done_attempt_id: int
    midway_attempt_id: int
    certificate_code: str
    unit_name: str = "Phường Gia Viên"
    resident_fresh: str = ""  # never started: logs in and starts in tests/e2e/test_phone.py
    resident_quick: str = ""  # never started: «Đăng nhập và bắt đầu làm bài» in test_phone.py


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _play_attempt(contest, account, answered: int | None = None) -> int:
    """An attempt through the quiz service: the first `answered` questions (all when
    None) answered with the first choice shown; when all, a prediction and finished."""
    now = utcnow()
    joined = registration.registration_of(account, contest)
    attempt = quiz.start_attempt(contest, joined, now=now, rng=random.Random(7))
    sheet = quiz.load_sheet(attempt.id, account.id)
    for slot in sheet.slots[:answered]:
        quiz.save_answer(attempt.id, account.id, slot.position, slot.choice_ids[0], now)
    if answered is None:
        quiz.save_prediction(attempt.id, account.id, "95.000", now)
        quiz.finish_attempt(attempt.id, now)
    db.session.commit()
    return attempt.id


def _app(path: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": SECRET,
                       "RATELIMIT_STORAGE_URI": "memory://"})


def initialise(path: Path) -> None:
    """`cdso init` on a new SQLite file: migrations, the 114 units, the question bank.
    From then on the app starts on it (wsgi.py checks the database when it starts)."""
    app = _app(path)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["cdso", "init"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()


def populate(path: Path, slow_residents: int = 1) -> People:
    """The current contest, demo organisations and participants, and the accounts the
    journeys start from."""
    app = _app(path)
    with app.app_context():
        # The longest time limit the contests use: the attempt left open here for the
        # page checks stays open however late in a long test session they run.
        contest = factories.make_contest(time_limit_minutes=30)
        demo.ensure_demo_organisations()
        demo.seed_participants(contest, DEMO_PARTICIPANTS)
        db.session.commit()
        admin = factories.make_official(Role.ADMIN, unit_name=None, login="so-khcn")
        first = factories.make_official(Role.CLERK, login="vhxh.giavien",
                                        must_change_password=True)
        clerk = factories.make_official(Role.CLERK, login="canbo.giavien")
        member = factories.make_official(Role.TEAM_MEMBER, login="to-cns.giavien")
        resume = factories.make_participant(contest, phone="0902000001",
                                            full_name="Lê Thị Mất Sóng")
        done = factories.make_participant(contest, phone="0902000002",
                                          full_name="Trần Văn Đủ Bài")
        midway = factories.make_participant(contest, phone="0902000003",
                                            full_name="Ngô Văn Đang Thi")
        fresh = factories.make_participant(contest, phone="0902000004",
                                           full_name="Phan Thị Vào Thẳng")
        quick = factories.make_participant(contest, phone="0902000005",
                                           full_name="Vũ Văn Một Chạm")
        slow = [factories.make_participant(contest, phone=f"09030000{n:02d}",
                                           full_name="Đỗ Thị Mạng Chậm")
                for n in range(1, slow_residents + 1)]
        attempt_id = _play_attempt(contest, done)
        midway_attempt_id = _play_attempt(contest, midway, answered=5)
        certificate = certificates.issue(contest, db.session.get(Attempt, attempt_id), utcnow())
        db.session.commit()
        people = People(admin=admin.login, clerk_first_login=first.login, clerk=clerk.login,
                        team_member=member.login, resident_resume=resume.login,
                        resident_done=done.login, resident_midway=midway.login,
                        slow_residents=tuple(a.login for a in slow),
                        done_attempt_id=attempt_id, midway_attempt_id=midway_attempt_id,
                        certificate_code=certificates.display_code(certificate.code),
                        resident_fresh=fresh.login, resident_quick=quick.login)
        db.session.remove()
        db.engine.dispose()
    return people


class Server:
    """gunicorn with deploy/gunicorn.conf.py serving `database_url` on a free port."""

    def __init__(self, database_url: str, log: Path, workers: int = 2):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
               "WEB_CONCURRENCY": str(workers), "PYTHONDONTWRITEBYTECODE": "1"}
        for name in ("REDIS_URL", "CDSO_PROXIES", "PUBLIC_BASE_URL", "COOKIE_SECURE"):
            env.pop(name, None)
        self._log_file = open(log, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(PYTHON), "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "300",  # a saturated machine may starve a worker's heartbeat
             "wsgi:app"],
            cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)

    def wait_ready(self, seconds: float = 180) -> Server:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn not ready in {seconds} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing to drain
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
