"""Log-in hardening (issue 14): the lock-out cannot be dodged by spelling or by a proxy,
the login form limits its fields, and second factors and time-outs where they belong."""

import pytest
from django.test import Client
from django.urls import reverse

from vakwerk.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
EMAIL = "consultant3@zwolle.example"
PROXY = "192.0.2.10"


def log_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


# Found 1: capitals and spaces


def test_every_spelling_of_an_address_counts_against_one_lock(client, make_user):
    make_user(email=EMAIL)
    spellings = [
        "consultant3@zwolle.example",
        "Consultant3@zwolle.example",
        "cOnsultant3@Zwolle.Example",
        " CONSULTANT3@ZWOLLE.EXAMPLE ",
        "consultant3@zwolle.example\t",
    ]
    for spelling in spellings[:4]:
        assert log_in(client, spelling, "wrong guess").status_code == 200
    # The fifth failure, in yet another spelling, is the one that locks.
    assert log_in(client, spellings[4], "wrong guess").status_code == 429
    for spelling in ("CONSULTANT3@ZWOLLE.EXAMPLE", "Consultant3@zwolle.example", EMAIL):
        response = log_in(client, spelling)
        assert response.status_code == 429, spelling
        assert "Te veel mislukte pogingen" in response.content.decode()
        assert not logged_in(client)


def test_an_address_typed_with_capitals_and_spaces_still_logs_in(client, make_user):
    make_user(email=EMAIL)
    response = log_in(client, "  Consultant3@ZWOLLE.example ")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_django_admin_login_counts_against_the_same_lock(client, make_user):
    make_user(email=EMAIL)
    admin_login = reverse("admin:login")
    for spelling in ("CONSULTANT3@zwolle.example", "Consultant3@Zwolle.example") * 3:
        client.post(admin_login, {"username": spelling, "password": "wrong guess"})
    assert log_in(client, EMAIL).status_code == 429
    assert not logged_in(client)


def test_one_address_trying_many_accounts_is_locked_as_an_address(client, make_user, settings):
    """Four wrong passwords on each of three accounts never reach an account's lock of
    five, but the address's failures together do."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    victims = [make_user(email=f"collega{number}@zwolle.example") for number in range(4)]
    for victim in victims[:3]:
        for _ in range(4):
            assert log_in(client, victim.email, "wrong guess").status_code == 200
    response = log_in(client, victims[3].email)
    assert response.status_code == 200
    assert "Te veel mislukte inlogpogingen vanaf uw netwerkadres" in response.content.decode()
    assert not logged_in(client)
    # Another address is not affected.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(elsewhere, victims[3].email).status_code == 302


# Found 2: behind a proxy


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def via_proxy(forwarded_for):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


def test_behind_a_proxy_one_client_locks_only_itself(behind_one_proxy, make_user):
    make_user(email=EMAIL)
    attacker, colleague = Client(), Client()
    for _ in range(5):
        log_in(attacker, EMAIL, "wrong guess", **via_proxy("203.0.113.66"))
    assert log_in(attacker, EMAIL, **via_proxy("203.0.113.66")).status_code == 429

    response = log_in(colleague, EMAIL, **via_proxy("198.51.100.20"))
    assert response.status_code == 302
    assert logged_in(colleague)


def test_a_forged_forwarded_for_hop_does_not_escape_the_lock(behind_one_proxy, make_user):
    make_user(email=EMAIL)
    attacker = Client()
    for _ in range(5):
        log_in(attacker, EMAIL, "wrong guess", **via_proxy("203.0.113.66"))
    # The attacker sends its own X-Forwarded-For; the proxy appends the real address.
    for forged in ("198.51.100.20, 203.0.113.66", "10.0.0.1, 8.8.8.8, 203.0.113.66"):
        response = log_in(attacker, EMAIL, **via_proxy(forged))
        assert response.status_code == 429, forged
        assert not logged_in(attacker)


def test_a_forged_header_cannot_lock_out_someone_else(behind_one_proxy, make_user):
    make_user(email=EMAIL)
    attacker, colleague = Client(), Client()
    # Claiming to be the colleague's address: only the right-most hop is believed.
    for _ in range(5):
        log_in(attacker, EMAIL, "wrong guess", **via_proxy("198.51.100.20, 203.0.113.66"))
    assert log_in(colleague, EMAIL, **via_proxy("198.51.100.20")).status_code == 302


def test_without_a_proxy_the_forwarded_for_header_is_ignored(make_user):
    make_user(email=EMAIL)
    attacker = Client()
    for n in range(5):
        log_in(attacker, EMAIL, "wrong guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = log_in(attacker, EMAIL, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


# The login form's limits


@pytest.mark.parametrize("length", [255, 256, 300, 5000])
def test_an_overlong_login_name_is_a_form_error_not_a_500(client, make_user, length):
    make_user(email=EMAIL)
    response = log_in(client, "a" * (length - len("@zwolle.example")) + "@zwolle.example")
    assert response.status_code == 200
    assert "niet meer dan 254 tekens" in response.content.decode()
    assert not logged_in(client)


def test_an_overlong_password_is_a_form_error(client, make_user):
    make_user(email=EMAIL)
    response = log_in(client, EMAIL, "x" * 100_000)
    assert response.status_code == 200
    assert "niet meer dan 256 tekens" in response.content.decode()


def test_an_overlong_name_on_the_admin_login_is_no_500(client, make_user):
    response = client.post(
        reverse("admin:login"), {"username": "a" * 400 + "@x.example", "password": "guess"}
    )
    assert response.status_code in {200, 302}


# Invitations do not reveal addresses of other municipalities


def _invite_as_admin(client, email):
    return client.post(
        reverse("user_invite"),
        {"email": email, "first_name": "A", "last_name": "B", "role": "manager"},
        follow=True,
    )


def test_inviting_an_address_of_another_municipality_answers_as_for_a_new_one(
    client, make_user, other_municipality, django_capture_on_commit_callbacks
):
    from django.core import mail

    from vakwerk.models import AuditEntry, User

    elsewhere = make_user(Role.CONSULTANT, municipality=other_municipality,
                          email="bestaat@elders.example")  # fmt: skip
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        fresh = _invite_as_admin(client, "nieuw@gemeente.example")
        taken = _invite_as_admin(client, "Bestaat@Elders.example")

    def answer(response, email):
        page = response.content.decode()
        return response.redirect_chain, page.count(f"{email} is per e-mail uitgenodigd.")

    assert answer(fresh, "nieuw@gemeente.example") == answer(taken, "bestaat@elders.example")
    assert answer(taken, "bestaat@elders.example")[1] == 1
    # Nothing made or changed for the existing account; its owner is told, not the admin.
    assert User.objects.filter(email__iexact="bestaat@elders.example").count() == 1
    elsewhere.refresh_from_db()
    assert elsewhere.municipality == other_municipality and elsewhere.role == Role.CONSULTANT
    notices = [m for m in mail.outbox if m.to == ["bestaat@elders.example"]]
    assert [m.subject for m in notices] == ["VAKwerk: een uitnodiging voor uw e-mailadres"]
    assert "Gemeente A" in notices[0].body and "http" not in notices[0].body
    assert AuditEntry.objects.filter(
        user=admin, detail="invitation: address in use elsewhere"
    ).exists()


def test_the_wsp_inviting_an_address_of_another_municipality_gets_the_usual_answer(
    client, make_user, other_municipality, municipality, django_capture_on_commit_callbacks
):
    from tests.employers.factories import EmployerFactory
    from vakwerk.models import User

    make_user(Role.MANAGER, municipality=other_municipality, email="bestaat@elders.example")
    employer = EmployerFactory(municipality=municipality)
    client.force_login(make_user(Role.WSP))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("employers:employer_invite", args=[employer.pk]),
            {"email": "bestaat@elders.example", "first_name": "A", "last_name": "B"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == reverse(
        "employers:employer_detail", args=[employer.pk]
    )
    assert "bestaat@elders.example is per e-mail uitgenodigd." in response.content.decode()
    assert User.objects.get(email="bestaat@elders.example").role == Role.MANAGER


def test_an_address_of_the_own_municipality_is_still_named(client, make_user):
    make_user(Role.CONSULTANT, email="collega@gemeente.example")
    client.force_login(make_user(Role.ADMIN))
    response = _invite_as_admin(client, "collega@gemeente.example")
    assert "Er bestaat al een gebruiker met dit e-mailadres." in response.content.decode()


# Nothing with personal data stays in a browser's or proxy's cache


def test_pages_and_exports_with_personal_data_are_never_stored(client, make_user):
    from tests.funding.factories import funded
    from tests.participants.factories import ParticipantFactory

    consultant = make_user(Role.CONSULTANT)
    manager = make_user(Role.MANAGER)
    participant = ParticipantFactory(municipality=consultant.municipality, consultant=consultant)
    fund = funded(manager, "100.00")
    pages = [
        (consultant, reverse("participants:caseload")),
        (consultant, reverse("participants:detail", args=[participant.pk])),
        (consultant, reverse("participants:edit", args=[participant.pk])),
        (consultant, reverse("participants:intake", args=[participant.pk])),
        (manager, reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "csv"})),
        (manager, reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": "xlsx"})),
        (manager, reverse("audit_export")),
    ]
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives, (url, response["Cache-Control"])


# Second factors: employers where the municipality asks, platform operators always


def test_employers_must_enrol_where_their_municipality_requires_it(
    client, make_user, municipality
):
    municipality.require_two_factor_employers = True
    municipality.save()
    client.force_login(make_user(Role.EMPLOYER))
    response = client.get(reverse("employers:opportunity_list"))
    assert response.url.startswith(reverse("two_factor_setup"))
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Uw gemeente vereist een tweede factor" in page.content.decode()


def test_employers_may_enrol_when_it_is_not_required(client, make_user):
    client.force_login(make_user(Role.EMPLOYER))
    portal = client.get(reverse("employers:opportunity_list"))
    assert portal.status_code == 200
    # The account menu leads to the second factor's page, which offers the enrolment.
    assert reverse("two_factor_manage") in portal.content.decode()
    assert reverse("two_factor_setup") in client.get(reverse("two_factor_manage")).content.decode()
    assert client.get(reverse("two_factor_setup")).status_code == 200


def test_staff_rule_alone_does_not_force_employers(client, make_user, municipality):
    municipality.require_two_factor = True
    municipality.save()
    client.force_login(make_user(Role.EMPLOYER))
    assert client.get(reverse("employers:opportunity_list")).status_code == 200


@pytest.fixture
def operator():
    from tests.vakwerk.factories import UserFactory

    return UserFactory(
        email="beheer@platform.example", role="", municipality=None, is_staff=True,
        is_superuser=True,
    )  # fmt: skip


def test_a_platform_operator_needs_a_second_factor_for_the_admin(client, operator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response = client.post(
        reverse("admin:login"),
        {"username": "Beheer@Platform.example", "password": PASSWORD,
         "next": reverse("admin:index")},
    )  # fmt: skip
    assert response.status_code == 302 and logged_in(client)
    # Password only: every admin page sends the operator to enrol a second factor.
    for url in (reverse("admin:index"), reverse("admin:participants_participant_changelist")):
        response = client.get(url)
        assert response.url.startswith(reverse("two_factor_setup")), url
    assert client.get(reverse("two_factor_setup")).status_code == 200
    # With a device but not yet verified in this session: the code first.
    TOTPDevice.objects.create(user=operator, name="app", confirmed=True)
    assert client.get(reverse("admin:index")).url.startswith(reverse("two_factor_verify"))


def test_the_admin_site_itself_refuses_an_unverified_operator(rf, operator):
    from django.contrib import admin

    request = rf.get("/")
    request.user = operator
    operator.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    operator.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_a_verified_operator_reaches_the_admin(client, operator):
    from tests.vakwerk.factories import verified_login

    verified_login(client, operator)
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_sessions_end_after_a_short_inactivity(client, operator, settings):
    import datetime

    import time_machine

    from tests.vakwerk.factories import verified_login

    settings.PLATFORM_SESSION_TIMEOUT_MINUTES = 15
    index = reverse("admin:index")
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        verified_login(client, operator)
        assert client.get(index).status_code == 200
        assert client.session.get_expiry_age() == 15 * 60
        # Activity pushes the end forward...
        clock.shift(datetime.timedelta(minutes=10))
        assert client.get(index).status_code == 200
        clock.shift(datetime.timedelta(minutes=14))
        assert client.get(index).status_code == 200
        # ...sixteen idle minutes end the session.
        clock.shift(datetime.timedelta(minutes=16))
        response = client.get(index)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
        assert not logged_in(client)


# The BSN-existence hints are audited (counts and participant numbers, never a BSN)


def test_the_already_registered_hint_of_the_participant_form_is_audited(client, make_user):
    from tests.participants.factories import ParticipantFactory
    from vakwerk.models import AuditEntry

    consultant = make_user(Role.CONSULTANT)
    known = ParticipantFactory(municipality=consultant.municipality, consultant=consultant)
    client.force_login(consultant)
    response = client.post(
        reverse("participants:create"),
        {"bsn": known.bsn, "first_name": "A", "last_name": "B"},
    )
    assert "al een deelnemer met dit BSN ingeschreven" in response.content.decode()
    entry = AuditEntry.objects.get(user=consultant, detail="BSN hint: already registered")
    assert entry.action == "search" and entry.participant_id == known.pk
    assert known.bsn not in str(entry.__dict__)


def test_every_import_preview_is_audited_with_counts(client, make_user, tmp_path):
    from pathlib import Path

    from vakwerk.models import AuditEntry

    samples = Path(__file__).resolve().parents[2] / "samples"
    client.force_login(make_user(Role.CONSULTANT))
    with open(samples / "deelnemers-import.csv", "rb") as handle:
        client.post(reverse("participants:import_upload"), {"file": handle})
    preview = reverse("participants:import_preview")
    assert client.get(preview).status_code == 200
    client.post(preview, {"confirm": "1"})
    with open(samples / "deelnemers-import.csv", "rb") as handle:
        client.post(reverse("participants:import_upload"), {"file": handle})
    assert client.get(preview).status_code == 200
    details = list(
        AuditEntry.objects.filter(detail__startswith="import preview")
        .order_by("pk")
        .values_list("action", "detail")
    )
    rows = sum(
        1 for line in (samples / "deelnemers-import.csv").read_text().splitlines()[1:] if line
    )
    assert details == [
        ("search", f"import preview: {rows} rows, 0 already registered"),
        ("search", f"import preview: {rows} rows, {rows} already registered"),
    ]
