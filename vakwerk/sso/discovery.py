"""The issuer's discovery document (/.well-known/openid-configuration)."""

from urllib.parse import urlsplit

import requests

TIMEOUT_SECONDS = 5
ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)
REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class DiscoveryError(Exception):
    pass


def secure_enough(url):
    """https, or http on this machine only (a provider under test, a developer's Keycloak)."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def discover(issuer):
    """The endpoints the provider publishes; DiscoveryError when it cannot be used."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise DiscoveryError("unreachable") from error
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer.rstrip(
        "/"
    ):
        raise DiscoveryError("issuer_mismatch")
    endpoints = {name: document.get(name) or "" for name in ENDPOINTS}
    for name, value in endpoints.items():
        if not isinstance(value, str) or len(value) > 500 or (value and not secure_enough(value)):
            raise DiscoveryError("bad_endpoint")
        if name in REQUIRED and not value:
            raise DiscoveryError("bad_endpoint")
    return endpoints
