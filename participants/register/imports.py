"""Import of a benefit-register snapshot: the municipality's whole benefit population on a
reference date, from the benefit system's CSV or Excel export.

The file is read by the participant import's machinery (`participants.imports.read_rows`
with this import's columns and its own bounds, `SNAPSHOT_BOUNDS`: a snapshot is a whole
municipality's benefit population and is never split, so its bounds are those of the
largest municipality's export, not of a caseload), in a background job
(`SnapshotImport`), and the preview follows the participant import's rule: every row is
checked, and with one row in error nothing is imported. The BSN is read, checked and
turned into the keyed hash here; it is kept in no preview value, message or log.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from participants import imports as participant_imports
from participants.models import BenefitEndReason, Participant
from vakwerk.bsn import is_valid_bsn

from .models import REGISTER_ROLES, BenefitSpell, RegisterPerson, RegisterSnapshot, bsn_hash

COLUMNS = {
    "bsn": participant_imports.COLUMNS["bsn"],
    "birth_year": ("Geboortejaar", "geboortedatum", "jaar van geboorte"),
    "benefit_type": participant_imports.COLUMNS["benefit_type"],
    "benefit_start": participant_imports.COLUMNS["benefit_start"],
    "benefit_end": (
        "Einddatum uitkering",
        "uitkering tot",
        "einde uitkering",
        "einddatum",
        "beeindigd op",
    ),
    "end_reason": ("Reden einde", "reden beeindiging", "reden einde uitkering", "einde reden"),
}
REQUIRED_COLUMNS = ("bsn", "birth_year", "benefit_type", "benefit_start")
EARLIEST_BIRTH_YEAR = participant_imports.EARLIEST_BIRTH_YEAR

# End reasons as benefit systems write them, compared without case, spaces or punctuation.
END_REASONS = {
    "werk": BenefitEndReason.WORK,
    "werkaanvaarding": BenefitEndReason.WORK,
    "arbeid": BenefitEndReason.WORK,
    "opleiding": BenefitEndReason.EDUCATION,
    "studie": BenefitEndReason.EDUCATION,
    "scholing": BenefitEndReason.EDUCATION,
    "onderwijs": BenefitEndReason.EDUCATION,
    "eigenbedrijf": BenefitEndReason.OWN_BUSINESS,
    "zzp": BenefitEndReason.OWN_BUSINESS,
    "ondernemer": BenefitEndReason.OWN_BUSINESS,
    "verhuizing": BenefitEndReason.MOVED_AWAY,
    "verhuisd": BenefitEndReason.MOVED_AWAY,
    "vertrekbuitengemeente": BenefitEndReason.MOVED_AWAY,
    "werkendepartner": BenefitEndReason.WORKING_PARTNER,
    "samenwonen": BenefitEndReason.WORKING_PARTNER,
    "samenwonenmetwerkendepartner": BenefitEndReason.WORKING_PARTNER,
    "overig": BenefitEndReason.OTHER,
    "anders": BenefitEndReason.OTHER,
    "overlijden": BenefitEndReason.OTHER,
    "detentie": BenefitEndReason.OTHER,
}
END_REASON_NAMES = "werk, opleiding, eigen bedrijf, verhuizing, werkende partner, overig"


def parse_end_reason(value):
    return END_REASONS.get(participant_imports._header_key(value))


# Rotterdam, the largest municipality, has some 35,000 households on bijstand: a register
# of 100,000 people leaves room for WW and growth. A CSV row of the six columns takes about
# 40-60 bytes (6 MB); an .xlsx of them unpacks to some 40 MB of XML. The bounds are the
# largest honest export with room to spare; beyond them a file is refused, not read: a
# zip bomb stops at the unpacked bound while it is being inflated.
SNAPSHOT_MAX_ROWS = 100_000
SNAPSHOT_BOUNDS = participant_imports.ReadBounds(
    max_rows=SNAPSHOT_MAX_ROWS,
    # Below the request limit of every upload (VAKWERK_MAX_REQUEST_SIZE, nginx: 10 MB):
    # 100,000 rows of up to 90 bytes, far more than the six columns take.
    max_bytes=9 * 1024 * 1024,
    max_unpacked_bytes=120 * 1024 * 1024,
    max_cells=SNAPSHOT_MAX_ROWS * 10,
    max_sheet_rows=SNAPSHOT_MAX_ROWS + 1_000,
    max_shared_strings=SNAPSHOT_MAX_ROWS * 10,
    max_xml_elements=SNAPSHOT_MAX_ROWS * 50,
    # Read in a background job, not a web request: the job's own time limit is the bound
    # that matters, this stops a hostile file well before it.
    time_budget_seconds=240,
    too_large=N_(
        "The file is larger than %(size)s MB, more than the benefit population of any "
        "municipality needs. Export only the columns the snapshot uses (BSN, Geboortejaar, "
        "Uitkering, Uitkering sinds, Einddatum uitkering, Reden einde), or save it as CSV."
    ),
    too_large_unpacked=N_(
        "Unpacked, this file is larger than %(size)s MB. Export only the columns the "
        "snapshot uses, or save it as CSV."
    ),
    too_many_rows=N_(
        "The file has more than %(max)s rows, more than the benefit population of any "
        "municipality. Check that it holds one reference date, each person once."
    ),
    too_many_cells=N_(
        "The file has more than %(max)s cells. Keep only the sheet with the benefit "
        "population and the columns the snapshot uses, or save it as CSV."
    ),
    too_slow=N_(
        "Reading this file takes longer than %(seconds)s seconds. Save it again as CSV "
        "with only the columns the snapshot uses."
    ),
)


def read_rows(uploaded_file):
    return participant_imports.read_rows(
        uploaded_file, COLUMNS, REQUIRED_COLUMNS, bounds=SNAPSHOT_BOUNDS
    )


@dataclass
class SnapshotRow:
    """One row as the preview shows it: never the BSN, not even masked; `_hash` holds
    what the import stores and templates cannot reach it."""

    number: int
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    participant_id: int | None = None
    _hash: str = field(default="", repr=False)

    def add_error(self, code, message):
        self.errors.append(participant_imports.RowError(code, str(message)))

    @property
    def error_codes(self):
        return [error.code for error in self.errors]


@dataclass
class SnapshotPreview:
    taken_on: datetime.date
    rows: list
    # Refusals of the whole file (a reference date not after the latest snapshot).
    file_errors: list = field(default_factory=list)
    known_people: int = 0
    open_spells: int = 0
    continuing_open: int = 0

    @cached_property
    def error_rows(self):
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self):
        return bool(self.error_rows or self.file_errors)

    @property
    def can_import(self):
        return not self.has_errors and bool(self.rows)

    @cached_property
    def participants(self):
        return sum(1 for row in self.rows if row.participant_id)

    @cached_property
    def ended_in_file(self):
        return sum(1 for row in self.rows if row.values.get("benefit_end"))

    @property
    def new_people(self):
        return len(self.rows) - self.known_people

    @property
    def will_leave(self):
        """Spells open now whose person the file does not hold: they left benefit."""
        return self.open_spells - self.continuing_open


def require_importer(user):
    if user.role not in REGISTER_ROLES or not user.municipality_id:
        raise PermissionDenied


def validate_rows(user, taken_on, rows):
    """The preview of a snapshot: every row parsed and checked, the people recognised by
    their hash, the participants by their BSN."""
    require_importer(user)
    municipality_id = user.municipality_id
    parsed = [_parse_row(row, taken_on, municipality_id) for row in rows]
    preview = SnapshotPreview(taken_on=taken_on, rows=[row for row, _bsn in parsed])
    latest = (
        RegisterSnapshot.objects.filter(municipality_id=municipality_id)
        .order_by("-taken_on")
        .values_list("taken_on", flat=True)
        .first()
    )
    if latest is not None and taken_on <= latest:
        preview.file_errors.append(
            _(
                "The reference date must be later than that of the latest snapshot "
                "(%(date)s): each snapshot says who left benefit since the previous one."
            )
            % {"date": latest.strftime("%d-%m-%Y")}
        )
    by_hash = {}
    for row, _bsn in parsed:
        if row._hash:
            by_hash.setdefault(row._hash, []).append(row)
    for same in (rows for rows in by_hash.values() if len(rows) > 1):
        for row in same:
            others = ", ".join(str(other.number) for other in same if other is not row)
            row.add_error(
                "duplicate_bsn",
                _("This BSN also appears in row %(rows)s of the file.") % {"rows": others},
            )
    bsns = {bsn: row for row, bsn in parsed if bsn}
    for bsn, participant_id in Participant.objects.filter(
        municipality_id=municipality_id, bsn__in=list(bsns)
    ).values_list("bsn", "pk"):
        bsns[bsn].participant_id = participant_id
    known = RegisterPerson.objects.filter(
        municipality_id=municipality_id, bsn_hash__in=list(by_hash)
    ).values_list("pk", flat=True)
    preview.known_people = known.count()
    open_spells = BenefitSpell.objects.filter(
        municipality_id=municipality_id, ended_on__isnull=True
    )
    preview.open_spells = open_spells.count()
    preview.continuing_open = open_spells.filter(person_id__in=known).count()
    return preview


def _parse_row(raw, taken_on, municipality_id):
    row = SnapshotRow(number=raw["row"])
    for field_name, value in raw.items():
        if isinstance(value, str) and participant_imports.CONTROL_CHARACTERS.search(value):
            row.add_error(
                "control_character",
                _(
                    "The column %(column)s holds an invisible control character (such as a "
                    "NUL byte). Remove it from the file."
                )
                % {"column": COLUMNS[field_name][0]},
            )
    bsn = participant_imports._bsn_text(raw.get("bsn"))
    if not bsn:
        row.add_error("missing_bsn", _("The BSN is missing."))
    elif len(bsn) != 9 or not is_valid_bsn(bsn):
        row.add_error("invalid_bsn", _("This is not a valid BSN (the 11-check fails)."))
        bsn = ""
    else:
        row._hash = bsn_hash(municipality_id, bsn)
    _check_birth_year(row, raw.get("birth_year"), taken_on)
    _check_benefit(row, raw, taken_on)
    return row, bsn


def _check_birth_year(row, value, taken_on):
    if participant_imports._is_blank(value):
        row.add_error("missing_birth_year", _("The birth year is missing."))
        return
    year = None
    date = participant_imports.parse_date(value)
    if date is not None:
        # A full birth date is read, but only its year is kept.
        year = date.year
    elif isinstance(value, int | float) and float(value).is_integer():
        year = int(value)
    elif str(value).strip().isdigit():
        year = int(str(value).strip())
    if year is None or not EARLIEST_BIRTH_YEAR <= year <= taken_on.year:
        row.add_error(
            "invalid_birth_year",
            _("The birth year is not a year such as 1985, or cannot be right."),
        )
    else:
        row.values["birth_year"] = year


def _date(row, raw, name, missing_message, taken_on):
    value = raw.get(name)
    if participant_imports._is_blank(value):
        if missing_message:
            row.add_error(f"missing_{name}", missing_message)
        return None
    date = participant_imports.parse_date(value)
    if date is None:
        row.add_error(f"invalid_{name}", _("%(value)s is not a date; write it as dd-mm-yyyy.")
                      % {"value": participant_imports._text(value)})  # fmt: skip
    elif date > taken_on:
        row.add_error(f"invalid_{name}", _("This date lies after the reference date."))
        return None
    return date


def _check_benefit(row, raw, taken_on):
    value = raw.get("benefit_type")
    benefit_type = participant_imports.parse_benefit_type(value)
    if participant_imports._is_blank(value):
        row.add_error("missing_benefit_type", _("The benefit is missing."))
    elif benefit_type is None:
        row.add_error(
            "unknown_benefit_type",
            _(
                "Unknown benefit “%(value)s”: use WW, Bijstand, Participatiewet, WWB, "
                "WW+Bijstand, Beide, Geen or Overig."
            )
            % {"value": participant_imports._text(value)},
        )
    else:
        row.values["benefit_type"] = benefit_type
    start = _date(row, raw, "benefit_start", _("The benefit start is missing."), taken_on)
    end = _date(row, raw, "benefit_end", None, taken_on)
    if start and end and end < start:
        row.add_error("invalid_benefit_end", _("The benefit ends before it starts."))
    row.values["benefit_start"] = start
    row.values["benefit_end"] = end
    reason_value = raw.get("end_reason")
    if not participant_imports._is_blank(reason_value):
        reason = parse_end_reason(reason_value)
        if reason is None:
            row.add_error(
                "unknown_end_reason",
                _("Unknown end reason “%(value)s”: use %(names)s.")
                % {"value": participant_imports._text(reason_value), "names": END_REASON_NAMES},
            )
        elif participant_imports._is_blank(raw.get("benefit_end")):
            row.add_error("reason_without_end", _("An end reason is given but no end date."))
        else:
            row.values["end_reason"] = reason
