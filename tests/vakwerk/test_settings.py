import os
import subprocess
import sys
from pathlib import Path

import pytest

from vakwerk.celery import app

ROOT = Path(__file__).resolve().parents[2]
FIELD_KEY = "a-real-field-key-" + "Q1w2E3r4T5y6U7i8O9p0" * 2
PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-real-secret-" + "x9Y8z7W6v5U4t3S2r1Q0" * 3,
    "DATABASE_URL": "postgres://x@h/db",
    "DJANGO_ALLOWED_HOSTS": "vakwerk.example",
    "VAKWERK_BASE_URL": "https://vakwerk.example",
    "CACHE_URL": "redis://redis:6379/1",
}


def run_with(settings_module, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "VAKWERK_"))
    }
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_with("vakwerk.settings.production", DATABASE_URL="postgres://x@h/db")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_check():
    result = run_with(
        "vakwerk.settings.production",
        DJANGO_SECRET_KEY="a-real-secret-" + "x9Y8z7W6v5U4t3S2r1Q0" * 3,
        DATABASE_URL="postgres://x@h/db",
        DJANGO_ALLOWED_HOSTS="vakwerk.example",
        VAKWERK_BASE_URL="https://vakwerk.example",
        VAKWERK_FIELD_KEY=FIELD_KEY,
        CACHE_URL="redis://redis:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_the_address_for_mail_links():
    result = run_with(
        "vakwerk.settings.production",
        DJANGO_SECRET_KEY="a-real-secret-" + "x9Y8z7W6v5U4t3S2r1Q0" * 3,
        DATABASE_URL="postgres://x@h/db",
        DJANGO_ALLOWED_HOSTS="vakwerk.example",
    )
    assert result.returncode != 0
    assert "VAKWERK_BASE_URL" in result.stderr


def test_production_settings_refuse_to_start_without_the_key_of_stored_secrets():
    result = run_with("vakwerk.settings.production", **PRODUCTION)
    assert result.returncode != 0
    assert "VAKWERK_FIELD_KEY" in result.stderr


@pytest.mark.parametrize("key", ["dev-only-field-key-not-for-production", "short-key"])
def test_the_deployment_check_refuses_the_dev_key_or_a_short_one(key):
    result = run_with("vakwerk.settings.production", **PRODUCTION, VAKWERK_FIELD_KEY=key)
    assert result.returncode != 0
    assert "vakwerk.E001" in result.stderr
    assert "VAKWERK_FIELD_KEY is the development key or shorter than 32" in result.stderr


def test_the_deployment_check_refuses_a_cache_of_one_process():
    # Two app nodes would each count and remember on their own.
    env = {key: value for key, value in PRODUCTION.items() if key != "CACHE_URL"}
    result = run_with("vakwerk.settings.production", **env, VAKWERK_FIELD_KEY=FIELD_KEY)
    assert result.returncode != 0
    assert "vakwerk.W001" in result.stderr
    assert "The default cache is per process (LocMemCache)" in result.stderr


def test_celery_loses_nothing():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
    assert "vakwerk.tasks.record_heartbeat" in {
        entry["task"] for entry in app.conf.beat_schedule.values()
    }


@pytest.mark.django_db
def test_the_apps_postgresql_connections_run_without_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_what_transaction_pooling_needs_applies_to_any_alias():
    from vakwerk.settings.base import for_transaction_pooling, without_jit

    # A second alias (a read replica's) as the settings would make it.
    replica = without_jit(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "v",
            "OPTIONS": {"prepare_threshold": 5},
        }
    )
    assert for_transaction_pooling(replica) == {
        "ENGINE": "vakwerk.pooled_postgresql",
        "NAME": "v",
        "OPTIONS": {"prepare_threshold": None},
    }
    # A start-up option PgBouncer would refuse (or drop) stops the start instead.
    timeout = {
        "ENGINE": "django.db.backends.postgresql",
        "OPTIONS": {"options": "-c lock_timeout=5s"},
    }
    with pytest.raises(ValueError, match="lock_timeout=5s"):
        for_transaction_pooling(without_jit(timeout))
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}
    assert for_transaction_pooling(dict(sqlite)) == sqlite
