"""Small helpers that build test data through the same services the app uses."""
from __future__ import annotations

import datetime as dt
import itertools
import re

from flask import g
from sqlalchemy import select

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.models import Account, Contest, Organisation, Role, Unit
from cdso.services import demo
from cdso.services.accounts import registration
from cdso.services.units.catalogue import tone_key

PASSWORD = "mat-khau-123"
_phones = itertools.count(1)


def make_contest(opens_at: dt.datetime | None = None, **settings) -> Contest:
    """The current contest, open from yesterday for 30 days unless told otherwise."""
    now = utcnow()
    contest = demo.create_demo_contest(now, opens_at=opens_at or now - dt.timedelta(days=1),
                                       days=30)
    for key, value in settings.items():
        setattr(contest, key, value)
    db.session.flush()
    db.session.commit()
    return contest


def unit(name: str = "Phường Gia Viên") -> Unit:
    return db.session.scalar(select(Unit).where(Unit.name == name))


def organisation(unit_obj: Unit, name: str = "Trường THCS Chu Văn An",
                 kind: str = "truong_hoc") -> Organisation:
    org = Organisation(unit_id=unit_obj.id, name=name, name_key=tone_key(name), kind=kind,
                       created_at=utcnow())
    db.session.add(org)
    db.session.commit()
    return org


def next_phone() -> str:
    return f"091{next(_phones):07d}"


def make_participant(contest: Contest, *, unit_name: str = "Phường Gia Viên",
                     phone: str | None = None, full_name: str = "Nguyễn Văn An",
                     group: str = "nguoi_dan", organisation_id: int | None = None,
                     cccd: str | None = None) -> Account:
    u = unit(unit_name)
    person = registration.NewParticipant(
        full_name=full_name, birth_date=dt.date(1970, 5, 17), gender="nam",
        phone=phone or next_phone(), cccd=cccd, unit_id=u.id, organisation_id=organisation_id,
        group=group, password=PASSWORD)
    reg = registration.create_participant(contest, person)
    db.session.commit()
    return reg.account


def make_official(role: Role, *, unit_name: str | None = "Phường Gia Viên",
                  login: str | None = None, organisation_id: int | None = None,
                  must_change_password: bool = False) -> Account:
    u = unit(unit_name) if unit_name else None
    login = login or f"{role.value}{next(_phones)}"
    account = Account(login=login, role=role.value, full_name=f"Cán bộ {login}",
                      unit_id=u.id if u else None, organisation_id=organisation_id,
                      created_at=utcnow(), must_change_password=must_change_password)
    account.set_password(PASSWORD)
    db.session.add(account)
    db.session.commit()
    return account


def csrf_token(client, path: str = "/dang-nhap") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, account: Account, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/dang-nhap", data={"login": account.login, "password": password,
                                           "csrf_token": token})


def make_open_attempt(contest: Contest, account: Account):
    """An attempt row just started (number 1, 20 minutes), made directly, without drawing
    questions (for tests that only need an attempt to exist). Flushed, not committed."""
    from cdso.models import Attempt

    reg = registration.registration_of(account, contest)
    started = utcnow()
    attempt = Attempt(contest_id=contest.id, registration_id=reg.id, account_id=account.id,
                      number=1, started_at=started, deadline=started + dt.timedelta(minutes=20),
                      question_count=20)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def make_finished_attempt(contest: Contest, account: Account, *, score: int = 15,
                          duration_seconds: int = 600, prediction: int | None = 100000,
                          finished_at: dt.datetime | None = None, source: str = "online"):
    """A submitted attempt with its figures counted, without playing the quiz
    (for tests of what comes after: certificates, rankings, documents)."""
    from cdso.models import Attempt
    from cdso.services.figures import stats

    reg = registration.registration_of(account, contest)
    finished_at = finished_at or utcnow()
    number = len([a for a in db.session.scalars(select(Attempt).where(
        Attempt.registration_id == reg.id))]) + 1
    attempt = Attempt(
        contest_id=contest.id, registration_id=reg.id, account_id=account.id, number=number,
        status="finished", started_at=finished_at - dt.timedelta(seconds=duration_seconds),
        deadline=finished_at + dt.timedelta(minutes=10), finished_at=finished_at,
        recorded_at=finished_at, finished_by="participant",
        question_count=contest.questions_per_attempt, score=score,
        duration_seconds=duration_seconds, prediction=prediction, source=source)
    db.session.add(attempt)
    db.session.flush()
    stats.record_finished_attempt(reg, attempt, finished_at)
    db.session.commit()
    return attempt


def login_as(client, role: Role = Role.ADMIN) -> Account:
    """A new official of `role` (the city's for an admin, else Gia Viên's), signed in
    without the form and without clearing the session (its CSRF token stays)."""
    account = make_official(role, unit_name=None if role == Role.ADMIN else "Phường Gia Viên")
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = account.get_id(), True
    g.pop("_login_user", None)  # the test's app context outlives requests: forget the last user
    return account


def sign_in(client, account: Account) -> None:
    """Sign in without the login form (the form is tested in test_auth.py)."""
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = account.get_id()
        session["_fresh"] = True
