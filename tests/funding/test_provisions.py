"""The provisions register: provisions follow from what consultants record, never twice;
hand-added ones are checked in Dutch; overlaps are shown; the page is scoped."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from funding.provisions import services
from funding.provisions.models import Provision, ProvisionKind, Source
from participants.models import Enrolment, Training
from tests.funding.srg_fixtures import learning_place_placement, recorded_work
from tests.participants.factories import ParticipantFactory
from vakwerk.idempotency import new_key
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def people(municipality, consultant):
    return recorded_work(municipality, consultant)


def kinds_of(participant):
    return sorted(
        Provision.objects.filter(participant=participant).values_list("kind__key", flat=True)
    )


def test_recorded_work_becomes_provisions_without_entering_them(people):
    first, second, third, _fourth = people
    assert kinds_of(first) == ["training", "trajectory"]
    assert kinds_of(second) == ["trajectory", "work_experience"]
    assert kinds_of(third) == ["trajectory"]
    trajectory = Provision.objects.get(participant=third, kind__key="trajectory")
    # Enrolled before the group started: the provision runs with the group.
    assert (trajectory.start_date, trajectory.end_date) == (
        datetime.date(2026, 2, 2),
        datetime.date(2026, 4, 24),
    )
    assert trajectory.source == Source.ENROLMENT


def test_syncing_again_makes_no_second_row(people):
    before = Provision.objects.count()
    for person in people:
        services.sync_provisions(person)
        services.sync_provisions(person)
    services.sync_municipality(people[0].municipality)
    assert Provision.objects.count() == before


def test_a_changed_training_changes_its_provision_and_a_deleted_one_removes_it(people):
    training = Training.objects.get(participant=people[0])
    training.end_date = datetime.date(2026, 3, 27)
    training.save()
    provision = Provision.objects.get(source=Source.TRAINING, source_id=training.pk)
    assert provision.end_date == datetime.date(2026, 3, 27)
    training.delete()
    assert not Provision.objects.filter(source=Source.TRAINING).exists()


def test_moving_a_groups_dates_moves_its_members_trajectories(people):
    cohort = Enrolment.objects.get(participant=people[0]).cohort
    cohort.end_date = datetime.date(2026, 5, 29)
    cohort.save()
    ends = Provision.objects.filter(kind__key="trajectory").values_list("end_date", flat=True)
    assert set(ends) == {datetime.date(2026, 5, 29)}


def test_a_placement_on_a_vacancy_is_no_provision(people, municipality):
    from employers.models import Match, MatchStage, OpportunityKind, Placement
    from tests.employers.factories import EmployerFactory, OpportunityFactory

    person = people[2]
    opportunity = OpportunityFactory(
        employer=EmployerFactory(municipality=municipality), kind=OpportunityKind.VACANCY
    )
    match = Match.objects.create(
        participant=person, opportunity=opportunity, stage=MatchStage.HIRED
    )
    Placement.objects.create(
        match=match, start_date=datetime.date(2026, 5, 1), contract="permanent", hours_per_week=32
    )
    assert kinds_of(person) == ["trajectory"]


def test_deleting_a_participant_takes_their_provisions(people):
    person = people[1]
    person.delete()
    assert not Provision.objects.filter(participant_id=person.pk).exists()
    assert not Enrolment.objects.filter(participant_id=person.pk).exists()


def _page(person):
    return reverse("provisions:participant", args=[person.pk])


def _form(kind, start="2026-03-01", end="", percentage="", amount=""):
    return {
        "kind": ProvisionKind.objects.get(key=kind).pk,
        "start_date": start,
        "end_date": end,
        "wage_subsidy_percentage": percentage,
        "wage_subsidy_amount": amount,
    }


def test_consultant_adds_a_wage_cost_subsidy_by_hand_once(people, consultant, login):
    client = login(consultant)
    assert client.get(_page(people[2])).status_code == 200
    data = {**_form("wage_subsidy", percentage="45"), "one_time_key": new_key(consultant)}
    first = client.post(_page(people[2]), data)
    second = client.post(_page(people[2]), data)
    assert first.status_code == second.status_code == 302
    rows = Provision.objects.filter(participant=people[2], source=Source.MANUAL)
    assert [(row.kind.key, row.wage_subsidy_percentage) for row in rows] == [("wage_subsidy", 45)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "jobcoaching", "start": "2026-03-10", "end": "2026-03-01"},
            "De einddatum ligt vóór de begindatum.",
        ),
        (
            {"kind": "wage_subsidy", "start": "2026-03-10"},
            "Een loonkostensubsidie heeft een percentage of een bedrag per maand nodig.",
        ),
        (
            {"kind": "jobcoaching", "start": "2026-03-10", "percentage": "50"},
            "Een percentage of bedrag hoort alleen bij een loonkostensubsidie.",
        ),
        (
            {"kind": "wage_subsidy", "start": "2026-03-10", "percentage": "140"},
            "100",
        ),
        (
            {"kind": "jobcoaching", "start": "31-02-2026"},
            "geldige datum",
        ),
    ],
)
def test_a_wrong_hand_added_provision_gets_a_dutch_error(people, consultant, login, data, message):
    client = login(consultant)
    with translation.override("nl"):
        response = client.post(
            _page(people[3]),
            _form(
                data["kind"],
                start=data["start"],
                end=data.get("end", ""),
                percentage=data.get("percentage", ""),
            ),
            HTTP_ACCEPT_LANGUAGE="nl",
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Provision.objects.filter(participant=people[3], source=Source.MANUAL).exists()


def test_an_overlap_of_the_same_kind_is_shown_to_the_consultant(people, consultant, login):
    person = people[1]
    # A second learning/work place while the first one still runs.
    learning_place_placement(person, datetime.date(2026, 4, 1))
    response = login(consultant).get(_page(person), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    warnings = response.context["warnings"]
    assert len(warnings) == 1
    assert "overlapt" in response.content.decode()
    detail = login(consultant).get(reverse("participants:detail", args=[person.pk]))
    assert detail.context["provision_warning_count"] == 1


def test_provisions_that_follow_on_are_shown_as_one_broken_in_two(people, consultant, login):
    person = people[3]
    services.add_provision(
        consultant,
        person,
        kind=ProvisionKind.objects.get(key="jobcoaching"),
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 3, 31),
    )
    services.add_provision(
        consultant,
        person,
        kind=ProvisionKind.objects.get(key="jobcoaching"),
        start_date=datetime.date(2026, 4, 1),
    )
    response = login(consultant).get(_page(person))
    assert [w.provision.start_date for w in response.context["warnings"]] == [
        datetime.date(2026, 4, 1)
    ]


def test_a_derived_provision_is_changed_where_it_was_recorded(people, consultant, login):
    provision = Provision.objects.get(participant=people[0], kind__key="trajectory")
    response = login(consultant).get(reverse("provisions:edit", args=[provision.pk]))
    assert response.status_code == 302


def test_a_hand_added_provision_can_be_corrected(people, consultant, login):
    provision = services.add_provision(
        consultant,
        people[3],
        kind=ProvisionKind.objects.get(key="jobcoaching"),
        start_date=datetime.date(2026, 3, 1),
    )
    url = reverse("provisions:edit", args=[provision.pk])
    response = login(consultant).post(url, _form("jobcoaching", end="2026-03-31"))
    assert response.status_code == 302
    provision.refresh_from_db()
    assert provision.end_date == datetime.date(2026, 3, 31)


@pytest.mark.parametrize("role", [Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_other_roles_are_refused(people, make_user, login, role):
    response = login(make_user(role)).get(_page(people[0]))
    assert response.status_code == 403


def test_another_consultant_or_municipality_gets_404(people, make_user, other_municipality, login):
    other_consultant = make_user(Role.CONSULTANT)
    assert login(other_consultant).get(_page(people[0])).status_code == 404
    for role in (Role.CONSULTANT, Role.MANAGER, Role.ADMIN):
        elsewhere = make_user(role, municipality=other_municipality)
        assert login(elsewhere).get(_page(people[0])).status_code == 404
    provision = Provision.objects.filter(participant=people[0]).first()
    elsewhere = make_user(Role.MANAGER, municipality=other_municipality)
    assert login(elsewhere).get(reverse("provisions:edit", args=[provision.pk])).status_code == 404


def test_the_page_makes_as_many_queries_for_many_provisions_as_for_few(
    people, consultant, login, municipality
):
    client = login(consultant)

    def count(person):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_page(person))
        assert response.status_code == 200
        return len(queries)

    few = count(people[3])
    for day in range(1, 25):
        services.add_provision(
            consultant,
            people[2],
            kind=ProvisionKind.objects.get(key="other"),
            start_date=datetime.date(2026, 1, day),
            end_date=datetime.date(2026, 1, day),
        )
    assert count(people[2]) == few


def test_a_participant_in_another_municipality_has_its_own_provisions(people, other_municipality):
    stranger = ParticipantFactory(municipality=other_municipality)
    assert not Provision.objects.filter(participant=stranger).exists()
    assert set(
        Provision.objects.filter(participant__in=people).values_list("municipality_id", flat=True)
    ) == {people[0].municipality_id}
