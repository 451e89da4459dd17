"""Gunicorn settings for cdso: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Workers and class were chosen by measurement on a 2-core node (bench/README.md, "Worker
class and count"; deploy/README.md explains the choice). Every setting can be overridden
from the environment, so the same file serves a developer machine and each app node."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers, 2 × cores + 1: a request is CPU work (Jinja, SQLAlchemy) plus short waits
# on PostgreSQL; a third worker per core keeps both cores busy during those waits.
# Slow clients never hold a worker: nginx buffers requests and responses (deploy/nginx.conf).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
backlog = 2048              # a 9:00 rush queues in the kernel instead of being refused
timeout = 30                # a stuck worker is killed and replaced (the fault bench shows no loss)
graceful_timeout = 20
keepalive = 5               # longer than nginx's upstream keepalive_timeout (4 s)
# Bounded memory growth; the jitter keeps workers from restarting together. With the app
# preloaded a new worker is a fork (no imports, ~10 ms of CPU), so recycling is cheap.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "4000"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # "-" for stdout; nginx keeps its own log
errorlog = "-"
# The app is imported once in the master and forked: workers share its pages, start in
# milliseconds, and a recycled worker costs no imports. No connection crosses the fork:
# the master's database pool is dropped in each new worker (post_fork below), which then
# opens its own.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# gunicorn's control socket defaults to one path per user: two nodes on one machine would
# fight over it. Workers are managed with signals (TTIN/TTOU/HUP) and systemd instead.
control_socket_disable = True
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat off the disk

# Behind a reverse proxy (deploy/nginx.conf) every request comes from the proxy's
# address: set CDSO_PROXIES to the number of proxies in front (1 for one nginx) so the
# app sees the client's address (X-Forwarded-For) and scheme (X-Forwarded-Proto) for
# its rate limits, audit log and secure cookies. Never set it without a proxy that
# overwrites those headers: a client could then pick its own address.
PROXIES = int(os.environ.get("CDSO_PROXIES", "0"))


def post_fork(server, worker):
    app = getattr(worker.app, "callable", None)  # set when preloaded
    if app is None or "sqlalchemy" not in getattr(app, "extensions", {}):
        return
    from cdso.extensions import db
    with app.app_context():  # forget (never close) the master's connections
        db.engine.dispose(close=False)


def post_worker_init(worker):
    if PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix
        worker.wsgi = ProxyFix(worker.wsgi, x_for=PROXIES, x_proto=PROXIES)
