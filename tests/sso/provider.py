"""Starts the test OpenID provider (tests/oidc_provider) as its own process on a free port,
with RSA keys generated here, and stops it afterwards."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "vakwerk-test"
CLIENT_SECRET = "a-test-client-secret-of-some-length"
PASSWORD = "provider-password"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rsa_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class RunningProvider:
    url: str
    issuer: str
    process: subprocess.Popen

    def control(self, **changes):
        request = urllib.request.Request(
            f"{self.url}/test/control/",
            data=json.dumps(changes).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert response.status == 200


def start_provider(state, rp_url, users):
    """users: (user name, e-mail, groups) at the provider."""
    port = free_port()
    (state / "signing_key.pem").write_text(rsa_pem())
    (state / "other_key.pem").write_text(rsa_pem())
    seed = {
        "users": [
            {"username": name, "email": email, "password": PASSWORD, "groups": groups}
            for name, email, groups in users
        ],
        "client": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{rp_url}/account/sso/callback/"],
            "post_logout_redirect_uris": [f"{rp_url}/account/login/"],
        },
    }
    (state / "seed.json").write_text(json.dumps(seed))
    env = {
        **os.environ,
        "OIDC_TEST_PROVIDER_STATE": str(state),
        "OIDC_TEST_PROVIDER_PORT": str(port),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    log = (state / "provider.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "tests" / "oidc_provider" / "serve.py")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(  # noqa: S310
                f"{url}/openid/.well-known/openid-configuration", timeout=2
            ) as response:
                issuer = json.load(response)["issuer"]
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    "The test provider did not start:\n" + (state / "provider.log").read_text()
                ) from None
            time.sleep(0.2)
    return RunningProvider(url=url, issuer=issuer, process=process)


def stop_provider(provider):
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait()
