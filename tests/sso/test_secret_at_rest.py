"""The identity provider's client secret is stored encrypted (vakwerk/encryption.py): the
database holds a Fernet token under VAKWERK_FIELD_KEY, the app reads the secret back, and
the data migration encrypts secrets stored before it (and decrypts them when reversed)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from vakwerk.sso.models import IdentityProvider

SECRET = "s3cret-value-that-must-never-show-WXYZ"
BEFORE = [("sso", "0001_identity_provider")]


def stored_secrets():
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM sso_identityprovider ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def new_provider(model, municipality, secret=SECRET):
    return model.objects.create(
        municipality_id=municipality.pk,
        issuer="https://login.gemeente-a.example/realms/vakwerk",
        client_id="vakwerk",
        client_secret=secret,
    )


@pytest.mark.django_db
def test_the_database_holds_a_token_and_the_app_reads_the_secret(municipality):
    provider = new_provider(IdentityProvider, municipality)
    [stored] = stored_secrets()
    assert SECRET not in stored and "WXYZ" not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == SECRET
    assert IdentityProvider.objects.get(pk=provider.pk).secret_hint == "••••WXYZ"
    # The same secret saved again is another token: nothing to compare rows by.
    provider.save()
    assert stored_secrets() != [stored]


@pytest.mark.django_db
def test_another_key_cannot_read_the_secret_and_says_so_without_the_token(municipality):
    new_provider(IdentityProvider, municipality)
    [stored] = stored_secrets()
    other_key = override_settings(VAKWERK_FIELD_KEY="another-key-" + "x" * 40)
    with other_key, pytest.raises(ImproperlyConfigured, match="VAKWERK_FIELD_KEY") as refused:
        IdentityProvider.objects.get()
    assert stored not in str(refused.value)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_stored_secrets_and_decrypts_them_backwards(
    municipality, other_municipality
):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("sso", "IdentityProvider")
        new_provider(old, municipality)
        new_provider(old, other_municipality, secret="another-secret-1234")
        assert stored_secrets() == [SECRET, "another-secret-1234"]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert not {SECRET, "another-secret-1234"} & set(stored_secrets())
    assert [p.client_secret for p in IdentityProvider.objects.order_by("pk")] == [
        SECRET,
        "another-secret-1234",
    ]

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        assert stored_secrets() == [SECRET, "another-secret-1234"]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert [p.client_secret for p in IdentityProvider.objects.order_by("pk")] == [
        SECRET,
        "another-secret-1234",
    ]
