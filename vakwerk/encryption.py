"""Secrets that VAKwerk must be able to read back (an identity provider's client secret) are
kept in the database encrypted at rest: a copy of the database, a backup or a read-only
database role shows a Fernet token (AES-128-CBC with an HMAC-SHA256), not the secret.

The key is derived from `settings.VAKWERK_FIELD_KEY` (HKDF-SHA256), a setting of its own:
rotating DJANGO_SECRET_KEY (sessions, password-reset links) must not make the stored secrets
unreadable. Production refuses to start without it; the dev and test settings have a fixed
one. What only has to be recognised, never read back (passwords, calendar-feed tokens,
backup codes, the benefit register's BSN under `BENEFIT_REGISTER_HASH_KEY`), is hashed
instead."""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# The dev and test settings' key; the deployment check refuses it.
DEV_FIELD_KEY = "dev-only-field-key-not-for-production"
MIN_KEY_LENGTH = 32


@cache  # per key: a test that overrides the setting gets its own
def _fernet(key):
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"vakwerk field encryption"
    ).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(text):
    return _fernet(settings.VAKWERK_FIELD_KEY).encrypt(text.encode()).decode()


def decrypt(token):
    try:
        return _fernet(settings.VAKWERK_FIELD_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        # Never the token itself in the message: it ends up in logs.
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with VAKWERK_FIELD_KEY: the key is not the "
            "one it was stored with."
        ) from None


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted (`encrypt`) and read back decrypted;
    the model and its forms only ever see the plain text. A lookup by value cannot match
    (each encryption differs), so such a field is never filtered on."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
