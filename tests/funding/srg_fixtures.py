"""A small generated municipality with recorded work, for the provisions and SRG tests."""

import datetime

from employers.models import Match, MatchStage, OpportunityKind, Placement
from participants import services as participant_services
from participants.models import Contract
from tests.employers.factories import EmployerFactory, OpportunityFactory
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory

MARCH = datetime.date(2026, 3, 1)


def learning_place_placement(participant, start):
    employer = EmployerFactory(municipality=participant.municipality)
    opportunity = OpportunityFactory(employer=employer, kind=OpportunityKind.LEARNING_PLACE)
    match = Match.objects.create(
        participant=participant, opportunity=opportunity, stage=MatchStage.HIRED
    )
    return Placement.objects.create(
        match=match, start_date=start, contract=Contract.TEMPORARY, hours_per_week=24
    )


def recorded_work(municipality, consultant, size=4):
    """`size` participants of `consultant` in one group (Feb–Apr 2026); the first has a
    training in March, the second a learning/work place from mid-March."""
    programme = ProgrammeFactory(municipality=municipality)
    cohort = CohortFactory(
        programme=programme,
        start_date=datetime.date(2026, 2, 2),
        end_date=datetime.date(2026, 4, 24),
    )
    cohort.trainers.add(consultant)
    people = [
        ParticipantFactory(municipality=municipality, consultant=consultant, programme=programme)
        for _ in range(size)
    ]
    for person in people:
        participant_services.enrol(consultant, cohort, person, datetime.date(2026, 1, 20))
    participant_services.add_training(
        consultant,
        people[0],
        name="VCA basis",
        provider="ROC Deltion",
        kind="roc",
        start_date=datetime.date(2026, 3, 9),
        end_date=datetime.date(2026, 3, 20),
        hours=16,
        result="completed",
    )
    if size > 1:
        learning_place_placement(people[1], datetime.date(2026, 3, 16))
    return people
