"""Issue 16, found 2 / build 2: selection on development potential, and found 6 / build 6
(first half): a group's meetings lie within its period."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultants import caseload_selectors
from participants import services
from participants.models import CohortMeeting, Intake, Status, StatusChange
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

REFUSED_WITHOUT_INTAKE = (
    "Leg eerst de intake met het ontwikkelpotentie vast voordat u deze deelnemer selecteert."
)
REFUSED_WITHOUT_MOTIVATION = (
    "Schrijf eerst in de intake uw motivatie om deze deelnemer te selecteren."
)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT, first_name="Karin", last_name="Coach")


@pytest.fixture
def at_intake(consultant, municipality):
    participant = ParticipantFactory(
        municipality=municipality, consultant=consultant, last_name="Intakefase"
    )
    services.change_status(consultant, participant, Status.INTAKE)
    return participant


def intake(consultant, participant, potential="high", motivation="Leert snel, wil de zorg in."):
    return services.record_intake(
        consultant,
        participant,
        rung=3,
        held_on=datetime.date(2026, 2, 3),
        development_potential=potential,
        selection_motivation=motivation,
    )


def select(client, participant):
    url = reverse("participants:status", args=[participant.pk])
    response = client.post(url, {"status": "selected"}, follow=True)
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


# Found 2: "selected" without any intake


def test_the_service_refuses_selection_without_an_intake(consultant, at_intake):
    with pytest.raises(ValidationError) as error:
        services.change_status(consultant, at_intake, Status.SELECTED)
    assert error.value.messages == [REFUSED_WITHOUT_INTAKE]
    at_intake.refresh_from_db()
    assert at_intake.status == Status.INTAKE
    assert not StatusChange.objects.filter(participant=at_intake, to_status="selected").exists()


def test_the_service_refuses_selection_without_the_consultants_motivation(consultant, at_intake):
    intake(consultant, at_intake, motivation="  ")
    with pytest.raises(ValidationError) as error:
        services.change_status(consultant, at_intake, Status.SELECTED)
    assert error.value.messages == [REFUSED_WITHOUT_MOTIVATION]


def test_the_status_form_shows_why_selection_is_refused_and_then_selects(
    client, consultant, at_intake
):
    client.force_login(consultant)
    detail = client.get(reverse("participants:detail", args=[at_intake.pk])).content.decode()
    assert "Selecteren kan pas na een vastgelegde intake" in detail

    assert select(client, at_intake) == [REFUSED_WITHOUT_INTAKE]
    at_intake.refresh_from_db()
    assert at_intake.status == Status.INTAKE

    # The intake form asks for the motivation; with it, selection goes through.
    url = reverse("participants:intake", args=[at_intake.pk])
    assert "Motivatie voor selectie" in client.get(url).content.decode()
    filled = {"held_on": "2026-02-03", "development_potential": "medium", "rung": "3",
              "selection_motivation": "Gemotiveerd, leerbaar."}  # fmt: skip
    response = client.post(url, filled, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["De intake is opgeslagen."]
    assert select(client, at_intake) == ["De status is gewijzigd."]
    at_intake.refresh_from_db()
    assert at_intake.status == Status.SELECTED
    detail = client.get(reverse("participants:detail", args=[at_intake.pk])).content.decode()
    assert "Gemotiveerd, leerbaar." in detail


def test_not_selected_needs_no_motivation(consultant, at_intake):
    # Only selection is on potential; turning someone down or a drop-out is always allowed.
    services.change_status(consultant, at_intake, Status.NOT_SELECTED)
    at_intake.refresh_from_db()
    assert at_intake.status == Status.NOT_SELECTED


def test_selection_is_scoped(client, make_user, other_municipality, at_intake, consultant):
    intake(consultant, at_intake)
    url = reverse("participants:status", args=[at_intake.pk])
    client.force_login(make_user(Role.CONSULTANT, municipality=other_municipality))
    assert client.post(url, {"status": "selected"}).status_code == 404
    client.force_login(make_user(Role.RESEARCHER))
    assert client.post(url, {"status": "selected"}).status_code == 403
    at_intake.refresh_from_db()
    assert at_intake.status == Status.INTAKE


# Build 2: potential as a filter, a column and a sort


@pytest.fixture
def three_potentials(consultant, municipality):
    people = {}
    for name, potential in (("Hoog", "high"), ("Laag", "low"), ("Midden", "medium"),
                            ("Zonder", None)):  # fmt: skip
        participant = ParticipantFactory(
            municipality=municipality, consultant=consultant, last_name=name
        )
        if potential:
            services.change_status(consultant, participant, Status.INTAKE)
            intake(consultant, participant, potential)
        people[name] = participant
    return people


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.MANAGER])
def test_caseload_and_participant_list_filter_sort_and_show_potential(
    client, make_user, consultant, three_potentials, role
):
    user = consultant if role == Role.CONSULTANT else make_user(Role.MANAGER)
    client.force_login(user)
    url = reverse("participants:caseload")

    def names(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [p.last_name for p in response.context["page"]], response.content.decode()

    shown, page = names(sort="-potential")
    assert shown == ["Hoog", "Midden", "Laag", "Zonder"]
    assert "Ontwikkelpotentie" in page
    assert 'data-testid="potential">Hoog</td>' in page
    assert 'data-testid="potential">—</td>' in page
    assert names(sort="potential")[0] == ["Laag", "Midden", "Hoog", "Zonder"]
    assert names(potential="medium")[0] == ["Midden"]
    assert names(potential="none")[0] == ["Zonder"]
    # Odd input is ignored, never a 500.
    assert names(potential="enorm", sort="x")[0] == ["Hoog", "Laag", "Midden", "Zonder"]


def test_the_caseload_costs_the_same_queries_with_potentials(
    client, consultant, municipality, three_potentials, django_assert_max_num_queries
):
    client.force_login(consultant)
    url = reverse("participants:caseload")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"sort": "-potential"})
    assert response.status_code == 200
    for number in range(30):
        participant = ParticipantFactory(municipality=municipality, consultant=consultant)
        potential = ("low", "medium", "high")[number % 3]
        Intake.objects.create(participant=participant, held_on=datetime.date(2026, 2, 3),
                              development_potential=potential)  # fmt: skip
    with django_assert_max_num_queries(12):
        response = client.get(url, {"sort": "-potential"})
    assert len(response.context["page"]) == 25


# Build 2: the dashboard's funnel shows the selected by potential


def test_the_funnel_shows_the_selected_by_potential(client, make_user, municipality):
    programme = ProgrammeFactory(municipality=municipality)
    consultant = make_user(Role.CONSULTANT)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)):
        for potential in ("high", "high", "low", None):
            participant = ParticipantFactory(
                municipality=municipality, programme=programme, consultant=consultant,
                enrolled_on=datetime.date(2026, 2, 2),
            )  # fmt: skip
            services.change_status(consultant, participant, Status.INTAKE)
            if potential:
                intake(consultant, participant, potential)
                services.change_status(consultant, participant, Status.SELECTED)
                if potential == "low":
                    services.change_status(consultant, participant, Status.DROPPED_OUT)
    client.force_login(make_user(Role.MANAGER))
    with time_machine.travel(datetime.datetime(2026, 3, 3, 12, tzinfo=datetime.UTC)):
        response = client.get(reverse("evaluation:dashboard"), {"programme": programme.pk})
    figures = response.context["figures"]
    selected = next(stage for stage in figures.funnel if stage.status == "selected")
    # A drop-out after selection still counts for the stage, and for its potential.
    assert selected.count == 3
    assert [(value, count) for value, _label, count in selected.breakdown] == [
        ("high", 2), ("medium", 0), ("low", 1),
    ]  # fmt: skip
    page = response.content.decode()
    assert "Geselecteerd naar ontwikkelpotentie: hoog 2 · gemiddeld 0 · laag 1" in page


# Found 6 / build 6: meetings within the group's period


@pytest.fixture
def group(consultant, municipality):
    cohort = CohortFactory(
        programme=ProgrammeFactory(municipality=municipality),
        start_date=datetime.date(2026, 2, 2),
        end_date=datetime.date(2026, 4, 24),
    )
    cohort.trainers.add(consultant)
    return cohort


@pytest.mark.parametrize("day", ["2025-02-09", "2026-02-01", "2026-04-25"])
def test_a_meeting_outside_the_groups_period_is_refused(client, consultant, group, day):
    client.force_login(consultant)
    url = reverse("participants:meeting_create", args=[group.pk])
    response = client.post(url, {"held_on": day, "topic": "Kennismaking"}, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "De bijeenkomst moet binnen de looptijd van de groep vallen "
        "(2 februari 2026 – 24 april 2026)."
    ]
    assert not CohortMeeting.objects.filter(cohort=group).exists()
    with pytest.raises(ValidationError):
        services.add_meeting(consultant, group, held_on=datetime.date.fromisoformat(day),
                             topic="Kennismaking")  # fmt: skip
    assert not CohortMeeting.objects.filter(cohort=group).exists()


@pytest.mark.parametrize("day", ["2026-02-02", "2026-04-24"])
def test_a_meeting_on_the_groups_first_or_last_day_is_accepted(client, consultant, group, day):
    client.force_login(consultant)
    url = reverse("participants:meeting_create", args=[group.pk])
    response = client.post(url, {"held_on": day, "topic": "Kennismaking"})
    meeting = CohortMeeting.objects.get(cohort=group)
    assert response.url == reverse("participants:meeting_attendance", args=[meeting.pk])


def test_a_groups_dates_cannot_leave_its_meetings_outside(client, consultant, group):
    services.add_meeting(consultant, group, held_on=datetime.date(2026, 4, 20), topic="Slot")
    client.force_login(consultant)
    url = reverse("participants:cohort_edit", args=[group.pk])
    response = client.post(url, {
        "programme": group.programme_id, "name": group.name, "start_date": "2026-02-02",
        "end_date": "2026-04-10", "capacity": 10, "trainers": [consultant.pk],
    })  # fmt: skip
    assert response.status_code == 200
    assert "Deze groep heeft bijeenkomsten buiten deze data" in response.content.decode()
    group.refresh_from_db()
    assert group.end_date == datetime.date(2026, 4, 24)
    with pytest.raises(ValidationError):
        services.update_cohort(consultant, group, end_date=datetime.date(2026, 4, 10))


def test_another_municipalitys_consultant_cannot_add_a_meeting(
    client, make_user, other_municipality, group
):
    client.force_login(make_user(Role.CONSULTANT, municipality=other_municipality))
    url = reverse("participants:meeting_create", args=[group.pk])
    assert client.post(url, {"held_on": "2026-03-02", "topic": "X"}).status_code == 404
    client.force_login(make_user(Role.RESEARCHER))
    assert client.post(url, {"held_on": "2026-03-02", "topic": "X"}).status_code == 403
    assert not CohortMeeting.objects.exists()


def test_caseload_selector_filters_on_potential(consultant, three_potentials):
    # The selector the page uses, called directly.
    found = caseload_selectors.caseload(consultant, potential="high")
    assert [p.last_name for p in found] == ["Hoog"]
