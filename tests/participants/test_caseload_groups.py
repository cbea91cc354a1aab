"""Issue 16, found 6 / build 6 (second half): the caseload of a consultant who also trains
groups listed every group member (40 instead of the 7 they coach) and hid whose they are."""

import datetime

import pytest
from django.urls import reverse

from consultants import caseload_selectors
from consultants.models import CoachingSession
from participants.models import Enrolment, OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def trainer(make_user):
    return make_user(Role.CONSULTANT, first_name="Tineke", last_name="Trainer")


@pytest.fixture
def colleague(make_user):
    return make_user(Role.CONSULTANT, first_name="Cor", last_name="Collega")


@pytest.fixture
def groups(trainer, colleague, municipality):
    """The issue's case: the trainer coaches 7 participants (2 of them in their own
    group) and trains two groups of 20, whose other 38 members a colleague coaches."""
    programme = ProgrammeFactory(municipality=municipality)
    first, second = (
        CohortFactory(programme=programme, name=f"Groep {n}", capacity=20) for n in (1, 2)
    )
    for cohort in (first, second):
        cohort.trainers.add(trainer)
    own = [
        ParticipantFactory(municipality=municipality, consultant=trainer, last_name=f"Eigen {n}")
        for n in range(7)
    ]
    theirs = [
        ParticipantFactory(municipality=municipality, consultant=colleague,
                           last_name=f"Groepslid {n:02}")
        for n in range(38)
    ]  # fmt: skip
    members = own[:2] + theirs
    Enrolment.objects.bulk_create(
        Enrolment(cohort=(first, second)[index % 2], participant=person, enrolled_on=TODAY)
        for index, person in enumerate(members)
    )
    return {"own": own, "theirs": theirs, "members": members}


def test_the_caseload_lists_the_consultants_own_participants_by_default(client, trainer, groups):
    client.force_login(trainer)
    response = client.get(reverse("participants:caseload"))
    names = {p.last_name for p in response.context["page"]}
    # Before the fix: 43 (everyone the trainer may see), the first 25 on the page.
    assert response.context["page"].paginator.count == 7
    assert names == {p.last_name for p in groups["own"]}
    page = response.content.decode()
    assert 'data-testid="section-own"' in page
    assert "Mijn deelnemers" in page and "Deelnemers van mijn groepen" in page
    assert response.context["sections"] == {"own": 7, "groups": 40}


def test_the_groups_section_lists_every_member_and_names_their_consultant(client, trainer, groups):
    client.force_login(trainer)
    response = client.get(reverse("participants:caseload"), {"members": "groups", "page": 2})
    assert response.context["page"].paginator.count == 40
    page = response.content.decode()
    assert 'data-testid="consultant">Cor Collega</td>' in page
    first = client.get(reverse("participants:caseload"), {"members": "groups"})
    html = first.content.decode()
    assert 'data-testid="consultant">Tineke Trainer</td>' in html  # Eigen 0 and 1
    assert "Deelnemers van mijn groepen" in html
    # A filter works within the section.
    chosen = client.get(
        reverse("participants:caseload"), {"members": "groups", "q": "Groepslid 01"}
    )
    assert [p.last_name for p in chosen.context["page"]] == ["Groepslid 01"]


def test_a_consultant_without_groups_sees_no_sections(client, colleague, groups):
    client.force_login(colleague)
    response = client.get(reverse("participants:caseload"))
    assert response.context["page"].paginator.count == 38
    assert 'data-testid="caseload-sections"' not in response.content.decode()
    # Asking for group members they do not train gives nobody, never someone else's.
    response = client.get(reverse("participants:caseload"), {"members": "groups"})
    assert response.context["page"].paginator.count == 0


def test_a_manager_still_sees_the_whole_municipality(client, make_user, groups):
    client.force_login(make_user(Role.MANAGER))
    response = client.get(reverse("participants:caseload"), {"members": "groups"})
    assert response.context["page"].paginator.count == 45
    assert response.context["sections"] is None


def test_counters_and_task_list_count_the_own_participants(client, trainer, colleague, groups):
    # A follow-up due for one own participant and for one member coached by the colleague.
    cohort = groups["members"][0].enrolments.get().cohort
    for person in (groups["own"][0], groups["theirs"][0]):
        OutcomeMeasurement.objects.create(participant=person, cohort=cohort, follow_up=3,
                                          due_on=TODAY)  # fmt: skip
    CoachingSession.objects.create(consultant=colleague, participant=groups["theirs"][1],
                                   held_on=TODAY, minutes=45)  # fmt: skip
    counts = caseload_selectors.task_counts(trainer, today=TODAY)
    assert counts["follow_ups"] == 1
    assert counts["without_contact"] == 7
    tasks = caseload_selectors.task_list(trainer, today=TODAY)
    assert [o.participant for o in tasks.follow_ups] == [groups["own"][0]]
    assert {p.pk for p in tasks.without_contact} == {p.pk for p in groups["own"]}
    client.force_login(trainer)
    page = client.get(reverse("participants:caseload")).content.decode()
    assert 'data-testid="follow-ups-due">1<' in page


def test_another_municipalitys_consultant_and_a_researcher_see_none_of_it(
    client, make_user, other_municipality, groups
):
    url = reverse("participants:caseload")
    client.force_login(make_user(Role.CONSULTANT, municipality=other_municipality))
    for members in ("own", "groups"):
        response = client.get(url, {"members": members})
        assert response.context["page"].paginator.count == 0
    member = groups["theirs"][0]
    assert client.get(reverse("participants:detail", args=[member.pk])).status_code == 404
    client.force_login(make_user(Role.RESEARCHER))
    assert client.get(url, {"members": "groups"}).status_code == 403


def test_both_sections_cost_a_bounded_number_of_queries(
    client, trainer, municipality, groups, django_assert_max_num_queries
):
    client.force_login(trainer)
    url = reverse("participants:caseload")
    for members in ("own", "groups"):
        with django_assert_max_num_queries(12):
            response = client.get(url, {"members": members})
        assert response.status_code == 200
    # Twice as many group members: the same number of queries.
    cohort = groups["members"][0].enrolments.get().cohort
    cohort.capacity = 100
    cohort.save()
    for n in range(40):
        person = ParticipantFactory(municipality=municipality, last_name=f"Extra {n}")
        Enrolment.objects.create(cohort=cohort, participant=person, enrolled_on=TODAY)
    for members in ("own", "groups"):
        with django_assert_max_num_queries(12):
            response = client.get(url, {"members": members})
    assert response.context["page"].paginator.count == 80
