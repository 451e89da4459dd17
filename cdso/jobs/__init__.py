"""Background jobs on RQ over Redis: long work (confirmed imports) leaves the request.

State lives in the database (`ImportJob`), so it survives restarts and any node can show
it; RQ only carries "run job N" to a worker; progress and a liveness heartbeat live in
Redis. `flask --app wsgi cdso worker` (or `rq worker cdso`) runs the jobs; with
JOBS_SYNC=1 they run inside the request instead (tests, a quick look without a worker)."""
