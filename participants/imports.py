"""Import of participants from a municipality's benefit system export (CSV or Excel).

Three steps, each a plain function: `read_rows` turns a file into raw rows, `validate_rows`
turns raw rows into a preview with per-row errors, and `import_rows` creates the new
participants, all or none. The file is read once, within bounds checked before parsing
(size, unpacked size, cells, rows, columns, string table, time); its rows wait in the
private storage between the preview and the confirmation (`store_rows`, `load_rows`,
`delete_upload`).
"""

import csv
import datetime
import io
import json
import math
import re
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from typing import NamedTuple
from xml.parsers import expat

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

from vakwerk.bsn import is_valid_bsn, mask_bsn, normalise_bsn
from vakwerk.models import Municipality, User
from vakwerk.roles import Role

from . import services
from .models import BenefitType, Participant, postcode_validator

MAX_ROWS = 5_000
MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip of XML: 26 kB can unfold into 10 MB of XML that openpyxl needs half a
# minute and 300 MB for. Before openpyxl sees a file, a streaming count checks these, each
# well above what a benefit system's export of MAX_ROWS rows needs.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # all parts together, counted while inflating
MAX_COLUMNS = 200  # cells in one row
MAX_CELLS = 120_000  # cells in the workbook (5,000 rows of 24 columns)
MAX_SHEET_ROWS = 2 * MAX_ROWS  # rows, blank and formatted ones included
MAX_SHARED_STRINGS = MAX_CELLS  # the string table cannot usefully outgrow the cells
MAX_XML_ELEMENTS = 5 * MAX_CELLS  # styles, strings and sheets together
MAX_ZIP_MEMBERS = 500
# Reading stops with an error after this long, whatever the file holds: well within the
# web worker's 60-second timeout. A file within the counts above reads in 1–4 seconds on a
# busy 2-core machine (95,000 cells: 0.6 s counting, 4 s openpyxl at a load of 8).
TIME_BUDGET_SECONDS = 20
EXTENSIONS = ("csv", "xlsx")


@dataclass(frozen=True)
class ReadBounds:
    """The limits of one import's files and the words it refuses them in: a participant
    import is a caseload (split a larger file), a benefit-register snapshot is a whole
    municipality's benefit population on one date (never split). A bound left None reads
    this module's constant when the file is read."""

    max_rows: int | None = None
    max_bytes: int | None = None
    max_unpacked_bytes: int | None = None
    max_cells: int | None = None
    max_sheet_rows: int | None = None
    max_shared_strings: int | None = None
    max_xml_elements: int | None = None
    time_budget_seconds: int | None = None
    # Messages (English msgids, translated when raised); None: the participant import's.
    too_large: str | None = None
    too_large_unpacked: str | None = None
    too_many_rows: str | None = None
    too_many_cells: str | None = None
    too_slow: str | None = None

    def get(self, name):
        value = getattr(self, name)
        return value if value is not None else globals()[name.upper()]


PARTICIPANT_BOUNDS = ReadBounds()
UPLOAD_FOLDER = "imports"
UPLOAD_NAME = re.compile(rf"^{UPLOAD_FOLDER}/[0-9a-f]{{32}}\.json$")
# NUL and the other control characters: PostgreSQL refuses NUL in text, and none of them
# belongs in a name or a postcode. Tab, line feed and carriage return are whitespace.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Column headers as benefit systems export them, compared without case, spaces or
# punctuation ("Uitkering sinds" == "uitkeringsinds"). The first name is the one the error
# message shows.
COLUMNS = {
    "bsn": ("BSN", "burgerservicenummer", "sofinummer"),
    "first_name": ("Voornaam", "voornamen", "roepnaam"),
    "infix": ("Tussenvoegsel", "tussenvoegsels", "voorvoegsel", "voorvoegsels"),
    "last_name": ("Achternaam", "geslachtsnaam"),
    "birth_date": ("Geboortedatum",),
    "postcode": ("Postcode",),
    "benefit_type": ("Uitkering", "uitkeringssoort", "soortuitkering", "uitkeringstype"),
    "benefit_start": (
        "Uitkering sinds",
        "ingangsdatum uitkering",
        "startdatum uitkering",
        "uitkering vanaf",
    ),
    "monthly_benefit": (
        "Uitkeringsbedrag per maand",
        "uitkeringsbedrag",
        "bedrag per maand",
        "maandbedrag",
    ),
    "consultant": ("Consulent", "klantmanager", "e-mail consulent", "consulent e-mail"),
}
REQUIRED_COLUMNS = ("bsn", "first_name", "last_name", "birth_date", "benefit_type")

# Spellings of the benefit types, compared without case, spaces or dots; "/", "&" and
# " en " all read as "+".
BENEFIT_TYPES = {
    "ww": BenefitType.WW,
    "bijstand": BenefitType.BIJSTAND,
    "wwb": BenefitType.BIJSTAND,
    "participatiewet": BenefitType.BIJSTAND,
    "algemenebijstand": BenefitType.BIJSTAND,
    "ww+bijstand": BenefitType.BOTH,
    "ww+wwb": BenefitType.BOTH,
    "ww+participatiewet": BenefitType.BOTH,
    "beide": BenefitType.BOTH,
    "both": BenefitType.BOTH,
    "geen": BenefitType.OTHER,
    "overig": BenefitType.OTHER,
    "geen+overig": BenefitType.OTHER,
    "anders": BenefitType.OTHER,
    "geenuitkering": BenefitType.OTHER,
    "other": BenefitType.OTHER,
}

DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
# Some systems write ISO dates with a midnight time behind them.
YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
DUTCH_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
EARLIEST_BIRTH_YEAR = 1900


def _header_key(value):
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


def header_fields(columns):
    """The field name per normalised header spelling of a `COLUMNS`-like mapping."""
    return {
        _header_key(name): field_name for field_name, names in columns.items() for name in names
    }


HEADER_FIELDS = header_fields(COLUMNS)


def _is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


# --- reading the file --------------------------------------------------------------------


def read_rows(
    uploaded_file, columns=COLUMNS, required=REQUIRED_COLUMNS, bounds=PARTICIPANT_BOUNDS
):
    """The data rows of a CSV or .xlsx file as dicts: "row" is the row number as the
    spreadsheet shows it (the header is row 1), the other keys are field names with the
    raw cell values. Raises ValidationError for a file that cannot be imported at all.
    Other imports (the benefit register's snapshots) pass their own `columns` and
    `required` and their own `bounds`, and share every check of the reading."""
    extension = _extension(uploaded_file.name)
    if extension not in EXTENSIONS:
        raise ValidationError(
            _("Upload a .csv or .xlsx file. Save an older .xls file as .xlsx first."),
            code="unsupported_type",
        )
    check_size(uploaded_file, bounds)
    uploaded_file.seek(0)
    max_bytes = bounds.get("max_bytes")
    data = uploaded_file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(bounds)
    deadline = time.monotonic() + bounds.get("time_budget_seconds")
    if extension == "csv":
        lines = _csv_lines(data)
    else:
        _check_xlsx_bounds(data, deadline, bounds)
        lines = _xlsx_lines(data)
    return _rows_from_lines(lines, deadline, columns, required, bounds)


def check_size(uploaded_file, bounds=PARTICIPANT_BOUNDS):
    """Refuses a file over the byte bound from its declared size, before reading it."""
    if uploaded_file.size is not None and uploaded_file.size > bounds.get("max_bytes"):
        raise _too_large(bounds)


def _extension(name):
    return name.rsplit(".", 1)[-1].lower() if name and "." in name else ""


def _too_large(bounds=PARTICIPANT_BOUNDS):
    message = bounds.too_large or N_(
        "The file is larger than %(size)s MB. Split it into smaller files."
    )
    return ValidationError(
        _(message) % {"size": bounds.get("max_bytes") // (1024 * 1024)},
        code="too_large",
    )


def _unreadable():
    return ValidationError(
        _("This file cannot be read. Export it again from the benefit system as CSV or .xlsx."),
        code="unreadable",
    )


def _csv_lines(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Dutch Windows saves "CSV (gescheiden door lijstscheidingsteken)" in
        # Windows-1252, not UTF-8.
        text = data.decode("cp1252", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise _unreadable() from error


def _too_slow(bounds=PARTICIPANT_BOUNDS):
    message = bounds.too_slow or N_(
        "Reading this file takes longer than %(seconds)s seconds. Split it into smaller "
        "files or save it again as CSV."
    )
    return ValidationError(
        _(message) % {"seconds": bounds.get("time_budget_seconds")},
        code="too_slow",
    )


class _XlsxCounter:
    """Counts the elements of an .xlsx's XML parts as expat streams them, and stops at the
    first bound it crosses, so that the work done on a hostile file is bounded by the
    limits, not by the file."""

    def __init__(self, deadline, bounds=PARTICIPANT_BOUNDS):
        self.deadline = deadline
        self.bounds = bounds
        self.max_cells = bounds.get("max_cells")
        self.max_sheet_rows = bounds.get("max_sheet_rows")
        self.max_shared_strings = bounds.get("max_shared_strings")
        self.max_xml_elements = bounds.get("max_xml_elements")
        self.elements = 0
        self.cells = 0
        self.rows = 0
        self.cells_in_row = 0
        self.strings = 0

    def start(self, name, _attributes):
        name = name.rpartition(":")[2]
        self.elements += 1
        if name == "c":
            self.cells += 1
            self.cells_in_row += 1
            if self.cells_in_row > MAX_COLUMNS:
                raise _bound(
                    "too_many_columns",
                    _(
                        "A row of the file has more than %(max)s columns. Delete the columns "
                        "the import does not use, or save the file as CSV."
                    ),
                    MAX_COLUMNS,
                )
            if self.cells > self.max_cells:
                raise _bound(
                    "too_many_cells",
                    _(
                        self.bounds.too_many_cells
                        or N_(
                            "The file has more than %(max)s cells. Keep only the sheet with "
                            "the participants and the columns the import uses, or split the "
                            "file."
                        )
                    ),
                    self.max_cells,
                )
        elif name == "row":
            self.rows += 1
            self.cells_in_row = 0
            if self.rows > self.max_sheet_rows:
                raise _bound(
                    "too_many_rows", _(_rows_message(self.bounds)), self.bounds.get("max_rows")
                )
        elif name == "si":
            self.strings += 1
            if self.strings > self.max_shared_strings:
                raise _bound(
                    "too_many_strings",
                    _(
                        "The file's table of texts has more than %(max)s entries. Save it "
                        "again as CSV, or copy only the participants into a new workbook."
                    ),
                    self.max_shared_strings,
                )
        if self.elements > self.max_xml_elements:
            raise ValidationError(
                _("The file is too complex to import. Save it again as CSV."), code="too_complex"
            )
        if self.elements % 4096 == 0 and time.monotonic() > self.deadline:
            raise _too_slow(self.bounds)


def _rows_message(bounds):
    return bounds.too_many_rows or N_(
        "The file has more than %(max)s rows. Split it into smaller files."
    )


def _bound(code, message, limit):
    return ValidationError(message % {"max": number_format(limit, force_grouping=True)}, code=code)


def _refuse_declarations(*_args):
    # An .xlsx never has a DTD; entities are how a few bytes of XML become gigabytes.
    raise _unreadable()


def _too_large_unpacked(bounds=PARTICIPANT_BOUNDS):
    message = bounds.too_large_unpacked or N_(
        "Unpacked, this file is larger than %(size)s MB. Save it again as CSV, or split "
        "it into smaller files."
    )
    return ValidationError(
        _(message) % {"size": bounds.get("max_unpacked_bytes") // (1024 * 1024)},
        code="too_large_unpacked",
    )


def _check_xlsx_bounds(data, deadline, bounds=PARTICIPANT_BOUNDS):
    """Inflates every part of the zip in small pieces, counting the bytes really produced
    (not the sizes the zip claims) and the XML elements they hold, before openpyxl reads
    anything: a file past a bound is refused with a Dutch message within a second."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise _unreadable() from error
    counter = _XlsxCounter(deadline, bounds)
    unpacked = 0
    with archive:
        members = [member for member in archive.infolist() if not member.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise _unreadable()
        for member in members:
            unpacked = _inflate(archive, member, counter, unpacked)


def _inflate(archive, member, counter, unpacked):
    """Streams one part through the counter; returns the bytes unpacked so far."""
    parser = None
    if member.filename.lower().endswith((".xml", ".rels")):
        parser = expat.ParserCreate()
        parser.StartElementHandler = counter.start
        parser.StartDoctypeDeclHandler = _refuse_declarations
        parser.EntityDeclHandler = _refuse_declarations
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(64 * 1024):
                unpacked += len(chunk)
                if unpacked > counter.bounds.get("max_unpacked_bytes"):
                    raise _too_large_unpacked(counter.bounds)
                if time.monotonic() > counter.deadline:
                    raise _too_slow(counter.bounds)
                if parser is not None:
                    parser.Parse(chunk, False)
            if parser is not None:
                parser.Parse(b"", True)
    except ValidationError:
        raise
    except Exception as error:  # a damaged part: bad CRC, bad deflate, bad XML
        raise _unreadable() from error
    return unpacked


def _xlsx_lines(data):
    import openpyxl  # only imports need it; keep it off every other request's path

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises a wide variety on damaged files
        raise _unreadable() from error
    try:
        yield from workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except Exception as error:  # a sheet can be damaged past its first rows, too
        raise _unreadable() from error
    finally:
        workbook.close()


def _rows_from_lines(
    lines, deadline, columns=COLUMNS, required=REQUIRED_COLUMNS, bounds=PARTICIPANT_BOUNDS
):
    header = None
    rows = []
    max_rows = bounds.get("max_rows")
    for number, line in enumerate(lines, start=1):
        if number % 256 == 0 and time.monotonic() > deadline:
            raise _too_slow(bounds)
        if all(_is_blank(value) for value in line):
            continue
        if header is None:
            header = _map_header(line, columns, required)
            continue
        if len(rows) >= max_rows:
            raise ValidationError(
                _(_rows_message(bounds)) % {"max": number_format(max_rows, force_grouping=True)},
                code="too_many_rows",
            )
        row = {"row": number}
        for index, field_name in header.items():
            value = line[index] if index < len(line) else None
            row[field_name] = value.strip() if isinstance(value, str) else value
        rows.append(row)
    if header is None:
        raise ValidationError(_("The file is empty."), code="empty")
    if not rows:
        raise ValidationError(_("The file has column names but no rows."), code="no_rows")
    return rows


def _map_header(line, columns=COLUMNS, required=REQUIRED_COLUMNS):
    """Column index per field; columns the import does not use are ignored."""
    fields = HEADER_FIELDS if columns is COLUMNS else header_fields(columns)
    header = {}
    for index, value in enumerate(line):
        field_name = fields.get(_header_key(value))
        if field_name and field_name not in header.values():
            header[index] = field_name
    missing = [columns[name][0] for name in required if name not in header.values()]
    if missing:
        raise ValidationError(
            ngettext(
                "The column %(columns)s is missing. The first row of the file must hold "
                "the column names; required are %(required)s.",
                "The columns %(columns)s are missing. The first row of the file must hold "
                "the column names; required are %(required)s.",
                len(missing),
            )
            % {
                "columns": ", ".join(missing),
                "required": ", ".join(columns[name][0] for name in required),
            },
            code="missing_columns",
        )
    return header


# --- parsing single values ---------------------------------------------------------------


def parse_date(value):
    """A date from an Excel date cell, dd-mm-jjjj, d-m-jjjj or jjjj-mm-dd; None when it
    is none of these or not a real date (31-02). A number cell is refused rather than read
    as an Excel serial: 10285 may as well be 01-02-85 that lost its leading zero."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    if match := DMY.match(text):
        day, month, year = match.groups()
    elif match := YMD.match(text):
        year, month, day = match.groups()
    else:
        return None
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_amount(value):
    """Euros as Decimal from "1.234,56", "1234,56", "1234.56", "€ 1.234" or a number
    cell; None when it is not an amount with at most two decimals."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            return None
        # Excel keeps money as binary floats; cents are what the export meant.
        return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = re.sub(r"[\s€]|eur", "", str(value or "").lower())
    if "," in text and "." in text:
        decimal_mark = "," if text.rindex(",") > text.rindex(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text:
        text = text.replace(",", ".")
    elif DUTCH_THOUSANDS.match(text):
        # "1.234" is twelve hundred euros in a Dutch export, not one euro and a fraction.
        text = text.replace(".", "")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def parse_benefit_type(value):
    key = re.sub(r"\s+en\s+", "+", str(value or "").strip().lower())
    key = re.sub(r"[\s.]", "", key).replace("/", "+").replace("&", "+")
    return BENEFIT_TYPES.get(key)


def _bsn_text(value):
    # Excel turns a BSN column into numbers unless the export marks it as text.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_bsn(str(value) if value is not None else "")


def _text(value):
    return " ".join(str(value).split()) if not _is_blank(value) else ""


def _postcode(value):
    text = _text(value).replace(" ", "").upper()
    return f"{text[:4]} {text[4:]}" if len(text) == 6 else text


# --- the preview -------------------------------------------------------------------------


DISPLAYED = (
    "first_name",
    "last_name",
    "birth_date",
    "postcode",
    "benefit_type",
    "benefit_start",
    "monthly_benefit",
    "consultant",
)


class RowError(NamedTuple):
    code: str
    message: str


@dataclass
class PreviewRow:
    """One row as the preview shows it. `values` and `raw` never hold the BSN: only
    `masked_bsn` does; templates cannot reach `_fields`, which holds it in full."""

    number: int
    masked_bsn: str
    # Every key is there from the start, so that templates can test on None and fall
    # back on the cell text where a value could not be read.
    values: dict = field(default_factory=lambda: dict.fromkeys(DISPLAYED))
    raw: dict = field(default_factory=lambda: dict.fromkeys(DISPLAYED, ""))
    errors: list = field(default_factory=list)
    already_present: bool = False
    _fields: dict = field(default_factory=dict, repr=False)

    @property
    def error_codes(self):
        return [error.code for error in self.errors]

    @property
    def is_new(self):
        return not self.errors and not self.already_present

    def add_error(self, code, message):
        self.errors.append(RowError(code, str(message)))


@dataclass
class ImportPreview:
    rows: list

    @cached_property
    def new_rows(self):
        return [row for row in self.rows if row.is_new]

    @cached_property
    def error_rows(self):
        return [row for row in self.rows if row.errors]

    @cached_property
    def skipped_rows(self):
        return [row for row in self.rows if row.already_present]

    @property
    def has_errors(self):
        return bool(self.error_rows)

    @property
    def can_import(self):
        return not self.has_errors and bool(self.new_rows)


class ImportResult(NamedTuple):
    created: int
    skipped: int


def _require_importer(user):
    if user.role not in services.EDITOR_ROLES or not user.municipality_id:
        raise PermissionDenied


def validate_rows(user, rows):
    """The preview: every row parsed and checked. A BSN that already exists in the user's
    municipality marks the row as already present (skipped, not an error), so importing
    the same file again adds nothing."""
    _require_importer(user)
    consultants = {
        consultant.email.lower(): consultant
        for consultant in User.objects.filter(
            municipality_id=user.municipality_id, role=Role.CONSULTANT, is_active=True
        )
    }
    preview_rows = [_parse_row(row, consultants) for row in rows]
    bsns = [row._fields["bsn"] for row in preview_rows if row._fields.get("bsn")]
    # Uniqueness is per municipality, whoever's caseload the existing participant is in.
    existing = set(
        Participant.objects.filter(
            municipality_id=user.municipality_id, bsn__in=set(bsns)
        ).values_list("bsn", flat=True)
    )
    rows_per_bsn = {}
    for row in preview_rows:
        bsn = row._fields.get("bsn")
        if bsn in existing:
            # Skipped anyway: what else the row says about this person does not matter.
            row.already_present = True
            row.errors = []
        elif bsn:
            rows_per_bsn.setdefault(bsn, []).append(row)
    for same in (rows for rows in rows_per_bsn.values() if len(rows) > 1):
        for row in same:
            others = ", ".join(str(other.number) for other in same if other is not row)
            row.add_error(
                "duplicate_bsn",
                _("This BSN also appears in row %(rows)s of the file.") % {"rows": others},
            )
    for row in preview_rows:
        if not row.errors and not row.already_present:
            _check_against_model(row)
    return ImportPreview(preview_rows)


def _parse_row(row, consultants):
    bsn = _bsn_text(row.get("bsn"))
    preview = PreviewRow(number=row["row"], masked_bsn=mask_bsn(bsn))
    _check_control_characters(preview, row)
    _check_bsn(preview, bsn)
    _check_names(preview, row)
    _check_birth_date(preview, row.get("birth_date"))
    _check_postcode(preview, row.get("postcode"))
    _check_benefit(preview, row)
    _check_consultant(preview, row.get("consultant"), consultants)
    preview._fields.update(
        {name: value for name, value in preview.values.items() if value is not None}
    )
    return preview


def _check_control_characters(preview, row):
    """NUL and other control characters are refused per cell, on the row they are in:
    the database would refuse them at the end of the import instead."""
    for field_name, value in row.items():
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            preview.add_error(
                "control_character",
                _(
                    "The column %(column)s holds an invisible control character (such as a "
                    "NUL byte). Remove it from the file."
                )
                % {"column": COLUMNS[field_name][0]},
            )


def _check_bsn(preview, bsn):
    if not bsn:
        preview.add_error("missing_bsn", _("The BSN is missing."))
    elif len(bsn) != 9 or not is_valid_bsn(bsn):
        preview.add_error("invalid_bsn", _("This is not a valid BSN (the 11-check fails)."))
    else:
        preview._fields["bsn"] = bsn


def _check_names(preview, row):
    first_name, last_name = _text(row.get("first_name")), _text(row.get("last_name"))
    preview.values["first_name"] = first_name
    # The model has one last-name field: "van Dijk", as the letters to them say it.
    infix = _text(row.get("infix"))
    preview.values["last_name"] = f"{infix} {last_name}".strip() if last_name else ""
    if not first_name:
        preview.add_error("missing_name", _("The first name is missing."))
    if not last_name:
        preview.add_error("missing_name", _("The last name is missing."))


def _check_birth_date(preview, value):
    birth_date = parse_date(value)
    if _is_blank(value):
        preview.add_error("missing_birth_date", _("The date of birth is missing."))
    elif birth_date is None:
        preview.raw["birth_date"] = _text(value)
        preview.add_error(
            "invalid_birth_date", _("The date of birth is not a date; write it as dd-mm-yyyy.")
        )
    elif birth_date > timezone.localdate() or birth_date.year < EARLIEST_BIRTH_YEAR:
        preview.raw["birth_date"] = _text(value)
        preview.add_error("invalid_birth_date", _("The date of birth cannot be right."))
    else:
        preview.values["birth_date"] = birth_date


def _check_postcode(preview, value):
    postcode = _postcode(value)
    try:
        if postcode:
            postcode_validator(postcode)
        preview.values["postcode"] = postcode
    except ValidationError:
        preview.raw["postcode"] = _text(value)
        preview.add_error("invalid_postcode", _("This is not a Dutch postcode such as 8011 AB."))


def _check_benefit(preview, row):
    value = row.get("benefit_type")
    preview.values["benefit_type"] = parse_benefit_type(value)
    if _is_blank(value):
        preview.add_error("missing_benefit_type", _("The benefit is missing."))
    elif preview.values["benefit_type"] is None:
        preview.raw["benefit_type"] = _text(value)
        preview.add_error(
            "unknown_benefit_type",
            _(
                "Unknown benefit “%(value)s”: use WW, Bijstand, Participatiewet, WWB, "
                "WW+Bijstand, Beide, Geen or Overig."
            )
            % {"value": _text(value)},
        )

    value = row.get("benefit_start")
    if not _is_blank(value):
        preview.values["benefit_start"] = parse_date(value)
        if preview.values["benefit_start"] is None:
            preview.raw["benefit_start"] = _text(value)
            preview.add_error(
                "invalid_benefit_start",
                _("The benefit start is not a date; write it as dd-mm-yyyy."),
            )

    value = row.get("monthly_benefit")
    if not _is_blank(value):
        preview.values["monthly_benefit"] = parse_amount(value)
        if preview.values["monthly_benefit"] is None:
            preview.raw["monthly_benefit"] = _text(value)
            preview.add_error(
                "invalid_amount", _("The monthly benefit is not an amount such as 1.234,56.")
            )


def _check_consultant(preview, value, consultants):
    email = _text(value).lower()
    if email:
        preview.values["consultant"] = consultants.get(email)
        if preview.values["consultant"] is None:
            preview.raw["consultant"] = email
            preview.add_error(
                "unknown_consultant",
                _("%(email)s is not a consultant of your municipality.") % {"email": email},
            )


def _check_against_model(row):
    """The model's own rules (lengths, validators) as the service will apply them, so
    that a row the preview passes does not fail halfway through the import."""
    candidate = Participant(**row._fields)
    try:
        candidate.clean_fields(exclude=["municipality", "programme", "consultant"])
    except ValidationError as error:
        for messages in error.message_dict.values():
            for message in messages:
                row.add_error("invalid_value", message)


def import_rows(user, rows):
    """Creates the new participants of a file, all or none: with any row in error nothing
    is created and ValidationError is raised. Rows already present are skipped."""
    _require_importer(user)
    try:
        with transaction.atomic():
            preview = _import_locked(user, rows)
    except IntegrityError:
        # Someone registered one of these people through the form at this very moment.
        # The database's message names the BSN, which must not reach a log or a page.
        raise ValidationError(
            _("One of these participants was registered meanwhile. Check the import again."),
            code="conflict",
        ) from None
    return ImportResult(created=len(preview.new_rows), skipped=len(preview.skipped_rows))


def _import_locked(user, rows):
    # One import per municipality at a time, so that a double-clicked confirmation or two
    # colleagues importing the same file skip rather than collide. NO KEY UPDATE does not
    # block participants being registered meanwhile.
    Municipality.objects.select_for_update(no_key=True).filter(pk=user.municipality_id).first()
    preview = validate_rows(user, rows)
    if preview.has_errors:
        raise ValidationError(
            ngettext(
                "%(count)s row has an error; nothing was imported.",
                "%(count)s rows have an error; nothing was imported.",
                len(preview.error_rows),
            )
            % {"count": len(preview.error_rows)},
            code="rows_invalid",
        )
    for row in preview.new_rows:
        services.register_participant(user, **row._fields)
    return preview


# --- the parsed rows between preview and confirmation ------------------------------------
# The file is read once, at the upload. What waits for the confirmation are its rows as
# read (only the columns the import uses), as JSON in the private storage under a random
# name that only the uploader's session holds; the preview and the confirmation read them
# back instead of parsing the file again.


def _encode(value):
    # JSON keeps str, int, float, bool and None; dates are tagged so that they come back
    # as dates (parse_date reads a date cell differently from a text).
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # a time or duration cell: nothing the import reads


def _decode(value):
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime.datetime.fromisoformat(value["datetime"])
        return datetime.date.fromisoformat(value["date"])
    return value


def store_rows(user, rows):
    """Keeps the rows of an upload for the user who uploaded them; returns the name."""
    name = f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}.json"
    content = json.dumps(
        {
            "user": user.pk,
            "rows": [{key: _encode(value) for key, value in row.items()} for row in rows],
        }
    )
    return storages["private"].save(name, ContentFile(content.encode()))


def open_upload(name):
    """The stored rows' file, or None when the name is not one of ours or it is gone."""
    storage = storages["private"]
    if not name or not UPLOAD_NAME.match(name) or not storage.exists(name):
        return None
    return storage.open(name, "rb")


def load_rows(user, name):
    """The rows stored by `store_rows` for this user; ValidationError when they are gone
    or were stored for someone else."""
    stored = open_upload(name)
    content = None
    if stored is not None:
        with stored:
            content = json.load(stored)
    if content is None or content.get("user") != user.pk:
        raise ValidationError(
            _("The uploaded file is no longer available. Upload it again."), code="gone"
        )
    return [{key: _decode(value) for key, value in row.items()} for row in content["rows"]]


def delete_upload(name):
    if name and UPLOAD_NAME.match(name):
        storages["private"].delete(name)


def delete_stale_uploads(older_than=datetime.timedelta(days=1)):
    """Removes uploads whose preview was never confirmed or cancelled: they hold BSNs.
    Meant for a periodic task; returns how many files were removed."""
    storage = storages["private"]
    if not storage.exists(UPLOAD_FOLDER):
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    for filename in storage.listdir(UPLOAD_FOLDER)[1]:
        name = f"{UPLOAD_FOLDER}/{filename}"
        if UPLOAD_NAME.match(name) and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            removed += 1
    return removed
