import datetime

import factory

from consultants.models import (
    Competency,
    CompetencyAssessment,
    CompetencyScore,
    ConsultantProfile,
    IntervisionFocus,
    IntervisionSession,
    TrainingKind,
    TrainingRecord,
)
from tests.vakwerk.factories import MunicipalityFactory, UserFactory
from vakwerk.roles import Role


class ConsultantProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultantProfile

    user = factory.SubFactory(UserFactory, role=Role.CONSULTANT)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    consultant = factory.SubFactory(UserFactory, role=Role.CONSULTANT)
    kind = TrainingKind.REFRESHER
    provider = "Hogeschool Windesheim"
    started_on = datetime.date(2025, 9, 1)

    class Params:
        vak_course = factory.Trait(
            kind=TrainingKind.VAK_COURSE,
            ended_on=datetime.date(2026, 3, 1),
            completed=True,
        )


class IntervisionSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntervisionSession
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    held_on = datetime.date(2026, 5, 12)
    facilitator_name = "Extern begeleider"
    focus = IntervisionFocus.PROFESSIONALISM

    @factory.post_generation
    def attendees(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.attendees.set(extracted)


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Competentie {n}")
    position = factory.Sequence(lambda n: 100 + n)


class CompetencyAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyAssessment

    consultant = factory.SubFactory(UserFactory, role=Role.CONSULTANT)
    assessor = factory.SubFactory(
        UserFactory,
        role=Role.MANAGER,
        municipality=factory.SelfAttribute("..consultant.municipality"),
    )
    assessed_on = datetime.date(2026, 6, 1)


class CompetencyScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyScore

    assessment = factory.SubFactory(CompetencyAssessmentFactory)
    competency = factory.SubFactory(
        CompetencyFactory,
        municipality=factory.SelfAttribute("..assessment.consultant.municipality"),
    )
    score = 3


def build_team(municipality, make_user, size):
    """A manager and `size` consultants, each with training, a participant, a full
    assessment and one shared intervision session; returns the manager."""
    from tests.participants.factories import ParticipantFactory

    manager = make_user(Role.MANAGER)
    competencies = list(Competency.objects.filter(municipality=municipality))
    consultants = [make_user() for _ in range(size)]
    for consultant in consultants:
        TrainingRecordFactory(consultant=consultant, vak_course=True)
        TrainingRecordFactory(consultant=consultant)
        ParticipantFactory(municipality=municipality, consultant=consultant)
        assessment = CompetencyAssessmentFactory(consultant=consultant, assessor=manager)
        for competency in competencies:
            CompetencyScoreFactory(assessment=assessment, competency=competency, score=3)
    IntervisionSessionFactory(municipality=municipality, attendees=consultants)
    return manager
