"""A large, deterministic dataset for benchmarks: ten municipalities in one installation
(`large`), or forty with four times every count (`national`, issue 23).

At factor 1.0 it writes 100,000 participants, 1,000 consultants, 2,000,000 coaching
sessions, 300,000 outcome measurements, 20,000 employers, 50,000 opportunities, 200,000
matches, 500,000 ledger entries and a benefit register of 1,000,000 people (ten per
participant, the participants among them, with their benefit spells and quarterly
snapshots, for the net effect of issue 20) (plus the programmes, cohorts, enrolments, intakes,
talent profiles, placements, funds and commitments they hang on). Every value comes from
one `random.Random(seed)` and a fixed reference date, so the same seed and factor give the
same rows on any day. Only the database ids may differ between databases.

National: the ten large municipalities and thirty more, each exactly as big as a large one
(every table is split evenly), so a page of one municipality shows the same figures at both
scales and only the installation is four times larger. Its rows come from the same seeded
generator, drawn over forty municipalities; the large dataset's rows are not a subset of it.

PostgreSQL only: the big tables go in through `COPY ... FROM STDIN` (psycopg 3), which is
one to two orders of magnitude faster than the ORM; SQLite has no COPY. Ids are never
supplied, so the identity sequences stay right; after each COPY the new ids are read back
in id order, which is the order the rows were written in.
"""

import bisect
import datetime
import itertools
import json
import os
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from funding.models import Fund, SocialImpactBond
from participants.models import OUTCOME_FIGURES, OutcomeMeasurement, target_group_for
from participants.register.models import bsn_hash
from vakwerk.bsn import bsn_from_number
from vakwerk.models import Municipality, Programme

UTC = datetime.UTC

# Full-size row counts (factor 1.0) of the tables the issue names.
FULL_SIZE = {
    "consultants": 1_000,
    "participants": 100_000,
    "coaching_sessions": 2_000_000,
    "outcome_measurements": 300_000,
    "employers": 20_000,
    "opportunities": 50_000,
    "matches": 200_000,
    "ledger_entries": 500_000,
    # The municipalities' benefit populations: ten people per participant, the
    # participants among them (the comparison pool of the net effect).
    "register_people": 1_000_000,
}

# (name, CBS code, e-mail slug): real CBS codes of municipalities in Overijssel, none of
# them the two demo municipalities, so that both datasets can live in one database.
MUNICIPALITIES = [
    ("Schaal Almelo", "0141", "almelo"),
    ("Schaal Dalfsen", "0148", "dalfsen"),
    ("Schaal Deventer", "0150", "deventer"),
    ("Schaal Enschede", "0153", "enschede"),
    ("Schaal Hardenberg", "0160", "hardenberg"),
    ("Schaal Hengelo", "0164", "hengelo"),
    ("Schaal Oldenzaal", "0173", "oldenzaal"),
    ("Schaal Raalte", "0177", "raalte"),
    ("Schaal Steenwijkerland", "1708", "steenwijkerland"),
    ("Schaal Rijssen-Holten", "1742", "rijssen-holten"),
]
# National scale (issue 23): thirty more real municipalities with their CBS codes, from
# every province, again none of the two demo municipalities (Zwolle 0193, Kampen 0166).
NATIONAL_MUNICIPALITIES = [
    ("Schaal Groningen", "0014", "groningen"),
    ("Schaal Almere", "0034", "almere"),
    ("Schaal Leeuwarden", "0080", "leeuwarden"),
    ("Schaal Emmen", "0114", "emmen"),
    ("Schaal Apeldoorn", "0200", "apeldoorn"),
    ("Schaal Arnhem", "0202", "arnhem"),
    ("Schaal Nijmegen", "0268", "nijmegen"),
    ("Schaal Amersfoort", "0307", "amersfoort"),
    ("Schaal Utrecht", "0344", "utrecht"),
    ("Schaal Alkmaar", "0361", "alkmaar"),
    ("Schaal Amsterdam", "0363", "amsterdam"),
    ("Schaal Haarlem", "0392", "haarlem"),
    ("Schaal Haarlemmermeer", "0394", "haarlemmermeer"),
    ("Schaal Hilversum", "0402", "hilversum"),
    ("Schaal Zaanstad", "0479", "zaanstad"),
    ("Schaal Delft", "0503", "delft"),
    ("Schaal Dordrecht", "0505", "dordrecht"),
    ("Schaal 's-Gravenhage", "0518", "s-gravenhage"),
    ("Schaal Leiden", "0546", "leiden"),
    ("Schaal Rotterdam", "0599", "rotterdam"),
    ("Schaal Zoetermeer", "0637", "zoetermeer"),
    ("Schaal Breda", "0758", "breda"),
    ("Schaal Eindhoven", "0772", "eindhoven"),
    ("Schaal Helmond", "0794", "helmond"),
    ("Schaal 's-Hertogenbosch", "0796", "s-hertogenbosch"),
    ("Schaal Tilburg", "0855", "tilburg"),
    ("Schaal Heerlen", "0917", "heerlen"),
    ("Schaal Maastricht", "0935", "maastricht"),
    ("Schaal Venlo", "0983", "venlo"),
    ("Schaal Lelystad", "0995", "lelystad"),
]
# Each scale: its municipalities and how many times the large dataset's row counts. Every
# table is split evenly over the municipalities, so a national municipality is exactly as
# big as a large one and per-page figures stay comparable; only the installation grows.
SCALES = {
    "large": (MUNICIPALITIES, 1),
    "national": (MUNICIPALITIES + NATIONAL_MUNICIPALITIES, 4),
}
STAFF_ROLES = ("manager", "wsp", "admin", "researcher")

FIRST_NAMES = [
    "Anouk", "Bas", "Chantal", "Dirk", "Esra", "Fleur", "Gerrit", "Hanna", "Ilse", "Jeroen",
    "Kim", "Lars", "Mohamed", "Noor", "Olga", "Pieter", "Rachid", "Sanne", "Tim", "Yara",
    "Bram", "Daan", "Emma", "Fatima", "Joost", "Lieke", "Milan", "Nadia", "Romy", "Sem",
    "Thijs", "Vera", "Wouter", "Zeynep", "Ahmed", "Iris", "Koen", "Lotte", "Ruben", "Sara",
]  # fmt: skip
LAST_NAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Yilmaz", "El Amrani",
    "van den Berg", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
    "van der Meer", "Kok", "Jacobs", "de Haan", "Vermeulen", "Schouten", "Kaya",
]  # fmt: skip
SECTORS = [
    ("Bouw", "Bouwbedrijf"), ("Zorg", "Zorggroep"), ("Logistiek", "Logistiek"),
    ("Horeca", "Hotel"), ("Schoonmaak", "Schoonmaakbedrijf"), ("Techniek", "Installatietechniek"),
    ("Groen", "Groenbeheer"), ("Detailhandel", "Supermarkt"), ("Maritiem", "Scheepswerf"),
    ("Productie", "Metaalbewerking"),
]  # fmt: skip
JOB_TITLES = [
    "Magazijnmedewerker", "Heftruckchauffeur", "Schoonmaker", "Zorgassistent",
    "Kassamedewerker", "Hovenier", "Monteur", "Bediening", "Productiemedewerker",
    "Timmerman", "Administratief medewerker", "Klantenservicemedewerker",
]  # fmt: skip
SKILLS = [
    "klantcontact", "heftruck", "samenwerken", "plannen", "zorg", "schoonmaken",
    "kassa", "techniek", "groenonderhoud", "koken", "administratie", "rijbewijs",
]  # fmt: skip
CERTIFICATES = ["vocational_course", "goed_werknemer", "driving_licence", "vca", "dutch_b1"]
THEMES = ["knowledge", "skills", "behaviour", "interview", "digital", "network", "cv"]
SESSION_NOTES = [
    "Gesprek over motivatie en passie.",
    "Sollicitatiebrief samen doorgenomen.",
    "Voortgang in de groep besproken.",
    "Werkervaringsplek verkend.",
    "Knelpunten thuis besproken; kinderopvang geregeld.",
    "",
]
ACTIONS = ["Twee vacatures bekijken.", "CV bijwerken.", "Contact met werkgever opnemen.", ""]

# Cumulative-weight tables for random.choices: (values, weights).
BENEFIT = (["bijstand", "ww", "both", "other"], [55, 30, 5, 10])
ENDED_COHORT_STATUS = (
    ["off_benefit", "placed", "matched", "in_programme", "dropped_out"],
    [35, 15, 5, 25, 20],
)
RUNNING_COHORT_STATUS = (["in_programme", "matched", "dropped_out"], [70, 20, 10])
OUTSIDE_COHORT_STATUS = (
    ["registered", "intake", "selected", "not_selected", "dropped_out"],
    [25, 25, 20, 20, 10],
)
SESSION_KIND = (["individual", "group", "remote", "workplace"], [60, 15, 20, 5])
OPPORTUNITY_KIND = (["vacancy", "learning_place", "job_intention"], [50, 20, 30])
OPPORTUNITY_STATUS = (
    ["draft", "submitted", "confirmed", "rejected", "filled", "withdrawn", "expired"],
    [5, 10, 50, 5, 15, 5, 10],
)
MATCH_STAGE = (
    ["proposed", "introduced", "interview", "hired", "rejected", "withdrawn"],
    [25, 20, 15, 10, 20, 10],
)
CONTRACTS = ["temporary", "permanent", "agency"]
# Funds per municipality: (name, kind, target group restriction, ceiling in euros).
FUNDS = [
    ("Revolverend fonds VAK", "revolving", "", 3_000_000),
    ("Plaatsingsbudget", "client_budget", "", None),
    ("Pilotbudget jongeren", "pilot", "youth", None),
    ("Social impact bond", "sib", "", None),
    ("ESF-subsidie", "subsidy", "", None),
]


REGISTER_PER_PARTICIPANT = 10
REGISTER_SNAPSHOTS = 12  # quarterly, three years back
REGISTER_END_REASONS = (
    ["work", "education", "own_business", "moved_away", "working_partner", "other"],
    [60, 8, 4, 10, 10, 8],
)


# The tables with millions of rows at national scale. Their plain indexes, unique
# constraints and foreign keys are dropped for the load and made again afterwards, in the
# same transaction: keeping six indexes of 8,000,000 coaching sessions (or a unique index
# of 4,000,000 random register hashes) up to date row by row, and checking two foreign keys
# per row, cost more than generating the rows; one sorted index build and one join per
# foreign key afterwards cost a fraction of it, and still refuse the whole load if a row
# breaks one. The primary keys stay: the ids are read back through them.
BULK_TABLES = (
    "consultants_coachingsession",
    "participants_outcomemeasurement",
    "funding_ledgerentry",
    "benefit_register_registerperson",
    "benefit_register_benefitspell",
)


class ScaleError(Exception):
    """The generator cannot run here (wrong database, data already present)."""


def targets(factor=1.0, scale="large"):
    """Row counts for a factor; at least one per municipality where something hangs on it,
    and outcome measurements always four per measured participant. The national counts are
    the large ones times four, at every factor."""
    municipalities, times = SCALES[scale]
    if times != 1:
        count = {key: value * times for key, value in targets(factor).items()}
        count["municipalities"] = len(municipalities)
        return count
    count = {key: round(value * factor) for key, value in FULL_SIZE.items()}
    minimum = len(MUNICIPALITIES)
    for key in ("consultants", "participants", "employers", "opportunities"):
        count[key] = max(count[key], minimum)
    count["outcome_measurements"] = 4 * round(FULL_SIZE["outcome_measurements"] * factor / 4)
    count["register_people"] = REGISTER_PER_PARTICIPANT * count["participants"]
    count["municipalities"] = len(MUNICIPALITIES)
    return count


def _split(total, parts):
    """`total` over `parts` as evenly as possible, the larger shares first."""
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def _day(date, hour=9, minute=0):
    return datetime.datetime(date.year, date.month, date.day, hour, minute, tzinfo=UTC)


def _add_months(date, months):
    month = date.month - 1 + months
    year = date.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(date.day, 28))


@dataclass
class Muni:
    id: int
    name: str
    slug: str
    programme_id: int = 0
    pilot_programme_id: int = 0
    manager_id: int = 0
    wsp_id: int = 0
    consultants: list = None


class _Loader:
    """COPY helper: writes rows into a table, reads the new ids back and reports timing."""

    def __init__(self, out):
        self.out = out
        self.counts = {}
        self.seconds = {}

    def copy(self, table, columns, rows, *, want_ids=False, quiet=False):
        """`quiet`: a table loaded in several parts; `report` prints its total once."""
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # the psycopg cursor underneath Django's wrapper
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            before = cursor.fetchone()[0]
            written = 0
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            ids = None
            if want_ids:
                # Ids come from the sequence in the order the rows were written.
                cursor.execute(
                    f"SELECT id FROM {table} WHERE id > %s ORDER BY id",  # noqa: S608
                    [before],
                )
                ids = [row[0] for row in cursor.fetchall()]
                if len(ids) != written:
                    raise ScaleError(f"{table}: another writer inserted rows during the load.")
        elapsed = time.perf_counter() - started
        self.counts[table] = self.counts.get(table, 0) + written
        self.seconds[table] = self.seconds.get(table, 0.0) + elapsed
        if not quiet:
            self._say(table, written, elapsed)
        return ids

    def report(self, table):
        self._say(table, self.counts.get(table, 0), self.seconds.get(table, 0.0))

    def _say(self, table, written, elapsed):
        rate = written / elapsed if elapsed else 0
        self.out(f"  {table:<34} {written:>10,} rows {elapsed:7.1f} s ({rate:,.0f}/s)")


@contextmanager
def _without_indexes(tables, out):
    """Drops the tables' plain indexes, unique constraints and foreign keys, and makes them
    again, under the same names and definitions, when the block ends. One transaction: a
    failed load leaves the schema as it was."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype IN ('u', 'f') AND conrelid = ANY(%s::regclass[])"
            " ORDER BY contype DESC, conrelid, conname",
            [list(tables)],
        )
        constraints = cursor.fetchall()  # the unique ones first: made again first
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)"
            " ORDER BY indrelid, indexrelid",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for name, table, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        yield
        started = time.perf_counter()
        # Sorting 8,000,000 keys in memory rather than on disk; this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, table, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        out(
            f"  {len(indexes)} indexes and {len(constraints)} unique and foreign keys made again"
            f" in {time.perf_counter() - started:.1f} s"
        )


def generate(seed=1, factor=1.0, out=print, today=None, scale="large"):
    """Writes the dataset into the current (PostgreSQL) database; returns the row counts
    per table. Refuses when the scale municipalities already exist.

    Every date is counted back (or forward) from `today`, the local date unless given: the
    dataset is always current, and the same seed on the same day gives the same rows."""
    today = today or timezone.localdate()
    if connection.vendor != "postgresql":
        raise ScaleError(
            "The large dataset needs PostgreSQL (it loads with COPY); "
            f"this database is {connection.vendor}. Set DATABASE_URL to a PostgreSQL database."
        )
    municipalities = SCALES[scale][0]
    codes = [code for _, code, _ in municipalities]
    if Municipality.objects.filter(cbs_code__in=codes).exists():
        raise ScaleError("The scale municipalities already exist: use an empty database.")

    started = time.perf_counter()
    # Reproducible test data, not secrets: a seeded PRNG is exactly what is wanted.
    rng = random.Random(seed)  # noqa: S311
    want = targets(factor, scale)
    load = _Loader(out)
    out(f"Generating the {scale} scale dataset (seed {seed}, factor {factor}):")
    with _without_indexes(BULK_TABLES, out):
        munis = _municipalities(today, municipalities)
        _users(load, rng, munis, want, today)
        people = _participants(load, rng, munis, want, today)
        _coaching_sessions(load, rng, munis, people, want, today)
        employers = _employers(load, rng, munis, want)
        matches = _opportunities_and_matches(load, rng, munis, people, employers, want, today)
        _funding(load, rng, munis, people, matches, want, today)
        # Its own generator: adding the register left every other table's rows as they were.
        _register(load, random.Random(f"register-{seed}"), munis, want, today)  # noqa: S311
        del people, matches  # the indexes are made with this memory free again

    with connection.cursor() as cursor:
        for table in load.counts:
            cursor.execute(f"ANALYZE {table}")
    out(f"Done in {time.perf_counter() - started:.1f} s.")
    return load.counts


def _municipalities(today, municipalities):
    # Through the ORM: few rows, and the post_save signal gives each its competencies.
    munis = []
    with transaction.atomic():
        for name, code, slug in municipalities:
            municipality = Municipality.objects.create(name=name, cbs_code=code)
            programme = Programme.objects.create(
                municipality=municipality,
                name=f"VAK {name.removeprefix('Schaal ')}",
                description="Voor Arbeid en Kansen, regionale uitvoering.",
                start_date=today - datetime.timedelta(days=3 * 365),
                phase="execution",
            )
            pilot = Programme.objects.create(
                municipality=municipality,
                name=f"VAK {name.removeprefix('Schaal ')} Jongeren (pilot)",
                description="Pilot voor jongeren zonder startkwalificatie.",
                start_date=today - datetime.timedelta(days=180),
                phase="execution",
            )
            munis.append(
                Muni(
                    municipality.id,
                    name,
                    slug,
                    programme_id=programme.id,
                    pilot_programme_id=pilot.id,
                )
            )
    return munis


def _users(load, rng, munis, want, today):
    # One hash for everybody: hashing 1,040 passwords one by one would take minutes.
    password = make_password(os.environ.get("DEMO_PASSWORD") or "vakwerk-demo")
    joined = _day(today - datetime.timedelta(days=4 * 365))
    per_muni = _split(want["consultants"], len(munis))
    rows, owners = [], []
    for muni, consultants in zip(munis, per_muni, strict=True):
        for role in STAFF_ROLES:
            rows.append(
                (
                    password,
                    False,
                    f"{role}@{muni.slug}.scale.example",
                    "Schaal",
                    role.capitalize(),
                    role,
                    True,
                    False,
                    joined,
                    muni.id,
                )
            )
            owners.append((muni, role))
        for number in range(1, consultants + 1):
            rows.append(
                (
                    password,
                    False,
                    f"consultant{number}@{muni.slug}.scale.example",
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    "consultant",
                    True,
                    False,
                    joined,
                    muni.id,
                )
            )
            owners.append((muni, "consultant"))
    columns = ("password", "is_superuser", "email", "first_name", "last_name", "role")
    columns += ("is_active", "is_staff", "date_joined", "municipality_id")
    ids = load.copy("vakwerk_user", columns, rows, want_ids=True)
    for muni in munis:
        muni.consultants = []
    for user_id, (muni, role) in zip(ids, owners, strict=True):
        if role == "consultant":
            muni.consultants.append(user_id)
        elif role == "manager":
            muni.manager_id = user_id
        elif role == "wsp":
            muni.wsp_id = user_id
    profiles = [
        (rng.random() < 0.2, rng.random() < 0.3, user_id)
        for muni in munis
        for user_id in muni.consultants
    ]
    load.copy(
        "consultants_consultantprofile", ("is_trainer", "may_become_trainer", "user_id"), profiles
    )


@dataclass
class Person:
    muni: Muni
    consultant_id: int
    status: str
    enrolled_on: datetime.date
    target_group: str
    cohort: int = -1  # index into the cohort list, -1 when not in a group
    ended: bool = False
    id: int = 0


def _participants(load, rng, munis, want, today):
    """Participants with cohorts, enrolments, intakes, talent profiles and follow-ups."""
    people, rows, cohorts = [], [], []
    measured_total = want["outcome_measurements"] // 4
    per_muni = _split(want["participants"], len(munis))
    measured_per_muni = _split(measured_total, len(munis))
    for muni, count, measured in zip(munis, per_muni, measured_per_muni, strict=True):
        measured = min(measured, count)
        running = min(count - measured, round(count * 0.10))
        bsns = set()
        cohort_counter = 0
        # Members of ended groups, then of running groups, then people not (yet) in a group.
        for kind, size in (("ended", measured), ("running", running)):
            remaining = size
            while remaining:
                members = min(remaining, rng.randint(8, 10))
                remaining -= members
                cohort_counter += 1
                if kind == "ended":
                    # Ended between 3 weeks and 2 years ago; the last follow-ups are pending.
                    end = today - datetime.timedelta(days=rng.randint(21, 730))
                else:
                    end = today + datetime.timedelta(days=rng.randint(7, 80))
                start = end - datetime.timedelta(weeks=12)
                trainer = rng.choice(muni.consultants)
                cohorts.append((muni, f"Groep {cohort_counter:04d}", start, end, trainer))
                for _ in range(members):
                    table = ENDED_COHORT_STATUS if kind == "ended" else RUNNING_COHORT_STATUS
                    status = rng.choices(*table)[0]
                    enrolled = start - datetime.timedelta(days=rng.randint(14, 60))
                    cohort = len(cohorts) - 1
                    people.append(
                        (muni, status, enrolled, cohort, kind == "ended", muni.programme_id)
                    )
        # A tenth of the municipality, none of them in a group, is in the pilot programme:
        # the bench's monitoring PDF is for a programme of 1,000 participants.
        pilot = min(count - measured - running, round(count * 0.10))
        for i in range(count - measured - running):
            status = rng.choices(*OUTSIDE_COHORT_STATUS)[0]
            enrolled = today - datetime.timedelta(days=rng.randint(0, 180))
            programme = muni.pilot_programme_id if i < pilot else muni.programme_id
            people.append((muni, status, enrolled, -1, False, programme))
        # Draw the BSNs for this municipality: unique within it, valid by the 11-proef.
        muni_bsns = []
        while len(muni_bsns) < count:
            bsn = bsn_from_number(rng.randrange(10_000_000, 99_999_999))
            if bsn not in bsns:
                bsns.add(bsn)
                muni_bsns.append(bsn)
        muni.bsns = muni_bsns

    persons = []
    bsn_iter = {muni.id: iter(muni.bsns) for muni in munis}
    for muni, status, enrolled, cohort, ended, programme_id in people:
        age_days = rng.randint(18 * 365 + 5, 64 * 365)
        birth = enrolled - datetime.timedelta(days=age_days)
        group = target_group_for(birth, enrolled).value
        benefit = rng.choices(*BENEFIT)[0]
        monthly = (
            None
            if benefit == "other"
            else rng.randint(120_000, 150_000 if benefit != "ww" else 280_000) / 100
        )
        consultant = rng.choice(muni.consultants)
        postcode = f"{rng.randint(1000, 9999)} {rng.choice('ABCDEGHJKLMNPRTVWXZ')}"
        postcode += rng.choice("ABCDEGHJKLMNPRTVWXZ")
        rows.append(
            (
                muni.id,
                programme_id,
                next(bsn_iter[muni.id]),
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                birth,
                postcode,
                benefit,
                enrolled - datetime.timedelta(days=rng.randint(30, 5 * 365)),
                monthly,
                consultant,
                rng.random() < 0.7,
                rng.random() < 0.6,
                rng.random() < 0.3,
                status,
                enrolled,
                group,
                _day(enrolled, 9, rng.randint(0, 59)),
                False,
            )
        )
        persons.append(Person(muni, consultant, status, enrolled, group, cohort, ended))
    columns = (
        "municipality_id",
        "programme_id",
        "bsn",
        "first_name",
        "last_name",
        "birth_date",
        "postcode",
        "benefit_type",
        "benefit_start",
        "monthly_benefit",
        "consultant_id",
        "consent_research",
        "consent_share_profile",
        "consent_share_name",
        "status",
        "enrolled_on",
        "target_group",
        "created_at",
        "in_comparison_group",
    )
    ids = load.copy("participants_participant", columns, rows, want_ids=True)
    for person, participant_id in zip(persons, ids, strict=True):
        person.id = participant_id

    cohort_ids = load.copy(
        "participants_cohort",
        ("programme_id", "name", "start_date", "end_date", "capacity"),
        ((muni.programme_id, name, start, end, 10) for muni, name, start, end, _ in cohorts),
        want_ids=True,
    )
    load.copy(
        "participants_cohort_trainers",
        ("cohort_id", "user_id"),
        ((cohort_id, c[4]) for cohort_id, c in zip(cohort_ids, cohorts, strict=True)),
    )
    members = [person for person in persons if person.cohort >= 0]
    load.copy(
        "participants_enrolment",
        ("cohort_id", "participant_id", "enrolled_on"),
        (
            (cohort_ids[p.cohort], p.id, cohorts[p.cohort][2] - datetime.timedelta(days=3))
            for p in members
        ),
    )
    past_intake = [p for p in persons if p.status != "registered"]
    load.copy(
        "participants_intake",
        (
            "participant_id",
            "held_on",
            "held_by_id",
            "development_potential",
            "passion_inventory",
            "knowledge",
            "skills",
            "behaviour",
            "notes",
        ),
        (
            (
                p.id,
                min(today, p.enrolled_on + datetime.timedelta(days=rng.randint(5, 20))),
                p.consultant_id,
                rng.choice(("low", "medium", "medium", "high")),
                "Wil graag met mensen werken.",
                "Mbo-2",
                ", ".join(rng.sample(SKILLS, 2)),
                "Gemotiveerd, soms onzeker.",
                "",
            )
            for p in past_intake
        ),
    )
    load.copy(
        "participants_talentprofile",
        (
            "participant_id",
            "skills",
            "certificates",
            "hours_available",
            "experience",
            "education",
            "passions",
            "availability",
            "updated_at",
            "certificate_dates",
            "days_available",
            "summary",
        ),
        (
            (
                p.id,
                ", ".join(rng.sample(SKILLS, 3)),
                json.dumps(rng.sample(CERTIFICATES, rng.randint(0, 2))),
                rng.choice((16, 24, 32, 36, 40)),
                "Ervaring in " + rng.choice(SECTORS)[0].lower() + ".",
                "Mbo-2",
                "Buiten werken",
                "Maandag tot en met vrijdag",
                _day(p.enrolled_on + datetime.timedelta(days=30)),
                # The talent profile page's fields, empty: no random draw, the same data.
                "{}",
                "[]",
                "",
            )
            for p in members
        ),
    )
    _outcomes(load, rng, members, cohorts, cohort_ids, today)
    return persons


def _outcome_values(rng, status, months):
    """What a follow-up finds, shaped like the Zwolle trial: about half in work after three
    months, most of those who left benefit stay off it."""
    if status == "off_benefit" or (status == "placed" and months >= 6):
        working = rng.random() < 0.9
    elif status in ("placed", "matched"):
        working = rng.random() < 0.6
    else:
        working = rng.random() < 0.15
    if not working:
        return ("none", None, "none", "full", "", "participant")
    employment = rng.choices(["part_time", "full_time", "learning_work"], [50, 35, 15])[0]
    hours = rng.choice((16, 20, 24, 32)) if employment != "full_time" else 38
    if status == "off_benefit" and rng.random() < 0.85:
        benefit, reason = (
            "none",
            rng.choices(["work", "education", "own_business"], [85, 10, 5])[0],
        )
    else:
        benefit, reason = "partial", ""
    return (employment, hours, rng.choice(CONTRACTS), benefit, reason, "benefit_system")


def _outcomes(load, rng, members, cohorts, cohort_ids, today):
    def rows():
        for person in members:
            if not person.ended:
                continue
            end = cohorts[person.cohort][3]
            for months in (3, 6, 12, 18):
                due = _add_months(end, months)
                measured = due <= today and rng.random() < 0.92
                if measured:
                    values = _outcome_values(rng, person.status, months)
                    measured_on = due + datetime.timedelta(days=rng.randint(0, 10))
                    recorded_by = person.consultant_id
                else:
                    values, measured_on, recorded_by = ("", None, "", "", "", ""), None, None
                employment, hours, contract, benefit, reason, source = values
                # By name, in the order of the one list of a follow-up's figures: a figure
                # added there and not here fails loudly (KeyError) instead of shifting columns.
                figures = {
                    "follow_up": months,
                    "due_on": due,
                    "measured_on": measured_on,
                    "employment": employment,
                    "hours_per_week": hours,
                    "contract": contract,
                    "benefit_status": benefit,
                    "benefit_end_reason": reason,
                    "source": source,
                }
                yield (
                    person.id,
                    cohort_ids[person.cohort],
                    *(figures[name] for name in OUTCOME_FIGURES),
                    recorded_by,
                )

    columns = [OutcomeMeasurement._meta.get_field(name).column for name in OUTCOME_FIGURES]
    load.copy(
        "participants_outcomemeasurement",
        ("participant_id", "cohort_id", *columns, "recorded_by_id"),
        rows(),
    )


def _coaching_sessions(load, rng, munis, persons, want, today):
    """Sessions over the last two years, mostly with people in a group, by their own
    consultant; a few carry the next appointment."""
    first_day = today - datetime.timedelta(days=730)
    by_muni = {muni.id: [] for muni in munis}
    for person in persons:
        # People not yet past the intake have few sessions; group members most of them.
        weight = 1 if person.cohort < 0 else 6
        start = max((person.enrolled_on - first_day).days, 0)  # days after first_day
        by_muni[person.muni.id].extend([(person.id, person.consultant_id, start)] * weight)
    per_muni = _split(want["coaching_sessions"], len(munis))

    def rows():
        # The hottest loop of the generator (8,000,000 rows at national scale): dates and
        # their timestamps are looked up by day, the themes' JSON by the themes drawn, and
        # randint(a, b) / choices(k=1) are replaced by the one call each makes underneath
        # (`_randbelow`, `random`), so the draws, and the rows, are exactly those of the
        # plain calls (tests/vakwerk/test_scale.py holds the large dataset's digest).
        choice, random_, randbelow, sample = rng.choice, rng.random, rng._randbelow, rng.sample
        kinds, kind_weights = SESSION_KIND[0], list(itertools.accumulate(SESSION_KIND[1]))
        kind_total, kind_hi = kind_weights[-1] + 0.0, len(kinds) - 1
        days = [first_day + datetime.timedelta(days=number) for number in range(731)]
        created = [_day(day, 17) for day in days]
        appointments = [_day(day + datetime.timedelta(days=14), 10) for day in days]
        themes_json = {}
        minutes = (30, 45, 60, 60, 90)
        for muni, count in zip(munis, per_muni, strict=True):
            pool, consultants = by_muni[muni.id], muni.consultants
            for _ in range(count):
                person_id, own_consultant, start = choice(pool)
                held = start + randbelow(731 - start)  # randint(0, days from start to today)
                consultant = own_consultant if random_() < 0.9 else choice(consultants)
                drawn = tuple(sample(THEMES, 1 + randbelow(3)))  # randint(1, 3) themes
                themes = themes_json.get(drawn)
                if themes is None:
                    themes = themes_json[drawn] = json.dumps(list(drawn))
                # Within three weeks of today, half of them set the next appointment.
                next_appointment = appointments[held] if held > 709 and random_() < 0.5 else None
                yield (
                    consultant,
                    person_id,
                    days[held],
                    choice(minutes),
                    kinds[bisect.bisect(kind_weights, random_() * kind_total, 0, kind_hi)],
                    themes,
                    choice(SESSION_NOTES),
                    choice(ACTIONS),
                    next_appointment,
                    created[held],
                )

    load.copy(
        "consultants_coachingsession",
        (
            "consultant_id",
            "participant_id",
            "held_on",
            "minutes",
            "kind",
            "themes",
            "notes",
            "agreed_actions",
            "next_appointment",
            "created_at",
        ),
        rows(),
    )


def _employers(load, rng, munis, want):
    per_muni = _split(want["employers"], len(munis))
    rows, owners = [], []
    for index, (muni, count) in enumerate(zip(munis, per_muni, strict=True)):
        place = muni.name.removeprefix("Schaal ")
        for number in range(count):
            sector, word = rng.choice(SECTORS)
            # Unique per municipality by construction: eleven numbers apart per employer.
            # The national municipalities after the first ten get their own ranges above
            # the large ones (8 digits), so the large dataset's numbers stay as they were.
            base = (index + 1) * 8_000_000 if index < 10 else 81_000_000 + index * 25_000
            kvk = f"{base + number * 11 + rng.randrange(11):08d}"
            rows.append(
                (
                    muni.id,
                    f"{word} {rng.choice(LAST_NAMES)} {place} {number + 1}",
                    kvk,
                    sector,
                    rng.choice(("micro", "small", "medium", "large")),
                    rng.choices(("prospect", "engaged", "partner"), (30, 40, 30))[0],
                    muni.wsp_id,
                )
            )
            owners.append(muni)
    ids = load.copy(
        "employers_employer",
        ("municipality_id", "name", "kvk_number", "sector", "size", "stage", "account_manager_id"),
        rows,
        want_ids=True,
    )
    by_muni = {muni.id: [] for muni in munis}
    for employer_id, muni in zip(ids, owners, strict=True):
        by_muni[muni.id].append(employer_id)
    return by_muni


def _opportunities_and_matches(load, rng, munis, persons, employers, want, today):
    """Opportunities in every status and matches in every stage; a hire has a placement.
    Returns per municipality the (match id, participant id) pairs on job intentions."""
    per_muni = _split(want["opportunities"], len(munis))
    rows, opportunities = [], []
    for muni, count in zip(munis, per_muni, strict=True):
        for _ in range(count):
            kind = rng.choices(*OPPORTUNITY_KIND)[0]
            status = rng.choices(*OPPORTUNITY_STATUS)[0]
            created = today - datetime.timedelta(days=rng.randint(0, 700))
            if status == "expired":
                valid_until = min(
                    today - datetime.timedelta(days=1), created + datetime.timedelta(days=90)
                )
            else:
                valid_until = today + datetime.timedelta(days=rng.randint(14, 180))
            confirmed = (
                _day(created + datetime.timedelta(days=3), 11)
                if status in ("confirmed", "filled")
                else None
            )
            rows.append(
                (
                    rng.choice(employers[muni.id]),
                    kind,
                    rng.choice(JOB_TITLES),
                    "",
                    ", ".join(rng.sample(SKILLS, 2)),
                    rng.randint(1, 3),
                    rng.choice((16, 24, 32, 38)),
                    rng.choice(CONTRACTS),
                    json.dumps(rng.sample(CERTIFICATES, rng.randint(0, 1))),
                    json.dumps(rng.sample(["youth", "workers", "older"], rng.randint(0, 2))),
                    status,
                    "Te weinig informatie." if status == "rejected" else "",
                    valid_until,
                    muni.wsp_id,
                    _day(created, 10),
                    confirmed,
                )
            )
            opportunities.append((muni, kind))
    ids = load.copy(
        "employers_opportunity",
        (
            "employer_id",
            "kind",
            "title",
            "description",
            "skills_wanted",
            "positions",
            "hours_per_week",
            "contract",
            "conditions",
            "target_groups",
            "status",
            "rejection_reason",
            "valid_until",
            "created_by_id",
            "created_at",
            "confirmed_at",
        ),
        rows,
        want_ids=True,
    )
    opp_by_muni = {muni.id: [] for muni in munis}
    for opportunity_id, (muni, kind) in zip(ids, opportunities, strict=True):
        opp_by_muni[muni.id].append((opportunity_id, kind))

    candidates = {muni.id: [] for muni in munis}
    hired_pool = {muni.id: [] for muni in munis}
    for person in persons:
        if person.status in ("placed", "off_benefit"):
            hired_pool[person.muni.id].append(person)
        elif person.status != "not_selected":
            candidates[person.muni.id].append(person)
    for pool in hired_pool.values():
        rng.shuffle(pool)

    match_rows, match_info = [], []
    per_muni = _split(want["matches"], len(munis))
    for muni, count in zip(munis, per_muni, strict=True):
        seen = set()
        opps = opp_by_muni[muni.id]
        pool = candidates[muni.id] + hired_pool[muni.id]
        attempts = 0
        while len(seen) < count:
            # Only at absurdly small factors are there fewer pairs than matches wanted.
            attempts += 1
            if attempts > 50 * count + 1_000:
                raise ScaleError("The factor is too small for this many distinct matches.")
            stage = rng.choices(*MATCH_STAGE)[0]
            hired = stage == "hired" and hired_pool[muni.id]
            if hired:
                # A hire is for somebody placed or off benefit, and only once per person.
                person = hired_pool[muni.id].pop()
            else:
                stage = "proposed" if stage == "hired" else stage
                person = rng.choice(pool)
            opportunity_id, kind = rng.choice(opps)
            if (person.id, opportunity_id) in seen:
                if hired:
                    hired_pool[muni.id].insert(0, person)
                continue
            seen.add((person.id, opportunity_id))
            created = max(person.enrolled_on, today - datetime.timedelta(days=700))
            created += datetime.timedelta(days=rng.randint(0, max(0, (today - created).days)))
            match_rows.append(
                (
                    person.id,
                    opportunity_id,
                    stage,
                    rng.randint(20, 100),
                    "Past niet bij de functie." if stage == "rejected" else "",
                    muni.wsp_id,
                    _day(created, 11),
                    _day(min(today, created + datetime.timedelta(days=10)), 15),
                )
            )
            match_info.append((muni, person, stage, kind, created))
    ids = load.copy(
        "employers_match",
        (
            "participant_id",
            "opportunity_id",
            "stage",
            "score",
            "rejection_reason",
            "proposed_by_id",
            "created_at",
            "updated_at",
        ),
        match_rows,
        want_ids=True,
    )
    placements, intentions = [], {muni.id: [] for muni in munis}
    for match_id, (muni, person, stage, kind, created) in zip(ids, match_info, strict=True):
        if stage == "hired":
            start = min(today, created + datetime.timedelta(days=21))
            placements.append(
                (
                    match_id,
                    start,
                    rng.choice(CONTRACTS),
                    rng.choice((24, 32, 38)),
                    "",
                    muni.wsp_id,
                    _day(start, 9),
                )
            )
        if kind == "job_intention" and stage in ("introduced", "interview", "hired"):
            intentions[muni.id].append((match_id, person))
    load.copy(
        "employers_placement",
        (
            "match_id",
            "start_date",
            "contract",
            "hours_per_week",
            "handover",
            "created_by_id",
            "created_at",
        ),
        placements,
    )
    return intentions


def _funding(load, rng, munis, persons, intentions, want, today):
    """Funds with a ledger of every kind whose available balance never drops below zero:
    each booking is checked against a running balance, in booking order."""
    funds = []  # (muni, fund id, kind, restriction, ceiling)
    with transaction.atomic():
        for muni in munis:
            for name, kind, group, ceiling in FUNDS:
                fund = Fund.objects.create(
                    municipality_id=muni.id,
                    programme_id=muni.programme_id,
                    name=name,
                    kind=kind,
                    starts_on=today - datetime.timedelta(days=730),
                    ceiling=ceiling,
                    target_group=group,
                )
                if kind == "sib":
                    SocialImpactBond.objects.create(
                        fund=fund,
                        investor="Stichting Kansrijk Overijssel",
                        principal=1_500_000,
                        agreed_return=4,
                        outcome_payment=12_000,
                    )
                funds.append((muni, fund.id, kind, group, ceiling))
    people = {
        muni.id: [p for p in persons if p.muni.id == muni.id and p.cohort >= 0] for muni in munis
    }
    youth = {
        key: [p for p in value if p.target_group == "youth"] or value
        for key, value in people.items()
    }

    entries_per_fund = _split(want["ledger_entries"], len(funds))
    first = _day(today - datetime.timedelta(days=730))
    span = 730 * 24 * 3600 - 3600

    def cents(value):
        return f"{value // 100}.{value % 100:02d}" if value >= 0 else f"-{cents(-value)}"

    # One municipality's five funds at a time: at national scale the ledger has 2,000,000
    # entries, too many to hold in memory. Every table still gets its rows in the order of
    # one COPY per table (the corrections last), so the ids are as they were.
    corrections = []  # (fund, amount, booked at, by, id of the corrected deposit)
    funds_and_budgets = list(zip(funds, entries_per_fund, strict=True))
    for _muni_id, muni_funds in itertools.groupby(funds_and_budgets, key=lambda f: f[0][0].id):
        commitments, entries, muni_corrections = [], [], []
        for (muni, fund_id, kind, group, ceiling), budget in muni_funds:
            # Entry times spread evenly over two years, in order, so the running balance holds.
            step = span / max(budget, 1)
            available = 0  # in cents
            open_commitments = []  # [commitment index, cents still open]
            deposits = []  # (entry index, cents): what a correction may take back
            written = 0
            ceiling_cents = ceiling * 100 if ceiling else None
            while written < budget:
                at = first + datetime.timedelta(seconds=int(written * step))
                remaining = budget - written
                roll = rng.random()
                if available < 1_000_000 or (remaining == 1 and not open_commitments):
                    if kind == "revolving" and written and available < (ceiling_cents or 0) // 2:
                        amount = (ceiling_cents - available) // 2
                        calc = {
                            "version": 1,
                            "people_off_benefit": rng.randint(3, 20),
                            "yearly_cost": "14783.00",
                            "capped_at_ceiling": True,
                        }
                        entries.append(
                            (
                                fund_id,
                                "replenishment",
                                amount,
                                at,
                                muni.manager_id,
                                "Aanvulling uit besparing",
                                None,
                                json.dumps(calc),
                            )
                        )
                    else:
                        amount = rng.randint(50_000, 200_000) * 100
                        deposits.append((len(entries), amount))
                        entries.append(
                            (
                                fund_id,
                                "deposit",
                                amount,
                                at,
                                muni.manager_id,
                                "Storting",
                                None,
                                None,
                            )
                        )
                    available += amount
                    written += 1
                elif roll < 0.45 and remaining >= 1:
                    # A commitment approved by the manager; it may be spent and released later.
                    pool = youth[muni.id] if group == "youth" else people[muni.id]
                    match_id = None
                    if kind == "client_budget" and intentions[muni.id]:
                        match_id, person = rng.choice(intentions[muni.id])
                    else:
                        person = rng.choice(pool)
                    amount = min(available, rng.randint(250, 5_000) * 100)
                    purpose = rng.choice(
                        (
                            "Opleiding VCA",
                            "Rijlessen",
                            "Werkkleding",
                            "Loonkostensubsidie",
                            "Kinderopvang",
                        )
                    )
                    index = len(commitments)
                    commitments.append(
                        [
                            fund_id,
                            person.id,
                            match_id,
                            purpose,
                            amount,
                            "approved",
                            person.consultant_id,
                            at - datetime.timedelta(days=2),
                            muni.manager_id,
                            at,
                        ]
                    )
                    open_commitments.append([index, amount])
                    entries.append(
                        (
                            fund_id,
                            "commitment",
                            amount,
                            at,
                            muni.manager_id,
                            f"Toezegging: {purpose}",
                            index,
                            None,
                        )
                    )
                    available -= amount
                    written += 1
                elif roll < 0.80 and open_commitments:
                    # Spending against a commitment moves money from committed to spent.
                    slot = rng.randrange(len(open_commitments))
                    index, still_open = open_commitments[slot]
                    amount = still_open if rng.random() < 0.6 else max(1, still_open // 2)
                    entries.append(
                        (
                            fund_id,
                            "expenditure",
                            amount,
                            at,
                            muni.manager_id,
                            f"Uitgave: {commitments[index][3]}",
                            index,
                            None,
                        )
                    )
                    written += 1
                    open_commitments[slot][1] -= amount
                    if open_commitments[slot][1] == 0:
                        commitments[index][5] = "closed"
                        open_commitments.pop(slot)
                elif roll < 0.90 and open_commitments:
                    # What is left of a commitment is released back to available.
                    index, still_open = open_commitments.pop(rng.randrange(len(open_commitments)))
                    entries.append(
                        (
                            fund_id,
                            "release",
                            still_open,
                            at,
                            muni.manager_id,
                            f"Vrijval: {commitments[index][3]}",
                            index,
                            None,
                        )
                    )
                    commitments[index][5] = "closed"
                    available += still_open
                    written += 1
                elif roll < 0.96:
                    amount = min(available, rng.randint(100, 2_500) * 100)
                    entries.append(
                        (
                            fund_id,
                            "expenditure",
                            amount,
                            at,
                            muni.manager_id,
                            "Uitgave zonder toezegging",
                            None,
                            None,
                        )
                    )
                    available -= amount
                    written += 1
                elif deposits:
                    # A correction takes back part of an earlier deposit, never below zero.
                    entry_index, deposited = rng.choice(deposits)
                    amount = min(available, deposited, rng.randint(10, 500) * 100)
                    if amount <= 0:
                        continue
                    muni_corrections.append((fund_id, -amount, at, muni.manager_id, entry_index))
                    available -= amount
                    written += 1
            # Requested and rejected commitments have no ledger entries; a few per fund.
            for _ in range(max(1, budget // 200)):
                person = rng.choice(people[muni.id] or persons)
                status = rng.choice(("requested", "rejected"))
                decided = status == "rejected"
                commitments.append(
                    [
                        fund_id,
                        person.id,
                        None,
                        "Cursus digitale vaardigheden",
                        rng.randint(100, 900) * 100,
                        status,
                        person.consultant_id,
                        _day(today - datetime.timedelta(days=rng.randint(0, 30))),
                        muni.manager_id if decided else None,
                        _day(today) if decided else None,
                    ]
                )

        commitment_ids = load.copy(
            "funding_commitment",
            (
                "fund_id",
                "participant_id",
                "match_id",
                "purpose",
                "amount",
                "status",
                "requested_by_id",
                "requested_at",
                "decided_by_id",
                "decided_at",
                "rejection_reason",
            ),
            (
                (
                    *row[:4],
                    cents(row[4]),
                    *row[5:],
                    "Past niet binnen het fonds." if row[5] == "rejected" else "",
                )
                for row in commitments
            ),
            want_ids=True,
            quiet=True,
        )
        ledger_ids = load.copy(
            "funding_ledgerentry",
            (
                "fund_id",
                "kind",
                "amount",
                "booked_at",
                "booked_by_id",
                "description",
                "commitment_id",
                "savings_calculation",
            ),
            (
                (
                    fund_id,
                    kind,
                    cents(amount),
                    at,
                    by,
                    text,
                    None if index is None else commitment_ids[index],
                    calc,
                )
                for fund_id, kind, amount, at, by, text, index, calc in entries
            ),
            want_ids=True,
            quiet=True,
        )
        corrections.extend(
            (fund_id, amount, at, by, ledger_ids[index])
            for fund_id, amount, at, by, index in muni_corrections
        )
    load.report("funding_commitment")
    load.report("funding_ledgerentry")
    load.copy(
        "funding_ledgerentry",
        ("fund_id", "kind", "amount", "booked_at", "booked_by_id", "description", "corrects_id"),
        (
            (fund_id, "correction", cents(amount), at, by, "Correctie op storting", deposit_id)
            for fund_id, amount, at, by, deposit_id in corrections
        ),
    )


def _register(load, rng, munis, want, today):
    """Each municipality's benefit register: quarterly snapshots, its participants (linked,
    as the import recognises them by BSN) and people who never joined, one benefit spell
    each, as the register's import would have left them. People are known by a keyed hash
    only; for the people outside the programme the hashed value is a serial number, not a
    BSN, which keeps them apart from the participants without drawing BSNs."""
    snapshot_days = [
        today - datetime.timedelta(days=5 + 91 * back)
        for back in reversed(range(REGISTER_SNAPSHOTS))
    ]
    first, last = snapshot_days[0], snapshot_days[-1]
    snapshot_index = {day: number for number, day in enumerate(snapshot_days)}

    def seen(started_on, ended_on):
        """(first seen, last seen, end recorded): the snapshots that recorded the spell."""
        first_seen = snapshot_days[bisect.bisect_left(snapshot_days, started_on)]
        if ended_on is None:
            return first_seen, last, None
        recorded = snapshot_days[bisect.bisect_left(snapshot_days, ended_on)]
        return min(first_seen, recorded), recorded, recorded

    # One municipality at a time: at national scale the register has 4,000,000 people,
    # too many to hold as rows in memory. Each table still gets its rows in the same order
    # (tables have their own sequences), so the ids are those of a single COPY per table.
    # Each snapshot's counts as its import would have recorded them, from the spells: in
    # the file (seen from its first to its last snapshot), new (first seen then), linked
    # to a participant, ended according to the file (end recorded then). Nobody vanishes
    # without a reason here, so "missing since the previous snapshot" is truly 0.
    counts = {}
    per_muni = _split(want["register_people"], len(munis))
    for muni, count in zip(munis, per_muni, strict=True):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, bsn, EXTRACT(YEAR FROM birth_date)::int, benefit_type,"
                " benefit_start, enrolled_on, status FROM participants_participant"
                " WHERE municipality_id = %s ORDER BY id",
                [muni.id],
            )
            members = cursor.fetchall()
        people, spells = [], []  # one spell per person, in the same order
        for pid, bsn, birth_year, benefit, started_on, enrolled_on, status in members:
            ended_on, reason = None, ""
            if status == "off_benefit":
                ended_on = min(enrolled_on + datetime.timedelta(days=rng.randint(120, 400)), last)
                reason = "work"
            people.append((muni.id, bsn_hash(muni.id, bsn), birth_year, pid))
            spells.append((muni.id, benefit, started_on, ended_on, reason))
            count -= 1
        for serial in range(count):
            started_on = last - datetime.timedelta(days=rng.randint(30, 8 * 365))
            ended_on, reason = None, ""
            if rng.random() < 0.45:
                ended_on = started_on + datetime.timedelta(days=rng.randint(60, 3 * 365))
                if ended_on > last:
                    ended_on = None  # still on benefit at the latest snapshot
                elif ended_on <= first:
                    # Whoever had left before the first snapshot is not in the register.
                    ended_on = first + datetime.timedelta(days=rng.randint(1, 90))
                if ended_on is not None:
                    reason = rng.choices(*REGISTER_END_REASONS)[0]
            birth_year = today.year - rng.randint(18, 66)
            people.append((muni.id, bsn_hash(muni.id, f"R{serial:09d}"), birth_year, None))
            spells.append((muni.id, rng.choices(*BENEFIT)[0], started_on, ended_on, reason))

        ids = load.copy(
            "benefit_register_registerperson",
            ("municipality_id", "bsn_hash", "birth_year", "participant_id"),
            people,
            want_ids=True,
            quiet=True,
        )
        rows = []
        for person_id, (muni_id, benefit, started_on, ended_on, reason) in zip(
            ids, spells, strict=True
        ):
            first_seen, last_seen, recorded = seen(min(started_on, last), ended_on)
            rows.append((muni_id, person_id, benefit, started_on, ended_on, reason, False,
                         first_seen, last_seen, recorded))  # fmt: skip
        load.copy(
            "benefit_register_benefitspell",
            ("municipality_id", "person_id", "benefit_type", "started_on", "ended_on",
             "end_reason", "ended_unseen", "first_seen_on", "last_seen_on", "end_recorded_on"),
            rows,
            quiet=True,
        )  # fmt: skip
        # One step per person, not one per snapshot it is in: a person counts from the
        # snapshot of first_seen up to and including that of last_seen (+1 there, -1 after).
        in_file = [0] * (REGISTER_SNAPSHOTS + 1)
        linked = [0] * (REGISTER_SNAPSHOTS + 1)
        new, ended = [0] * REGISTER_SNAPSHOTS, [0] * REGISTER_SNAPSHOTS
        for (_muni_id, _hash, _year, participant_id), row in zip(people, rows, strict=True):
            begin, end = snapshot_index[row[7]], snapshot_index[row[8]] + 1
            in_file[begin] += 1
            in_file[end] -= 1
            new[begin] += 1
            if participant_id is not None:
                linked[begin] += 1
                linked[end] -= 1
            if row[9] is not None:
                ended[snapshot_index[row[9]]] += 1
        in_file, linked = list(itertools.accumulate(in_file)), list(itertools.accumulate(linked))
        for number, day in enumerate(snapshot_days):
            counts[(muni.id, day)] = [in_file[number], new[number], linked[number], ended[number]]
    load.report("benefit_register_registerperson")
    load.report("benefit_register_benefitspell")
    manager_of = {muni.id: muni.manager_id for muni in munis}
    load.copy(
        "benefit_register_registersnapshot",
        ("municipality_id", "taken_on", "imported_at", "imported_by_id", "people",
         "new_people", "participants", "ended_in_file", "left_unseen"),
        [
            (muni.id, day, _day(day, 7), manager_of[muni.id],
             *counts.get((muni.id, day), [0, 0, 0, 0]), 0)
            for muni in munis
            for day in snapshot_days
        ],
    )  # fmt: skip
