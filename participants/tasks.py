from celery import shared_task

from . import imports, privacy


@shared_task
def delete_stale_uploads():
    # Unconfirmed import files hold BSNs; they must not linger in private storage.
    return imports.delete_stale_uploads()


@shared_task
def anonymise_expired_participants():
    # Retention (AVG): nobody's data is kept longer than the municipality's period.
    return privacy.anonymise_due_participants()
