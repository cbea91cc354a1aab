"""Issue 19, point 3: one toolkit in the core. What a user notices of it: every PDF has the
same "Pagina X van Y" footer and is a tagged PDF/UA document; the Excel CSVs start the same
way and defuse formulas; a malformed colour is refused with the same Dutch sentence and
never reaches a page or a chart; the savings assumptions read the same on the page, in its
history and in the PDF; amounts in messages are written as amounts."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import capfirst
from pypdf import PdfReader

from evaluation.dashboards import charts
from evaluation.reports import services as reports
from evaluation.reports.models import ReportKind
from funding import savings
from funding import services as funding_services
from funding.models import FundKind, SavingsAssumptions
from participants.models import Status, TalentProfile
from tests.funding.factories import funded
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import spreadsheets
from vakwerk.downloads import attachment
from vakwerk.fields import DecimalInputField
from vakwerk.models import Municipality
from vakwerk.roles import Role
from vakwerk.theme import DEFAULT_COLOUR, header_theme, is_hex_colour

pytestmark = pytest.mark.django_db


# --- PDFs --------------------------------------------------------------------------------


@pytest.fixture
def world(municipality, make_user):
    manager = make_user(Role.MANAGER)
    consultant = make_user(Role.CONSULTANT)
    programme = ProgrammeFactory(municipality=municipality, name="VAK Testdorp")
    fund = funding_services.create_fund(
        manager, programme=programme, name="Pilotfonds", kind=FundKind.PILOT,
        starts_on=programme.start_date, ends_on=programme.end_date,
    )  # fmt: skip
    funding_services.deposit(manager, fund, "1000.00", "Inleg")
    participant = ParticipantFactory(
        municipality=municipality, programme=programme, consultant=consultant,
        status=Status.IN_PROGRAMME,
    )  # fmt: skip
    TalentProfile.objects.create(participant=participant, skills="heftruck", passions="koken")
    return manager, consultant, programme, participant


def _report_pdf(world, kind):
    manager, _consultant, programme, _participant = world
    report = reports.build_report(reports.request_report(manager, programme, kind).pk)
    with reports.private_storage().open(report.file_name, "rb") as handle:
        return handle.read()


def _talent_profile_pdf(world, client, make_user):
    _manager, consultant, _programme, participant = world
    client.force_login(consultant)
    response = client.get(reverse("employers:talent_profile_pdf", args=[participant.pk]))
    assert response.status_code == 200
    return response.content


def _subject_access_pdf(world, client, make_user):
    participant = world[3]
    client.force_login(make_user(Role.ADMIN))
    response = client.post(reverse("participants:subject_access_pdf", args=[participant.pk]))
    assert response.status_code == 200
    return response.content


PDFS = {
    "monitoring": lambda world, client, make_user: _report_pdf(world, ReportKind.MONITORING),
    "savings": lambda world, client, make_user: _report_pdf(world, ReportKind.SAVINGS),
    "talent profile": _talent_profile_pdf,
    "subject access": _subject_access_pdf,
}


@pytest.mark.parametrize("name", PDFS)
def test_every_pdf_has_the_same_page_footer_and_is_pdf_ua(world, client, make_user, name):
    data = PDFS[name](world, client, make_user)
    reader = PdfReader(io.BytesIO(data))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        # One sentence, translated once, for every PDF of every app.
        assert f"Pagina {number} van {total}" in text, (name, number, text[-200:])
        assert "Page " not in text
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]  # tagged: headings and tables for a screen reader
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "nl"
    metadata = root["/Metadata"].get_object().get_data()
    assert re.search(rb"<pdfuaid:part>1</pdfuaid:part>|pdfuaid:part=\"1\"", metadata), name


# --- Spreadsheets ------------------------------------------------------------------------


class _Echo:
    def write(self, line):
        return line


def test_an_excel_csv_starts_with_one_byte_order_mark_and_defuses_formulas():
    buffer = io.StringIO()
    writer = spreadsheets.excel_csv_writer(buffer)
    writer.writerow(["Omschrijving", "Bedrag"])
    writer.writerow(['=HYPERLINK("https://evil.example","x")', "-1.234,50"])
    text = buffer.getvalue()
    assert text.startswith("\ufeffOmschrijving;Bedrag\r\n") and text.count("\ufeff") == 1
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[1] == ['\'=HYPERLINK("https://evil.example","x")', "-1.234,50"]
    # Streamed line by line (the audit trail): the mark comes once, before the header.
    streamed = spreadsheets.excel_csv_writer(_Echo())
    lines = [streamed.writerow(["Wie", "Wat"]), streamed.writerow(["@SUM(A1)", "x"])]
    assert lines == ["\ufeffWie;Wat\r\n", "'@SUM(A1);x\r\n"]


# --- Colours -----------------------------------------------------------------------------

MALFORMED = ["rood", "#12345", "#0a0b0g", "0a0b0c", "#0a0b;}", "#0a0b0c\n"]


@pytest.mark.parametrize("typed", MALFORMED)
def test_a_malformed_colour_gets_the_dutch_error_and_reaches_no_page_or_chart(typed):
    form_class = modelform_factory(Municipality, fields=["name", "cbs_code", "colour"])
    with translation.override("nl"):
        form = form_class(data={"name": "Kleurdorp", "cbs_code": "9997", "colour": typed})
        if typed.endswith("\n"):
            # A form strips the line end: what is saved is the colour itself.
            assert form.is_valid(), form.errors
        else:
            assert not form.is_valid()
            assert form.errors["colour"] == [
                "Vul een kleur in als # gevolgd door zes hexadecimale tekens."
            ]
    # A value that got into the database some other way goes nowhere near CSS or SVG.
    assert not is_hex_colour(typed)
    assert header_theme(typed).background == DEFAULT_COLOUR
    chart = str(charts.funnel_chart("Trechter", [("Aangemeld", 10), ("Geplaatst", 4)],
                                    colour=typed))  # fmt: skip
    assert DEFAULT_COLOUR in chart and typed.strip() not in chart


# --- Savings assumptions -----------------------------------------------------------------


def test_the_savings_assumptions_read_the_same_on_the_page_its_history_and_the_pdf(
    world, client, municipality
):
    manager, _consultant, programme, _participant = world
    savings.new_assumptions_version(
        manager, municipality, note="Een achtste zou toch uitstromen",
        remaining_duration_years=Decimal("2.5"), reference_outflow_rate=Decimal("0.125"),
    )  # fmt: skip
    with translation.override("nl"):
        expected = [
            (capfirst(label), value)
            for label, value in savings.assumption_rows(
                SavingsAssumptions.objects.current(municipality)
            )
        ]
    values = [value for _label, value in expected]
    assert "2,5 jaar" in values and "12,5%" in values

    client.force_login(manager)
    page = client.get(reverse("funding:savings")).content.decode()
    table = re.search(r'data-testid="assumptions">(.*?)</table>', page, re.S).group(1)
    shown = [
        (strip_tags(label), strip_tags(value))
        for label, value in re.findall(r"<th[^>]*>(.*?)</th><td[^>]*>(.*?)</td>", table)
    ]
    # The page's rows are the version's, then the counterfactual each programme used (here
    # no register: the version's assumed rate).
    assert shown == [
        *expected,
        ("Gebruikt contrafeitelijk scenario", "aangenomen: referentie-uitstroompercentage, 12,5%"),
    ]

    history = client.get(reverse("funding:assumptions_history")).content.decode()
    row = re.search(r'data-testid="version-1">(.*?)</tr>', history, re.S).group(1)
    cells = [strip_tags(cell) for cell in re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row)]
    assert cells == [value for _label, value in expected]

    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(_report_pdf(world, ReportKind.SAVINGS))).pages
    )
    text = " ".join(text.split())
    for label, value in expected:
        assert value in text, value
        assert label[:20].lower() in text.lower(), label


# --- Amounts -----------------------------------------------------------------------------


def test_a_refused_expenditure_names_the_amounts_as_amounts(make_user):
    manager = make_user(Role.MANAGER)
    fund = funded(manager, "14783.00", name="Pilotfonds")
    for language, words in (
        ("nl", "nog € 14.783,00, gevraagd € 14.783,01"),
        ("en", "€14,783.00 left, €14,783.01 asked"),
    ):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            funding_services.book_expenditure(manager, fund, Decimal("14783.01"), "Te veel")
        assert words in refused.value.messages[0], refused.value.messages[0]


def test_a_decimal_field_shows_dutch_notation_on_an_english_page_too():
    field = DecimalInputField(max_digits=12, decimal_places=2)
    with translation.override("en"):
        assert field.prepare_value(Decimal("14783")) == "14.783,00"
        assert field.prepare_value(Decimal("-0.5")) == "-0,50"


def test_a_download_keeps_a_name_with_accents_and_quotes_it():
    # A browser saves the file under this name; an accent must survive, a quote must not
    # end the header early.
    response = attachment(b"x", "text/csv", 'ledger "één".csv')
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    assert "filename*=utf-8''ledger%20%22%C3%A9%C3%A9n%22.csv" in header
    plain = attachment(b"x", "text/csv", "grootboek.csv")["Content-Disposition"]
    assert plain == 'attachment; filename="grootboek.csv"'
