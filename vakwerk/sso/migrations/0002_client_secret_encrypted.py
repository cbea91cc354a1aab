"""The identity providers' client secrets are stored encrypted (vakwerk/encryption.py):
the column becomes text (a token is longer than the secret), the existing secrets are
encrypted in place, then the model's field reads them back decrypted. Backwards, the
secrets are decrypted again before the column is varchar(500) once more."""

from django.db import migrations, models

import vakwerk.encryption


def encrypt_secrets(apps, schema_editor):
    # The historical field between the two AlterFields is a plain TextField: it reads and
    # writes the column as it is.
    IdentityProvider = apps.get_model("sso", "IdentityProvider")
    for pk, secret in IdentityProvider.objects.values_list("pk", "client_secret"):
        IdentityProvider.objects.filter(pk=pk).update(
            client_secret=vakwerk.encryption.encrypt(secret) if secret else secret
        )


def decrypt_secrets(apps, schema_editor):
    IdentityProvider = apps.get_model("sso", "IdentityProvider")
    for pk, token in IdentityProvider.objects.values_list("pk", "client_secret"):
        IdentityProvider.objects.filter(pk=pk).update(
            client_secret=vakwerk.encryption.decrypt(token) if token else token
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sso", "0001_identity_provider"),
    ]

    operations = [
        migrations.AlterField(
            model_name="identityprovider",
            name="client_secret",
            field=models.TextField(verbose_name="client secret"),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False),
        migrations.AlterField(
            model_name="identityprovider",
            name="client_secret",
            field=vakwerk.encryption.EncryptedTextField(verbose_name="client secret"),
        ),
    ]
