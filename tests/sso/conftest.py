import pytest

from .provider import start_provider, stop_provider

# The people the provider knows: (user name at the provider, e-mail, groups).
PROVIDER_USERS = [
    ("karin", "karin@gemeente-a.example", ["VAKwerk-managers"]),
    ("onbekend", "onbekend@gemeente-a.example", ["VAKwerk-managers"]),
    ("uit", "uit@gemeente-a.example", []),
]


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    provider = start_provider(tmp_path_factory.mktemp("oidc-provider"), live_server.url,
                              PROVIDER_USERS)  # fmt: skip
    yield provider
    stop_provider(provider)


@pytest.fixture
def provider_control(oidc_provider):
    yield oidc_provider
    # What one test changed at the provider goes back for the next.
    oidc_provider.control(wrong_jwks=False, idtoken_expire=600)
