import factory
from django.utils import timezone

from employers.models import (
    ContactKind,
    ContactLogEntry,
    Employer,
    EmployerContact,
    Opportunity,
    OpportunityKind,
)
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


class EmployerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerContact

    employer = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"Contactpersoon {n}")
    job_title = "HR-adviseur"
    email = factory.Sequence(lambda n: f"contact{n}@werkgever.example")


class ContactLogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactLogEntry

    employer = factory.SubFactory(EmployerFactory)
    held_on = factory.LazyFunction(timezone.localdate)
    kind = ContactKind.PHONE
    summary = factory.Sequence(lambda n: f"Gesprek {n} over leerwerkplaatsen")
