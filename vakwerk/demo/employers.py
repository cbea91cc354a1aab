"""Demo employers, opportunities of each kind in each status, matches in every stage and
the placements behind the demo programme's outcomes. Called by vakwerk.demo; does nothing
for a municipality that already has opportunities."""

import datetime
import random

from django.utils import timezone

from employers.models import (
    ContactKind,
    ContactLogEntry,
    Employer,
    EmployerContact,
    Match,
    MatchStage,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Placement,
)
from participants.models import Certificate, Enrolment, Participant, Status

TITLES = {
    "Bouw": ["Allround timmerman in opleiding", "Hulp op de bouwplaats", "Leerling metselaar"],
    "Zorg": ["Helpende zorg en welzijn", "Medewerker huishouding", "Gastvrouw/-heer"],
    "Logistiek": ["Orderpicker", "Heftruckchauffeur", "Medewerker expeditie"],
    "Horeca": ["Medewerker bediening", "Keukenhulp", "Afwasser"],
    "Schoonmaak": ["Schoonmaakmedewerker", "Glazenwasser in opleiding"],
    "Groen": ["Hovenier in opleiding", "Medewerker groenonderhoud"],
    "Techniek": ["Monteur in opleiding", "Assistent installatietechniek"],
    "Detailhandel": ["Vakkenvuller", "Kassamedewerker"],
    "Maritiem": ["Leerling scheepsbouwer", "Assistent werfonderhoud"],
}
SKILLS = {
    "Bouw": "bouwplaats, samenwerken, handig",
    "Zorg": "klantvriendelijk, zorg, samenwerken",
    "Logistiek": "heftruck, nauwkeurig, magazijn",
    "Horeca": "klantvriendelijk, koken, samenwerken",
}


def _employer_setup(employer, index, rng, wsp):
    EmployerContact.objects.get_or_create(
        employer=employer,
        name=["Marieke Dijkstra", "Jan Hoekstra", "Priya Ramdin", "Kees Wolters"][index % 4],
        defaults={"job_title": "HR-adviseur", "email": f"hr{index}@{employer.kvk_number}.example"},
    )
    for weeks, kind, summary in (
        (20, ContactKind.VISIT, "Bedrijfsbezoek: rondleiding en kennismaking met de VAK-aanpak."),
        (9, ContactKind.PHONE, "Gebeld over de baanintentie en de voorwaarden."),
        (2, ContactKind.MEETING, "Evaluatie van de plaatsingen; tevreden over de begeleiding."),
    ):
        ContactLogEntry.objects.create(
            employer=employer,
            held_on=timezone.localdate() - datetime.timedelta(weeks=weeks + index),
            kind=kind,
            summary=summary,
            next_step="Nieuwe leerwerkplaatsen bespreken" if weeks == 2 else "",
            logged_by=wsp,
        )


def _opportunity(employer, title, kind, status, rng, wsp, **extra):
    today = timezone.localdate()
    valid = today + datetime.timedelta(days=rng.randint(45, 200))
    if status == OpportunityStatus.EXPIRED:
        valid = today - datetime.timedelta(days=rng.randint(5, 60))
    return Opportunity.objects.create(
        employer=employer,
        kind=kind,
        title=title,
        description="Een plek voor iemand die de VAK-groep heeft afgerond en wil doorgroeien.",
        skills_wanted=SKILLS.get(employer.sector, "samenwerken, betrouwbaar"),
        positions=extra.pop("positions", 1),
        hours_per_week=rng.choice([24, 32, 36]),
        contract=rng.choice(["temporary", "permanent"]),
        conditions=extra.pop(
            "conditions",
            rng.sample([Certificate.GOED_WERKNEMER, Certificate.VOCATIONAL_COURSE], k=1),
        ),
        status=status,
        valid_until=valid,
        rejection_reason=(
            "Omschrijf de werkzaamheden concreter en geef aan welke begeleiding er is."
            if status == OpportunityStatus.REJECTED
            else ""
        ),
        confirmed_at=timezone.now()
        if status in (OpportunityStatus.CONFIRMED, OpportunityStatus.FILLED)
        else None,
        created_by=wsp,
        **extra,
    )


def seed(spec, users):
    municipality = spec.municipality
    if Opportunity.objects.filter(employer__municipality=municipality).exists():
        return
    rng = random.Random(f"employers-{spec.cbs_code}")
    wsp = users["wsp"]
    employers = list(Employer.objects.filter(municipality=municipality).order_by("pk"))
    for index, employer in enumerate(employers):
        employer.account_manager = wsp
        employer.size = ["small", "medium", "large", "micro"][index % 4]
        employer.save(update_fields=["account_manager", "size"])
        _employer_setup(employer, index, rng, wsp)

    # Every kind in every status, spread over the employers.
    statuses = list(OpportunityStatus)
    kinds = list(OpportunityKind)
    open_positions = []
    for number, status in enumerate(statuses):
        for offset, kind in enumerate(kinds):
            employer = employers[(number + offset) % len(employers)]
            titles = TITLES.get(employer.sector, ["Medewerker"])
            opportunity = _opportunity(
                employer, titles[(number + offset) % len(titles)], kind, status, rng, wsp
            )
            if status == OpportunityStatus.CONFIRMED:
                open_positions.append(opportunity)

    # The demo employer user's own portal: a confirmed job intention with candidates to
    # decide on, one waiting for the WSP and one sent back with a reason.
    first = employers[0]
    titles = TITLES.get(first.sector, ["Medewerker"])
    showcase = _opportunity(
        first, f"Baanintentie: {titles[0].lower()}", OpportunityKind.JOB_INTENTION,
        OpportunityStatus.CONFIRMED, rng, wsp, positions=2,
    )  # fmt: skip
    _opportunity(first, titles[1 % len(titles)], OpportunityKind.LEARNING_PLACE, OpportunityStatus.SUBMITTED,
                 rng, wsp)  # fmt: skip
    _opportunity(
        first,
        titles[2 % len(titles)],
        OpportunityKind.VACANCY,
        OpportunityStatus.REJECTED,
        rng,
        wsp,
    )
    open_positions.insert(0, showcase)

    participants = list(
        Participant.objects.filter(municipality=municipality).select_related("talent_profile")
    )
    cohort_end = dict(
        Enrolment.objects.filter(participant__municipality=municipality).values_list(
            "participant_id", "cohort__end_date"
        )
    )
    _hires(spec, participants, cohort_end, employers, rng, wsp, users)
    _pipeline(participants, open_positions, rng, users)


def _hires(spec, participants, cohort_end, employers, rng, wsp, users):
    """The placements behind the outcomes: everyone placed or off benefit was hired on a
    filled opportunity (job intentions first: that is how the programme works)."""
    hired = [p for p in participants if p.status in (Status.PLACED, Status.OFF_BENEFIT)]
    if not hired:
        return
    per_opportunity = 6
    for start in range(0, len(hired), per_opportunity):
        group = hired[start : start + per_opportunity]
        employer = employers[(start // per_opportunity) % len(employers)]
        title = TITLES.get(employer.sector, ["Medewerker"])[0]
        opportunity = _opportunity(
            employer,
            f"{title} (VAK-groep)",
            OpportunityKind.JOB_INTENTION if start % 12 == 0 else OpportunityKind.LEARNING_PLACE,
            OpportunityStatus.FILLED,
            rng,
            wsp,
            positions=len(group),
            conditions=[Certificate.GOED_WERKNEMER],
        )
        for participant in group:
            match = Match.objects.create(
                participant=participant,
                opportunity=opportunity,
                stage=MatchStage.HIRED,
                score=rng.randint(70, 100),
                proposed_by=participant.consultant or users["consultant"],
            )
            ended = cohort_end.get(participant.pk, participant.enrolled_on)
            Placement.objects.create(
                match=match,
                start_date=ended + datetime.timedelta(days=30),
                contract=opportunity.contract or "temporary",
                hours_per_week=opportunity.hours_per_week or 32,
                handover="Vaste werkbegeleider aangewezen; eerste maand wekelijks contact.",
                created_by=match.proposed_by,
            )


def _pipeline(participants, open_positions, rng, users):
    """Candidates in every other stage on the confirmed opportunities."""
    waiting = [p for p in participants if p.status in (Status.MATCHED, Status.IN_PROGRAMME)]
    stages = [
        MatchStage.INTRODUCED,
        MatchStage.INTERVIEW,
        MatchStage.PROPOSED,
        MatchStage.REJECTED,
        MatchStage.WITHDRAWN,
        MatchStage.INTERVIEW,
        MatchStage.INTRODUCED,
    ]
    consenting = [p for p in waiting if p.consent_share_profile]
    for participant, stage in zip(consenting[:2], (MatchStage.INTRODUCED, MatchStage.INTERVIEW),
                                  strict=False):  # fmt: skip
        Match.objects.create(
            participant=participant,
            opportunity=open_positions[0],
            stage=stage,
            score=rng.randint(70, 95),
            proposed_by=participant.consultant or users["consultant"],
        )
    waiting = [p for p in waiting if p not in consenting[:2]]
    for index, participant in enumerate(waiting[: 3 * len(stages)]):
        if not open_positions:
            return
        stage = stages[index % len(stages)]
        if stage != MatchStage.PROPOSED and not participant.consent_share_profile:
            stage = MatchStage.PROPOSED
        Match.objects.get_or_create(
            participant=participant,
            opportunity=open_positions[index % len(open_positions)],
            defaults={
                "stage": stage,
                "score": rng.randint(40, 95),
                "rejection_reason": "Past niet in het team; andere kandidaat gekozen."
                if stage == MatchStage.REJECTED
                else "",
                "proposed_by": participant.consultant or users["consultant"],
            },
        )
