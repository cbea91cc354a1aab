import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from vakwerk import tasks
from vakwerk.models import WorkerHeartbeat


@pytest.mark.django_db(transaction=True)
def test_heartbeat_task_runs_through_a_real_worker_on_redis(real_worker, evidence):
    result = tasks.record_heartbeat.delay()
    seen = result.get(timeout=30)

    heartbeat = WorkerHeartbeat.objects.get()
    assert real_worker.hostname.split("@")[-1] == heartbeat.hostname
    assert heartbeat.last_seen.isoformat() == seen
    # Safe to run twice: still one row per worker, with the newer time.
    tasks.record_heartbeat.delay().get(timeout=30)
    assert WorkerHeartbeat.objects.count() == 1
    evidence.append(
        f"celery: task {result.id} ran on worker {real_worker.hostname} "
        f"via {settings.CELERY_BROKER_URL}"
    )


def test_each_pytest_xdist_worker_sends_and_consumes_on_its_own_redis_database():
    # Celery takes CELERY_BROKER_URL from the environment before the settings: when only the
    # settings were numbered, both pytest-xdist workers' Celery used /0 of the shared Redis
    # and a worker ran the other's task against its own test database (0 rows expired).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vakwerk.settings.test",
        "PYTEST_XDIST_WORKER": "gw1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6390/0",
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    script = (
        "import json, django; django.setup(); from vakwerk.celery import app; "
        "print(json.dumps([app.connection_for_write().as_uri(), app.conf.result_backend]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, check=True, timeout=60, env=env,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout  # fmt: skip
    broker, results = json.loads(output.strip().splitlines()[-1])
    assert broker.endswith("127.0.0.1:6390/2")
    assert results == "redis://127.0.0.1:6390/2"


@pytest.mark.django_db
def test_database_is_postgresql(evidence):
    from django.db import connection

    assert connection.vendor == "postgresql", "make test runs on PostgreSQL"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    evidence.append(
        f"database: PostgreSQL {version}, test database {connection.settings_dict['NAME']}"
    )
