from celery import shared_task
from django.core.management import call_command

from . import idempotency, services


@shared_task(bind=True)
def record_heartbeat(self):
    heartbeat = services.record_worker_heartbeat(self.request.hostname or "eager")
    return heartbeat.last_seen.isoformat()


@shared_task
def clear_expired_sessions():
    call_command("clearsessions")


@shared_task
def prune_submitted_forms():
    """Forgets the one-time keys of forms too old to be accepted again (vakwerk/idempotency)."""
    return idempotency.prune()
