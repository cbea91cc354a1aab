from celery import shared_task

from . import services


@shared_task
def anonymise_expired_register_people():
    # Retention (AVG): the register keeps nobody findable longer than the municipality's
    # period after their benefit ended.
    return services.anonymise_expired_people()
