import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from participants import services
from participants.models import (
    BenefitType,
    OutcomeMeasurement,
    Participant,
    Status,
    TargetGroup,
    benefit_label,
)
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def register(user, **overrides):
    fields = {
        "bsn": "111222333",
        "first_name": "Esra",
        "last_name": "Yilmaz",
        "birth_date": datetime.date(2002, 3, 1),
        "enrolled_on": datetime.date(2026, 2, 1),
        "benefit_type": BenefitType.BIJSTAND,
    }
    return services.register_participant(user, **{**fields, **overrides})


def test_registration_derives_the_target_group_from_age_at_enrolment(make_user):
    consultant = make_user(Role.CONSULTANT)
    young = register(consultant, birth_date=datetime.date(2002, 2, 2))  # 23 at enrolment
    worker = register(consultant, bsn="123456782", birth_date=datetime.date(2001, 2, 1))  # 25
    older = register(consultant, bsn="999999990", birth_date=datetime.date(1976, 2, 1))  # 50
    assert (young.target_group, worker.target_group, older.target_group) == (
        TargetGroup.YOUTH,
        TargetGroup.WORKERS,
        TargetGroup.OLDER,
    )
    assert young.consultant == consultant
    assert young.status_changes.get().to_status == Status.REGISTERED


def test_registration_refuses_an_invalid_or_duplicate_bsn(make_user):
    consultant = make_user(Role.CONSULTANT)
    with pytest.raises(ValidationError) as error:
        register(consultant, bsn="123456789")
    assert "bsn" in error.value.message_dict
    register(consultant)
    with pytest.raises(ValidationError):
        register(consultant)
    assert Participant.objects.count() == 1


def test_the_same_bsn_may_exist_in_another_municipality(make_user, other_municipality):
    register(make_user(Role.CONSULTANT))
    register(make_user(Role.CONSULTANT, municipality=other_municipality))
    assert Participant.objects.filter(bsn="111222333").count() == 2


def test_every_status_change_is_recorded_with_date_and_user(make_user, municipality):
    consultant = make_user(Role.CONSULTANT)
    participant = register(consultant)
    services.change_status(consultant, participant, Status.INTAKE)
    services.record_intake(
        consultant, participant, rung=3, held_on=datetime.date(2026, 2, 3),
        development_potential="medium", selection_motivation="Gemotiveerd en leerbaar.",
    )  # fmt: skip
    services.change_status(consultant, participant, Status.SELECTED, note="Goed gesprek")
    history = list(participant.status_changes.order_by("changed_at", "pk"))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("", "registered"),
        ("registered", "intake"),
        ("intake", "selected"),
    ]
    assert all(h.changed_by == consultant and h.changed_at for h in history)
    assert history[-1].note == "Goed gesprek"
    participant.refresh_from_db()
    assert participant.status == Status.SELECTED


def test_a_forbidden_transition_is_refused_with_a_clear_message(make_user):
    consultant = make_user(Role.CONSULTANT)
    participant = register(consultant)
    with pytest.raises(ValidationError) as error:
        services.change_status(consultant, participant, Status.PLACED)
    assert error.value.code == "invalid_transition"
    assert "Aangemeld" in error.value.messages[0]
    assert participant.status_changes.count() == 1


def test_other_roles_cannot_change_participants(make_user):
    participant = register(make_user(Role.CONSULTANT))
    for role in (Role.WSP, Role.EMPLOYER, Role.RESEARCHER, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            services.change_status(make_user(role), participant, Status.INTAKE)


def test_enrolment_past_capacity_is_refused(make_user, municipality):
    manager = make_user(Role.MANAGER)
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality), capacity=2)
    first, second, third = ParticipantFactory.create_batch(3, municipality=municipality)
    services.enrol(manager, cohort, first)
    services.enrol(manager, cohort, second)
    with pytest.raises(ValidationError) as error:
        services.enrol(manager, cohort, third)
    assert error.value.code == "cohort_full"
    assert "is vol" in error.value.messages[0]
    assert cohort.enrolments.count() == 2


def test_capacity_defaults_to_ten(municipality):
    from participants.models import Cohort

    cohort = Cohort.objects.create(
        programme=ProgrammeFactory(municipality=municipality),
        name="Groep A",
        start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2026, 3, 27),
    )
    assert cohort.capacity == 10


def test_follow_ups_are_due_3_6_12_and_18_months_after_the_group_ends(make_user, municipality):
    manager = make_user(Role.MANAGER)
    cohort = CohortFactory(
        programme=ProgrammeFactory(municipality=municipality),
        start_date=datetime.date(2025, 11, 3),
        end_date=datetime.date(2026, 1, 31),
    )
    participant = ParticipantFactory(municipality=municipality)
    services.enrol(manager, cohort, participant)
    due = dict(
        OutcomeMeasurement.objects.filter(participant=participant).values_list(
            "follow_up", "due_on"
        )
    )
    assert due == {
        3: datetime.date(2026, 4, 30),
        6: datetime.date(2026, 7, 31),
        12: datetime.date(2027, 1, 31),
        18: datetime.date(2027, 7, 31),
    }
    services.update_cohort(manager, cohort, end_date=datetime.date(2026, 2, 28))
    assert OutcomeMeasurement.objects.get(participant=participant, follow_up=3).due_on == (
        datetime.date(2026, 5, 28)
    )


def test_outcome_needs_a_reason_when_the_benefit_ended(make_user, municipality):
    manager = make_user(Role.MANAGER)
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality))
    participant = ParticipantFactory(municipality=municipality)
    services.enrol(manager, cohort, participant)
    outcome = OutcomeMeasurement.objects.get(participant=participant, follow_up=6)
    fields = {
        "measured_on": datetime.date(2026, 10, 30),
        "employment": "full_time",
        "hours_per_week": 36,
        "benefit_status": "none",
        "source": "participant",
    }
    with pytest.raises(ValidationError):
        services.record_outcome(manager, outcome, **fields)
    services.record_outcome(manager, outcome, benefit_end_reason="moved_away", **fields)
    assert not outcome.counts_as_outflow_to_work
    services.record_outcome(manager, outcome, benefit_end_reason="education", **fields)
    assert outcome.counts_as_outflow_to_work
    assert OutcomeMeasurement.objects.outflow_to_work().count() == 1


def test_records_before_2015_say_wwb():
    assert str(benefit_label("bijstand", datetime.date(2014, 12, 31))) == "WWB"
    assert "Participatiewet" in str(benefit_label("bijstand", datetime.date(2015, 1, 1)))
    assert str(benefit_label("ww", datetime.date(2010, 1, 1))) == "WW"


def test_attendance_is_recorded_for_the_whole_group(make_user, municipality):
    manager = make_user(Role.MANAGER)
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality))
    members = ParticipantFactory.create_batch(3, municipality=municipality)
    for member in members:
        services.enrol(manager, cohort, member)
    meeting = cohort.meetings.create(held_on=datetime.date(2026, 2, 9), topic="Kennismaking")
    assert services.record_attendance(manager, meeting, [members[0].pk, members[2].pk]) == 2
    assert dict(meeting.attendance.values_list("participant_id", "present")) == {
        members[0].pk: True,
        members[1].pk: False,
        members[2].pk: True,
    }
