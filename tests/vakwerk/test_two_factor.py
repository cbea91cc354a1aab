"""Backup codes, the admin's reset of a second factor, and what single sign-on is told
(issue 21, point 2)."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.vakwerk.factories import verified_login
from tests.vakwerk.test_auth import current_code, log_in
from vakwerk import two_factor
from vakwerk.models import AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db
CODE = re.compile(r"<li>([a-z2-7]{8})</li>")
DASHBOARD = "/evaluation/dashboard/"


def enrol(client, user):
    """Enrols `user` through the pages; returns the backup codes the page showed."""
    client.force_login(user)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(
        reverse("two_factor_setup"), {"token": current_code(device), "next": DASHBOARD}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    return CODE.findall(page), page


def verify(client, code):
    return client.post(reverse("two_factor_verify"), {"token": code, "next": DASHBOARD})


def log_in_again(client, user):
    client.post(reverse("logout"))
    log_in(client, user.email)
    assert client.get(DASHBOARD).url.startswith(reverse("two_factor_verify"))


def test_enrolment_shows_ten_backup_codes_once_with_a_dutch_instruction(client, make_user):
    user = make_user(Role.MANAGER)
    codes, page = enrol(client, user)
    assert len(set(codes)) == two_factor.BACKUP_CODE_COUNT == 10
    assert "Bewaar deze codes nu" in page
    assert "Dit is de enige keer dat ze worden getoond." in page
    assert f'href="{DASHBOARD}"' in page  # on to where the user was going
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    again = client.get(reverse("two_factor_manage")).content.decode()
    assert CODE.findall(again) == []
    assert "U hebt 10 ongebruikte reservecodes." in again


def test_a_backup_code_logs_in_once_and_not_twice(client, make_user):
    user = make_user(Role.MANAGER)
    codes, _page = enrol(client, user)

    log_in_again(client, user)
    response = verify(client, codes[0].upper())  # typed from paper, in capitals
    assert response.url == DASHBOARD
    page = client.get(DASHBOARD).content.decode()
    assert "U bent ingelogd met een reservecode. U hebt nog 9 reservecodes." in page

    log_in_again(client, user)
    again = verify(client, codes[0])
    assert again.status_code == 200
    assert "Deze code klopt niet of is verlopen." in again.content.decode()
    assert client.get(DASHBOARD).url.startswith(reverse("two_factor_verify"))


def test_a_wrong_backup_code_is_refused_and_slows_the_next_try(client, make_user):
    user = make_user(Role.MANAGER)
    codes, _page = enrol(client, user)
    log_in_again(client, user)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        wrong = verify(client, "aaaaaaaa")
        assert "Deze code klopt niet of is verlopen." in wrong.content.decode()
        # Even the right code is refused until the wait after a wrong one has passed ...
        clock.shift(datetime.timedelta(milliseconds=500))
        assert verify(client, codes[1]).status_code == 200
        assert StaticToken.objects.filter(token=codes[1]).exists()
        # ... a wait that doubles with each failure: 1 s, then 2 s.
        clock.shift(datetime.timedelta(milliseconds=600))
        verify(client, "bbbbbbbb")
        assert StaticDevice.objects.get(user=user).throttling_failure_count == 2
        clock.shift(datetime.timedelta(seconds=1))
        assert verify(client, codes[1]).status_code == 200
        clock.shift(datetime.timedelta(seconds=1.1))
        assert verify(client, codes[1]).url == DASHBOARD


def test_odd_input_at_the_login_step_is_a_dutch_error_not_a_500(client, make_user):
    user = make_user(Role.MANAGER)
    enrol(client, user)
    log_in_again(client, user)
    for typed in ("", "12345", "ééééééééé", "x" * 21, "1234567890123456"):
        response = verify(client, typed)
        assert response.status_code == 200, typed
        assert "alert-danger" in response.content.decode() or "invalid-feedback" in (
            response.content.decode()
        )


def test_the_login_step_says_how_many_codes_are_left_when_few_are(client, make_user):
    user = make_user(Role.MANAGER)
    codes, _page = enrol(client, user)
    log_in_again(client, user)
    assert "U hebt nog" not in client.get(reverse("two_factor_verify")).content.decode()
    StaticToken.objects.exclude(token__in=codes[:3]).delete()
    page = client.get(reverse("two_factor_verify")).content.decode()
    assert "U hebt nog 3 reservecodes." in page


def test_a_new_set_of_backup_codes_replaces_the_old_one(client, make_user):
    user = make_user(Role.CONSULTANT)
    old_codes, _page = enrol(client, user)
    page = client.get(reverse("two_factor_manage")).content.decode()
    assert "Nieuwe reservecodes maken" in page
    response = client.post(reverse("two_factor_backup_codes_new"))
    page = client.get(response.url).content.decode()
    new_codes = CODE.findall(page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "De oude werken niet meer." in page
    assert AuditEntry.objects.filter(user=user, detail="backup codes renewed").count() == 1

    log_in_again(client, user)
    assert verify(client, old_codes[0]).status_code == 200
    StaticDevice.objects.filter(user=user).update(throttling_failure_count=0)
    assert verify(client, new_codes[0]).url == DASHBOARD


def test_a_repeated_post_makes_one_new_set(client, make_user):
    from vakwerk.idempotency import FIELD_NAME, new_key

    user = make_user(Role.CONSULTANT)
    enrol(client, user)
    key = new_key(user)
    client.post(reverse("two_factor_backup_codes_new"), {FIELD_NAME: key})
    first = set(StaticToken.objects.values_list("token", flat=True))
    client.post(reverse("two_factor_backup_codes_new"), {FIELD_NAME: key})
    assert set(StaticToken.objects.values_list("token", flat=True)) == first


def test_without_an_authenticator_there_are_no_backup_codes_to_make(client, make_user):
    client.force_login(make_user(Role.CONSULTANT))
    page = client.get(reverse("two_factor_manage")).content.decode()
    assert "Tweestapsverificatie instellen" in page
    assert client.post(reverse("two_factor_backup_codes_new")).status_code == 403
    assert not StaticDevice.objects.exists()


def test_backup_code_pages_need_a_login_and_a_user_who_may_have_a_second_factor(client):
    from tests.vakwerk.factories import UserFactory

    assert client.get(reverse("two_factor_manage")).url.startswith(reverse("login"))
    client.force_login(UserFactory(role="", municipality=None))  # no role, no operator
    assert client.get(reverse("two_factor_manage")).status_code == 403
    assert client.post(reverse("two_factor_backup_codes_new")).status_code == 403


# --- the admin's reset -------------------------------------------------------------------


def reset_url(user):
    return reverse("user_two_factor_reset", args=[user.pk])


def test_the_admin_resets_a_colleagues_second_factor_after_confirming(client, make_user):
    colleague = make_user(Role.CONSULTANT, email="c@gemeente.example")
    enrol(client, colleague)
    admin = make_user(Role.ADMIN)
    client.force_login(admin)

    edit_page = client.get(reverse("user_edit", args=[colleague.pk])).content.decode()
    assert reset_url(colleague) in edit_page
    confirm = client.get(reset_url(colleague))
    assert confirm.status_code == 200
    assert "Tweede factor van c@gemeente.example resetten?" in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=colleague, confirmed=True).exists()  # GET: nothing

    response = client.post(reset_url(colleague))
    assert response.url == reverse("user_edit", args=[colleague.pk])
    assert not TOTPDevice.objects.filter(user=colleague, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=colleague).exists()
    entry = AuditEntry.objects.get(detail="second factor reset")
    assert (entry.user, entry.object_type, entry.object_id) == (admin, "user", str(colleague.pk))
    trail = client.get(reverse("audit_list")).content.decode()
    assert "tweede factor gereset" in trail

    # Their municipality does not require a second factor, yet they had one: they enrol
    # anew at the next login.
    client.post(reverse("logout"))
    log_in(client, "c@gemeente.example")
    setup = client.get(DASHBOARD).url
    assert setup.startswith(reverse("two_factor_setup"))
    page = client.get(setup).content.decode()
    assert "Uw functioneel beheerder heeft uw tweede factor gereset." in page
    codes, _page = enrol(client, colleague)
    assert len(codes) == 10


def test_a_reset_ends_the_verification_of_a_running_session(client, make_user):
    colleague = make_user(Role.MANAGER)
    enrol(client, colleague)
    assert client.get(DASHBOARD).status_code == 200
    two_factor.reset_second_factor(make_user(Role.ADMIN), colleague)
    assert client.get(DASHBOARD).url.startswith(reverse("two_factor_setup"))


def test_another_municipalitys_admin_gets_404(client, make_user, other_municipality):
    colleague = make_user(Role.CONSULTANT)
    enrol(client, colleague)
    client.force_login(make_user(Role.ADMIN, municipality=other_municipality))
    assert client.get(reset_url(colleague)).status_code == 404
    assert client.post(reset_url(colleague)).status_code == 404
    assert TOTPDevice.objects.filter(user=colleague, confirmed=True).exists()
    assert not AuditEntry.objects.filter(detail="second factor reset").exists()


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.RESEARCHER, Role.MANAGER])
def test_other_roles_cannot_reset(client, make_user, role):
    colleague = make_user(Role.CONSULTANT)
    enrol(client, colleague)
    client.force_login(make_user(role))
    assert client.get(reset_url(colleague)).status_code == 403
    assert client.post(reset_url(colleague)).status_code == 403
    assert TOTPDevice.objects.filter(user=colleague, confirmed=True).exists()


def test_new_pages_cost_a_fixed_number_of_queries(
    client, make_user, django_assert_max_num_queries
):
    for n in range(5):
        make_user(Role.CONSULTANT, email=f"c{n}@gemeente.example")
    colleague = make_user(Role.CONSULTANT, email="colleague@gemeente.example")
    enrol(client, colleague)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("two_factor_manage")).status_code == 200
    client.force_login(make_user(Role.ADMIN))
    with django_assert_max_num_queries(6):
        assert client.get(reset_url(colleague)).status_code == 200
    log_in_again(client, colleague)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("two_factor_verify")).status_code == 200


# --- the platform operators' admin and single sign-on -----------------------------------


@pytest.fixture
def operator():
    from tests.vakwerk.factories import UserFactory

    return UserFactory(
        email="beheer@platform.example", role="", municipality=None, is_staff=True,
        is_superuser=True,
    )  # fmt: skip


def test_the_admin_site_refuses_a_superuser_without_a_verified_device(client, operator):
    client.force_login(operator)
    for url in (reverse("admin:index"), reverse("admin:participants_participant_changelist")):
        assert client.get(url).url.startswith(reverse("two_factor_setup")), url
    # A device that is not verified in this session does not open the admin either.
    TOTPDevice.objects.create(user=operator, name="app", confirmed=True)
    assert client.get(reverse("admin:index")).url.startswith(reverse("two_factor_verify"))
    client.logout()
    verified_login(client, operator)
    assert client.get(reverse("admin:index")).status_code == 200


class IdentityProviderBackend:
    """What the SSO work's backend declares: its identity provider did the second factor."""

    provides_second_factor = True

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        from vakwerk.models import User

        return User.objects.filter(pk=user_id).first()


SSO_BACKEND = f"{__name__}.IdentityProviderBackend"
PASSWORD_BACKEND = "vakwerk.auth_backends.AccountBackend"


@pytest.fixture
def sso_backend(settings):
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, SSO_BACKEND]


def test_sso_users_get_their_second_factor_from_the_identity_provider(
    client, make_user, municipality, sso_backend
):
    municipality.require_two_factor = True
    municipality.save()
    user = make_user(Role.MANAGER)
    assert two_factor.requires_our_second_factor(user, backend=PASSWORD_BACKEND)
    assert not two_factor.requires_our_second_factor(user, backend=SSO_BACKEND)
    user.backend = SSO_BACKEND  # as authenticate() leaves it
    assert not two_factor.requires_our_second_factor(user)

    client.force_login(user, backend=SSO_BACKEND)
    assert client.session[BACKEND_SESSION_KEY] == SSO_BACKEND
    assert client.get(DASHBOARD).status_code == 200
    # The same user signing in with a password still needs our second factor.
    client.force_login(user, backend=PASSWORD_BACKEND)
    assert client.get(DASHBOARD).url.startswith(reverse("two_factor_setup"))


def test_platform_operators_need_our_second_factor_even_through_sso(client, operator, sso_backend):
    assert two_factor.requires_our_second_factor(operator, backend=SSO_BACKEND)
    client.force_login(operator, backend=SSO_BACKEND)
    assert client.get(reverse("admin:index")).url.startswith(reverse("two_factor_setup"))


def test_without_a_requirement_or_device_no_second_factor_is_asked(make_user):
    user = make_user(Role.CONSULTANT)
    assert not two_factor.requires_our_second_factor(user, backend=PASSWORD_BACKEND)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert two_factor.requires_our_second_factor(user, backend=PASSWORD_BACKEND)


def test_password_is_still_checked_first(client, make_user):
    user = make_user(Role.MANAGER, email="m@gemeente.example")
    codes, _page = enrol(client, user)
    client.post(reverse("logout"))
    assert log_in(client, "m@gemeente.example", "wrong").status_code == 200
    assert verify(client, codes[0]).url == reverse("login")
    assert StaticToken.objects.filter(token=codes[0]).exists()
