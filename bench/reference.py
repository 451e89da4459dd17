"""The reference for the answer step: the least an answer needs, in the same stack. A
Flask app with Flask's signed-cookie session, one UPDATE of one row through SQLAlchemy,
COMMIT, a short reply. No CSRF check, no rate limit, no rendering, no rules: what cdso's
answer step is measured against (docs/quality.md: at least 70% of its rate), served with the
same gunicorn settings (deploy/gunicorn.conf.py) in the same benchmark run
(bench/answer_ratio.py):

    DATABASE_URL=… SECRET_KEY=… gunicorn -c deploy/gunicorn.conf.py bench.reference:app

It answers `POST /login` (form `account`: the session remembers it) and `POST /answer`
(form `position`, `choice`), which writes the account's row of `reference_answer`
(created by bench/answer_ratio.py)."""
from __future__ import annotations

import os

from flask import Flask, abort, request, session
from sqlalchemy import create_engine, text

app = Flask(__name__)
app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY", "reference"),
                  SESSION_REFRESH_EACH_REQUEST=False)
engine = create_engine(os.environ.get("DATABASE_URL", "sqlite://"), pool_size=5,
                       max_overflow=5)
_SAVE = text("UPDATE reference_answer SET choice = :choice, answered_at = now() "
             "WHERE account_id = :account AND position = :position")


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/login")
def login():
    session["account"] = int(request.form["account"])
    return "ok"


@app.post("/answer")
def answer():
    account = session.get("account")
    if account is None:
        abort(401)
    with engine.begin() as conn:
        conn.execute(_SAVE, {"choice": int(request.form["choice"]), "account": account,
                             "position": int(request.form["position"])})
    return "saved"


@app.get("/")
def hello():
    return "Hello, World!"
