"""Runs the test provider: migrates its own SQLite database, loads the keys, users and
client the test wrote to the state folder, and serves on the given port until killed."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import run  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oidc_provider.models import Client, ResponseType, RSAKey  # noqa: E402


def load(state):
    seed = json.loads((state / "seed.json").read_text())
    RSAKey.objects.create(key=(state / "signing_key.pem").read_text())
    for person in seed["users"]:
        user = User.objects.create_user(
            username=person["username"], email=person["email"], password=person["password"]
        )
        for name in person.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    client = Client.objects.create(
        name="VAKwerk",
        client_type="confidential",
        client_id=seed["client"]["client_id"],
        client_secret=seed["client"]["client_secret"],
        jwt_alg="RS256",
        require_consent=False,
        reuse_consent=True,
    )
    client.redirect_uris = seed["client"]["redirect_uris"]
    client.post_logout_redirect_uris = seed["client"]["post_logout_redirect_uris"]
    client.scope = ["openid", "email", "profile"]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    load(settings.STATE)
    run("127.0.0.1", settings.PORT, get_wsgi_application(), threading=True)
