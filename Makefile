# One code base, two ways to run it. See README.md.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_PASSWORD ?= demo-pass-123
PG_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install demo serve test test-embedded test-postgres load-smoke lint screenshots clean

# The serving encoder, exported locally from the installed weights and the shipped adapter
# (nothing downloaded); its file name carries the adapter's digest, so a new adapter exports
# anew and an unchanged one costs a second. Two graphs: fp32 and the int8 one that serves.
install: $(STAMP)
	$(PY) -m bots.ml.export --if-missing

# Re-runs only when pyproject.toml changes; `make install` on a ready .venv does nothing.
$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, alone: the local CPU build. Everything after is held to it.
	$(PY) -m pip install --quiet -c constraints.txt torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --password $(DEMO_PASSWORD)
	@echo ""
	@echo "  Customer chat:  http://127.0.0.1:8000/chat/"
	@echo "  Agent inbox:    http://127.0.0.1:8000/inbox/   (agent_general, agent_billing, ... / $(DEMO_PASSWORD))"
	@echo "  Admin:          http://127.0.0.1:8000/admin/   (supervisor / $(DEMO_PASSWORD))"
	@echo "  API docs:       http://127.0.0.1:8000/api/docs/"
	@echo "  Health:         http://127.0.0.1:8000/healthz"
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:8000

# Embedded suite (SQLite, in-memory layer; the two-daphne test brings its own PostgreSQL
# database and Redis), then the concurrency tests on PostgreSQL.
test: install lint test-embedded test-postgres load-smoke

test-embedded:
	$(PY) -m pytest -m "not postgres"

# Without PostgreSQL on a developer's machine this part is skipped; in CI (CI=1) it never is.
test-postgres:
	@if [ -z "$$CI" ] && ! $(PY) -c "import psycopg; psycopg.connect('$(PG_URL:/helpdesk=/postgres)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL is not reachable at $(PG_URL): skipping the PostgreSQL concurrency tests (CI never skips them)."; \
	else \
		DATABASE_URL=$(PG_URL) $(PY) -m pytest -m postgres; \
	fi

# The load benchmark's smoke tier (bench/load.py, production mode: PostgreSQL, Redis, two daphnes,
# a Celery worker): fails on any lost, duplicated or reordered message or handshake error;
# prints latency against the targets (docs/benchmarks.md). Needs PostgreSQL and Redis, like
# test-postgres; skipped without them outside CI.
load-smoke:
	@if [ -z "$$CI" ] && ! $(PY) -c "import psycopg; psycopg.connect('$(PG_URL:/helpdesk=/postgres)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL is not reachable: skipping the load smoke test (CI never skips it)."; \
	else \
		$(PY) bench/load.py --tier smoke --check; \
	fi

# Style, and the one-way import rule between the apps (import-linter).
lint: install
	$(VENV)/bin/ruff check config helpdesk bots routing analytics tests bench
	$(VENV)/bin/lint-imports

# The README's pictures (docs/screenshots/): a seeded demo desk of its own, daphne, Chromium.
screenshots: install
	$(PY) -m tests.support.screenshots

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
