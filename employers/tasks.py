from celery import shared_task

from . import services


@shared_task
def expire_opportunities():
    # Daily: an employer's offer past its valid-until date must not be matched any more.
    # The service only moves open opportunities, so a second run changes nothing.
    return services.expire_opportunities()
