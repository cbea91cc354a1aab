from celery import shared_task

from . import imports


@shared_task
def delete_stale_uploads():
    # Unconfirmed import files hold BSNs; they must not linger in private storage.
    return imports.delete_stale_uploads()
