import datetime

import pytest
from django.urls import reverse

from evaluation.research.models import ResearchProject
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory, ProgrammeGoalFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def test_dashboard_counts_participants_of_the_municipality_by_status(
    client, make_user, municipality, other_municipality
):
    ParticipantFactory.create_batch(3, municipality=municipality, status="placed")
    ParticipantFactory.create_batch(5, municipality=other_municipality, status="placed")
    client.force_login(make_user(Role.MANAGER))
    response = client.get(reverse("evaluation:dashboard"))
    placed = dict((status.value, total) for status, total in response.context["status_counts"])
    assert placed["placed"] == 3
    assert placed["registered"] == 0


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.EMPLOYER, Role.RESEARCHER, Role.WSP])
def test_dashboard_is_for_managers(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("evaluation:dashboard")).status_code == 403


def test_dashboard_query_count_does_not_grow(
    client, make_user, municipality, django_assert_max_num_queries
):
    # Savings are computed per programme (a handful per municipality); participants,
    # sessions and follow-ups must never add queries.
    client.force_login(make_user(Role.MANAGER))
    ProgrammeGoalFactory(programme=ProgrammeFactory(municipality=municipality))
    with django_assert_max_num_queries(40) as few:
        response = client.get(reverse("evaluation:dashboard"))
    assert response.status_code == 200
    ParticipantFactory.create_batch(30, municipality=municipality)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("evaluation:dashboard"))
    assert response.status_code == 200


def test_researcher_sees_only_their_own_research_projects(client, make_user, municipality):
    researcher = make_user(Role.RESEARCHER)
    programme = ProgrammeFactory(municipality=municipality)
    mine = ResearchProject.objects.create(
        municipality=municipality,
        name="Evaluatie VAK",
        institution="ROA",
        agreement_reference="ROA-1",
        valid_until=datetime.date(2028, 1, 1),
    )
    mine.programmes.add(programme)
    mine.researchers.add(researcher)
    ResearchProject.objects.create(
        municipality=municipality,
        name="Ander onderzoek",
        institution="UvA",
        agreement_reference="UVA-2",
        valid_until=datetime.date(2028, 1, 1),
    )
    client.force_login(researcher)
    page = client.get(reverse("evaluation:research_projects")).content.decode()
    assert "Evaluatie VAK" in page
    assert "Ander onderzoek" not in page
