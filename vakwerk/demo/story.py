"""Demo data for the two demo municipalities. Every write is keyed on a natural key, so
running it again changes nothing.

The demo tells one story, written in the calendar of REFERENCE_TODAY: Zwolle's programme
has run its groups and measured its outcomes, Kampen's first group is under way. Each date
of that story is moved by the days between REFERENCE_TODAY and the day the seed runs
(`DemoCalendar.on`), so that on any day the demo shows the same stage with the same figures:
what matters to a figure is how long ago something happened, and a whole-day shift keeps
every such distance. Dates the project derives itself (follow-ups due 3, 6, 12 and 18
calendar months after a group ends) are derived from the moved dates."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from employers.models import Employer, EmployerMembership, Stage
from evaluation.research.models import ResearchProject
from vakwerk.models import GoalMetric, Municipality, Phase, Programme, ProgrammeActivity, User
from vakwerk.roles import Role

from . import consultants as consultants_demo
from . import employers as employers_demo
from . import funding as funding_demo
from . import participants as participants_demo
from . import provisions as provisions_demo
from . import questionnaires as questionnaire_demo
from . import register as register_demo
from . import reports as report_demo
from . import research as research_demo

FIRST_NAMES = [
    "Anouk", "Bas", "Chantal", "Dirk", "Esra", "Fleur", "Gerrit", "Hanna", "Ilse", "Jeroen",
    "Kim", "Lars", "Mohamed", "Noor", "Olga", "Pieter", "Rachid", "Sanne", "Tim", "Yara",
]  # fmt: skip
LAST_NAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Yilmaz", "El Amrani",
]  # fmt: skip


# The day the story's dates below are written for. Not "today": see the module docstring.
REFERENCE_TODAY = datetime.date(2026, 11, 30)


@dataclass(frozen=True)
class DemoCalendar:
    today: datetime.date

    @property
    def shift(self):
        return self.today - REFERENCE_TODAY

    def on(self, reference_day):
        """The day that stands where `reference_day` stood in the story."""
        return reference_day + self.shift

    def at(self, reference_day, hour=10):
        return timezone.make_aware(
            datetime.datetime.combine(self.on(reference_day), datetime.time(hour))
        )

    def is_past(self, reference_day, margin_days=0):
        """Whether the story has `reference_day` behind it (by `margin_days`): decided in the
        story's calendar, so that the same follow-ups are measured on every day."""
        return reference_day <= REFERENCE_TODAY - datetime.timedelta(days=margin_days)


@dataclass
class DemoSpec:
    name: str
    domain: str
    cbs_code: str
    colour: str
    participants: int
    programme_name: str
    programme_start: datetime.date
    programme_end: datetime.date
    phase: str
    employers: list = field(default_factory=list)
    calendar: DemoCalendar = field(default_factory=lambda: DemoCalendar(REFERENCE_TODAY))


ZWOLLE = DemoSpec(
    name="Demo Zwolle",
    domain="zwolle.example",
    cbs_code="0193",
    colour="#004b87",
    participants=72,
    programme_name="VAK Zwolle",
    programme_start=datetime.date(2025, 1, 6),
    programme_end=datetime.date(2026, 12, 31),
    phase=Phase.EVALUATION,
    employers=[
        ("Bouwbedrijf IJsselzone", "12345678", "Bouw", Stage.PARTNER),
        ("Zorggroep Sallandse Hof", "23456789", "Zorg", Stage.ENGAGED),
        ("Logistiek Centrum Hessenpoort", "34567890", "Logistiek", Stage.PARTNER),
        ("Hotel Thorbecke", "45678901", "Horeca", Stage.PROSPECT),
        ("Schoonmaakbedrijf Diezerpoort", "56781234", "Schoonmaak", Stage.ENGAGED),
        ("Installatietechniek Stadshagen", "67812345", "Techniek", Stage.PARTNER),
        ("Groenbeheer Westenholte", "78123456", "Groen", Stage.ENGAGED),
        ("Supermarkt Assendorp", "81234567", "Detailhandel", Stage.PROSPECT),
    ],
)
KAMPEN = DemoSpec(
    name="Demo Kampen",
    domain="kampen.example",
    cbs_code="0166",
    colour="#7a1e48",
    participants=24,
    programme_name="VAK Kampen",
    programme_start=datetime.date(2026, 3, 2),
    programme_end=datetime.date(2027, 6, 30),
    phase=Phase.EXECUTION,
    employers=[
        ("Scheepswerf Kampen", "56789012", "Maritiem", Stage.ENGAGED),
        ("Groenbedrijf IJsseldelta", "67890123", "Groen", Stage.PROSPECT),
    ],
)

ACTIVITIES = [
    ("Analyse bestaande situatie: gemeente en consulenten", "Projectleider",
     "Vaststellen wat de huidige kansen en ambities zijn", 0, True),
    ("Analyse bedrijfsleven en aanbod WW/bijstand", "WSP",
     "Aansluiting zoeken tussen vraag en aanbod", 30, True),
    ("Post-hbo leergang VAK voor consulenten", "Opleidingsinstituut",
     "Professionals trainen in oplossingsgericht werken", 60, True),
    ("Selectie op ontwikkelpotentie en passie", "Consulenten",
     "De juiste deelnemers in de groepen", 90, True),
    ("Groepsbijeenkomsten en coaching", "Trainers en consulenten",
     "Vakkennis en werknemersvaardigheden opbouwen", 180, True),
    ("Strategische relatieopbouw met werkgevers", "WSP",
     "Baanintenties en leerwerkplaatsen verkrijgen", 240, False),
    ("Nameting na 3, 6, 12 en 18 maanden", "Onderzoeker",
     "Resultaten en besparing aantonen", 540, False),
]  # fmt: skip

ZWOLLE_GOALS = {
    GoalMetric.PARTICIPANTS: Decimal("72"),
    GoalMetric.COHORTS: Decimal("6"),
    GoalMetric.IN_WORK_3M: Decimal("48"),
    GoalMetric.OFF_BENEFIT_6M: Decimal("57"),
}


def demo_user(email, password, **defaults):
    """The demo user with this e-mail; a new one gets the demo password, an existing one
    keeps whatever password it has now."""
    user, created = User.objects.get_or_create(email=email, defaults=defaults)
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def demo_users(spec, password):
    municipality = spec.municipality
    users = {}
    first_employer = Employer.objects.filter(municipality=municipality).order_by("pk").first()
    for role in Role:
        users[role] = demo_user(
            f"{role.value}@{spec.domain}",
            password,
            first_name="Demo",
            last_name=str(role.label),
            role=role,
            municipality=municipality,
        )
        if role == Role.EMPLOYER:
            EmployerMembership.objects.get_or_create(
                user=users[role], defaults={"employer": first_employer}
            )
    # A few colleagues so that caseloads and team pages look like a real team.
    for number in (2, 3):
        users[f"consultant{number}"] = demo_user(
            f"consultant{number}@{spec.domain}",
            password,
            first_name=FIRST_NAMES[number],
            last_name=LAST_NAMES[number],
            role=Role.CONSULTANT,
            municipality=municipality,
        )
    return users


def seed_municipality(spec):
    municipality, _ = Municipality.objects.update_or_create(
        cbs_code=spec.cbs_code, defaults={"name": spec.name, "colour": spec.colour}
    )
    spec.municipality = municipality
    # get_or_create: a second run, even a year later, leaves the programme where its
    # participants, groups and funds already are.
    programme, _ = Programme.objects.get_or_create(
        municipality=municipality,
        name=spec.programme_name,
        defaults={
            "description": "Voor Arbeid en Kansen: selectie op ontwikkelpotentie, "
            "groepsbijeenkomsten, coaching en plaatsing via het Werkgevers Service Punt.",
            "start_date": spec.calendar.on(spec.programme_start),
            "end_date": spec.calendar.on(spec.programme_end),
            "phase": spec.phase,
        },
    )
    for what, who, why, offset, done in ACTIVITIES:
        due = programme.start_date + datetime.timedelta(days=offset)
        ProgrammeActivity.objects.get_or_create(
            programme=programme,
            what=what,
            defaults={
                "who": who,
                "why": why,
                "due_date": due,
                "done_on": due if done and spec.phase == Phase.EVALUATION else None,
            },
        )
    goals = ZWOLLE_GOALS if spec is ZWOLLE else {GoalMetric.PARTICIPANTS: Decimal("24")}
    for metric, target in goals.items():
        programme.goals.update_or_create(metric=metric, defaults={"target": target})
    for name, kvk, sector, stage in spec.employers:
        Employer.objects.update_or_create(
            municipality=municipality,
            kvk_number=kvk,
            defaults={"name": name, "sector": sector, "stage": stage},
        )
    spec.programme = programme
    return municipality


def seed_research(spec, users):
    project, _ = ResearchProject.objects.get_or_create(
        municipality=spec.municipality,
        name=f"Evaluatie {spec.programme_name}",
        defaults={
            "institution": "ROA, Maastricht University",
            "agreement_reference": f"ROA-{spec.cbs_code}-{spec.programme.start_date.year}",
            "valid_until": spec.calendar.on(datetime.date(2028, 12, 31)),
        },
    )
    project.programmes.add(spec.programme)
    project.researchers.add(users[Role.RESEARCHER])


@transaction.atomic
def seed(password):
    """Creates or completes both demo municipalities as the story stands today (a test
    that wants another day pins the clock); returns the demo users' e-mails."""
    calendar = DemoCalendar(timezone.localdate())
    emails = []
    for spec in (ZWOLLE, KAMPEN):
        spec.calendar = calendar
        seed_municipality(spec)
        users = demo_users(spec, password)
        participants_demo.seed(spec, {**users, "consultant": users[Role.CONSULTANT]})
        register_demo.seed(spec, users)
        consultants_demo.seed(
            spec,
            [users[Role.CONSULTANT], users["consultant2"], users["consultant3"]],
            users[Role.MANAGER],
        )
        employers_demo.seed(spec, {"wsp": users[Role.WSP], "consultant": users[Role.CONSULTANT]})
        funding_demo.seed(
            spec, {"manager": users[Role.MANAGER], "consultant": users[Role.CONSULTANT]}
        )
        seed_research(spec, users)
        questionnaire_demo.seed(spec, users)
        report_demo.seed(spec, users)
        research_demo.seed(spec, users)
        provisions_demo.seed(spec, {"consultant": users[Role.CONSULTANT]})
        emails.extend(f"{role.value}@{spec.domain}" for role in Role)
    return emails
