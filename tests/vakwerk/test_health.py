import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_eager_broker_when_tasks_run_in_process(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_reaches_the_real_broker(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test starts a Redis"
    body = client.get(reverse("healthz")).json()
    assert body["broker"] == "ok"
    assert body["status"] == "ok"
    assert body["worker_last_seen"] is None


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_stays_usable_but_degraded_without_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"] == "error"
    assert response.json()["status"] == "degraded"


def test_healthz_answers_503_when_the_database_is_unusable(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response["Content-Type"] == "application/json"
