"""A fund's ledger for the municipality's finance department, as Excel and as CSV.

The columns are a format of their own that finance imports: always Dutch, whatever
language the screen of the user who made the file is in. Participants appear by name to
managers and by participant number to admins, who keep the books but see no participants;
the BSN never leaves the participant's edit form."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

from vakwerk import spreadsheets

from .models import EntryKind
from .templatetags.money import dutch_amount

EXPORT_LANGUAGE = "nl"
HEADER = [
    "Boekingsnummer", "Datum", "Soort", "Bedrag", "Omschrijving", "Deelnemer",
    "Verplichting", "Corrigeert boeking", "Geboekt door", "Telt als",
]  # fmt: skip
AMOUNT_COLUMN, DATE_COLUMN = 4, 2  # 1-based, as Excel counts
EURO_FORMAT = '"€" #,##0.00;"€" -#,##0.00'  # Excel shows its own locale's separators
DATE_FORMAT = "DD-MM-YYYY"
WIDTHS = [16, 12, 26, 14, 48, 28, 14, 18, 28, 26]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(fund, extension):
    return f"grootboek-{slugify(fund.name) or fund.pk}-{timezone.localdate():%Y-%m-%d}.{extension}"


def participant_label(participant, names):
    return str(participant) if names else f"Deelnemer {participant.pk}"


def rows(entries, names=True):
    """One tuple per entry with real types: int, date, str, Decimal."""
    with translation.override(EXPORT_LANGUAGE):
        kinds = {value: str(label) for value, label in EntryKind.choices}
    for entry in entries:
        commitment = entry.commitment
        yield (
            entry.pk,
            timezone.localdate(entry.booked_at),
            kinds.get(entry.kind, entry.kind),
            entry.amount,
            entry.description,
            participant_label(commitment.participant, names) if commitment else "",
            commitment.pk if commitment else None,
            entry.corrects_id,
            entry.booked_by.get_full_name() or entry.booked_by.email,
            # The bucket the balances put it in (`models.counts_as`): a correction counts
            # as the kind of the entry it corrects, so finance sums the same way.
            kinds.get(entry.counts_as_kind, entry.counts_as_kind),
        )


def ledger_xlsx(fund, entries, names=True):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Grootboek"
    workbook.properties.title = f"Grootboek {fund.name}"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(entries, names):
        # Descriptions are typed by users: text, never a formula (vakwerk/spreadsheets.py).
        spreadsheets.append_row(sheet, row)
        cells = sheet[sheet.max_row]
        cells[AMOUNT_COLUMN - 1].number_format = EURO_FORMAT
        cells[DATE_COLUMN - 1].number_format = DATE_FORMAT
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_cell(value):
    if isinstance(value, Decimal):
        return dutch_amount(value)
    if isinstance(value, datetime.date):
        return f"{value:%d-%m-%Y}"
    return value


def ledger_csv(fund, entries, names=True):
    buffer = io.StringIO()
    # Every cell through the formula guard; amounts like -1.234,56 stay numbers.
    writer = spreadsheets.excel_csv_writer(buffer)
    writer.writerow(HEADER)
    for row in rows(entries, names):
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue()
