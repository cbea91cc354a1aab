import datetime
from decimal import Decimal

import factory

from employers.models import Match, MatchStage, OpportunityKind, OpportunityStatus
from funding import services
from funding.models import Fund, FundKind
from tests.employers.factories import EmployerFactory, OpportunityFactory
from tests.vakwerk.factories import MunicipalityFactory


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Potje {n}")
    kind = FundKind.PILOT
    starts_on = datetime.date(2026, 1, 1)


def funded(manager, amount="1000.00", **fields):
    """A fund of the manager's municipality with one deposit booked by them."""
    fund = FundFactory(municipality=manager.municipality, **fields)
    services.deposit(manager, fund, Decimal(amount), "Startstorting")
    return fund


def confirmed_match(participant, status=OpportunityStatus.CONFIRMED):
    """Employer → job intention (confirmed by the WSP) → match for the participant."""
    employer = EmployerFactory(municipality=participant.municipality)
    opportunity = OpportunityFactory(
        employer=employer, kind=OpportunityKind.JOB_INTENTION, status=status
    )
    return Match.objects.create(
        participant=participant, opportunity=opportunity, stage=MatchStage.INTRODUCED
    )


def requested(consultant, fund, participant, amount="300.00", purpose="Werkkleding", match=None):
    return services.request_commitment(
        consultant, fund, participant, Decimal(amount), purpose, match=match
    )


def approved(manager, consultant, fund, participant, amount="300.00", **kwargs):
    commitment = requested(consultant, fund, participant, amount, **kwargs)
    return services.approve_commitment(manager, commitment)
