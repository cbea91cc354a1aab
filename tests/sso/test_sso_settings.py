"""The functional administrator's SSO settings, the login-page choice and passwords off;
without a browser. Saving reads the discovery document of the real test provider."""

import pytest
from django.urls import reverse

from tests.vakwerk.factories import UserFactory
from vakwerk import audit_text
from vakwerk.models import AuditAction, AuditEntry
from vakwerk.roles import Role
from vakwerk.sso import services
from vakwerk.sso.models import IdentityProvider

from .provider import CLIENT_SECRET

pytestmark = pytest.mark.django_db

SECRET = "s3cret-value-that-must-never-show-WXYZ"


@pytest.fixture
def provider(municipality):
    return IdentityProvider.objects.create(
        municipality=municipality,
        issuer="https://login.gemeente-a.example/realms/vakwerk",
        client_id="vakwerk",
        client_secret=SECRET,
        email_domains=["gemeente-a.example"],
        authorization_endpoint="https://login.gemeente-a.example/auth",
        token_endpoint="https://login.gemeente-a.example/token",
        jwks_uri="https://login.gemeente-a.example/jwks",
    )


def form_data(default_issuer, **changes):
    data = {
        "enabled": "on",
        "issuer": default_issuer,
        "client_id": "vakwerk-test",
        "client_secret": CLIENT_SECRET,
        "email_claim": "email",
        "groups_claim": "groups",
        "group_roles_text": "VAKwerk-managers = manager\nVAKwerk-consulenten = consultant",
        "email_domains_text": "gemeente-a.example, @Wijk.Gemeente-A.example",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_sees_the_settings_without_the_secret(make_user, login, provider):
    client = login(make_user(Role.ADMIN))
    response = client.get(reverse("sso_provider_settings"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert SECRET not in page
    assert "••••WXYZ" in page
    assert "/account/sso/callback/" in page  # the redirect URI to register


def test_another_municipalitys_admin_gets_404(make_user, login, provider, other_municipality):
    client = login(make_user(Role.ADMIN, municipality=other_municipality))
    url = reverse("sso_provider_edit", args=[provider.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"issuer": "https://evil.example", "client_id": "x"}).status_code == 404
    )
    provider.refresh_from_db()
    assert provider.issuer.startswith("https://login.gemeente-a.example")
    # Their own settings page offers a new, empty provider, never this one.
    response = client.get(reverse("sso_provider_settings"))
    assert response.status_code == 200
    assert "login.gemeente-a.example" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.EMPLOYER, Role.CONSULTANT, Role.MANAGER])
def test_other_roles_get_403(make_user, login, provider, role):
    client = login(make_user(role))
    assert client.get(reverse("sso_provider_settings")).status_code == 403
    assert client.get(reverse("sso_provider_edit", args=[provider.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, provider):
    response = client.get(reverse("sso_provider_edit", args=[provider.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_settings_page_queries_do_not_grow(
    make_user, login, provider, django_assert_max_num_queries
):
    admin = make_user(Role.ADMIN)
    for _ in range(20):
        make_user(Role.CONSULTANT)
    client = login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sso_provider_edit", args=[provider.pk]))
    assert response.status_code == 200


def test_saving_reads_the_providers_discovery_and_keeps_the_secret(
    transactional_db, municipality, make_user, login, oidc_provider
):
    client = login(make_user(Role.ADMIN))
    url = reverse("sso_provider_settings")
    response = client.post(url, form_data(oidc_provider.issuer))
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(municipality=municipality)
    assert provider.token_endpoint == f"{oidc_provider.issuer}/token"
    assert provider.end_session_endpoint == f"{oidc_provider.issuer}/end-session"
    assert provider.group_roles == {
        "VAKwerk-managers": "manager",
        "VAKwerk-consulenten": "consultant",
    }
    assert provider.email_domains == ["gemeente-a.example", "wijk.gemeente-a.example"]
    # The same POST again, and one with the secret left empty: one row, secret kept.
    client.post(url, form_data(oidc_provider.issuer))
    edit = reverse("sso_provider_edit", args=[provider.pk])
    assert client.post(edit, form_data(oidc_provider.issuer, client_secret="")).status_code == 302
    assert IdentityProvider.objects.count() == 1
    provider.refresh_from_db()
    assert provider.client_secret == CLIENT_SECRET
    assert CLIENT_SECRET not in client.get(edit).content.decode()


HOSTILE = [
    ({"issuer": "javascript:alert(1)"}, "Voer een geldige URL in"),
    ({"issuer": "http://idp.gemeente-a.example"}, "De issuer moet een https-adres zijn."),
    ({"issuer": "https://127.0.0.1:9/nothing-listens"}, "kon bij deze issuer niet worden gelezen"),
    ({"email_claim": "<script>alert(1)</script>"}, "Een claimnaam bestaat alleen uit"),
    ({"groups_claim": "groups; DROP TABLE"}, "Een claimnaam bestaat alleen uit"),
    ({"group_roles_text": "Onderzoekers = researcher"}, "is geen rol die zo inlogt"),
    ({"group_roles_text": "zonder gelijkteken"}, "Regel 1: schrijf groep = rol."),
    ({"group_roles_text": "a = admin\na = manager"}, "staat al op een eerdere regel"),
    ({"email_domains_text": "<b>gemeente</b>"}, "is geen domeinnaam"),
    ({"client_id": "x\x00y"}, None),
    ({"client_secret": "a" * 501}, "Zorg dat deze waarde niet meer dan"),
    ({"issuer": "https://" + "a" * 600 + ".example"}, "Zorg dat deze waarde niet meer dan"),
]


@pytest.mark.parametrize(("changes", "message"), HOSTILE)
def test_hostile_input_gives_a_dutch_error(make_user, login, changes, message):
    client = login(make_user(Role.ADMIN))
    data = form_data("https://127.0.0.1:9/nothing-listens", **changes)
    response = client.post(reverse("sso_provider_settings"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    if message:
        assert message in response.content.decode(), response.context["form"].errors
    assert not IdentityProvider.objects.exists()


def test_a_domain_of_another_municipality_is_refused(
    make_user, login, provider, other_municipality
):
    client = login(make_user(Role.ADMIN, municipality=other_municipality))
    data = form_data("https://127.0.0.1:9/x", email_domains_text="gemeente-a.example")
    response = client.post(reverse("sso_provider_settings"), data)
    assert "gemeente-a.example wordt al door een andere gemeente gebruikt." in (
        response.content.decode()
    )


def log_in_with_password(client, user):
    return client.post(
        reverse("login"), {"username": user.email, "password": "correct-horse-battery"}
    )


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.MANAGER, Role.WSP, Role.ADMIN])
def test_passwords_off_refuses_staff_and_points_to_sso(client, make_user, provider, role):
    provider.passwords_off = True
    provider.save()
    response = log_in_with_password(client, make_user(role))
    assert response.status_code == 200
    assert "Uw gemeente heeft inloggen met een wachtwoord voor medewerkers uitgezet" in (
        response.content.decode()
    )
    assert "Inloggen met uw organisatieaccount" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.RESEARCHER])
def test_passwords_off_leaves_employers_and_researchers_their_password(
    client, make_user, provider, role
):
    provider.passwords_off = True
    provider.save()
    response = log_in_with_password(client, make_user(role))
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_staff_keep_passwords_while_they_are_on(client, make_user, provider):
    assert log_in_with_password(client, make_user(Role.CONSULTANT)).status_code == 302


def test_choice_by_email_domain_sends_to_the_municipalitys_start(client, provider):
    response = client.get(reverse("sso_choice"), {"email": "Iemand@Gemeente-A.example"})
    assert response.status_code == 302
    assert response.url == reverse("sso_start", args=[provider.municipality.cbs_code])


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("iemand@elders.example", "Voor dit e-mailadres is geen organisatieaccount ingesteld"),
        ("<script>@x", "Voer een geldig e-mailadres in"),
        ("a" * 300 + "@gemeente-a.example", "Zorg dat deze waarde niet meer dan"),
    ],
)
def test_choice_with_odd_input_gives_a_dutch_error(client, provider, email, message):
    response = client.get(reverse("sso_choice"), {"email": email})
    assert response.status_code == 200
    assert message in response.content.decode(), response.context["form"].errors


def test_start_for_a_municipality_without_provider_is_404(client, provider):
    assert client.get(reverse("sso_start", args=["9999"])).status_code == 404


def test_group_mapping_sets_the_role_or_keeps_it(provider, make_user):
    user = make_user(Role.CONSULTANT)
    assert services.apply_group_role(provider, user, ["iets"]) == Role.CONSULTANT
    provider.group_roles = {"VAKwerk-beheer": Role.ADMIN, "VAKwerk-wsp": Role.WSP}
    assert services.apply_group_role(provider, user, ["VAKwerk-wsp", "VAKwerk-beheer"]) == (
        Role.ADMIN
    )
    user.refresh_from_db()
    assert user.role == Role.ADMIN
    entry = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGED, object_id=str(user.pk))
    assert audit_text.is_known(entry.detail)
    # A mapping, and none of the user's groups in it: no role, the sign-in is refused.
    assert services.apply_group_role(provider, user, ["iets"]) is None
    assert UserFactory._meta.model.objects.get(pk=user.pk).role == Role.ADMIN
