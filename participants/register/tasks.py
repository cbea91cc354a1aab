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


# Idempotent and repeated every quarter of an hour: a lost run costs nothing but time, so
# no durable job row. A large municipality takes seconds to minutes.
@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60, ignore_result=True)
def refresh_comparison_pools(municipality_id):
    return services.refresh_comparison_pools(municipality_id)


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60, ignore_result=True)
def refresh_all_comparison_pools():
    return services.refresh_all_comparison_pools()
