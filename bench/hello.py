"""The reference: Flask's "hello world", served with the same gunicorn settings
(deploy/gunicorn.conf.py) as the app, in the same benchmark run (bench/load.py):

    gunicorn -c deploy/gunicorn.conf.py bench.hello:app

docs/quality.md holds answer saves per second against this rate (goal: at least half)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
