"""Demo funds. Demo Zwolle gets the money side of the Zwolle trial: a revolving fund
(ceiling EUR 200,000, Zwolle's own EUR 100,000 in it), UWV's contribution for the WW
participants, a client-level placement budget with commitments in every status, a pilot
budget, a social impact bond, and expenditures that make the programme cost exactly
EUR 101,536 — half for the WW and half for the bijstand participants, as the seed says.
Then version 1 of the savings assumptions and a replenishment of the revolving fund from
the realised savings. Demo Kampen gets a pilot budget with one requested commitment.

Money moves through the services, as a manager or the participant's own consultant would
move it. Called by vakwerk.demo; does nothing for a municipality that has funds."""

import contextlib
from decimal import Decimal

from django.core.exceptions import ValidationError

from employers.selectors import confirmed_job_intentions
from funding import savings, services
from funding.models import FundKind, SocialImpactBond
from participants.models import BenefitType, Participant, Status

PROGRAMME_COST = Decimal("101536.00")
HALF = PROGRAMME_COST / 2  # 50,768.00 for each benefit type
# What both halves paid for besides the client-level budget; coaching takes the rest.
SHARED_COSTS = [
    ("Post-hbo leergang VAK voor consulenten", Decimal("12000.00")),
    ("Trainers groepsbijeenkomsten", Decimal("15000.00")),
    ("Workshops werknemersvaardigheden en sollicitatietraining", Decimal("8000.00")),
]
# (purpose, amount, what happens to it: spent, released, requested or rejected)
COMMITMENTS = [
    ("Heftruckcertificaat bij plaatsing", "3000.00", ("approve", "2400.00")),
    ("Werkplekaanpassing en werkkleding", "2500.00", ("approve", None)),
    ("Opleiding helpende zorg niveau 2", "3000.00", ("close", "2750.00")),
    ("Proefplaatsing met begeleiding op de werkvloer", "1500.00", ("close", "1500.00")),
    ("Rijlessen voor de bereikbaarheid van de werklocatie", "2000.00", ("request", None)),
    ("VCA-basiscursus", "1750.00", ("request", None)),
    ("Rijbewijs B", "2200.00", ("reject", "Valt buiten de regeling; eerst via UWV aanvragen.")),
    (
        "Laptop voor thuisstudie",
        "1200.00",
        ("reject", "Geen directe relatie met de baanintentie."),
    ),
]


def seed(spec, users):
    municipality = spec.municipality
    if municipality.funds.exists():
        return
    if spec.domain.startswith("zwolle"):
        _seed_zwolle(spec, users["manager"])
    else:
        _seed_kampen(spec, users["manager"])


def _fund(manager, spec, name, kind, **extra):
    return services.create_fund(
        manager,
        programme=spec.programme,
        name=name,
        kind=kind,
        starts_on=spec.programme.start_date,
        ends_on=spec.programme.end_date,
        **extra,
    )


def _years(what, programme):
    return f"{what} {programme.start_date.year}–{programme.end_date.year}"


def _with_job_intention(spec, count):
    """Participants of the programme on WW or bijstand with a job intention the WSP
    confirmed (the seed's rule for a client-level budget), with that match."""
    found = []
    candidates = Participant.objects.filter(
        programme=spec.programme,
        benefit_type__in=(BenefitType.WW, BenefitType.BIJSTAND),
        consultant__isnull=False,
    ).order_by("pk")
    for participant in candidates:
        match = confirmed_job_intentions(participant).order_by("pk").first()
        if match is not None:
            found.append((participant, match))
        if len(found) == count:
            break
    return found


def _client_budget(manager, spec, budget):
    """Commitments in each status; returns what was spent per benefit type. The demo's
    employers hired many participants on confirmed job intentions (employers.demo), so
    the seed's rule can be followed here and no pilot budget has to stand in."""
    spent = {BenefitType.WW: Decimal(0), BenefitType.BIJSTAND: Decimal(0)}
    for (purpose, amount, (outcome, detail)), (participant, match) in zip(
        COMMITMENTS, _with_job_intention(spec, len(COMMITMENTS)), strict=False
    ):
        # The participant's own consultant asks, as request_commitment requires.
        commitment = services.request_commitment(
            participant.consultant, budget, participant, amount, purpose, match=match
        )
        if outcome == "reject":
            services.reject_commitment(manager, commitment, detail)
        elif outcome in ("approve", "close"):
            services.approve_commitment(manager, commitment)
            if detail:
                services.book_expenditure(manager, budget, detail, purpose,
                                          commitment=commitment)  # fmt: skip
                spent[participant.benefit_type] += Decimal(detail)
            if outcome == "close":
                services.release_rest(manager, commitment)
    return spent


def _seed_zwolle(spec, manager):
    municipality = spec.municipality
    revolving = _fund(manager, spec, "Revolverend fonds VAK Zwolle", FundKind.REVOLVING,
                      ceiling=Decimal("200000.00"), benefit_type=BenefitType.BIJSTAND)  # fmt: skip
    services.deposit(manager, revolving, "100000.00", "Inleg gemeente Zwolle")
    uwv = _fund(manager, spec, "Bijdrage UWV voor WW-deelnemers", FundKind.SUBSIDY,
                benefit_type=BenefitType.WW)  # fmt: skip
    services.deposit(manager, uwv, "55000.00", "Bijdrage UWV (WW-deelnemers)")
    client = _fund(manager, spec, "Cliëntgebonden plaatsingsbudget VAK Zwolle",
                   FundKind.CLIENT_BUDGET)  # fmt: skip
    services.deposit(manager, client, "30000.00", "Budget plaatsingen met baanintentie")
    pilot = _fund(manager, spec, "Pilotbudget VAK Zwolle", FundKind.PILOT)
    services.deposit(manager, pilot, "10000.00", _years("Pilotbudget", spec.programme))
    bond_fund = _fund(manager, spec, "Social impact bond VAK Zwolle",
                      FundKind.SOCIAL_IMPACT_BOND)  # fmt: skip
    bond = SocialImpactBond(
        fund=bond_fund,
        investor="Stichting Impact Overijssel",
        principal=Decimal("50000.00"),
        agreed_return=Decimal("3.00"),
        outcome_payment=Decimal("2500.00"),
    )
    bond.full_clean()
    bond.save()
    services.deposit(manager, bond_fund, "50000.00", "Inleg Stichting Impact Overijssel")

    spent = _client_budget(manager, spec, client)
    # Each half costs EUR 50,768: the shared costs, what the client-level budget spent on
    # that half's participants, and coaching for the rest (so the total stays exact
    # whoever happened to get a commitment).
    for fund, benefit_type, label in (
        (revolving, BenefitType.BIJSTAND, "bijstand"),
        (uwv, BenefitType.WW, "WW"),
    ):
        rest = HALF - spent[benefit_type]
        for what, amount in SHARED_COSTS:
            services.book_expenditure(manager, fund, amount, f"{what} (aandeel {label})")
            rest -= amount
        services.book_expenditure(manager, fund, rest,
                                  f"Coaching door consulenten (aandeel {label})")  # fmt: skip

    assumptions = savings.new_assumptions_version(
        manager,
        municipality,
        note="Uitgangspunten van de Zwolse pilot: € 14.783 bijstand per jaar, 2,5 jaar.",
    )
    # Refused only when nothing is realised yet: a demo run before the 6-month follow-ups.
    with contextlib.suppress(ValidationError):
        savings.book_proposed_replenishment(manager, revolving, assumptions)


def _seed_kampen(spec, manager):
    pilot = _fund(manager, spec, "Pilotbudget VAK Kampen", FundKind.PILOT)
    services.deposit(manager, pilot, "25000.00", _years("Pilotbudget", spec.programme))
    participant = (
        Participant.objects.filter(
            programme=spec.programme, status=Status.IN_PROGRAMME, consultant__isnull=False
        )
        .order_by("pk")
        .first()
    )
    if participant is not None:
        services.request_commitment(participant.consultant, pilot, participant, "850.00",
                                    "Training digitale vaardigheden")  # fmt: skip
