"""Reads for /healthz: is the database usable, can the broker be reached."""

from django.conf import settings
from django.db import connection

from .celery import app
from .models import WorkerHeartbeat


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any failure means the database is not usable
        return "error"


def broker_state():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "error"


def last_worker_heartbeat():
    heartbeat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    return heartbeat.last_seen if heartbeat else None


def health_report():
    database = database_state()
    broker = broker_state()
    report = {
        "status": "ok" if database == "ok" and broker != "error" else "error",
        "database": database,
        "broker": broker,
    }
    if database == "ok" and broker != "eager":
        last_seen = last_worker_heartbeat()
        report["worker_last_seen"] = last_seen.isoformat() if last_seen else None
    if database == "ok" and broker == "error":
        report["status"] = "degraded"
    return report
