"""Demo data of the consultants app: the VAK course and refreshers, monthly intervision and
two rounds of competency assessments for each demo consultant. Called by vakwerk.demo;
does nothing for a municipality that already has training records."""

import datetime
import random

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
from consultants.services import ensure_default_competencies

SUMMARIES = [
    "Casus: deelnemer die steeds afspraken afzegt. Oplossingsgericht doorvragen geoefend.",
    "Hoe houden we werkgevers warm na een plaatsing? Afspraken over nazorg gemaakt.",
    "Resultaten van de natemingen besproken; uitval in groep 3 geanalyseerd.",
    "Groepsdynamiek: omgaan met een dominante deelnemer in de workshop.",
]


def seed(spec, consultants, manager):
    municipality = spec.municipality
    on = spec.calendar.on
    if TrainingRecord.objects.filter(consultant__municipality=municipality).exists():
        return
    rng = random.Random(f"consultants-{spec.cbs_code}")
    ensure_default_competencies(municipality)
    competencies = list(Competency.objects.filter(municipality=municipality, active=True))
    for index, consultant in enumerate(consultants):
        ConsultantProfile.objects.update_or_create(
            user=consultant,
            defaults={"is_trainer": index == 0, "may_become_trainer": index == 1},
        )
        TrainingRecord.objects.create(
            consultant=consultant,
            kind=TrainingKind.VAK_COURSE,
            title="Post-hbo leergang VAK",
            provider="Hogeschool Windesheim",
            started_on=on(datetime.date(2024, 9, 2)),
            ended_on=on(datetime.date(2025, 1, 31)),
            completed=index != 2,
            recorded_by=manager,
        )
        TrainingRecord.objects.create(
            consultant=consultant,
            kind=TrainingKind.REFRESHER,
            title="Terugkomdag oplossingsgericht werken",
            provider="VAK-trainers",
            started_on=on(datetime.date(2025, 10, 6)),
            ended_on=on(datetime.date(2025, 10, 6)),
            completed=True,
            recorded_by=manager,
        )
        for year in (2025, 2026):
            assessment = CompetencyAssessment.objects.create(
                consultant=consultant,
                assessed_on=on(datetime.date(year, 6, 15)),
                assessor=manager,
            )
            CompetencyScore.objects.bulk_create(
                CompetencyScore(
                    assessment=assessment,
                    competency=competency,
                    score=min(5, rng.randint(2, 4) + (year - 2025)),
                )
                for competency in competencies
            )
    for month in range(2, 23, 2):
        year, month_of_year = 2025 + (month - 1) // 12, (month - 1) % 12 + 1
        session = IntervisionSession.objects.create(
            municipality=municipality,
            held_on=on(datetime.date(year, month_of_year, 10)),
            facilitator_name="Trainer VAK-leergang",
            focus=IntervisionFocus.PROFESSIONALISM if month % 4 else IntervisionFocus.RESULTS,
            summary=SUMMARIES[month % len(SUMMARIES)],
            recorded_by=manager,
        )
        session.attendees.set([c for c in consultants if rng.random() < 0.9] or consultants)
