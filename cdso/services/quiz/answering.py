"""Saving one answer in one statement (the quiz's hot path).

One UPDATE of the answered row, guarded in its own WHERE by everything the rules ask:
the attempt is this account's, still open and not past its deadline (plus the grace), the
session's version is the account's current one, the choice belongs to the question, the
tap's order key is not below the saved one, and the row is not graded yet. In the answer
step on PostgreSQL the UPDATE is a CTE of the SELECT that returns the attempt's sheet, run
with its COMMIT on a pooled connection of their own: one round trip and the COMMIT.
SQLite (no writing CTE), and a save inside a caller's transaction, run the two in turn.

Why no lock on the attempt row is needed against a concurrent finish: finishing grades
every row of the attempt (is_correct becomes non-NULL) in the transaction that closes it.
A save that waits on a row being graded re-checks `is_correct IS NULL` on the row's new
version once the finish commits (PostgreSQL's re-check of an updated row), and writes
nothing; a save that committed first is seen by the grading UPDATE, which waits for it.
Either way an acknowledged answer is counted, and nothing lands after the grading.

When nothing was written, the sheet the statement returned (as it was when the statement
started) tells why: no such attempt, someone else's, finished, expired, a choice not of
this question, a late tap, or the same answer again (which is fine and writes nothing)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, case, exists, func, literal_column, or_, select
from sqlalchemy.exc import DBAPIError

from cdso.extensions import db
from cdso.models import Account, Attempt, AttemptQuestion
from cdso.services.quiz.attempts import (GRACE, OPEN, SEQ_STEP, STALE_MESSAGE, AttemptNotFound,
                                         InvalidAnswer, QuestionNotInAttempt, Sheet,
                                         _check_writable, _refusal, _write_seq, load_sheet, sheet_of)

_aq, _at, _acc = AttemptQuestion.__table__, Attempt.__table__, Account.__table__


class SessionEnded(AttemptNotFound):
    """The session's version is no longer the account's (a logout, a password or role
    change since): nothing is written and the person logs in again."""


def _statements():
    base = (_aq.c.answer_seq // SEQ_STEP + 1) * SEQ_STEP
    sent = bindparam("sent")  # -1: no key sent, the page's base
    key = case((sent < 0, base), (sent > base + (SEQ_STEP - 1), base + (SEQ_STEP - 1)),
               else_=sent)
    choice = bindparam("choice")
    session_ok = or_(bindparam("version") < 0, exists().where(
        _acc.c.id == bindparam("account"), _acc.c.session_version == bindparam("version"),
        _acc.c.is_active_account.is_(True)))
    # Open and before its deadline, as one expression that no index serves: written as two
    # conditions, they led PostgreSQL's planner to ix_attempt_status_deadline, which reads
    # every open attempt, instead of the attempt's key (100 index entries per answer at
    # 100 open attempts, thousands in a rush; bench/README.md).
    open_deadline = case((_at.c.status == OPEN, _at.c.deadline), else_=None)
    writable = exists().where(
        _at.c.id == bindparam("attempt"), _at.c.account_id == bindparam("account"),
        open_deadline >= bindparam("oldest_deadline"))
    update = (_aq.update().where(
        _aq.c.attempt_id == bindparam("attempt"), _aq.c.position == bindparam("at_position"),
        _aq.c.is_correct.is_(None), key >= _aq.c.answer_seq,
        or_(_aq.c.chosen_choice_id.is_(None), _aq.c.chosen_choice_id != choice,
            key != _aq.c.answer_seq),
        (literal_column("','") + _aq.c.choice_order + literal_column("','"))
        .like(bindparam("choice_pattern")),
        writable, session_ok)
        .values(chosen_choice_id=choice, answer_seq=key,
                answered_at=case((_aq.c.chosen_choice_id == choice, _aq.c.answered_at),
                                 else_=bindparam("now")))
        .returning(_aq.c.id, _aq.c.answer_seq, _aq.c.chosen_choice_id))
    attempt = (_at.c.account_id, _at.c.contest_id, _at.c.number, _at.c.status,
               _at.c.started_at, _at.c.deadline, _at.c.prediction, _at.c.prediction_seq,
               _aq.c.position, _aq.c.id, _aq.c.question_id, _aq.c.choice_order)
    # Laid out as attempts._SHEET (read by position, attempts.sheet_of), then session_ok.
    sheet = (select(*attempt, _aq.c.chosen_choice_id, _aq.c.answer_seq,
                    session_ok.label("session_ok"))
             .join(_aq, _aq.c.attempt_id == _at.c.id)
             .where(_at.c.id == bindparam("attempt")).order_by(_aq.c.position))
    saved = update.cte("saved")
    # The answered row as written, when it was, and whether it was (column 15).
    together = (select(*attempt, func.coalesce(saved.c.chosen_choice_id, _aq.c.chosen_choice_id),
                       func.coalesce(saved.c.answer_seq, _aq.c.answer_seq),
                       session_ok.label("session_ok"), saved.c.id.isnot(None).label("written"))
                .select_from(_at.join(_aq, _aq.c.attempt_id == _at.c.id)
                             .outerjoin(saved, saved.c.id == _aq.c.id))
                .where(_at.c.id == bindparam("attempt")).order_by(_aq.c.position))
    return update, sheet, together


# Built once: building a statement costs more CPU than running it.
_UPDATE, _SHEET, _TOGETHER = _statements()


def _run(params: dict, commit: bool) -> tuple[list, bool]:
    """The sheet's rows as saved, and whether the answer was written. With `commit` and
    no transaction open in the ORM session (the answer step), on PostgreSQL: the one
    statement and its COMMIT on a connection of their own. Otherwise in the session's
    transaction, committed when asked."""
    engine = db.engine
    if commit and engine.dialect.name == "postgresql" and not _session_in_transaction():
        rows = _committed_rows(engine, params)
        return rows, any(r[15] for r in rows)
    connection = db.session.connection()
    written = connection.execute(_UPDATE, params).first() is not None
    rows = connection.execute(_SHEET, params).all()
    if commit:
        db.session.commit()
    return rows, written


def _session_in_transaction() -> bool:
    """Whether this request's ORM session has a transaction open (without making one)."""
    return db.session.registry.has() and db.session().in_transaction()


_COMPILED: dict = {}  # the PostgreSQL statement's text and its constants, per driver


def _compiled(dialect) -> tuple[str, dict]:
    compiled = _COMPILED.get((dialect.name, dialect.driver))
    if compiled is None:
        statement = _TOGETHER.compile(dialect=dialect)
        compiled = _COMPILED[dialect.name, dialect.driver] = (str(statement),
                                                              dict(statement.params))
    return compiled


def _committed_rows(engine, params: dict) -> list[tuple]:
    """The one statement and its COMMIT, run by the driver (psycopg) on a pooled
    connection of their own, the rows as tuples. The ORM session's transaction and
    SQLAlchemy's execution and result objects cost as much CPU as the statement itself
    (bench/README.md, the answer step against the reference); the session is not used.
    A failure comes out as SQLAlchemy's DBAPIError, as from SQLAlchemy: a connection
    found dead is invalidated with the whole pool (its others died with it), and the
    caller may retry once."""
    sql, constants = _compiled(engine.dialect)
    pooled = engine.raw_connection()
    cursor = None
    try:
        cursor = pooled.cursor()
        cursor.execute(sql, {**constants, **params})
        rows = cursor.fetchall()
        pooled.commit()
        return rows
    except engine.dialect.loaded_dbapi.Error as error:
        dead = engine.dialect.is_disconnect(error, pooled.dbapi_connection, cursor)
        if dead:
            pooled.invalidate(error)
            engine.dispose(close=False)
        raise DBAPIError.instance(sql, params, error, engine.dialect.loaded_dbapi.Error,
                                  connection_invalidated=dead,
                                  dialect=engine.dialect) from error
    finally:
        if cursor is not None:
            cursor.close()
        pooled.close()  # back to the pool (rolled back there after a failure)


def save_answer(attempt_id: int, account_id: int, position: int, choice_id: int | None,
                now: dt.datetime, seq: int | None = None,
                session_version: int | None = None, *, commit: bool = False) -> Sheet:
    """Save one answer and return the attempt's sheet with it; flushes, and commits only
    with `commit` (the answer step: then the save is its own transaction, see _run).

    `seq` puts taps in order: a page carries its question's `next_seq`, above every key
    saved so far, and its script adds one for each tap (without JavaScript every tap sends
    the base). A key below the saved one is an earlier tap arriving late: it changes
    nothing and says so (StaleAnswer). Equal keys (the same page without JavaScript) keep
    "the last to arrive wins". `session_version`, when given, must be the account's."""
    if choice_id is None:  # nothing chosen: nothing to save, the step just goes on
        sheet = load_sheet(attempt_id, account_id)
        if sheet.slot(position) is None:
            raise QuestionNotInAttempt(position)
        _check_writable(sheet, now)
        return sheet
    rows, written = _run(dict(
        attempt=attempt_id, account=account_id, at_position=position, choice=choice_id,
        choice_pattern=f"%,{choice_id},%", sent=-1 if seq is None else max(seq, 0), now=now,
        oldest_deadline=now - GRACE, version=-1 if session_version is None else session_version),
        commit)
    if not rows or rows[0][0] != account_id:
        raise AttemptNotFound(attempt_id)
    if not rows[0][14]:  # session_ok
        raise SessionEnded(attempt_id)
    sheet = sheet_of(attempt_id, rows)
    if written:
        return sheet
    return _why_not_written(sheet, position, choice_id, seq, now)


def _why_not_written(sheet: Sheet, position: int, choice_id: int, seq: int | None,
                     now: dt.datetime) -> Sheet:
    slot = sheet.slot(position)
    if slot is None:
        raise QuestionNotInAttempt(position)
    _check_writable(sheet, now)
    if choice_id not in slot.choice_ids:
        raise InvalidAnswer("Phương án đã gửi không thuộc câu hỏi này. Xin chọn lại một phương án.")
    if _write_seq(seq, slot.seq, choice_id, slot.chosen, STALE_MESSAGE) is None:
        return sheet  # the saved answer again: nothing to write
    raise _refusal(sheet.attempt_id, STALE_MESSAGE)  # changed meanwhile: finished, or later

