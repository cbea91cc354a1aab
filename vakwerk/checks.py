"""Checks that `manage.py check --deploy` runs on the production settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register

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
