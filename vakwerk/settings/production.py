"""Production: everything security-relevant on, nothing defaulted that must be chosen.

DJANGO_SECRET_KEY, DATABASE_URL, DJANGO_ALLOWED_HOSTS, VAKWERK_BASE_URL and VAKWERK_FIELD_KEY
must come from the environment.
The app runs behind a TLS-terminating proxy that sets X-Forwarded-Proto.
"""

import os

os.environ["DJANGO_DEBUG"] = "false"
os.environ["VAKWERK_ALLOW_DEMO_DATA"] = "false"

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: a missing key must stop the start
# Links in mails and calendar feeds are made without a request: a localhost default would
# send every consultant a link that does not open.
VAKWERK_BASE_URL = env.str("VAKWERK_BASE_URL").rstrip("/")
# The key of the secrets kept encrypted in the database: without it they are unreadable,
# and the dev key is public (the deployment check refuses it).
VAKWERK_FIELD_KEY = env.str("VAKWERK_FIELD_KEY")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
without_jit(DATABASES["default"])  # noqa: F405
if DATABASE_TRANSACTION_POOLING:  # noqa: F405
    for_transaction_pooling(DATABASES["default"])  # noqa: F405
# Read replica (issue 23, point 2): the same treatment as in base, on production's primary.
DATABASE_ROUTERS = with_replica(DATABASES, [])  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# /healthz is probed over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
