import pytest
from django.urls import reverse

from tests.vakwerk.factories import ProgrammeActivityFactory, ProgrammeFactory
from vakwerk.models import Programme
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

START_PAGES = {
    Role.CONSULTANT: "participants:caseload",
    Role.MANAGER: "evaluation:dashboard",
    Role.WSP: "employers:employer_list",
    Role.EMPLOYER: "employers:opportunity_list",
    Role.RESEARCHER: "evaluation:research_projects",
    Role.ADMIN: "user_list",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_start_page(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse(START_PAGES[role])
    assert response.status_code == 200


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("programme_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_programme_of_another_municipality_is_not_found(
    client, make_user, municipality, other_municipality
):
    theirs = ProgrammeFactory(municipality=other_municipality)
    ours = ProgrammeFactory(municipality=municipality, name="Ons programma")
    client.force_login(make_user(Role.MANAGER))

    assert client.get(reverse("programme_detail", args=[ours.pk])).status_code == 200
    assert client.get(reverse("programme_detail", args=[theirs.pk])).status_code == 404
    listing = client.get(reverse("programme_list")).content.decode()
    assert ours.name in listing
    assert theirs.name not in listing


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.RESEARCHER])
def test_roles_without_programme_access_get_403(client, make_user, municipality, role):
    programme = ProgrammeFactory(municipality=municipality)
    client.force_login(make_user(role))
    assert client.get(reverse("programme_detail", args=[programme.pk])).status_code == 403
    assert client.get(reverse("programme_list")).status_code == 403


def test_programme_for_user_scopes_by_municipality_and_role(
    make_user, municipality, other_municipality
):
    ours = ProgrammeFactory(municipality=municipality)
    ProgrammeFactory(municipality=other_municipality)
    assert list(Programme.objects.for_user(make_user(Role.CONSULTANT))) == [ours]
    assert not Programme.objects.for_user(make_user(Role.RESEARCHER)).exists()
    assert not Programme.objects.for_user(make_user(Role.EMPLOYER)).exists()


def test_programme_page_shows_phase_goals_and_activities(client, make_user, municipality):
    programme = ProgrammeFactory(municipality=municipality, phase="execution")
    programme.goals.create(metric="in_work_3m", target=48)
    ProgrammeActivityFactory(programme=programme, what="Selectie op ontwikkelpotentie")
    client.force_login(make_user(Role.CONSULTANT))
    page = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "Uitvoering" in page
    assert "Aan het werk na 3 maanden (%)" in page
    assert "Selectie op ontwikkelpotentie" in page


def test_programme_pages_have_a_bounded_number_of_queries(
    client, make_user, municipality, django_assert_max_num_queries
):
    client.force_login(make_user(Role.MANAGER))
    for _ in range(3):
        programme = ProgrammeFactory(municipality=municipality)
        ProgrammeActivityFactory.create_batch(4, programme=programme)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("programme_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("programme_detail", args=[programme.pk])).status_code == 200
    for _ in range(20):
        ProgrammeActivityFactory(programme=programme)
        ProgrammeFactory(municipality=municipality)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("programme_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("programme_detail", args=[programme.pk])).status_code == 200
