"""Settings of the app nodes and Celery workers that tests/vakwerk/test_two_nodes.py starts as
processes of their own: the test settings (fast password hashing, the test database), but
tasks go to the Celery workers, as in production, instead of running in the request."""

from vakwerk.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
