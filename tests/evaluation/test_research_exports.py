"""Research exports: what a file may contain, in every format, and who gets it."""

import csv
import datetime
import hashlib
import io
import math
import secrets
import time
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pyreadstat
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from consultants.models import CoachingSession, Theme
from employers.models import EmployerContact, Match, MatchStage, Placement
from evaluation.questionnaires.models import (
    Answer,
    Audience,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Wave,
)
from evaluation.research import services as research_services
from evaluation.research.admin import ResearchProjectForm
from evaluation.research.catalogue import TABLES
from evaluation.research.cells import ExportContext, prepare
from evaluation.research.models import ExportFormat, ResearchExport, ResearchProject
from evaluation.research.pseudonyms import Keys, keys_for
from evaluation.research.tables import (
    COACHING_SESSIONS,
    _programme_choices,
    _session_copy,
    consenting_participants,
)
from evaluation.research.writers import _copy_csv, _python_csv, extension
from participants import privacy
from participants.models import Enrolment, Intake, LadderRung, OutcomeMeasurement
from tests.employers.factories import EmployerFactory, OpportunityFactory
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.bsn import bsn_from_number
from vakwerk.models import AuditAction, AuditEntry, JobStatus
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

FORMATS = [ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.SPSS, ExportFormat.STATA]
ALL_TABLES = list(TABLES)
# Column names that would betray an identifying or free-text field.
FORBIDDEN_COLUMNS = {"postcode", "text", "address", "bsn", "birth_date", "notes", "handover"}
FORBIDDEN_PARTS = ("name", "bsn", "note", "address", "email", "phone", "handover", "agreed")
SECRET_MARK = "GEHEIM-7731"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@dataclass
class World:
    project: ResearchProject
    other_project: ResearchProject
    researcher: object
    other_researcher: object
    consultant: object
    alice: object  # consents, has a record in every table
    bob: object  # consents, almost nothing recorded
    carol: object  # does not consent
    dave: object  # consents, but in a programme outside the project
    cohort: object
    placement: Placement
    identifying: list  # strings that must appear in no export


def _answer(questionnaire, participant, email, answers):
    invitation = Invitation.objects.create(
        questionnaire=questionnaire,
        token_hash=secrets.token_hex(32),
        email=email,
        participant=participant,
        expires_at=timezone.now() + datetime.timedelta(days=14),
        used_at=timezone.now(),
    )
    response = Response.objects.create(invitation=invitation, questionnaire=questionnaire)
    for question, values in answers:
        Answer.objects.create(response=response, question=question, **values)
    return response


@pytest.fixture
def world(municipality, make_user):
    programme = ProgrammeFactory(municipality=municipality, name="VAK Testgemeente")
    elsewhere = ProgrammeFactory(municipality=municipality, name="Ander programma")
    consultant = make_user(Role.CONSULTANT)
    researcher = make_user(Role.RESEARCHER)
    other_researcher = make_user(Role.RESEARCHER)

    def person(first, last, number, **fields):
        defaults = {
            "municipality": municipality,
            "programme": programme,
            "consultant": consultant,
            "consent_research": True,
        }
        return ParticipantFactory(
            first_name=first, last_name=last, bsn=bsn_from_number(number), **(defaults | fields)
        )

    alice = person(
        "Wilhelmina",
        "Zeldzaamheid",
        31_415_926,
        birth_date=datetime.date(1987, 3, 14),
        postcode="8017 KM",
        enrolled_on=datetime.date(2025, 2, 3),
        benefit_start=datetime.date(2023, 6, 1),
        monthly_benefit=Decimal("1400.50"),
    )
    bob = person("Barend", "Tweedepersoon", 27_182_818, postcode="8021 AB")
    carol = person(
        "Kunigunde", "Weigeraar", 16_180_339, consent_research=False, postcode="8031 CD"
    )
    dave = person("Dirkjan", "Anderprogramma", 14_142_135, programme=elsewhere, postcode="8041 EF")

    Intake.objects.create(
        participant=alice,
        held_on=datetime.date(2025, 2, 10),
        development_potential="high",
        notes=f"INTAKE-{SECRET_MARK}",
        passion_inventory=f"PASSIE-{SECRET_MARK}",
    )
    cohort = CohortFactory(
        programme=programme,
        start_date=datetime.date(2025, 3, 3),
        end_date=datetime.date(2025, 5, 30),
    )
    Enrolment.objects.create(
        cohort=cohort, participant=alice, enrolled_on=datetime.date(2025, 2, 20)
    )
    for who, mark in ((alice, "NOTITIE"), (carol, "CAROL"), (dave, "DAVE")):
        CoachingSession.objects.create(
            consultant=consultant,
            participant=who,
            held_on=datetime.date(2025, 3, 10),
            minutes=45,
            kind="individual",
            themes=["skills", "cv"],
            notes=f"{mark}-{SECRET_MARK}",
            agreed_actions=f"AFSPRAAK-{mark}-{SECRET_MARK}",
        )
    OutcomeMeasurement.objects.create(
        participant=alice,
        cohort=cohort,
        follow_up=3,
        due_on=datetime.date(2025, 8, 30),
        measured_on=datetime.date(2025, 9, 2),
        employment="part_time",
        hours_per_week=24,
        contract="temporary",
        benefit_status="none",
        benefit_end_reason="work",
        source="participant",
    )
    OutcomeMeasurement.objects.create(
        participant=carol, cohort=cohort, follow_up=3, due_on=datetime.date(2025, 8, 30)
    )
    LadderRung.objects.create(
        participant=alice, recorded_on=datetime.date(2025, 2, 10), moment="intake", rung=2
    )
    employer = EmployerFactory(municipality=municipality, name="Bakkerij Verborgennaam")
    EmployerContact.objects.create(
        employer=employer,
        name="Contactpersoon Onbekend",
        email="contact@verborgen.example",
        phone="0612345678",
    )
    hired = Match.objects.create(
        participant=alice,
        opportunity=OpportunityFactory(employer=employer),
        stage=MatchStage.HIRED,
    )
    placement = Placement.objects.create(
        match=hired,
        start_date=datetime.date(2025, 6, 2),
        contract="temporary",
        hours_per_week=24,
        handover=f"OVERDRACHT-{SECRET_MARK}",
    )
    Match.objects.create(
        participant=alice,
        opportunity=OpportunityFactory(employer=employer),
        stage=MatchStage.REJECTED,
        rejection_reason=f"REDEN-{SECRET_MARK}",
    )

    survey = Questionnaire.objects.create(
        programme=programme, title="Deelnemers eindmeting", audience=Audience.PARTICIPANTS,
        wave=Wave.FINAL,
    )  # fmt: skip
    likert = Question.objects.create(
        questionnaire=survey, position=1, text="Ik voel me klaar voor werk.", kind="likert"
    )
    choice = Question.objects.create(
        questionnaire=survey,
        position=2,
        text="Heeft u nu werk?",
        kind=QuestionKind.CHOICE,
        choices=["Ja", "Nee"],
    )
    open_text = Question.objects.create(
        questionnaire=survey, position=3, text="Wat wilt u nog kwijt?", kind=QuestionKind.TEXT
    )
    for who in (alice, carol):
        _answer(
            survey,
            who,
            f"{who.first_name.lower()}@prive.example",
            [
                (likert, {"number": Decimal("4")}),
                (choice, {"choice": "Ja"}),
                (open_text, {"text": f"OPEN-{who.first_name}-{SECRET_MARK}"}),
            ],
        )
    staff_survey = Questionnaire.objects.create(
        programme=programme, title="Consulenten nulmeting", audience=Audience.CONSULTANTS,
        wave=Wave.BASELINE,
    )  # fmt: skip
    staff_likert = Question.objects.create(
        questionnaire=staff_survey, position=1, text="Ik heb genoeg tijd.", kind="likert"
    )
    _answer(staff_survey, None, "consulent@gemeente.example", [(staff_likert, {"number": 5})])

    def project(name, who):
        made = ResearchProject.objects.create(
            municipality=municipality,
            name=name,
            institution="ROA, Maastricht University",
            agreement_reference=f"ROA-{name}",
            valid_until=timezone.localdate() + datetime.timedelta(days=365),
            secret=secrets.token_hex(32),
            # Two consenting people: these tests are about what a row may hold, so the
            # agreement allows individual records (k = 1); disclosure control has its own
            # tests (test_disclosure.py).
            k_threshold=1,
        )
        made.programmes.add(programme)
        made.researchers.add(who)
        return made

    identifying = [
        *(p.first_name for p in (alice, bob, carol, dave)),
        *(p.last_name for p in (alice, bob, carol, dave)),
        *(p.bsn for p in (alice, bob, carol, dave)),
        *(p.postcode for p in (alice, bob, carol, dave)),
        *(p.postcode.replace(" ", "") for p in (alice, bob, carol, dave)),
        "1987-03-14",
        "14-03-1987",
        SECRET_MARK,
        "Bakkerij Verborgennaam",
        "Contactpersoon Onbekend",
        "verborgen.example",
        "0612345678",
        "prive.example",
        "gemeente.example",
    ]
    return World(
        project=project("Evaluatie", researcher),
        other_project=project("Tweede studie", other_researcher),
        researcher=researcher,
        other_researcher=other_researcher,
        consultant=consultant,
        alice=alice,
        bob=bob,
        carol=carol,
        dave=dave,
        cohort=cohort,
        placement=placement,
        identifying=identifying,
    )


# --- Helpers: make an export and read it back ---------------------------------------------


def export_of(user, project, fmt, capture, tables=None):
    with capture(execute=True):
        export = research_services.request_export(user, project, tables or ALL_TABLES, fmt)
    export.refresh_from_db()
    assert export.status == JobStatus.DONE, export.error
    return export


def stored_bytes(export):
    with storages["private"].open(export.file_name, "rb") as stored:
        return stored.read()


@dataclass
class Contents:
    tables: dict  # table -> list of row dicts
    columns: dict  # table -> list of column names
    codebook: list  # rows of the codebook (dicts)
    readme: str
    raw: str  # every member decompressed, for a search of forbidden strings
    meta: dict  # table -> pyreadstat metadata (SPSS and Stata only)


def _clean(value):
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def read_back(export, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = stored_bytes(export)
    tables, columns, meta = {}, {}, {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        raw = "\n".join(archive.read(name).decode("latin-1") for name in archive.namelist())
        if export.format == ExportFormat.XLSX:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            sheets = {
                sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
                for sheet in book.worksheets
            }
            header, *rows = sheets.pop("codebook")
            codebook = [dict(zip(header, row, strict=True)) for row in rows]
            readme = "\n".join(str(row[0] or "") for row in sheets.pop("toelichting"))
            for name, (header, *rows) in sheets.items():
                columns[name] = list(header)
                # Read-only openpyxl leaves out empty cells at the end of a row.
                padded = [row + [None] * (len(header) - len(row)) for row in rows]
                tables[name] = [
                    {k: _clean(v) for k, v in zip(header, row, strict=True)} for row in padded
                ]
        else:
            codebook = list(csv.DictReader(io.StringIO(archive.read("codebook.csv").decode())))
            readme = archive.read("README.txt").decode()
            for name in archive.namelist():
                table, _, extension = name.rpartition(".")
                if name in ("codebook.csv", "README.txt"):
                    continue
                if extension == "csv":
                    reader = csv.DictReader(io.StringIO(archive.read(name).decode()))
                    tables[table] = [{k: _clean(v) for k, v in row.items()} for row in reader]
                    columns[table] = list(reader.fieldnames)
                    continue
                path = tmp_path / name
                path.write_bytes(archive.read(name))
                read = pyreadstat.read_sav if extension == "sav" else pyreadstat.read_dta
                frame, table_meta = read(str(path))
                columns[table] = list(frame.columns)
                tables[table] = [
                    {k: _clean(v) for k, v in row.items()}
                    for row in frame.to_dict(orient="records")
                ]
                meta[table] = table_meta
    return Contents(tables, columns, codebook, readme, raw, meta)


def as_date(value):
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


def as_int(value):
    return None if value is None else int(float(value))


def rows_of(contents, table, pseudonym):
    return [row for row in contents.tables[table] if row.get("pseudonym") == pseudonym]


# --- The export rules, in every format -----------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_follows_the_rules(fmt, world, tmp_path, django_capture_on_commit_callbacks):
    export = export_of(world.researcher, world.project, fmt, django_capture_on_commit_callbacks)
    contents = read_back(export, tmp_path)
    keys = keys_for(world.project)
    alice, bob = keys.pseudonym(world.alice.pk), keys.pseudonym(world.bob.pk)

    assert set(contents.tables) == set(ALL_TABLES)
    # No identifying column, and no identifying value anywhere in the file.
    for table, names in contents.columns.items():
        for name in names:
            assert name not in FORBIDDEN_COLUMNS, (table, name)
            assert not any(part in name for part in FORBIDDEN_PARTS), (table, name)
    for value in world.identifying:
        assert value.lower() not in contents.raw.lower(), value
    for rows in contents.tables.values():
        for row in rows:
            assert datetime.date(1987, 3, 14) not in row.values()

    # Only consenting participants of the project's programmes.
    assert {row["pseudonym"] for row in contents.tables["participants"]} == {alice, bob}
    excluded = {keys.pseudonym(world.carol.pk), keys.pseudonym(world.dave.pk)}
    for table, rows in contents.tables.items():
        assert not excluded & {row.get("pseudonym") for row in rows}, table
    assert not any(pseudonym in contents.raw for pseudonym in excluded)
    sessions = contents.tables["coaching_sessions"]
    assert {row["pseudonym"] for row in sessions} == {alice}
    answers = contents.tables["questionnaire_answers"]
    assert {row["pseudonym"] for row in answers} == {alice, None}  # None: the consultant
    assert len(answers) == 3  # alice's likert and choice, the consultant's likert

    # Birth year and the postcode's four digits (k = 1: nothing needs generalising).
    (person,) = rows_of(contents, "participants", alice)
    assert as_int(person["birth_year"]) == 1987
    assert str(person["postcode_area"]) == "8017"
    assert person["enrolled_month"] == "2025-02"
    assert as_int(person["benefit_months"]) == 20  # 2023-06-01 to 2025-02-03

    # Dates are days since the group's start (2025-03-03): intervals stay exact.
    assert as_int(person["intake_day"]) == -21  # 2025-02-10
    (placed,) = [
        r for r in rows_of(contents, "matches_placements", alice) if r["placement_start_day"]
    ]
    assert as_int(placed["placement_start_day"]) == 91  # 2025-06-02
    (session,) = rows_of(contents, "coaching_sessions", alice)
    assert as_int(session["held_day"]) == 7  # 2025-03-10
    (outcome,) = rows_of(contents, "outcome_measurements", alice)
    assert as_int(outcome["measured_day"]) == 183  # 2025-09-02
    assert as_int(outcome["hours_per_week"]) == 24
    assert as_int(outcome["outflow_to_work"]) == 1

    # The codebook lists every column of every table, with its label.
    listed = {(row["tabel"], row["variabele"]) for row in contents.codebook}
    present = {(table, name) for table, names in contents.columns.items() for name in names}
    assert listed == present
    spec = {(t.name, c.name): c for t in TABLES.values() for c in t.columns}
    assert all(
        row["label"] == spec[(row["tabel"], row["variabele"])].label for row in contents.codebook
    )
    benefit = next(r for r in contents.codebook if r["variabele"] == "benefit_type")
    assert "Bijstand (Participatiewet)" in benefit["waardelabels"]
    assert "pseudoniem" in contents.readme and "dagen sinds dag 0" in contents.readme
    assert "kleinste groep k = 1" in contents.readme

    if fmt in (ExportFormat.SPSS, ExportFormat.STATA):
        meta = contents.meta["participants"]
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["birth_year"].startswith("Geboortejaar")
        value_labels = meta.variable_value_labels
        code = as_int(person["benefit_type"])
        assert value_labels["benefit_type"][code] == "Bijstand (Participatiewet)"
        assert value_labels["anonymised"] == {0: "Nee", 1: "Ja"}
        assert "1=" in benefit["waardelabels"]
        outcome_labels = contents.meta["outcome_measurements"].variable_value_labels
        assert set(outcome_labels["follow_up"]) == {3, 6, 12, 18}
    else:
        assert person["benefit_type"] == "bijstand"
        assert "bijstand=Bijstand (Participatiewet)" in benefit["waardelabels"]

    # Logged once, with the rows, pointing at the export whose hash is the file's.
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT, object_id=str(export.pk))
    assert entry.user == world.researcher
    assert entry.purpose == world.project.agreement_reference
    assert f"{export.rows} rows" in entry.detail
    assert export.rows == sum(len(rows) for rows in contents.tables.values())
    assert export.sha256 == hashlib.sha256(stored_bytes(export)).hexdigest()
    assert not AuditEntry.objects.filter(participant_id__isnull=False, action="export").exists()
    assert export.file_name == f"research/{world.project.pk}/{export.pk}.{extension(fmt)}"
    assert export.expires_at == export.finished_at + datetime.timedelta(days=14)


def test_pseudonyms_are_stable_within_a_project_and_differ_across_projects(
    world, tmp_path, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = export_of(world.researcher, world.project, ExportFormat.CSV, capture)
    second = export_of(world.researcher, world.project, ExportFormat.SPSS, capture)
    other = export_of(world.other_researcher, world.other_project, ExportFormat.CSV, capture)

    def pseudonyms(export):
        rows = read_back(export, tmp_path / str(export.pk)).tables["participants"]
        return sorted(row["pseudonym"] for row in rows)

    assert pseudonyms(first) == pseudonyms(second)
    assert len(pseudonyms(first)) == 2
    assert not set(pseudonyms(first)) & set(pseudonyms(other))
    alice = Keys(world.project.secret).pseudonym(world.alice.pk)
    assert Keys(world.other_project.secret).pseudonym(world.alice.pk) != alice
    assert len(alice) == 16


def test_an_anonymised_participant_keeps_pseudonym_and_figures(
    world, tmp_path, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    keys = keys_for(world.project)
    alice = keys.pseudonym(world.alice.pk)
    before = read_back(export_of(world.researcher, world.project, "csv", capture), tmp_path)
    assert privacy.anonymise(world.alice, timezone.now())
    after = read_back(
        export_of(world.researcher, world.project, "csv", capture), tmp_path / "after"
    )

    for table in ("outcome_measurements", "ladder_rungs", "coaching_sessions"):
        assert rows_of(after, table, alice) == rows_of(before, table, alice), table
        assert rows_of(after, table, alice)
    placements = [
        r for r in rows_of(after, "matches_placements", alice) if r["placement_start_day"]
    ]
    assert len(placements) == 1
    (person,) = rows_of(after, "participants", alice)
    assert person["anonymised"] == "1"
    assert person["birth_year"] is None and person["postcode_area"] is None
    assert person["enrolled_month"] == rows_of(before, "participants", alice)[0]["enrolled_month"]
    assert person["target_group"] == rows_of(before, "participants", alice)[0]["target_group"]


def test_running_an_export_twice_changes_nothing(world, django_capture_on_commit_callbacks):
    export = export_of(world.researcher, world.project, "xlsx", django_capture_on_commit_callbacks)
    again = research_services.run_export(export.pk)
    assert (again.sha256, again.file_name) == (export.sha256, export.file_name)
    assert AuditEntry.objects.filter(action="export", object_id=str(export.pk)).count() == 1


def test_the_builder_requests_an_export_and_the_list_shows_it(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.researcher)
    url = reverse("evaluation:research_export_new", args=[world.project.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="tables"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"tables": ["participants", "ladder_rungs"], "format": "dta"})
    assert response.status_code == 302
    export = ResearchExport.objects.get(project=world.project)
    assert export.tables == ["participants", "ladder_rungs"]
    assert (export.format, export.status) == ("dta", JobStatus.DONE)
    listing = client.get(reverse("evaluation:research_export_list", args=[world.project.pk]))
    assert export.sha256 in listing.content.decode()
    assert reverse("evaluation:research_export_download", args=[export.pk]) in (
        listing.content.decode()
    )
    detail = client.get(reverse("evaluation:research_project_detail", args=[world.project.pk]))
    assert detail.status_code == 200
    start = client.get(reverse("evaluation:research_projects")).content.decode()
    assert reverse("evaluation:research_export_list", args=[world.project.pk]) in start


def test_request_is_refused_outside_the_project_or_after_it_ended(world, make_user):
    with pytest.raises(PermissionDenied):
        research_services.request_export(world.other_researcher, world.project, ALL_TABLES, "csv")
    with pytest.raises(PermissionDenied):
        research_services.request_export(make_user(Role.MANAGER), world.project, ALL_TABLES, "csv")
    with pytest.raises(ValidationError):
        research_services.request_export(world.researcher, world.project, ["names"], "csv")
    with pytest.raises(ValidationError):
        research_services.request_export(world.researcher, world.project, ALL_TABLES, "pdf")
    world.project.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    world.project.save()
    with pytest.raises(ValidationError):
        research_services.request_export(world.researcher, world.project, ALL_TABLES, "csv")
    assert not ResearchExport.objects.exists()


def test_a_researcher_taken_off_the_project_before_the_run_gets_no_file(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        export = research_services.request_export(
            world.researcher, world.project, ALL_TABLES, "csv"
        )
    world.project.researchers.remove(world.researcher)
    export = research_services.run_export(export.pk)
    assert (export.status, export.error, export.file_name) == (
        JobStatus.FAILED, "PermissionDenied", ""
    )  # fmt: skip


# --- Download, expiry and access ----------------------------------------------------------


def test_download_is_logged_and_expiry_deletes_the_file(
    client, world, django_capture_on_commit_callbacks
):
    export = export_of(world.researcher, world.project, "sav", django_capture_on_commit_callbacks)
    url = reverse("evaluation:research_export_download", args=[export.pk])
    client.force_login(world.researcher)
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == export.sha256
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(
        action=AuditAction.DOWNLOAD, object_id=str(export.pk), user=world.researcher
    ).exists()

    assert research_services.delete_expired_exports() == 0
    later = export.expires_at + datetime.timedelta(seconds=1)
    assert research_services.delete_expired_exports(now=later) == 1
    assert not storages["private"].exists(export.file_name)
    assert research_services.delete_expired_exports(now=later) == 0
    assert client.get(url).status_code == 404


def test_an_expired_export_is_not_downloadable_even_before_its_file_is_removed(
    client, world, django_capture_on_commit_callbacks
):
    export = export_of(world.researcher, world.project, "csv", django_capture_on_commit_callbacks)
    ResearchExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    client.force_login(world.researcher)
    url = reverse("evaluation:research_export_download", args=[export.pk])
    assert client.get(url).status_code == 404


def test_only_researchers_of_the_project_reach_its_exports(
    client, world, make_user, django_capture_on_commit_callbacks
):
    export = export_of(world.researcher, world.project, "csv", django_capture_on_commit_callbacks)
    download = reverse("evaluation:research_export_download", args=[export.pk])
    pages = [
        reverse("evaluation:research_project_detail", args=[world.project.pk]),
        reverse("evaluation:research_export_list", args=[world.project.pk]),
        reverse("evaluation:research_export_new", args=[world.project.pk]),
        download,
    ]
    client.force_login(world.other_researcher)
    assert [client.get(url).status_code for url in pages] == [404] * 4
    for role in (Role.CONSULTANT, Role.MANAGER, Role.WSP, Role.ADMIN, Role.EMPLOYER):
        client.force_login(make_user(role))
        assert client.get(download).status_code == 403, role
    # Managers oversee what was exported, but never get the file.
    client.force_login(make_user(Role.MANAGER))
    listing = client.get(pages[1])
    assert listing.status_code == 200
    assert download not in listing.content.decode()
    assert client.get(pages[2]).status_code == 403
    client.force_login(make_user(Role.CONSULTANT))
    assert client.get(pages[1]).status_code == 403


def _named_urls(namespaces, names):
    """Every URL pattern of the given namespaces (and the given top-level names), reversed
    with sample arguments: new pages are included without editing this test."""
    found = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if namespace in namespaces or (not namespace and pattern.name in names):
                    converters = pattern.pattern.converters
                    kwargs = {key: 1 if "Int" in type(c).__name__ else "x"
                              for key, c in converters.items()}  # fmt: skip
                    found.setdefault(name, reverse(name, kwargs=kwargs))

    walk(get_resolver().url_patterns, None)
    return found


def test_a_researcher_gets_403_on_every_participant_employer_and_funding_page(client, world):
    urls = _named_urls(
        {"participants", "employers", "funding", "consultants"},
        {"programme_list", "programme_detail", "user_list", "user_invite", "user_edit"},
    )
    assert len(urls) > 40
    assert {"participants:detail", "employers:candidate", "funding:fund_list"} <= set(urls)
    client.force_login(world.researcher)
    # The calendar feed takes no session but a consultant's secret link: without a valid
    # one it is not there, for a researcher as for anyone.
    assert client.get(urls.pop("consultants:calendar_feed")).status_code == 404
    refused = {}
    for name, url in urls.items():
        response = client.get(url)
        if response.status_code == 405:  # POST-only actions
            response = client.post(url)
        refused[name] = response.status_code
    assert refused == dict.fromkeys(urls, 403)


# --- Through a real Celery worker on Redis -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_export_runs_through_a_real_worker_and_can_be_downloaded(
    client, world, real_worker, evidence
):
    export = research_services.request_export(world.researcher, world.project, ALL_TABLES, "sav")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        time.sleep(0.2)
    assert export.status == JobStatus.DONE, export.error
    client.force_login(world.researcher)
    response = client.get(reverse("evaluation:research_export_download", args=[export.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == export.sha256
    assert "participants.sav" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    evidence.append(
        f"celery: research export {export.pk} ran on worker {real_worker.hostname} "
        f"via {django_settings.CELERY_BROKER_URL}"
    )


def test_the_table_specs_fit_spss_and_stata():
    for table in TABLES.values():
        names = [column.name for column in table.columns]
        assert len(names) == len(set(names)), table.name
        for column in table.columns:
            assert column.name.isidentifier() and len(column.name) <= 32, column.name
            assert len(column.label) <= 80, column.label


def _python_session_csv(project):
    """The coaching sessions CSV as the generic per-cell writer makes it."""
    prepared = prepare(COACHING_SESSIONS, project, ExportFormat.CSV)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([p.column.name for p in prepared])
    # In a transaction, as write_export reads: its rows come from server-side cursors.
    with transaction.atomic():
        context = ExportContext(project, [COACHING_SESSIONS])
        count = _python_csv(COACHING_SESSIONS, context, ExportFormat.CSV, prepared, writer)
    return count, text.getvalue().encode()


def test_the_copy_path_writes_exactly_what_the_python_path_writes(world):
    # Varied sessions: other themes, none, a repeated one, a short one, and
    # sessions of people who must stay out (no consent, another programme).
    for who, themes in [
        (world.alice, []),
        (world.alice, ["cv", "cv"]),
        (world.alice, ["knowledge", "behaviour", "interview", "digital", "network"]),
        (world.bob, ["cv"]),
        (world.carol, ["skills"]),
        (world.dave, ["skills"]),
    ]:
        CoachingSession.objects.create(
            consultant=world.consultant,
            participant=who,
            held_on=datetime.date(2024, 12, 31),
            minutes=5,
            kind="individual",
            themes=themes,
        )
    expected_count, expected = _python_session_csv(world.project)
    member = io.BytesIO()
    header = b"pseudonym,held_day,minutes,kind,group_meeting," + b",".join(
        f"theme_{theme.value}".encode() for theme in Theme
    )
    member.write(header + b"\r\n")
    with transaction.atomic():
        context = ExportContext(world.project, [COACHING_SESSIONS])
        count = _copy_csv(_session_copy(world.project, context), member)
    assert count == expected_count >= 5
    assert member.getvalue() == expected
    assert expected.count(b"\r\n") == count + 1


def test_a_programme_of_another_municipality_attached_by_mistake_exports_nothing(
    world, other_municipality
):
    foreign = ProgrammeFactory(municipality=other_municipality, name="VAK Elders")
    ParticipantFactory(municipality=other_municipality, programme=foreign, consent_research=True)
    before = list(consenting_participants(world.project))
    world.project.programmes.add(foreign)
    assert list(consenting_participants(world.project)) == before
    assert "VAK Elders" not in dict(_programme_choices(world.project)).values()
    assert foreign not in world.project.own_programmes()
    # The admin form refuses the mix in the first place.
    form = ResearchProjectForm(
        instance=world.project,
        data={
            "municipality": world.project.municipality_id,
            "name": world.project.name,
            "institution": world.project.institution,
            "agreement_reference": world.project.agreement_reference,
            "valid_until": world.project.valid_until.isoformat(),
            "programmes": [p.pk for p in world.project.programmes.all()],
            "researchers": [r.pk for r in world.project.researchers.all()],
            "export_retention_days": 14,
        },
    )
    assert not form.is_valid()
    assert "VAK Elders" in str(form.errors["programmes"])
