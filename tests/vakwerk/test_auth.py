import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from vakwerk.models import AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_login_page_is_dutch_by_default_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl">' in page
    assert "Inloggen bij VAKwerk" in page
    assert "E-mailadres" in page
    assert "Wachtwoord vergeten?" in page


def test_english_can_be_chosen(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in to VAKwerk" in page


def test_login_by_email_is_case_insensitive_and_lands_on_start_page(client, make_user):
    make_user(Role.MANAGER, email="manager@gemeente.example")
    response = log_in(client, "Manager@Gemeente.example")
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("evaluation:dashboard")


def test_wrong_password_gives_a_dutch_error(client, make_user):
    make_user(email="c@gemeente.example")
    page = log_in(client, "c@gemeente.example", "wrong-password").content.decode()
    assert "Voer een juiste e-mailadres en wachtwoord in" in page


def test_logins_are_locked_after_five_failures(client, make_user):
    make_user(email="c@gemeente.example")
    for _ in range(5):
        log_in(client, "c@gemeente.example", "guess")
    response = log_in(client, "c@gemeente.example")
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client, make_user):
    client.force_login(make_user())
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("programme_list")).status_code == 302


def test_password_reset_mails_a_dutch_link_that_sets_a_new_password(client, make_user):
    make_user(email="c@gemeente.example")
    client.post(reverse("password_reset"), {"email": "c@gemeente.example"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "VAKwerk: stel een nieuw wachtwoord in"
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", message.body).group(1)
    form_url = client.get(link).url
    response = client.post(
        form_url,
        {"new_password1": "nieuw-wachtwoord-2026", "new_password2": "nieuw-wachtwoord-2026"},
    )
    assert response.url == reverse("password_reset_complete")
    assert log_in(client, "c@gemeente.example", "nieuw-wachtwoord-2026").status_code == 302


def test_password_change(client, make_user):
    user = make_user()
    client.force_login(user)
    page = client.get(reverse("password_change")).content.decode()
    assert "Wachtwoord wijzigen" in page
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "een-heel-ander-wachtwoord",
            "new_password2": "een-heel-ander-wachtwoord",
        },
    )
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("een-heel-ander-wachtwoord")


def current_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_enrol_a_second_factor_and_need_it_at_the_next_login(client, make_user):
    user = make_user(Role.MANAGER, email="m@gemeente.example")
    client.force_login(user)
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "Deze code klopt niet of is verlopen." in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a moment

    client.post(reverse("two_factor_setup"), {"token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(user=user, action="2fa_enrolled").exists()

    client.post(reverse("logout"))
    log_in(client, "m@gemeente.example")
    response = client.get(reverse("evaluation:dashboard"))
    assert response.url.startswith(reverse("two_factor_verify"))
    # A used code cannot be replayed; the device accepts the next one.
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    response = client.post(
        response.url, {"token": current_code(device), "next": reverse("evaluation:dashboard")}
    )
    assert response.url == reverse("evaluation:dashboard")
    assert client.get(reverse("evaluation:dashboard")).status_code == 200


def test_municipality_can_require_a_second_factor(client, make_user, municipality):
    municipality.require_two_factor = True
    municipality.save()
    client.force_login(make_user(Role.CONSULTANT))
    response = client.get(reverse("participants:caseload"))
    assert response.url.startswith(reverse("two_factor_setup"))
    page = client.get(response.url).content.decode()
    assert "Uw gemeente vereist een tweede factor" in page


def test_employers_are_not_forced_into_two_factor(client, make_user, municipality):
    municipality.require_two_factor = True
    municipality.save()
    client.force_login(make_user(Role.EMPLOYER))
    assert client.get(reverse("employers:opportunity_list")).status_code == 200


def test_a_signed_in_page_reads_the_municipality_and_authenticator_with_the_user(
    client, make_user
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user(Role.CONSULTANT, email="consulent@example.nl")
    log_in(client, "consulent@example.nl")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("participants:caseload"))
    assert page.status_code == 200
    assert user.municipality.name in page.content.decode()
    # One query for the user, their municipality and their authenticator; none of the
    # municipality or the authenticators alone.
    alone = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(('SELECT "vakwerk_municipality"', 'SELECT "otp_totp_totpdevice"'))
    ]
    assert alone == []
