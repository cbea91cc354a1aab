"""The ledger for the finance department: Excel with real numbers and dates, CSV the
way a Dutch Excel reads it, every export in the audit trail, and no BSN in either."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from funding import services
from funding.exports import EURO_FORMAT
from funding.models import EntryKind
from funding.templatetags.money import dutch_amount, euro
from tests.funding.factories import approved, funded
from tests.participants.factories import ParticipantFactory
from vakwerk.models import AuditAction, AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(make_user, municipality):
    """A fund with a deposit, an approved commitment for a participant, an expenditure
    against it and a description that looks like a spreadsheet formula."""
    manager, consultant = make_user(Role.MANAGER), make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant,
                                     first_name="Ëlla", last_name="de Vries")  # fmt: skip
    fund = funded(manager, "14783.00", name="Pilotbudget Zwolle")
    commitment = approved(manager, consultant, fund, participant, "1234.56", purpose="Rijbewijs")
    services.book_expenditure(manager, fund, Decimal("1000.10"), "=HYPERLINK(\"x\")",
                              commitment=commitment)  # fmt: skip
    return manager, fund, participant


def export(client, manager, fund, fmt):
    client.force_login(manager)
    return client.get(reverse("funding:ledger_export", kwargs={"pk": fund.pk, "fmt": fmt}))


def test_xlsx_opens_with_numbers_and_dates(client, ledger):
    manager, fund, participant = ledger
    response = export(client, manager, fund, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="grootboek-pilotbudget-zwolle-' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("Boekingsnummer", "Datum", "Soort", "Bedrag")
    assert [Decimal(str(row[3])) for row in rows] == [
        Decimal("14783.00"), Decimal("1234.56"), Decimal("1000.10"),
    ]  # fmt: skip
    assert all(isinstance(row[3], int | float | Decimal) for row in rows)
    assert all(isinstance(row[1], datetime.date) for row in rows)
    with translation.override("nl"):
        kinds = [str(EntryKind(k).label) for k in ("deposit", "commitment", "expenditure")]
    assert [row[2] for row in rows] == kinds  # always Dutch: finance's column format
    assert rows[1][5] == "Ëlla de Vries"
    # A description that looks like a formula stays text.
    assert sheet.cell(row=4, column=5).data_type == "s"
    assert rows[2][4] == '=HYPERLINK("x")'
    assert sheet.cell(row=2, column=4).number_format == EURO_FORMAT
    assert sheet.cell(row=2, column=2).is_date


def test_csv_is_semicolon_separated_utf8_with_bom_and_dutch_amounts(client, ledger):
    manager, fund, _participant = ledger
    response = export(client, manager, fund, "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[3] == "Bedrag" and len(header) == 10
    assert [row[3] for row in rows] == ["14.783,00", "1.234,56", "1.000,10"]
    assert all(len(row[1]) == 10 and row[1][2] == "-" for row in rows)  # dd-mm-jjjj
    assert rows[1][5] == "Ëlla de Vries"
    assert rows[2][4].startswith("'=")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_export_is_in_the_audit_trail(client, ledger, fmt):
    manager, fund, _participant = ledger
    export(client, manager, fund, fmt)
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (entry.user, entry.object_type, entry.object_id, entry.detail) == (
        manager, "fund", str(fund.pk), f"ledger export {fmt}",
    )  # fmt: skip
    assert entry.municipality_id == fund.municipality_id


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_no_bsn_in_an_export(client, ledger, fmt):
    manager, fund, participant = ledger
    content = export(client, manager, fund, fmt).content
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
    else:
        text = content.decode("utf-8-sig")
    assert participant.bsn not in text
    assert participant.bsn[-4:] not in text  # not even masked
    assert "de Vries" in text


# The euro filter


@pytest.mark.parametrize(
    "value, shown",
    [
        (Decimal("14783"), "€ 14.783,00"),
        (Decimal("1234.56"), "€ 1.234,56"),
        (Decimal("0.10"), "€ 0,10"),
        (Decimal("1234567.891"), "€ 1.234.567,89"),
        (Decimal("0.005"), "€ 0,01"),
        (Decimal("-250"), "€ -250,00"),
        (Decimal("999.999"), "€ 1.000,00"),
        (0, "€ 0,00"),
        ("42.5", "€ 42,50"),
        (None, ""),
    ],
)
def test_euro_filter(value, shown):
    assert euro(value) == shown


def test_dutch_amount_never_goes_through_a_float():
    # 0.1 + 0.2 as floats is 0.30000000000000004; as Decimal it is exact.
    assert dutch_amount(Decimal("0.1") + Decimal("0.2")) == "0,30"
    assert dutch_amount(Decimal("100000000000.01")) == "100.000.000.000,01"
