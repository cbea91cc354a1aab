import factory

from participants.models import Participant
from tests.vakwerk.factories import MunicipalityFactory


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    municipality = factory.SubFactory(MunicipalityFactory)
    first_name = "Sanne"
    last_name = factory.Sequence(lambda n: f"Deelnemer {n}")
