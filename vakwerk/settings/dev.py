"""Local development: DEBUG on, a throwaway secret, demo data allowed.

Only defaults are set here; the environment still wins.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
os.environ.setdefault("VAKWERK_ALLOW_DEMO_DATA", "true")

from .base import *  # noqa: E402,F403

# The demo app (seed_demo, the demo builders, the scale generator): never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "vakwerk.demo"]  # noqa: F405
