"""Disclosure control of research exports (issue 18): quasi-identifiers declared, k and
uniques measured before the export, generalisation to the project's threshold, and a date
rule that no shared real date can undo. k is recomputed here with plain Python over the
files themselves, never with the code under test."""

import csv
import datetime
import io
import random
import secrets
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pyreadstat
import pytest
from django.urls import reverse
from django.utils import timezone

from consultants.models import CoachingSession
from evaluation.questionnaires.models import (
    Answer,
    Audience,
    Invitation,
    Question,
    Questionnaire,
    Response,
    Wave,
)
from evaluation.research.catalogue import TABLES
from evaluation.research.column_privacy import (
    PROGRAMME_DAY,
    QUASI_IDENTIFIERS,
    Declared,
    QuasiIdentifier,
)
from evaluation.research.columns import DATE, INTEGER
from evaluation.research.disclosure import _RAW_VALUE, GIVES_WAY_FIRST, disclosure_report
from evaluation.research.models import ExportFormat, ResearchExport, ResearchProject
from evaluation.research.pseudonyms import keys_for
from evaluation.research.tables import PARTICIPANTS
from evaluation.research.writers import write_export
from participants.models import CohortMeeting, Enrolment, Intake, OutcomeMeasurement, Participant
from tests.evaluation.test_research_exports import export_of, read_back
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

FORMATS = [ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.SPSS, ExportFormat.STATA]
ALL_TABLES = list(TABLES)
# What an outsider can know, as the participants table names it: written out here rather
# than read from the spec, so that the recount does not trust the code it checks.
QUASI_COLUMNS = (
    "programme",
    "birth_year",
    "postcode_area",
    "target_group",
    "benefit_type",
    "benefit_months",
    "monthly_benefit",
    "enrolled_month",
    "cohort",
    "cohort_joined_weeks",
)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def recount(rows):
    """(k, uniques) of the participants table as read back from a file."""
    groups = Counter(tuple(_plain(row.get(name)) for name in QUASI_COLUMNS) for row in rows)
    return min(groups.values(), default=None), sum(1 for size in groups.values() if size == 1)


def _plain(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- 1. Every column declares what it is ---------------------------------------------------


def test_every_column_of_every_table_declares_what_it_is_for_disclosure_control():
    """Fails for any new table or column without a declaration, so a new research table
    cannot slip a quasi-identifier past the measurement."""
    undeclared, unknown = [], []
    for table in TABLES.values():
        for column in table.columns:
            privacy = column.privacy
            if not isinstance(privacy, Declared | QuasiIdentifier):
                undeclared.append(f"{table.name}.{column.name}")
                continue
            qi = column.quasi_identifier
            # A quasi-identifier is measured on the participants' rows: it must have a
            # raw value there, or k would be measured without it.
            if qi and qi.name not in _RAW_VALUE:
                unknown.append(f"{table.name}.{column.name}")
            # No calendar date leaves except as a generalised quasi-identifier.
            if column.type == DATE:
                assert qi, f"{table.name}.{column.name} exports a calendar date"
            if privacy == PROGRAMME_DAY:
                assert column.type == INTEGER, column.name
    assert not undeclared, f"declare these columns (Declared or quasi(...)): {undeclared}"
    assert not unknown, unknown
    # Every hierarchy ends where it may: the last level either hides the value or there is
    # nothing to climb (only suppression protects it), and each level is described.
    for qi in QUASI_IDENTIFIERS.values():
        assert all(description for description, _fn in qi.levels), qi.name
        assert qi.name in GIVES_WAY_FIRST, qi.name
    expected = {
        "birth_year", "postcode", "benefit_type", "monthly_benefit", "target_group",
        "cohort", "programme", "enrolled", "benefit_months", "cohort_joined",
    }  # fmt: skip
    assert set(QUASI_IDENTIFIERS) == expected


# --- Generated data: a crowd in which nearly everyone is unique ----------------------------


@dataclass
class Crowd:
    project: ResearchProject
    researcher: object
    participants: list
    cohorts: list
    programme: object
    meetings: list  # (cohort, CohortMeeting)
    wave_day: datetime.date


WEEKS_12 = datetime.timedelta(weeks=12)


@pytest.fixture
def crowd(municipality, make_user):
    rng = random.Random(18)
    programme = ProgrammeFactory(
        municipality=municipality, name="VAK Gegenereerd", start_date=datetime.date(2024, 1, 8)
    )
    consultant = make_user(Role.CONSULTANT)
    researcher = make_user(Role.RESEARCHER)
    starts = [datetime.date(2024, 3, 4), datetime.date(2024, 6, 3), datetime.date(2024, 9, 2)]
    cohorts = [
        CohortFactory(programme=programme, start_date=start, end_date=start + WEEKS_12)
        for start in starts
    ]
    people = []
    for index in range(66):
        cohort = cohorts[index % 3] if index < 60 else None  # six without a group
        registered = (cohort.start_date if cohort else programme.start_date) - datetime.timedelta(
            days=rng.randint(3, 40)
        )
        person = ParticipantFactory(
            municipality=municipality,
            programme=programme,
            consultant=consultant,
            consent_research=index % 11 != 5,
            birth_date=datetime.date(rng.randint(1962, 2004), rng.randint(1, 12),
                                     rng.randint(1, 28)),
            postcode=f"80{rng.randint(10, 99)} {rng.choice('ABCDE')}{rng.choice('FGHKL')}",
            benefit_type=rng.choice(["ww", "bijstand"]),
            benefit_start=registered - datetime.timedelta(days=rng.randint(60, 1500)),
            monthly_benefit=Decimal(rng.randint(110_000, 190_000)) / 100,
            enrolled_on=registered,
        )  # fmt: skip
        if cohort:
            Enrolment.objects.create(cohort=cohort, participant=person, enrolled_on=registered)
        Intake.objects.create(
            participant=person, held_on=registered + datetime.timedelta(days=5), notes=""
        )
        people.append(person)
    meetings = []
    for cohort in cohorts:
        meeting = CohortMeeting.objects.create(
            cohort=cohort, held_on=cohort.start_date + datetime.timedelta(days=15),
            topic="Sollicitatie",
        )  # fmt: skip
        meetings.append((cohort, meeting))
        for person in people:
            if person.enrolments.filter(cohort=cohort).exists():
                CoachingSession.objects.create(
                    consultant=consultant, participant=person, held_on=meeting.held_on,
                    minutes=90, kind="group", meeting=meeting,
                )  # fmt: skip
                OutcomeMeasurement.objects.create(
                    participant=person, cohort=cohort, follow_up=3,
                    due_on=cohort.end_date + datetime.timedelta(days=91),
                )  # fmt: skip
    # A questionnaire wave: everyone answers on the same real day.
    wave_day = datetime.date(2024, 12, 2)
    survey = Questionnaire.objects.create(
        programme=programme, title="Eindmeting", audience=Audience.PARTICIPANTS, wave=Wave.FINAL
    )
    question = Question.objects.create(
        questionnaire=survey, position=1, text="Klaar voor werk?", kind="likert"
    )
    submitted = timezone.make_aware(datetime.datetime.combine(wave_day, datetime.time(11)))
    for person in people:
        invitation = Invitation.objects.create(
            questionnaire=survey, token_hash=secrets.token_hex(32), email="x@prive.example",
            participant=person, expires_at=submitted + datetime.timedelta(days=14),
            used_at=submitted,
        )  # fmt: skip
        response = Response.objects.create(
            invitation=invitation, questionnaire=survey, submitted_at=submitted
        )
        Answer.objects.create(response=response, question=question, number=4)
    project = ResearchProject.objects.create(
        municipality=municipality,
        name="Gegenereerd",
        institution="ROA",
        agreement_reference="ROA-18",
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )
    project.programmes.add(programme)
    project.researchers.add(researcher)
    return Crowd(project, researcher, people, cohorts, programme, meetings, wave_day)


def consenting(crowd):
    return [p for p in crowd.participants if p.consent_research]


# --- 2, 3 and 5. Measured before, generalised to k, recounted in every format ---------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reaches_the_projects_threshold_recounted_from_the_file(
    fmt, crowd, tmp_path, django_capture_on_commit_callbacks
):
    assert crowd.project.k_threshold == 5  # the default
    before = disclosure_report(crowd.project, ALL_TABLES)
    export = export_of(crowd.researcher, crowd.project, fmt, django_capture_on_commit_callbacks)
    contents = read_back(export, tmp_path)
    rows = contents.tables["participants"]
    k, uniques = recount(rows)

    assert k >= 5 and uniques == 0
    # The report the builder showed, the export's row and the README agree with the recount.
    assert (export.k_anonymity, export.unique_participants) == (k, 0)
    assert (before.k, before.uniques, before.suppressed) == (k, 0, export.suppressed_participants)
    assert export.k_threshold == 5
    assert len(rows) + export.suppressed_participants == len(consenting(crowd))
    assert export.suppressed_participants <= len(consenting(crowd)) * 0.05
    assert f"In deze export: kleinste groep k = {k}, uniek: 0." in contents.readme
    assert f"Weggelaten (konden de drempel niet halen): {export.suppressed_participants}." in (
        contents.readme
    )
    # With every detail almost everyone was unique: the protection is the generalisation.
    assert before.k_before == 1 and before.uniques_before > len(rows) / 2
    assert export.generalisation
    # The codebook says how each quasi-identifier is exported.
    notes = {row["variabele"]: row["openbaarmaking"] for row in contents.codebook}
    assert notes["birth_year"].startswith("quasi-identificator (Geboortejaar)")
    assert f"k = {k}" in notes["postcode_area"]
    assert notes["held_day"].startswith("dag van het traject")

    # A participant left out is left out of every table, and a quasi-identifier that
    # another table repeats is generalised the same way there.
    keys = keys_for(crowd.project)
    exported = {row["pseudonym"] for row in rows}
    everyone = {keys.pseudonym(p.pk) for p in consenting(crowd)}
    for table, table_rows in contents.tables.items():
        assert {r.get("pseudonym") for r in table_rows} - {None} <= exported, table
    assert len(everyone - exported) == export.suppressed_participants
    cohort_of = {row["pseudonym"]: _plain(row["cohort"]) for row in rows}
    for outcome in contents.tables["outcome_measurements"]:
        assert _plain(outcome["cohort"]) == cohort_of[outcome["pseudonym"]]


def test_the_threshold_and_the_detail_the_agreement_allows_are_the_projects(crowd):
    project = crowd.project
    five = disclosure_report(project, ["participants"])
    project.k_threshold = 3
    three = disclosure_report(project, ["participants"])
    assert three.k >= 3 and five.k >= 5
    # A lower threshold needs less generalisation.
    assert sum(three.levels.values()) < sum(five.levels.values())

    project.k_threshold = 5
    project.detail_allowed = ["birth_year"]
    detailed = disclosure_report(project, ["participants"])
    assert detailed.levels["birth_year"] == 0
    assert detailed.k is None or detailed.k >= 5
    assert detailed.pinned == ("birth_year",)
    assert "Geboortejaar: volledig detail, toegestaan door de overeenkomst." in (
        "\n".join(detailed.lines())
    )


def test_tables_without_quasi_identifiers_need_no_generalisation(crowd):
    report = disclosure_report(crowd.project, ["ladder_rungs", "coaching_sessions"])
    assert report.levels == {}
    assert report.k == len(consenting(crowd)) and report.suppressed == 0
    # Outcome measurements carry the group, which is measured then.
    assert set(disclosure_report(crowd.project, ["outcome_measurements"]).levels) == {"cohort"}


# --- 4. The date rule: no shared real date gives a participant's offset away -----------------


def test_no_shared_real_date_recovers_a_participants_offset(crowd, tmp_path):
    """The attack of issue 18, through every date many participants share in reality: a
    group's meeting, the questionnaire wave and the follow-ups due (and through them the
    group's and the programme's start). For each participant it takes every exported day
    that falls on such a date as that participant's offset and tries to turn the export
    back into real dates."""
    crowd.project.k_threshold = 1  # the attack gets every detail there is
    crowd.project.save()
    buffer = io.BytesIO()
    write_export(crowd.project, ALL_TABLES, ExportFormat.CSV, buffer)
    tables = {}
    with zipfile.ZipFile(buffer) as archive:
        for name in ALL_TABLES:
            tables[name] = list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))
    keys = keys_for(crowd.project)
    person_of = {keys.pseudonym(p.pk): p for p in consenting(crowd)}
    meeting_of = {cohort.pk: meeting.held_on for cohort, meeting in crowd.meetings}
    due_of = {c.pk: c.end_date + datetime.timedelta(days=91) for c in crowd.cohorts}

    # The attacker knows which exported days fall on a shared real date: a group meeting
    # (its session row says so), the questionnaire wave, the follow-up due for the group.
    offsets = defaultdict(set)
    for row in tables["coaching_sessions"]:
        if row["group_meeting"] == "1":
            group = _group_of(person_of[row["pseudonym"]])
            offsets[row["pseudonym"]].add((meeting_of[group], int(row["held_day"])))
    for row in tables["questionnaire_answers"]:
        if row["pseudonym"]:
            offsets[row["pseudonym"]].add((crowd.wave_day, int(row["submitted_day"])))
    for row in tables["outcome_measurements"]:
        offsets[row["pseudonym"]].add((due_of[int(row["cohort"])], int(row["due_day"])))
    assert set(offsets) == set(person_of), "every participant shares some real date"

    # Every day number each participant has anywhere in the export.
    days = defaultdict(set)
    for rows in tables.values():
        for row in rows:
            for column, value in row.items():
                if column.endswith("_day") and value not in ("", None) and row.get("pseudonym"):
                    days[row["pseudonym"]].add(int(value))

    recovered, anchors = _attack(offsets, days, person_of)
    assert recovered == []
    # What the shared dates give away is a day 0 the whole group shares: one per group,
    # and it is the group's (or the programme's) real start, a public date.
    starts = {c.pk: c.start_date for c in crowd.cohorts}
    assert set(anchors) == {*starts, None}
    for group, found in anchors.items():
        assert found == {starts.get(group, crowd.programme.start_date)}, group

    # The attack is no straw man: one column with the day of registration (what the old
    # export's shifted 'in the group since' amounted to) and it finds everyone.
    for pseudonym, person in person_of.items():
        start = starts.get(_group_of(person), crowd.programme.start_date)
        days[pseudonym].add((person.enrolled_on - start).days)
    recovered, _anchors = _attack(offsets, days, person_of)
    assert len(recovered) == len(person_of)


def _attack(offsets, days, person_of):
    """Each shared real date minus its exported day is the participant's offset; with it,
    every exported day of theirs becomes a real date again. Returns who had a personal
    date an outsider knows rebuilt to the day, and the offsets found per group."""
    recovered, anchors = [], defaultdict(set)
    for pseudonym, person in person_of.items():
        found = {real - datetime.timedelta(days=day) for real, day in offsets[pseudonym]}
        anchors[_group_of(person)] |= found
        rebuilt = {a + datetime.timedelta(days=day) for a in found for day in days[pseudonym]}
        if rebuilt & {person.benefit_start, person.enrolled_on, person.birth_date}:
            recovered.append(pseudonym)
    return recovered, anchors


def _group_of(person):
    enrolment = person.enrolments.order_by("enrolled_on", "pk").first()
    return enrolment.cohort_id if enrolment else None


def test_a_registration_date_is_never_exported_to_the_day(crowd):
    """The old export let `cohort` + the shifted 'in the group since' give the offset: the
    date of joining is now weeks before the start, generalised like any quasi-identifier."""
    names = {c.name for t in TABLES.values() for c in t.columns}
    assert not names & {"enrolled_on", "cohort_enrolled_on", "benefit_start", "birth_date"}
    column = next(c for c in PARTICIPANTS.columns if c.name == "cohort_joined_weeks")
    assert column.quasi_identifier.name == "cohort_joined"


# --- 5. The Zwolle demo export reaches k >= 5 with its default settings ----------------------


def participants_of(data, fmt, tmp_path):
    """The participants table of an export file, read back with the format's own reader."""
    if fmt == ExportFormat.XLSX:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        header, *rows = [list(r) for r in book["participants"].iter_rows(values_only=True)]
        return [dict(zip(header, row + [None] * (len(header) - len(row)), strict=True))
                for row in rows]  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if fmt == ExportFormat.CSV:
            text = archive.read("participants.csv").decode()
            return [
                {k: v or None for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))
            ]
        path = tmp_path / f"participants.{fmt}"
        path.write_bytes(archive.read(f"participants.{fmt}"))
    read = pyreadstat.read_sav if fmt == ExportFormat.SPSS else pyreadstat.read_dta
    frame, _meta = read(str(path))
    return [{k: None if v != v or v == "" else v for k, v in row.items()}
            for row in frame.to_dict(orient="records")]  # fmt: skip


def test_the_zwolle_demo_export_reaches_k_5_with_default_settings(tmp_path, demo):
    project = ResearchProject.objects.get(municipality__name="Demo Zwolle")
    assert project.k_threshold == 5 and project.detail_allowed == []
    consenting_count = Participant.objects.filter(
        programme__in=project.own_programmes(), consent_research=True
    ).count()
    for fmt in FORMATS:
        buffer = io.BytesIO()
        counts = write_export(project, ALL_TABLES, fmt, buffer)
        rows = participants_of(buffer.getvalue(), fmt, tmp_path)
        k, uniques = recount(rows)
        assert k >= 5 and uniques == 0, fmt
        assert counts.report.k == k
        assert len(rows) + counts.report.suppressed == consenting_count
        assert counts.report.suppressed <= consenting_count * 0.05
    # What the issue measured on the old export: nearly everyone unique with every detail.
    assert counts.report.uniques_before > consenting_count / 2
    # The demo's own SPSS export went through the same measurement.
    demo_export = ResearchExport.objects.get(project=project, format=ExportFormat.SPSS)
    assert demo_export.k_anonymity >= 5 and demo_export.k_threshold == 5


# --- 2. The builder shows the report before the export; managers see it in the list --------


def test_the_builder_shows_the_report_before_anything_is_requested(
    client, crowd, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(crowd.researcher)
    url = reverse("evaluation:research_export_new", args=[crowd.project.pk])
    report = disclosure_report(crowd.project, ALL_TABLES)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert 'id="disclosure-report"' in page
    assert f'data-testid="k-after">{report.k} ' in page
    assert f'data-testid="k-before">{report.k_before} ' in page
    assert "Geboortejaar" in page
    dutch = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "grover gemaakt tot elke combinatie bij minstens 5 deelnemers" in dutch
    assert "Kleinste groep in de export (k)" in dutch
    project_page = client.get(
        reverse("evaluation:research_project_detail", args=[crowd.project.pk]),
        HTTP_ACCEPT_LANGUAGE="nl",
    ).content.decode()
    assert "Datums staan als dagen sinds een dag 0" in project_page
    assert 'data-testid="project-k">5<' in project_page

    # "Show" measures another choice of tables and makes no export.
    with django_assert_max_num_queries(12):
        preview = client.post(url, {"tables": ["ladder_rungs"], "format": "csv", "preview": "1"})
    assert preview.status_code == 200
    assert "The chosen tables hold no quasi-identifiers." in preview.content.decode() or (
        "geen quasi-identificatoren" in preview.content.decode()
    )
    assert not ResearchExport.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"tables": ALL_TABLES, "format": "csv"})
    export = ResearchExport.objects.get()
    assert export.k_anonymity == report.k


def test_managers_see_the_disclosure_report_in_the_list_of_exports(
    client, crowd, make_user, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    for fmt in ("csv", "sav", "xlsx"):
        export = export_of(crowd.researcher, crowd.project, fmt, capture)
    manager = make_user(Role.MANAGER, municipality=crowd.project.municipality)
    client.force_login(manager)
    url = reverse("evaluation:research_export_list", args=[crowd.project.pk])
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert page.count('data-testid="export-disclosure"') == 3
    assert f"k = {export.k_anonymity} " in page
    assert "Geboortejaar" in page
