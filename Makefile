# The README's two commands: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
FLASK   := $(BIN)/flask --app wsgi
HOST    ?= 127.0.0.1
PORT    ?= 8000
PG_TEST ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run setup deps system-deps test lint e2e bench clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(BIN)/activate

deps: system-deps $(BIN)/activate

system-deps:
	@bash scripts/system-deps.sh

## setup: install everything, migrate, load units, the question bank and demo data
setup: deps
	$(FLASK) cdso init
	$(FLASK) cdso seed-demo --if-empty
	$(FLASK) cdso create-admin

## run: set up, then serve the app on http://127.0.0.1:8000 (SQLite by default) with a
## background-job worker beside it (queue on REDIS_URL, else redis://127.0.0.1:6379/0);
## Ctrl-C stops both
run: setup
	@echo "==> http://$(HOST):$(PORT)  (Ctrl-C để dừng)"
	@$(FLASK) cdso worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

## test: lint and the whole suite (SQLite always; PostgreSQL when TEST_DATABASE_URL is set)
test: deps
	@[ -d node_modules/axe-core ] || npm ci --no-audit --no-fund
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -q -p no:cacheprovider

lint: $(BIN)/activate
	$(BIN)/ruff check .

bench: deps
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance/cdso.sqlite3* tests/artifacts
