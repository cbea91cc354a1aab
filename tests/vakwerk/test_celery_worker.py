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
