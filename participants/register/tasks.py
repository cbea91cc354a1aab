from celery import shared_task

from . import services


@shared_task
def anonymise_expired_register_people():
    # Retention (AVG): the register keeps nobody findable longer than the municipality's
    # period after their benefit ended; uploads never confirmed hold BSNs and go too.
    services.delete_stale_snapshot_uploads()
    return services.anonymise_expired_people()


# A whole municipality's register: more time than the default limits, still well within
# the broker's visibility timeout. ignore_result: the row holds the outcome.
@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60, ignore_result=True)
def run_snapshot_import(job_id):
    return services.run_snapshot_import(job_id).status
