import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from vakwerk import tasks
from vakwerk.celery import app
from vakwerk.models import WorkerHeartbeat


def close_worker_connections(**kwargs):
    # The embedded worker skips the worker_init signal, so Celery's Django fixup does not
    # close the worker thread's connection; left open, it blocks dropping the test database.
    connections.close_all()


@pytest.fixture
def real_worker():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test starts a Redis"
    app.conf.task_always_eager = False
    task_postrun.connect(close_worker_connections)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as w:
            yield w
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.task_always_eager = True


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
