from celery import shared_task
from django.core.management import call_command

from . import idempotency, jobs, services


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


# Named as it was in evaluation/tasks.py, so that the beat schedule and queued messages
# still reach it.
@shared_task(
    name="evaluation.tasks.recover_stalled_jobs",
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def recover_stalled_jobs():
    # Sends again the reports and exports the broker or a dead worker lost.
    run = jobs.recover_stalled_jobs()
    return {"resent": run.resent, "failed": run.failed}
