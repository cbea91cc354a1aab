"""Test runs: like development, but fast password hashing and a fixed language."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "*")
os.environ.setdefault("VAKWERK_ALLOW_DEMO_DATA", "true")

from .base import *  # noqa: E402,F403

# The demo app (seed_demo, the demo builders, the scale generator): never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "vakwerk.demo"]  # noqa: F405

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
# pytest-xdist workers share the one Redis of `make test`: each uses its own database number,
# so that one worker's Celery worker never takes another's task (and looks for its rows in
# the wrong test database). Celery reads CELERY_BROKER_URL and CELERY_RESULT_BACKEND from the
# environment before its configuration, so the numbered URLs go there too: in settings alone
# every pytest-xdist worker's Celery still sent to and consumed from /0 of the shared Redis.
# The worker processes a test starts inherit them (the number stays the same there).
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and CELERY_BROKER_URL.startswith("redis://"):  # noqa: F405
    _redis_db = f"/{int(_xdist_worker[2:]) + 1}"
    CELERY_BROKER_URL = CELERY_BROKER_URL.rsplit("/", 1)[0] + _redis_db  # noqa: F405
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
    if CELERY_RESULT_BACKEND.startswith("redis://"):  # noqa: F405
        CELERY_RESULT_BACKEND = CELERY_RESULT_BACKEND.rsplit("/", 1)[0] + _redis_db  # noqa: F405
        os.environ["CELERY_RESULT_BACKEND"] = CELERY_RESULT_BACKEND

# Read replica (issue 23, point 2). The alias "replica" always exists, as a test mirror of
# the primary: the real standby of `make test` (DATABASE_REPLICA_URL, scripts/with-test-services
# WITH_REPLICA=1) when there is one, else the primary itself; on either it reads the worker's
# test database, which replication copies to the standby. The router stays off, so the rest
# of the suite reads its own uncommitted writes; the tests of the router switch it on
# (tests/vakwerk/test_replica.py).
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_ROUTERS = []
