"""Checks that `manage.py check --deploy` runs on the production settings."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .encryption import DEV_FIELD_KEY, MIN_KEY_LENGTH


@register(Tags.security, deploy=True)
def field_key_is_chosen(app_configs, **kwargs):
    key = getattr(settings, "VAKWERK_FIELD_KEY", "")
    if key == DEV_FIELD_KEY or len(key) < MIN_KEY_LENGTH:
        return [
            Error(
                "VAKWERK_FIELD_KEY is the development key or shorter than "
                f"{MIN_KEY_LENGTH} characters.",
                hint="Set VAKWERK_FIELD_KEY to a long random value of its own (for example "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`) and keep it: "
                "the secrets stored encrypted with it cannot be read without it.",
                id="vakwerk.E001",
            )
        ]
    return []


# Caches that live inside one process: with two gunicorn nodes (or two workers of one),
# each would count and remember on its own.
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        return [
            Warning(
                f"The default cache is per process ({backend.rsplit('.', 1)[-1]}).",
                hint="VAKwerk itself keeps nothing in it (sessions, login failures and one-time "
                "keys are in PostgreSQL), but anything that does would differ per app node and "
                "per worker. Set CACHE_URL to the shared Redis, e.g. redis://redis:6379/1.",
                id="vakwerk.W001",
            )
        ]
    return []
