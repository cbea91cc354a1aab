"""The caseload's three counters (consultants/caseload_selectors.task_counts) count what
the task list lists, at the edges of each window, for each consultant's own scope, and
the appointments' window moves with the clock although its SQL is compiled once."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from consultants import caseload_selectors as selectors
from consultants.models import CoachingSession
from participants.models import OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import prepared
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_shapes():
    prepared.clear()
    yield
    prepared.clear()


def world(consultant, municipality, prefix):
    """Tasks just inside and just outside each window, for one consultant."""
    today = NOW.date()
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality))
    people = [
        ParticipantFactory(municipality=municipality, consultant=consultant,
                           status="in_programme", last_name=f"{prefix} {n}")
        for n in range(4)
    ]  # fmt: skip
    for person, due in zip(people, (today + 14 * DAY, today + 15 * DAY), strict=False):
        OutcomeMeasurement.objects.create(participant=person, cohort=cohort, follow_up=3,
                                          due_on=due)  # fmt: skip
    # Appointments an hour ago, in an hour, in 13 and in 15 days; the sessions 29, 31, 31
    # and 40 days ago (the last three count as no contact for 30 days).
    for person, (held, appointment) in zip(
        people,
        ((29, -datetime.timedelta(hours=1)), (31, datetime.timedelta(hours=1)),
         (31, 13 * DAY), (40, 15 * DAY)),
        strict=True,
    ):  # fmt: skip
        CoachingSession.objects.create(
            participant=person, consultant=consultant, held_on=today - held * DAY, minutes=30,
            next_appointment=NOW + appointment,
        )  # fmt: skip
    return people


def listed(user):
    tasks = selectors.task_list(user)
    return {
        "follow_ups": len(tasks.follow_ups),
        "appointments": len(tasks.appointments),
        "without_contact": len(tasks.without_contact),
    }


def test_the_counters_count_what_the_task_list_lists(make_user, municipality, other_municipality):
    consultant, colleague = make_user(Role.CONSULTANT), make_user(Role.CONSULTANT)
    elsewhere = make_user(Role.CONSULTANT, municipality=other_municipality)
    with time_machine.travel(NOW, tick=False):
        world(consultant, municipality, "Eigen")
        world(colleague, municipality, "Collega")
        world(elsewhere, other_municipality, "Elders")
        expected = {"follow_ups": 1, "appointments": 2, "without_contact": 3}
        for user in (consultant, colleague, elsewhere):
            assert selectors.task_counts(user) == expected == listed(user)
        # A colleague's participant with one more task is not counted for the consultant.
        ParticipantFactory(municipality=municipality, consultant=colleague, status="in_programme")
        assert selectors.task_counts(colleague)["without_contact"] == 4
        assert selectors.task_counts(consultant) == expected
        manager = make_user(Role.MANAGER)
        assert selectors.task_counts(manager) == {
            "follow_ups": 2, "appointments": 4, "without_contact": 7,
        } == listed(manager)  # fmt: skip
        # A researcher has no participants, so no tasks.
        assert selectors.task_counts(make_user(Role.RESEARCHER)) == dict.fromkeys(expected, 0)


def test_the_appointments_window_moves_with_the_clock(make_user, municipality):
    consultant = make_user(Role.CONSULTANT)
    with time_machine.travel(NOW, tick=False):
        world(consultant, municipality, "Eigen")
        assert selectors.task_counts(consultant)["appointments"] == 2
    # Two hours later the appointment of the coming hour has passed: the same day's
    # compiled count gets the new window.
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        assert timezone.localdate() == NOW.date()
        assert (
            selectors.task_counts(consultant)["appointments"]
            == 1
            == listed(consultant)["appointments"]
        )
