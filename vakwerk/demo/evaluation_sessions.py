"""Demo evaluation sessions of VAK Zwolle: the steering group at the start, employers halfway
through the groups, and the closing session, each with findings, bottlenecks and actions for
the next programme. Written through the service, as the manager; called by
questionnaire_demo once the stakeholders exist. A session already there (same phase and
day) is left alone, so seeding again adds nothing."""

import dataclasses
import datetime

from evaluation.dashboards import programme_evaluation
from evaluation.dashboards.models import ActionStatus, EvaluationSession
from evaluation.questionnaires.models import Stakeholder
from vakwerk.models import Phase
from vakwerk.roles import Role

MUNICIPALITY = "Gemeente Zwolle, team Werk en Inkomen"
WINDESHEIM = "Hogeschool Windesheim"
AGENCY = "Uitzendbureau IJsselwerk"

# Story days (vakwerk.demo.REFERENCE_TODAY's calendar), attendees by name, and actions as
# (description, who, done).
SESSIONS = [
    {
        "phase": Phase.PREPARATION,
        "day": datetime.date(2025, 1, 27),
        "attendees": [MUNICIPALITY, WINDESHEIM, AGENCY],
        "findings": "Doelen, rollen en planning zijn vastgesteld; de stuurgroep komt elke zes "
        "weken bij elkaar.",
        "bottlenecks": "Consulenten hebben naast hun caseload te weinig tijd voor de "
        "post-hbo leergang.",
        "actions": [
            ("Caseload van consulenten in de leergang tijdelijk verlagen",
             "Teamleider Werk en Inkomen", True),
        ],
    },
    {
        "phase": Phase.EXECUTION,
        "day": datetime.date(2025, 10, 13),
        "attendees": [MUNICIPALITY, "Bouwbedrijf IJsselzone", "Zorggroep Sallandse Hof",
                      "Logistiek Centrum Hessenpoort"],
        "findings": "Werkgevers waarderen de selectie op ontwikkelpotentie; deelnemers met "
        "een VCA-certificaat worden sneller geplaatst.",
        "bottlenecks": "Vacatures in de logistiek vragen rijbewijs B, dat veel deelnemers "
        "niet hebben.\nLeerwerkplaatsen komen pas laat in het traject beschikbaar.",
        "actions": [
            ("VCA-training aanbieden vóór de start van de groep", "Opleidingsinstituut", False),
            ("Leerwerkplaatsen vastleggen vóór de start van de groepen", "WSP", False),
        ],
    },
    {
        "phase": Phase.EVALUATION,
        "day": datetime.date(2026, 11, 16),
        "attendees": [MUNICIPALITY, WINDESHEIM, AGENCY, "Bouwbedrijf IJsselzone"],
        "findings": "De stuurgroep werkte goed; werkgevers willen bij een volgend programma "
        "opnieuw meedoen.",
        "bottlenecks": "De nametingen na 12 en 18 maanden kosten consulenten veel tijd.",
        "actions": [
            ("Nametingen laten afnemen via de vragenlijst van de onderzoeker", "Onderzoeker",
             False),
            ("Stuurgroep van het volgende programma vóór de start samenstellen",
             "Projectleider VAK", False),
        ],
    },
]  # fmt: skip


def programme_calendar(spec, programme):
    """The demo calendar the programme was first seeded in. Seeding again later leaves the
    programme where it is (vakwerk.demo), so its sessions follow the programme, not the
    seeding day: on the first seed this is spec.calendar itself."""
    drift = programme.start_date - spec.calendar.on(spec.programme_start)
    return dataclasses.replace(spec.calendar, today=spec.calendar.today + drift)


def seed(spec, users):
    programme = spec.programme
    manager = users[Role.MANAGER]
    calendar = programme_calendar(spec, programme)
    stakeholders = {s.name: s for s in Stakeholder.objects.filter(programme=programme)}
    for story in SESSIONS:
        held_on = calendar.on(story["day"])
        if EvaluationSession.objects.filter(
            programme=programme, phase=story["phase"], held_on=held_on
        ).exists():
            continue
        programme_evaluation.save_session(
            manager,
            programme,
            phase=story["phase"],
            held_on=held_on,
            attendees=[stakeholders[name] for name in story["attendees"]],
            findings=story["findings"],
            bottlenecks=story["bottlenecks"],
            actions=[
                programme_evaluation.ActionInput(
                    description=description,
                    who=who,
                    status=ActionStatus.DONE if done else ActionStatus.OPEN,
                )
                for description, who, done in story["actions"]
            ],
        )
