"""Issue 17, found 8: the follow-up form and the attendance register ask for less typing."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from participants import services
from participants.models import Attendance, OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def cohort(municipality, consultant):
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality))
    cohort.trainers.add(consultant)
    return cohort


def test_follow_up_form_prefills_measured_on_with_today(client, consultant, municipality, cohort):
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    outcome = OutcomeMeasurement.objects.create(
        participant=participant, cohort=cohort, follow_up=3, due_on=datetime.date(2026, 7, 24)
    )
    client.force_login(consultant)
    url = reverse("participants:outcome", args=[outcome.pk])
    with time_machine.travel(datetime.datetime(2026, 7, 28, 10, 0, tzinfo=datetime.UTC)):
        page = client.get(url).content.decode()
    field = re.search(r'<input[^>]*name="measured_on"[^>]*>', page).group(0)
    assert 'value="2026-07-28"' in field

    # A measurement already recorded keeps its own day.
    outcome.measured_on = datetime.date(2026, 7, 25)
    outcome.save()
    with time_machine.travel(datetime.datetime(2026, 7, 28, 10, 0, tzinfo=datetime.UTC)):
        page = client.get(url).content.decode()
    field = re.search(r'<input[^>]*name="measured_on"[^>]*>', page).group(0)
    assert 'value="2026-07-25"' in field


@pytest.fixture
def meeting(consultant, municipality, cohort):
    for first, last in [
        ("Zoë", "Aalders"),
        ("Bram", "Visser"),
        ("Anna", "Visser"),
        ("Nadia", "van Dijk"),
    ]:
        person = ParticipantFactory(
            municipality=municipality, consultant=consultant, first_name=first, last_name=last
        )
        services.enrol(consultant, cohort, person)
    return services.add_meeting(
        consultant, cohort, held_on=datetime.date(2026, 2, 9), topic="Kennismaking"
    )


def test_attendance_lists_people_by_last_name_then_first_name(client, consultant, meeting):
    client.force_login(consultant)
    page = client.get(reverse("participants:meeting_attendance", args=[meeting.pk]))
    labels = [label for _pk, label in page.context["form"].fields["present"].choices]
    # "van Dijk" is filed under D, its prefix behind the first name, as in a paper register.
    assert labels == ["Aalders, Zoë", "Dijk, Nadia van", "Visser, Anna", "Visser, Bram"]
    html = page.content.decode()
    # Before anything is recorded, the page says that nobody is ticked.
    assert "Nog niets vastgelegd voor deze bijeenkomst: niemand is aangevinkt." in html
    assert 'name="everyone_present"' in html


def test_everyone_present_records_the_whole_group_without_ticking(client, consultant, meeting):
    client.force_login(consultant)
    url = reverse("participants:meeting_attendance", args=[meeting.pk])
    response = client.post(url, {"everyone_present": "1"})
    assert response.status_code == 302
    assert Attendance.objects.filter(meeting=meeting).count() == 4
    assert not Attendance.objects.filter(meeting=meeting, present=False).exists()
    html = client.get(url).content.decode()
    assert "Vastgelegd: 4 van 4 aanwezig." in html
    assert "Iedereen was aanwezig." in html
    # Every box is ticked on the way back.
    assert html.count("checked") == 4


def test_attendance_page_states_who_was_absent(client, consultant, meeting):
    client.force_login(consultant)
    url = reverse("participants:meeting_attendance", args=[meeting.pk])
    form = client.get(url).context["form"]
    ids = {label: pk for pk, label in form.fields["present"].choices}
    client.post(url, {"present": [ids["Aalders, Zoë"], ids["Visser, Anna"]]})
    html = client.get(url).content.decode()
    assert "Vastgelegd: 2 van 4 aanwezig." in html
    assert "Afwezig: Dijk, Nadia van; Visser, Bram" in html
