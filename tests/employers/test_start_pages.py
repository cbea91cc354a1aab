import pytest
from django.urls import reverse

from employers.selectors import employer_of
from tests.employers.factories import EmployerFactory, OpportunityFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def test_employer_sees_only_their_own_opportunities(client, make_user, municipality):
    user = make_user(Role.EMPLOYER)
    ours = OpportunityFactory(employer=employer_of(user), title="Leerwerkplaats magazijn")
    other_employer = OpportunityFactory(
        employer=EmployerFactory(municipality=municipality), title="Vacature van de buren"
    )
    client.force_login(user)
    page = client.get(reverse("employers:opportunity_list")).content.decode()
    assert ours.title in page
    assert other_employer.title not in page
    assert "Onze kansen" in page


def test_employer_has_no_access_to_the_employer_list(client, make_user):
    client.force_login(make_user(Role.EMPLOYER))
    assert client.get(reverse("employers:employer_list")).status_code == 403


def test_wsp_sees_employers_of_their_own_municipality(
    client, make_user, municipality, other_municipality
):
    ours = EmployerFactory(municipality=municipality)
    theirs = EmployerFactory(municipality=other_municipality)
    client.force_login(make_user(Role.WSP))
    page = client.get(reverse("employers:employer_list")).content.decode()
    assert ours.name in page
    assert theirs.name not in page


def test_researchers_get_403_on_employer_pages(client, make_user):
    client.force_login(make_user(Role.RESEARCHER))
    assert client.get(reverse("employers:employer_list")).status_code == 403
    assert client.get(reverse("employers:opportunity_list")).status_code == 403


def test_employer_pages_have_a_fixed_number_of_queries(
    client, make_user, municipality, django_assert_max_num_queries
):
    client.force_login(make_user(Role.WSP))
    for _ in range(2):
        OpportunityFactory(employer=EmployerFactory(municipality=municipality))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("employers:employer_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        response = client.get(reverse("employers:opportunity_list"))
    assert response.status_code == 200
    for _ in range(30):
        OpportunityFactory(employer=EmployerFactory(municipality=municipality))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("employers:employer_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        response = client.get(reverse("employers:opportunity_list"))
    assert response.status_code == 200
