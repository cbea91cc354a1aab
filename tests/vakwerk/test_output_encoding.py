"""Output encoding (issue 14): text users typed never becomes markup on a page, nor a
formula in a CSV or Excel file."""

import ast
import csv
import datetime
import io
import secrets
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

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
from evaluation.research.models import ExportFormat, ResearchProject
from evaluation.research.writers import write_export
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.spreadsheets import neutralise

ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("https://evil.example","x")'
OPTION = "@SUM(1+1)*cmd|' /C calc'!A0"


# --- The formula guard itself ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+31 6 12345678", "'+31 6 12345678"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("Gewoon een vraag?", "Gewoon een vraag?"),
        ("-12", "-12"),
        ("-1.234,50", "-1.234,50"),
        ("+3", "+3"),
        (-12, -12),
        (Decimal("-0.50"), Decimal("-0.50")),
        (None, ""),
    ],
)
def test_the_guard_neutralises_formulas_and_leaves_numbers(typed, written):
    assert neutralise(typed) == written


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                yield getattr(func.value, "id", ""), func.attr, node.lineno
            elif isinstance(func, ast.Name):
                yield "", func.id, node.lineno


def test_every_spreadsheet_writer_goes_through_the_guard():
    """csv.writer, pandas' to_csv/to_excel only inside vakwerk/spreadsheets.py, and a
    module that makes an openpyxl Workbook appends its rows with append_row: a new export
    written another way fails here."""
    from django.apps import apps

    ours = [Path(c.path) for c in apps.get_app_configs() if Path(c.path).is_relative_to(ROOT)]
    assert {p.name for p in ours} >= {"vakwerk", "participants", "evaluation", "funding"}
    offenders = []
    for path in (path for app in ours for path in app.rglob("*.py")):
        where = path.relative_to(ROOT)
        if where == Path("vakwerk/spreadsheets.py"):
            continue
        calls = list(_calls(ast.parse(path.read_text(encoding="utf-8"))))
        names = {name for _receiver, name, _line in calls}
        for receiver, name, line in calls:
            if (receiver, name) in {("csv", "writer"), ("csv", "DictWriter")} or name in {
                "to_csv",
                "to_excel",
            }:
                offenders.append(f"{where}:{line} {receiver}.{name}")
            if name == "Workbook" and "append_row" not in names:
                offenders.append(f"{where}:{line} Workbook without append_row")
    assert not offenders, offenders


# --- The research export: questionnaire texts and options --------------------------------


@pytest.fixture
def hostile_answers(municipality, make_user):
    programme = ProgrammeFactory(municipality=municipality, name="VAK Testgemeente")
    participant = ParticipantFactory(
        municipality=municipality,
        programme=programme,
        consultant=make_user(),
        consent_research=True,
    )
    survey = Questionnaire.objects.create(
        programme=programme, title="Nulmeting", audience=Audience.PARTICIPANTS,
        wave=Wave.BASELINE,
    )  # fmt: skip
    question = Question.objects.create(
        questionnaire=survey, position=1, text=HYPERLINK, kind=QuestionKind.CHOICE,
        choices=[OPTION, "-1+1"],
    )  # fmt: skip
    invitation = Invitation.objects.create(
        questionnaire=survey,
        token_hash=secrets.token_hex(32),
        email="deelnemer@prive.example",
        participant=participant,
        expires_at=timezone.now() + datetime.timedelta(days=14),
        used_at=timezone.now(),
    )
    response = Response.objects.create(invitation=invitation, questionnaire=survey)
    Answer.objects.create(response=response, question=question, choice=OPTION)
    project = ResearchProject.objects.create(
        municipality=municipality,
        name="Evaluatie",
        institution="ROA",
        agreement_reference="ROA-1",
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
        secret=secrets.token_hex(32),
        k_threshold=1,  # one respondent; disclosure control has its own tests
    )
    project.programmes.add(programme)
    return project


def _export(project, fmt):
    buffer = io.BytesIO()
    write_export(project, ["questionnaire_answers"], fmt, buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_research_csv_neutralises_question_texts_and_options(hostile_answers):
    archive = zipfile.ZipFile(io.BytesIO(_export(hostile_answers, ExportFormat.CSV)))
    text = archive.read("questionnaire_answers.csv").decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    row = dict(zip(header, rows[0], strict=True))
    assert row["question_text"] == "'" + HYPERLINK
    assert row["answer_choice"] == "'" + OPTION
    for name in archive.namelist():
        if name.endswith(".csv"):
            for cells in csv.reader(io.StringIO(archive.read(name).decode("utf-8"))):
                assert not [c for c in cells if c[:1] in ("=", "+", "@")], (name, cells)


@pytest.mark.django_db
def test_research_xlsx_keeps_question_texts_as_text_cells(hostile_answers):
    workbook = openpyxl.load_workbook(io.BytesIO(_export(hostile_answers, ExportFormat.XLSX)))
    sheet = workbook["questionnaire_answers"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("question_text") + 1)
    assert cell.value == HYPERLINK
    assert cell.data_type == "s"
    formulas = [
        f"{ws.title}!{c.coordinate}"
        for ws in workbook.worksheets
        for r in ws.iter_rows()
        for c in r
        if c.data_type == "f"
    ]
    assert formulas == []


# --- Pages: stored text is printed as text ------------------------------------------------

META = '<meta http-equiv=refresh content="0;url=https://evil.example">'
LINK = "<a href=https://evil.example>x</a>"
SHORT_LINK = "<a href=//e.example>x</a>"  # for fields of 26 to 33 characters
RAW_MARKUP = (b"<meta http-equiv", b"<a href=https://evil.example", b"<a href=//e.example")
# Fields that are not free text: identifiers, codes, secrets and login names (a wrong
# value there breaks the page or the login, it does not show anywhere).
NOT_FREE_TEXT = {
    "vakwerk.User.password", "vakwerk.User.email", "vakwerk.Municipality.cbs_code",
    "vakwerk.Municipality.colour", "participants.Participant.bsn",
    "participants.Participant.postcode", "employers.Employer.kvk_number",
    "research.ResearchProject.secret", "questionnaires.Invitation.token_hash",
    "reports.Report.file_name", "research.ResearchExport.file_name",
    "research.ResearchExport.sha256",
}  # fmt: skip
OUR_APPS = {
    "vakwerk",
    "participants",
    "consultants",
    "employers",
    "funding",
    "evaluation",
    "dashboards",
    "questionnaires",
    "reports",
    "research",
}  # evaluation's parts are apps of their own


def _payload(field, pk):
    """The hostile text for one row, unique per row (some names are unique)."""
    for text in (META, LINK, SHORT_LINK):
        suffix = f" {pk}"
        if field.max_length is None or len(text) + len(suffix) <= field.max_length:
            return text + suffix
    return None


def fill_every_free_text_field():
    """Every text field of every row of our models gets markup; what the database refuses
    to change (the append-only ledger, audit trail and field history) gets new rows."""
    from django.apps import apps
    from django.db import DatabaseError, models, transaction

    filled, refused = [], []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and f"{model._meta.label}.{f.name}" not in NOT_FREE_TEXT
        ]
        if not fields:
            continue
        for pk in list(model.objects.values_list("pk", flat=True)):
            values = {f.attname: _payload(f, pk) for f in fields}
            values = {name: value for name, value in values.items() if value is not None}
            try:
                with transaction.atomic():
                    model.objects.filter(pk=pk).update(**values)
            except DatabaseError:
                refused.append(model._meta.label)
                break
        filled.append(model._meta.label)
    return filled, set(refused)


@pytest.mark.django_db
def test_no_page_prints_stored_text_as_markup(client, django_capture_on_commit_callbacks, demo):
    from django.test import Client
    from django.urls import reverse

    from employers.models import Opportunity
    from evaluation.questionnaires import selectors as questionnaire_selectors
    from funding import services as funding_services
    from funding.models import Fund
    from participants.models import Participant
    from tests.vakwerk.test_bsn_never_leaks import (
        ALLOWED_STATUS,
        app_patterns,
        body,
        fill,
        sample_values,
    )
    from vakwerk import audit
    from vakwerk.models import FieldChange, Municipality, User

    zwolle = Municipality.objects.get(name="Demo Zwolle")
    participant, values = sample_values(zwolle)
    manager = User.objects.get(email="manager@zwolle.example")

    filled, refused = fill_every_free_text_field()
    assert "consultants.Competency" in filled and "questionnaires.Question" in filled
    # The append-only tables get new rows with markup instead.
    fund = Fund.objects.get(pk=values["fund"])
    funding_services.deposit(manager, fund, Decimal("10.00"), LINK)
    FieldChange.objects.create(
        changed_by=manager, object_type="participant", object_id=str(participant.pk),
        participant_id=participant.pk, field="first_name", field_label=META,
        old_value=META, new_value=LINK,
    )  # fmt: skip
    audit.record(manager, audit.AuditAction.VIEW, participant_id=participant.pk, detail=LINK)
    # A failed login stores whatever was typed as the user name; the audit page shows it.
    Client().post(reverse("login"), {"username": LINK, "password": "guess"})
    assert refused <= {"vakwerk.AuditEntry", "vakwerk.FieldChange", "funding.LedgerEntry"}
    # Questionnaire options (a list, not a text field) and the answers that chose them.
    from evaluation.questionnaires.models import Answer, Question

    for question in Question.objects.filter(kind__in=["choice", "multi"]):
        question.choices = [f"{LINK} {n}" for n in range(len(question.choices) or 2)]
        question.save(update_fields=["choices"])
    for answer in Answer.objects.filter(question__kind="choice").select_related("question"):
        Answer.objects.filter(pk=answer.pk).update(choice=answer.question.choices[0])
    assert Participant.objects.filter(first_name__startswith="<meta").exists()
    assert Opportunity.objects.filter(title__startswith="<meta").exists()

    urls = []
    for name, _route, params in app_patterns():
        kwargs = fill(name, params, values) if name else None
        if kwargs is not None:
            urls.append((name, reverse(name, kwargs=kwargs)))
    # The public questionnaire page, through a fresh invitation.
    questionnaire = (
        Question.objects.filter(questionnaire__programme__municipality=zwolle, kind="choice")
        .first()
        .questionnaire
    )
    token = "t" * 43
    Invitation.objects.create(
        questionnaire=questionnaire,
        token_hash=questionnaire_selectors.hash_token(token),
        email="iemand@prive.example",
        expires_at=timezone.now() + datetime.timedelta(days=14),
    )
    urls.append(("evaluation:answer (open)", reverse("evaluation:answer", args=[token])))

    viewers = [User.objects.get(email=f"{role}@zwolle.example") for role in (
        "consultant", "manager", "wsp", "employer", "researcher", "admin")]  # fmt: skip
    shown, bad_status, raw = 0, [], []
    for viewer in [*viewers, None]:
        browser = Client()
        if viewer is not None:
            browser.force_login(viewer)
        for name, url in urls:
            response = browser.get(url)
            label = viewer.role if viewer else "anonymous"
            if response.status_code not in ALLOWED_STATUS:
                bad_status.append(f"{name} ({url}) as {label}: {response.status_code}")
            if "html" not in response.get("Content-Type", ""):
                continue
            content = body(response)
            shown += content.count(b"&lt;meta http-equiv") + content.count(b"&lt;a href=")
            for marker in RAW_MARKUP:
                if marker in content:
                    raw.append(f"{name} ({url}) as {label}: {marker.decode()}")
    assert not bad_status, "unexpected status:\n" + "\n".join(bad_status)
    assert not raw, "stored text printed as markup:\n" + "\n".join(sorted(set(raw)))
    assert shown > 100, "the hostile text should show, escaped, on many pages"
    # The two pages of the findings show the text, escaped.
    answer_page = Client().get(urls[-1][1])
    assert answer_page.status_code == 200
    assert "&lt;a href=https://evil.example&gt;x&lt;/a&gt; 0" in answer_page.content.decode()
    manager_browser = Client()
    manager_browser.force_login(manager)
    consultant = User.objects.get(email="consultant@zwolle.example")
    assessment = manager_browser.get(
        reverse("consultants:assessment_create", args=[consultant.pk])
    )
    assert assessment.status_code == 200
    assert "&lt;meta http-equiv=refresh" in assessment.content.decode()


def test_any_help_text_is_escaped_unless_made_safe_on_purpose():
    from django import forms
    from django.template import Context, Template
    from django.utils.safestring import mark_safe

    class Form(forms.Form):
        typed = forms.CharField(help_text=LINK)
        made = forms.CharField(help_text=mark_safe("<ul><li>regel</li></ul>"))

    page = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": Form()})
    )
    assert "&lt;a href=https://evil.example&gt;x&lt;/a&gt;" in page
    assert LINK not in page
    assert "<ul><li>regel</li></ul>" in page


# Templates that may print a value unescaped, and why.
SAFE_FILTER_ALLOWED = {
    "templates/vakwerk/two_factor_setup.html",  # the QR code SVG made by qrcode
    "employers/templates/employers/talent_profile_pdf.html",  # a CSS counter constant
    "evaluation/reports/templates/evaluation/report_pdf_base.html",  # the same
    "participants/templates/participants/privacy/subject_access_pdf.html",  # the same
    "templates/registration/password_reset_email.html",  # a plain-text e-mail body
}


def test_no_template_turns_escaping_off_for_stored_text():
    found = []
    for path in ROOT.glob("**/templates/**/*.html"):
        where = str(path.relative_to(ROOT))
        if where.startswith((".venv", "node_modules", "staticfiles")):
            continue
        text = path.read_text(encoding="utf-8")
        if ("|safe" in text or "autoescape off" in text) and where not in SAFE_FILTER_ALLOWED:
            found.append(where)
    assert found == []
