from celery import shared_task

from . import services


@shared_task(name="funding.provisions.tasks.build_monthly_srg")
def build_monthly_srg():
    """Early each month: last month's SRG file for every municipality that has none yet
    (safe to run twice)."""
    return services.build_last_month_everywhere()
