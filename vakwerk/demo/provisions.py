"""Demo provisions (issue 22). Most follow from what the other demo builders recorded
(enrolments, learning/work placements, trainings): one sync brings them in. Demo Zwolle
also gets what only a consultant can add by hand: a wage-cost subsidy and jobcoaching for
four placed participants, running over the months before and after the story's today, so
that last month's SRG file holds every kind of record on any day the demo is seeded.
The monthly job's file of last month is there too. Called by vakwerk.demo; adds nothing
to a municipality that has hand-added provisions and a delivery."""

import datetime
from decimal import Decimal

from funding.provisions import services
from funding.provisions.models import Provision, ProvisionKind, Source, SrgDelivery
from participants.models import Participant, Status

# (percentage of the minimum wage, amount per month)
WAGE_SUBSIDIES = [(45, Decimal("862.40")), (60, None), (30, Decimal("575.00")), (50, None)]


def seed(spec, users):
    municipality = spec.municipality
    services.sync_municipality(municipality)
    if not spec.domain.startswith("zwolle"):
        return
    if not Provision.objects.filter(municipality=municipality, source=Source.MANUAL).exists():
        _hand_added(spec, users)
    if not SrgDelivery.objects.filter(municipality=municipality).exists():
        # What the monthly job would have built on the 2nd: last month's file.
        services.build_delivery(
            municipality, services.last_month(spec.calendar.today), today=spec.calendar.today
        )


def _hand_added(spec, users):
    municipality = spec.municipality
    placed = Participant.objects.filter(municipality=municipality, status=Status.PLACED).order_by(
        "last_name", "pk"
    )[: len(WAGE_SUBSIDIES)]
    wage_subsidy = ProvisionKind.objects.get(key="wage_subsidy")
    jobcoaching = ProvisionKind.objects.get(key="jobcoaching")
    # Relative to the story's today, so last month lies inside both on any day.
    start = spec.calendar.today - datetime.timedelta(days=150)
    coaching_ends = spec.calendar.today + datetime.timedelta(days=90)
    for participant, (percentage, amount) in zip(placed, WAGE_SUBSIDIES, strict=False):
        consultant = participant.consultant or users["consultant"]
        services.add_provision(
            consultant,
            participant,
            kind=wage_subsidy,
            start_date=start,
            wage_subsidy_percentage=percentage,
            wage_subsidy_amount=amount,
        )
        services.add_provision(
            consultant, participant, kind=jobcoaching, start_date=start, end_date=coaching_ends
        )
