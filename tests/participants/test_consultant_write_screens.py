"""The consultant's own write screens, through the test client, and the refusals of the
services behind them (issue 19, found 4)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from participants import services
from participants.models import Cohort, Intake, LadderMoment, LadderRung, Participant
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.bsn import bsn_from_number
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

# The screens' date bounds are counted from today: the clock is pinned.
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
BSN = bsn_from_number(123_456_78)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality)


@pytest.fixture
def participant(consultant, municipality, programme):
    return ParticipantFactory(
        municipality=municipality, consultant=consultant, programme=programme, last_name="Visser"
    )


@pytest.fixture
def signed_in(client, consultant):
    client.force_login(consultant)
    return client


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def registration(programme, consultant, **changes):
    return {
        "bsn": BSN,
        "first_name": "Fatima",
        "last_name": "El Amrani",
        "birth_date": "1988-09-14",
        "postcode": "8011 AB",
        "programme": programme.pk,
        "enrolled_on": "2026-02-16",
        "benefit_type": "bijstand",
        "benefit_start": "2025-06-01",
        "monthly_benefit": "1350,00",
        "consultant": consultant.pk,
        "consent_research": "on",
        **changes,
    }


# Registering a participant


def test_registering_a_participant_saves_them_and_shows_their_page(
    signed_in, consultant, programme, municipality
):
    response = signed_in.post(reverse("participants:create"), registration(programme, consultant))

    participant = Participant.objects.get(bsn=BSN)
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[participant.pk])
    assert shown_messages(response) == [f"{participant} is ingeschreven."]
    assert participant.municipality == municipality
    assert participant.consultant == consultant
    assert participant.programme == programme
    assert (participant.first_name, participant.last_name) == ("Fatima", "El Amrani")
    assert participant.birth_date == datetime.date(1988, 9, 14)
    assert participant.enrolled_on == datetime.date(2026, 2, 16)
    assert participant.monthly_benefit == Decimal("1350.00")
    assert participant.consent_research is True
    assert participant.status_changes.count() == 1


def test_a_bsn_typed_as_on_a_letter_is_registered_and_found(signed_in, consultant, programme):
    typed = f"{BSN[:4]} {BSN[4:6]} {BSN[6:]}"
    response = signed_in.post(
        reverse("participants:create"), registration(programme, consultant, bsn=typed)
    )

    assert response.status_code == 302
    assert Participant.objects.filter(bsn=BSN).count() == 1
    found = signed_in.post(
        reverse("participants:bsn_search"), {"bsn": f"{BSN[:3]}.{BSN[3:6]}.{BSN[6:]}"}
    )
    assert found.status_code == 302
    assert found["Location"] == reverse(
        "participants:detail", args=[Participant.objects.get(bsn=BSN).pk]
    )


def test_registering_a_known_bsn_again_gives_a_dutch_error_and_no_second_row(
    signed_in, consultant, programme
):
    signed_in.post(reverse("participants:create"), registration(programme, consultant))
    # A second registration of the same person, as a fresh form (a new submission key).
    again = registration(programme, consultant, first_name="F.")
    response = signed_in.post(reverse("participants:create"), again)

    assert response.status_code == 200
    assert response.context["form"].errors["bsn"] == [
        "Er is in uw gemeente al een deelnemer met dit BSN ingeschreven."
    ]
    assert "Er is in uw gemeente al een deelnemer met dit BSN ingeschreven." in (
        response.content.decode()
    )
    assert Participant.objects.filter(bsn=BSN).count() == 1
    assert Participant.objects.get(bsn=BSN).first_name == "Fatima"


# Editing, intake, ladder


def test_saving_edits_of_a_participant_changes_the_row(signed_in, consultant, participant):
    data = registration(
        participant.programme, consultant, bsn=participant.bsn, first_name="Sanne",
        last_name="Visser-de Boer", postcode="8012 CD",
    )  # fmt: skip
    response = signed_in.post(reverse("participants:edit", args=[participant.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[participant.pk])
    assert shown_messages(response) == ["De wijzigingen zijn opgeslagen."]
    participant.refresh_from_db()
    assert participant.last_name == "Visser-de Boer"
    assert participant.postcode == "8012 CD"
    assert Participant.objects.filter(bsn=participant.bsn).count() == 1


def test_recording_an_intake_saves_it_with_the_rung_at_intake(signed_in, consultant, participant):
    response = signed_in.post(
        reverse("participants:intake", args=[participant.pk]),
        {
            "held_on": "2026-02-20",
            "development_potential": "high",
            "knowledge": "MBO-2 logistiek",
            "notes": "Wil graag buiten werken.",
            "rung": "3",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[participant.pk])
    assert shown_messages(response) == ["De intake is opgeslagen."]
    intake = Intake.objects.get(participant=participant)
    assert intake.held_on == datetime.date(2026, 2, 20)
    assert intake.held_by == consultant
    assert intake.development_potential == "high"
    assert intake.knowledge == "MBO-2 logistiek"
    rung = LadderRung.objects.get(participant=participant, moment=LadderMoment.INTAKE)
    assert (rung.rung, rung.recorded_on) == (3, datetime.date(2026, 2, 20))


def test_recording_a_ladder_rung_adds_a_follow_up_rung(signed_in, consultant, participant):
    response = signed_in.post(
        reverse("participants:ladder", args=[participant.pk]),
        {"recorded_on": "2026-02-27", "rung": "4"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[participant.pk])
    assert shown_messages(response) == ["De participatieladder is bijgewerkt."]
    rung = LadderRung.objects.get(participant=participant)
    assert (rung.rung, rung.recorded_on, rung.moment) == (
        4, datetime.date(2026, 2, 27), LadderMoment.FOLLOW_UP,
    )  # fmt: skip
    assert rung.recorded_by == consultant


def test_creating_a_group_they_train_opens_its_page(signed_in, consultant, programme):
    response = signed_in.post(
        reverse("participants:cohort_create"),
        {
            "programme": programme.pk,
            "name": "Groep voorjaar",
            "start_date": "2026-03-09",
            "end_date": "2026-05-29",
            "capacity": "12",
            "trainers": [consultant.pk],
        },
    )

    cohort = Cohort.objects.get(name="Groep voorjaar")
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:cohort_detail", args=[cohort.pk])
    assert shown_messages(response) == ["De groep is opgeslagen."]
    assert cohort.programme == programme
    assert (cohort.start_date, cohort.end_date) == (
        datetime.date(2026, 3, 9), datetime.date(2026, 5, 29),
    )  # fmt: skip
    assert cohort.capacity == 12
    assert list(cohort.trainers.all()) == [consultant]


# The services' own refusals


@pytest.fixture
def outsider(make_user, other_municipality):
    return make_user(Role.CONSULTANT, municipality=other_municipality)


@pytest.fixture(params=["other municipality", Role.WSP, Role.RESEARCHER, Role.EMPLOYER])
def refused(request, make_user, outsider):
    """A consultant of another municipality, or someone of this one without an editor role."""
    if request.param == "other municipality":
        return outsider
    return make_user(request.param)


def test_registering_is_refused_to_non_editors(make_user, programme):
    for role in (Role.WSP, Role.RESEARCHER, Role.EMPLOYER):
        with pytest.raises(PermissionDenied):
            services.register_participant(
                make_user(role), bsn=BSN, first_name="Fatima", last_name="El Amrani",
                birth_date=datetime.date(1988, 9, 14), enrolled_on=datetime.date(2026, 2, 16),
                benefit_type="bijstand", benefit_start=datetime.date(2025, 6, 1),
            )  # fmt: skip
    assert not Participant.objects.filter(bsn=BSN).exists()


def test_editing_someone_elses_participant_is_refused(refused, participant):
    with pytest.raises(PermissionDenied):
        services.update_participant(refused, participant, last_name="Overschreven")
    participant.refresh_from_db()
    assert participant.last_name == "Visser"


def test_an_intake_for_someone_elses_participant_is_refused(refused, participant):
    with pytest.raises(PermissionDenied):
        services.record_intake(
            refused, participant, rung=3, held_on=datetime.date(2026, 2, 20),
            development_potential="high",
        )  # fmt: skip
    assert not Intake.objects.filter(participant=participant).exists()
    assert not LadderRung.objects.filter(participant=participant).exists()


def test_a_ladder_rung_for_someone_elses_participant_is_refused(refused, participant):
    with pytest.raises(PermissionDenied):
        services.record_ladder_rung(
            refused, participant, rung=4, recorded_on=datetime.date(2026, 2, 27)
        )
    assert not LadderRung.objects.filter(participant=participant).exists()


def test_a_group_in_someone_elses_programme_is_refused(refused, programme):
    with pytest.raises(PermissionDenied):
        services.create_cohort(
            refused, programme=programme, name="Groep voorjaar",
            start_date=datetime.date(2026, 3, 9), end_date=datetime.date(2026, 5, 29),
        )  # fmt: skip
    assert not Cohort.objects.filter(name="Groep voorjaar").exists()
