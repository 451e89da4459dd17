"""Sessions end on the server side (logout, password change, role change: an old cookie
replayed stops working), and the answer step that checks the session in its own
statement keeps every guarantee: owner, session, sequence, idempotent replay."""
from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import create_engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from cdso.extensions import db
from cdso.models import Account, AttemptQuestion, Role
from cdso.services.quiz import attempts as quiz
from cdso.web.token_bucket import TokenBucket
from tests import factories
from tests.test_quiz_support import (HTMX, answer_key, browser, choices_on, fresh, login,
                                     participant_client, start, token)


def copied(client, app):
    """Another browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = browser(app)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def saved(attempt_id: int, position: int) -> tuple[int | None, dt.datetime | None, int]:
    fresh()
    return db.session.execute(select(
        AttemptQuestion.chosen_choice_id, AttemptQuestion.answered_at,
        AttemptQuestion.answer_seq).where(AttemptQuestion.attempt_id == attempt_id,
                                          AttemptQuestion.position == position)).one()


def post_answer(client, attempt_id, position, choice, csrf, **extra):
    return client.post(f"/thi/{attempt_id}/cau/{position}", headers=HTMX, data={
        "csrf_token": csrf, "choice": str(choice), "go": "next", **extra})


def test_logout_ends_a_copied_cookie_and_every_other_device(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    key = answer_key(attempt_id)
    thief, other_phone = copied(client, app), browser(app)
    login(other_phone, account)
    assert thief.get("/thi").status_code == 200  # the copy works while the session lives
    assert client.post("/dang-xuat", data={"csrf_token": csrf}).status_code == 303
    assert thief.get("/thi").status_code == 302
    assert other_phone.get("/thi").status_code == 302
    replayed = post_answer(thief, attempt_id, 1, key[1], csrf)
    assert replayed.status_code == 302 and "/dang-nhap" in replayed.headers["Location"]
    assert saved(attempt_id, 1)[0] is None  # nothing written with the old cookie
    again = browser(app)  # logging in again works, with a new version
    login(again, account)
    assert again.get("/thi").status_code == 200


def test_everyone_sees_log_out_on_every_device_on_their_account_page(app, contest):
    _, resident = participant_client(app, contest)
    clerk = factories.make_official(Role.CLERK)
    for account in (resident, clerk):
        client = browser(app)
        login(client, account)
        page = client.get("/tai-khoan").get_data(as_text=True)
        assert "Đăng xuất trên mọi thiết bị" in page and 'action="/dang-xuat"' in page
        thief = copied(client, app)
        client.post("/dang-xuat", data={"csrf_token": token(client, "/tai-khoan")})
        assert thief.get("/tai-khoan").status_code == 302


def test_a_password_change_ends_a_copied_cookie_on_the_answer_step(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    thief = copied(client, app)
    done = client.post("/doi-mat-khau", data={
        "csrf_token": token(client, "/doi-mat-khau"), "current_password": factories.PASSWORD,
        "new_password": "moi-mat-khau-9", "new_password2": "moi-mat-khau-9"})
    assert done.status_code == 303
    key = answer_key(attempt_id)
    assert post_answer(thief, attempt_id, 1, key[1], csrf).status_code == 302
    assert saved(attempt_id, 1)[0] is None
    assert post_answer(client, attempt_id, 1, key[1], token(client, "/thi")).status_code == 200
    assert saved(attempt_id, 1)[0] == key[1]


def test_a_role_change_ends_every_earlier_session(app, contest):
    official = factories.make_official(Role.CLERK)
    client = browser(app)
    login(client, official)
    assert client.get("/doi-mat-khau").status_code == 200
    fresh()
    account = db.session.get(Account, official.id)
    version = account.session_version
    account.full_name = "Tên khác"  # other changes leave the sessions alone
    db.session.commit()
    assert client.get("/doi-mat-khau").status_code == 200
    account.role = Role.REPORTER.value
    db.session.commit()
    assert account.session_version == version + 1
    assert client.get("/doi-mat-khau").status_code == 302


@contextlib.contextmanager
def driver_statements(engine):
    """Every statement the database driver is given, whether through SQLAlchemy or, as
    the answer step on PostgreSQL, straight to psycopg on the session's connection."""
    statements: list[str] = []
    if engine.dialect.name != "postgresql":
        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return

    import psycopg

    class Recording(psycopg.Cursor):
        def execute(self, query, *args, **kwargs):
            statements.append(str(query))
            return super().execute(query, *args, **kwargs)

    engine.dispose()  # every connection from here is a new one, with the recording cursor

    def checkout(dbapi_connection, *_args):
        dbapi_connection.cursor_factory = Recording
    event.listen(engine, "checkout", checkout)
    try:
        yield statements
    finally:
        event.remove(engine, "checkout", checkout)
        engine.dispose()


def test_the_answer_step_is_one_statement_and_loads_no_account(app, contest):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    key = answer_key(attempt_id)
    client.get(f"/thi/{attempt_id}/cau/2")  # the next question's text, cached per worker
    engine = db.engine
    with driver_statements(engine) as statements:
        response = post_answer(client, attempt_id, 1, key[1], csrf)
    assert response.status_code == 200 and choices_on(response.get_data(as_text=True))
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "WITH"))]
    assert len(writes) == 1 and "session_version" in writes[0]
    assert not any("FROM account" in s and "session_version" not in s for s in statements)
    # PostgreSQL: the UPDATE and the sheet in one statement; SQLite: the two in turn.
    assert len(statements) == (1 if engine.dialect.name == "postgresql" else 2)
    assert saved(attempt_id, 1)[0] == key[1]


def test_a_replayed_answer_writes_nothing_and_a_late_tap_changes_nothing(app, contest):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    csrf = token(client, "/thi")
    page = client.get(f"/thi/{attempt_id}/cau/1").get_data(as_text=True)
    first, second = choices_on(page)[:2]
    assert post_answer(client, attempt_id, 1, first, csrf, seq="1002").status_code == 200
    before = saved(attempt_id, 1)
    assert before[0] == first and before[2] == 1002
    assert post_answer(client, attempt_id, 1, first, csrf, seq="1002").status_code == 200
    assert saved(attempt_id, 1) == before  # the same tap again: not even answered_at moves
    late = post_answer(client, attempt_id, 1, second, csrf, seq="1001")
    assert late.status_code == 409 and saved(attempt_id, 1) == before
    other, _ = participant_client(app, contest)  # someone else's attempt: 404, nothing written
    assert post_answer(other, attempt_id, 1, second, token(other, "/thi"),
                       seq="1999").status_code == 404
    assert saved(attempt_id, 1) == before


def test_a_choice_of_another_question_is_refused_in_the_statement(app, contest):
    client, account = participant_client(app, contest)
    attempt_id = start(client)
    key = answer_key(attempt_id)
    with pytest.raises(quiz.InvalidAnswer):
        quiz.save_answer(attempt_id, account.id, 1, key[2], quiz.utcnow())
    db.session.rollback()
    assert saved(attempt_id, 1)[0] is None


def test_the_answer_step_retries_once_on_a_dropped_connection(app, contest, monkeypatch):
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    key = answer_key(attempt_id)
    real, calls = quiz.save_answer, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DBAPIError("SELECT 1", {}, Exception("server closed the connection"),
                             connection_invalidated=True)
        return real(*args, **kwargs)

    monkeypatch.setattr(quiz, "save_answer", flaky)
    response = post_answer(client, attempt_id, 1, key[1], token(client, "/thi"))
    assert response.status_code == 200 and len(calls) == 2
    assert saved(attempt_id, 1)[0] == key[1]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # a server's doing
def test_the_answer_step_retries_once_when_postgresql_dropped_its_connection(app, contest,
                                                                           monkeypatch):
    """The worker's pooled connection is ended by the server (as by a restart): the step
    finds it dead, invalidates the pool and saves on a fresh connection, once."""
    client, _ = participant_client(app, contest)
    attempt_id = start(client)
    key, csrf = answer_key(attempt_id), token(client, "/thi")
    assert post_answer(client, attempt_id, 1, key[1], csrf).status_code == 200
    fresh()
    admin = create_engine(db.engine.url, poolclass=NullPool)  # outside the app's pool
    with admin.connect() as connection:  # end every connection of the app's pool
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    admin.dispose()
    from cdso.services.quiz import answering  # after attempts, which imports it
    failures: list[DBAPIError] = []
    real = answering._committed_rows

    def watched(*args):
        try:
            return real(*args)
        except DBAPIError as error:
            failures.append(error)
            raise

    monkeypatch.setattr(answering, "_committed_rows", watched)
    response = post_answer(client, attempt_id, 2, key[2], csrf)
    assert response.status_code == 200 and choices_on(response.get_data(as_text=True))
    assert len(failures) == 1 and failures[0].connection_invalidated
    db.engine.dispose()
    assert saved(attempt_id, 2)[0] == key[2]


def test_the_answer_limit_is_a_token_bucket_in_memory():
    now = [100.0]
    bucket = TokenBucket(3, 60, clock=lambda: now[0])
    assert [bucket.take("a") for _ in range(4)] == [True, True, True, False]
    assert bucket.take("b")  # another account has its own bucket
    now[0] += 20  # a third of the period gives back one token
    assert bucket.take("a") and not bucket.take("a")
    small = TokenBucket(1, 60, max_keys=4, clock=lambda: now[0])
    for key in range(10):
        small.take(key)
    assert len(small) <= 4


def test_a_get_that_met_a_dropped_connection_is_sent_again_and_a_post_is_not(app):
    dropped = DBAPIError("SELECT 1", {}, Exception("server closed the connection"),
                         connection_invalidated=True)

    def fail():
        raise dropped

    app.add_url_rule("/_dropped", "dropped", fail, methods=["GET", "POST"])
    client = app.test_client()
    again = client.get("/_dropped?trang=2")
    assert again.status_code == 307 and again.headers["Location"] == "/_dropped?trang=2"
    app.config["WTF_CSRF_ENABLED"] = False
    refused = client.post("/_dropped")
    assert refused.status_code == 500 and "Hệ thống đang gặp sự cố" in refused.get_data(as_text=True)
