import re

import pytest
from django.core import mail
from django.urls import reverse

from employers.selectors import employer_of
from tests.employers.factories import EmployerFactory
from tests.vakwerk.factories import UserFactory
from vakwerk.models import User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def test_admin_invites_a_colleague_who_activates_by_mail(
    client, make_user, django_capture_on_commit_callbacks
):
    client.force_login(make_user(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("user_invite"),
            {
                "email": "Nieuw@Gemeente.example",
                "first_name": "Nina",
                "last_name": "Nieuw",
                "role": Role.CONSULTANT,
            },
        )
    assert response.url == reverse("user_list")
    user = User.objects.get(email="nieuw@gemeente.example")
    assert not user.has_usable_password()
    assert mail.outbox[0].subject == "VAKwerk: activeer uw account"
    link = re.search(r"http://testserver(/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    client.post(
        form_url,
        {"new_password1": "mijn-eigen-wachtwoord", "new_password2": "mijn-eigen-wachtwoord"},
    )
    user.refresh_from_db()
    assert user.check_password("mijn-eigen-wachtwoord")


def test_invite_refuses_a_known_address_in_dutch(client, make_user):
    make_user(email="bestaat@gemeente.example")
    client.force_login(make_user(Role.ADMIN))
    response = client.post(
        reverse("user_invite"),
        {
            "email": "bestaat@gemeente.example",
            "first_name": "A",
            "last_name": "B",
            "role": "manager",
        },
    )
    assert "Er bestaat al een gebruiker met dit e-mailadres." in response.content.decode()


def test_employer_users_need_an_employer(client, make_user):
    client.force_login(make_user(Role.ADMIN))
    response = client.post(
        reverse("user_invite"),
        {"email": "w@bedrijf.example", "first_name": "A", "last_name": "B", "role": "employer"},
    )
    assert "Kies de werkgever waarvoor deze gebruiker werkt." in response.content.decode()
    assert not User.objects.filter(email="w@bedrijf.example").exists()


def test_an_employer_user_is_invited_for_an_employer_of_the_own_municipality(
    client, make_user, municipality, other_municipality
):
    """The employer choice comes from the employers app (employers/user_invite.py) and
    offers only the admin's own municipality's employers."""
    own = EmployerFactory(municipality=municipality, name="Eigen Zorg B.V.")
    elsewhere = EmployerFactory(municipality=other_municipality, name="Elders Bouw B.V.")
    client.force_login(make_user(Role.ADMIN))
    page = client.get(reverse("user_invite")).content.decode()
    assert "Eigen Zorg B.V." in page
    assert "Elders Bouw B.V." not in page
    data = {"email": "w@zorg.example", "first_name": "W", "last_name": "G", "role": "employer"}
    response = client.post(reverse("user_invite"), {**data, "employer": elsewhere.pk})
    assert response.status_code == 200
    assert "employer" in response.context["form"].errors
    assert not User.objects.filter(email="w@zorg.example").exists()
    response = client.post(reverse("user_invite"), {**data, "employer": own.pk})
    assert response.status_code == 302
    assert employer_of(User.objects.get(email="w@zorg.example")) == own
    # Another role keeps no employer, whatever was chosen.
    data = {"email": "m@gemeente.example", "first_name": "M", "last_name": "G", "role": "manager"}
    client.post(reverse("user_invite"), {**data, "employer": own.pk})
    assert employer_of(User.objects.get(email="m@gemeente.example")) is None


def test_admin_sees_and_edits_only_users_of_their_municipality(
    client, make_user, other_municipality
):
    colleague = make_user(Role.CONSULTANT, email="collega@gemeente.example")
    stranger = UserFactory(municipality=other_municipality, email="ander@elders.example")
    client.force_login(make_user(Role.ADMIN))
    page = client.get(reverse("user_list")).content.decode()
    assert colleague.email in page
    assert stranger.email not in page
    assert client.get(reverse("user_edit", args=[stranger.pk])).status_code == 404
    client.post(reverse("user_edit", args=[colleague.pk]), {"role": "manager"})
    colleague.refresh_from_db()
    assert colleague.role == Role.MANAGER
    assert not colleague.is_active


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONSULTANT, Role.RESEARCHER, Role.EMPLOYER])
def test_only_admins_manage_users(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("user_list")).status_code == 403
    assert client.get(reverse("user_invite")).status_code == 403


def test_user_list_query_count_does_not_grow(client, make_user, django_assert_max_num_queries):
    client.force_login(make_user(Role.ADMIN))
    make_user(Role.EMPLOYER)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("user_list"))
    assert response.status_code == 200
    for _ in range(15):
        make_user(Role.EMPLOYER)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("user_list"))
    assert response.status_code == 200
