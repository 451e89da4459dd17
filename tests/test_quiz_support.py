"""Helpers shared by the registration, login and quiz tests (no tests in here).

`Browser` gives every request its own application context, as in production: the test's
own app context would otherwise share `g` between requests (the logged-in user, the CSRF
token), and the request's database session with the test's."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

from cdso.extensions import db
from tests import factories

HTMX = {"HX-Request": "true"}


class Browser(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def browser(app) -> Browser:
    return Browser(app, app.response_class, use_cookies=True)


def token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, account, password: str = factories.PASSWORD):
    response = client.post("/dang-nhap", data={"login": account.login, "password": password,
                                               "csrf_token": token(client, "/dang-nhap")})
    assert response.status_code == 303, response.get_data(as_text=True)[-500:]
    return response


def fresh() -> None:
    """Forget what the test's session read before the requests wrote."""
    db.session.rollback()
    db.session.expire_all()


def participant_client(app, contest, **person):
    """A logged-in resident's browser, and the account."""
    account = factories.make_participant(contest, **person)
    client = browser(app)
    login(client, account)
    return client, account


def start(client) -> int:
    """Press "Bắt đầu làm bài"; returns the attempt id."""
    response = client.post("/thi/bat-dau", data={"csrf_token": token(client, "/thi")})
    assert response.status_code == 303, response.get_data(as_text=True)[-400:]
    return int(re.search(r"/thi/(\d+)", response.headers["Location"]).group(1))


def choices_on(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'name="choice" value="(\d+)"', html)]


def answer_key(attempt_id: int) -> dict[int, int]:
    """position -> the correct choice id, read from the database (never from a page)."""
    from sqlalchemy import select

    from cdso.models import AttemptQuestion, Choice
    rows = db.session.execute(
        select(AttemptQuestion.position, Choice.id)
        .join(Choice, Choice.question_id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id == attempt_id, Choice.is_correct.is_(True)))
    return dict(rows.all())
