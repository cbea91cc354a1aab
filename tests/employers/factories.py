import factory

from employers.models import Employer, Opportunity, OpportunityKind
from tests.vakwerk.factories import MunicipalityFactory


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Werkgever {n} B.V.")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    sector = "Zorg"


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    employer = factory.SubFactory(EmployerFactory)
    kind = OpportunityKind.JOB_INTENTION
    title = factory.Sequence(lambda n: f"Baanintentie {n}")
