"""Test runs: like development, but fast password hashing and a fixed language."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "*")
os.environ.setdefault("VAKWERK_ALLOW_DEMO_DATA", "true")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Axes keeps working in tests (its lock-out is tested), but must not leak between tests.
AXES_CACHE = "default"
# make test starts a Redis and sets CELERY_BROKER_URL; tests still run tasks in-process
# unless a test starts a real worker (see tests/vakwerk/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
# A worker started inside a test must not replace the root logger's handlers (and with
# them the filter that masks BSNs).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
