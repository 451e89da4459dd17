"""WSGI entry point: `gunicorn wsgi:app`."""
import os
import sys

from cdso import create_app
from cdso.web.startup import check_database, warm_caches

# Served by gunicorn the app needs no migrations (Alembic); the `flask` command does.
app = create_app(web_only=os.environ.get("FLASK_RUN_FROM_CLI") != "true")

# Served by gunicorn (not the `flask` command, whose `cdso init` creates the database):
# say in one line what is wrong with the database instead of failing on the first request.
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    problem = check_database(app)
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)
    warm_caches(app)
