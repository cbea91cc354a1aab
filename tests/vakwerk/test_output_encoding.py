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

from evaluation import research
from evaluation.models import (
    Answer,
    Audience,
    ExportFormat,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    ResearchProject,
    Response,
    Wave,
)
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
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        where = path.relative_to(ROOT)
        if where.parts[0] in {".venv", "tests", "bench", "samples"}:
            continue
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
    )
    project.programmes.add(programme)
    return project


def _export(project, fmt):
    buffer = io.BytesIO()
    research.write_export(project, ["questionnaire_answers"], fmt, buffer)
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
