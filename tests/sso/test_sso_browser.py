"""Single sign-on through a real OpenID provider (tests/oidc_provider, its own process)
in a real browser: Chromium driven by Playwright."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import chromium  # noqa: F401 (fixture)
from tests.vakwerk.factories import MunicipalityFactory, UserFactory
from vakwerk.models import AuditAction, AuditEntry
from vakwerk.roles import Role
from vakwerk.sso.discovery import discover
from vakwerk.sso.models import IdentityProvider

from .provider import CLIENT_ID, CLIENT_SECRET, PASSWORD

pytestmark = pytest.mark.e2e

UNKNOWN = "Uw organisatieaccount is niet bekend in VAKwerk"
NOT_VERIFIED = "De aanmelding via uw organisatie kon niet worden gecontroleerd"


@pytest.fixture
def gemeente_a(transactional_db, oidc_provider):
    municipality = MunicipalityFactory(name="Gemeente A", cbs_code="0001",
                                       require_two_factor=True)  # fmt: skip
    IdentityProvider.objects.create(
        municipality=municipality,
        issuer=oidc_provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        group_roles={"VAKwerk-managers": Role.MANAGER},
        email_domains=["gemeente-a.example"],
        **discover(oidc_provider.issuer),
    )
    # Known in VAKwerk as a consultant, with an authenticator app of our own; the
    # provider's group makes her a manager.
    karin = UserFactory(email="karin@gemeente-a.example", role=Role.CONSULTANT,
                        municipality=municipality)  # fmt: skip
    TOTPDevice.objects.create(user=karin, name="default", confirmed=True)
    return municipality


@pytest.fixture
def page(chromium, live_server):  # noqa: F811
    context = chromium.new_context(locale="nl-NL")
    yield context.new_page()
    context.close()


def sign_in_through_provider(page, live_server, email, provider_user):
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Uw werk-e-mail").fill(email)
    page.get_by_role("button", name="Doorgaan met organisatieaccount").click()
    page.get_by_label("Provider user name").fill(provider_user)
    page.get_by_label("Provider password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at provider").click()
    page.wait_for_load_state()


def test_login_through_the_provider_lands_on_the_start_page_of_the_mapped_role(
    gemeente_a, page, live_server, provider_control
):
    sign_in_through_provider(page, live_server, "karin@gemeente-a.example", "karin")
    # No own second-factor step: the provider did it.
    page.wait_for_url(f"{live_server.url}{reverse('evaluation:dashboard')}")
    assert page.locator("h1").inner_text() == "Dashboard"
    karin = gemeente_a.users.get(email="karin@gemeente-a.example")
    assert karin.role == Role.MANAGER
    assert AuditEntry.objects.filter(user=karin, action=AuditAction.LOGIN).exists()


def test_unknown_user_is_refused_with_a_message(gemeente_a, page, live_server, provider_control):
    sign_in_through_provider(page, live_server, "onbekend@gemeente-a.example", "onbekend")
    page.wait_for_url(f"{live_server.url}/account/login/")
    assert UNKNOWN in page.locator("main").inner_text()
    assert not gemeente_a.users.filter(email="onbekend@gemeente-a.example").exists()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
    page.goto(f"{live_server.url}/users/")
    assert page.url.startswith(f"{live_server.url}/account/login/")


def test_logout_ends_the_vakwerk_session_and_the_providers(
    gemeente_a, page, live_server, provider_control
):
    sign_in_through_provider(page, live_server, "karin@gemeente-a.example", "karin")
    page.wait_for_url(f"{live_server.url}{reverse('evaluation:dashboard')}")
    page.locator("form[action='/account/logout/'] button").first.evaluate("b => b.click()")
    # Through the provider's end-session endpoint back to our login page.
    page.wait_for_url(f"{live_server.url}/account/login/")
    page.goto(f"{live_server.url}{reverse('evaluation:dashboard')}")
    assert page.url.startswith(f"{live_server.url}/account/login/")
    # The provider's session is gone too: it asks for the password again.
    page.get_by_label("Uw werk-e-mail").fill("karin@gemeente-a.example")
    page.get_by_role("button", name="Doorgaan met organisatieaccount").click()
    page.wait_for_load_state()
    assert page.get_by_label("Provider password").is_visible()


def test_refused_sign_ins_do_not_lock_out_the_town_hall(
    gemeente_a,
    chromium,  # noqa: F811
    live_server,
    provider_control,
    settings,
):
    # The provider checked the password; people unknown in VAKwerk behind one address
    # must not lock single sign-on for everyone else there (the password lock-out counts
    # login names per address, and an SSO refusal has none).
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        context = chromium.new_context(locale="nl-NL")
        page = context.new_page()
        sign_in_through_provider(page, live_server, "onbekend@gemeente-a.example", "onbekend")
        page.wait_for_url(f"{live_server.url}/account/login/")
        assert UNKNOWN in page.locator("main").inner_text()
        context.close()
    assert not AccessAttempt.objects.exists()
    context = chromium.new_context(locale="nl-NL")
    page = context.new_page()
    sign_in_through_provider(page, live_server, "karin@gemeente-a.example", "karin")
    page.wait_for_url(f"{live_server.url}{reverse('evaluation:dashboard')}")
    context.close()


def test_a_token_signed_with_another_key_is_refused(
    gemeente_a, page, live_server, provider_control
):
    # The provider publishes a rotated key, but its tokens are signed with the old one.
    provider_control.control(wrong_jwks=True)
    sign_in_through_provider(page, live_server, "karin@gemeente-a.example", "karin")
    page.wait_for_url(f"{live_server.url}/account/login/")
    assert NOT_VERIFIED in page.locator("main").inner_text()
    page.goto(f"{live_server.url}{reverse('evaluation:dashboard')}")
    assert page.url.startswith(f"{live_server.url}/account/login/")


def test_an_expired_token_is_refused(gemeente_a, page, live_server, provider_control):
    # The provider hands out ID tokens that expired a minute before they were made.
    provider_control.control(idtoken_expire=-60)
    sign_in_through_provider(page, live_server, "karin@gemeente-a.example", "karin")
    page.wait_for_url(f"{live_server.url}/account/login/")
    assert NOT_VERIFIED in page.locator("main").inner_text()
    page.goto(f"{live_server.url}{reverse('evaluation:dashboard')}")
    assert page.url.startswith(f"{live_server.url}/account/login/")
