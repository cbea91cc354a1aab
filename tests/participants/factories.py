import datetime

import factory

from participants.models import Cohort, Participant
from tests.vakwerk.factories import MunicipalityFactory, ProgrammeFactory
from vakwerk.bsn import bsn_from_number


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    municipality = factory.SubFactory(MunicipalityFactory)
    bsn = factory.Sequence(lambda n: bsn_from_number(10_000_000 + n * 37))
    first_name = "Sanne"
    last_name = factory.Sequence(lambda n: f"Deelnemer {n}")
    birth_date = datetime.date(1990, 5, 17)
    enrolled_on = datetime.date(2026, 1, 5)
    benefit_type = "bijstand"
    benefit_start = datetime.date(2024, 3, 1)


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Groep {n}")
    start_date = datetime.date(2026, 2, 2)
    end_date = datetime.date(2026, 4, 24)
