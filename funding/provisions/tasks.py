from celery import shared_task

from . import services


# Re-deriving a large municipality's provisions and writing its file takes minutes at
# most; a build still busy after twenty is stuck. The hard limit also tells vakwerk.jobs
# when a running build has certainly lost its worker.
@shared_task(
    name="funding.provisions.tasks.build_srg_delivery",
    soft_time_limit=20 * 60,
    time_limit=21 * 60,
    ignore_result=True,
)
def build_srg_delivery(delivery_id):
    return services.run_delivery(delivery_id).status


@shared_task(name="funding.provisions.tasks.build_monthly_srg")
def build_monthly_srg():
    """Early each month: last month's SRG file requested for every municipality that has
    none yet (safe to run twice); the workers build them."""
    return services.build_last_month_everywhere()


@shared_task(name="funding.provisions.tasks.delete_expired_srg_files")
def delete_expired_srg_files():
    # SRG files hold BSNs: none outlives the period in which CBS can still take its month.
    return services.delete_expired_files()
