"""The SRG delivery file, declared once: every record, field, position and code that the
builder writes, the validator checks and the README describes.

Guideline followed: **Richtlijnen Statistiek Re-integratie door Gemeenten (SRG) 2021,
versie 1.0 (11 januari 2021), vanaf verslagmaand januari 2021** (CBS, www.cbs.nl/sz-srg).

What could be read of that text from this workspace was its title page, version table and
table of contents (chapters 2.1 levering, 2.2 persoon, 2.3 voorziening, 2.4
loonkostensubsidie; 3.1 codes en posities per kenmerk, 3.4 selectieperiode, 3.5 aanmaken
bestand, 3.6 wijzigingen en lege levering; 4.1 verwerking en controles). The tables of
chapter 3 themselves were not reachable. Everything below that those tables would fix is
therefore an ASSUMPTION, written down here and in the README, and kept as data so that
checking it against the guideline's table 3.1 means changing this module only:

A1  One fixed-width ASCII text file per municipality per report month, records of
    RECORD_LENGTH characters ending in CR LF.
A2  A leading record (`V`) carries the delivery: municipality code, report month, date
    made, guideline version, kind of delivery and the number of detail records. It makes
    an empty delivery (lege levering, 3.6) possible: a month without provisions is
    delivered as the leading record alone, with count 0.
A3  One detail record (`D`) per provision (3.3, voorzieningen-niveau): the person (BSN,
    date of birth), the provision (the municipality's own reference, kind, start, end) and
    the wage-cost subsidy (percentage and monthly amount; zeros for other kinds).
A4  Numeric fields are right-aligned and zero-filled; text fields left-aligned and
    space-filled. Dates are JJJJMMDD; a provision still running has end date 00000000.
A5  Selection period (3.4): every provision that ran on at least one day of the report
    month: start on or before the month's last day and no end or an end on or after its
    first day.
A6  Corrections (3.6): an earlier month is corrected by delivering that month again in
    full; the new file replaces the earlier delivery for that month and is marked as a
    correction (kind of delivery `2`) in the leading record.
A7  The codes for kind of provision (type voorziening): five are CBS's own, as CBS's SRG
    FAQ "Vragen over kenmerk 'Type voorziening'" names them: 23 proefplaatsing t.b.v.
    loonwaardebepaling, 29 overige werkplekken (a werkervaringsplaats is one, by that
    FAQ's example), 30 jobcoach/begeleiding op de werkplek, 31 werkplekaanpassing, 59
    overige faciliterende voorziening, written zero-filled to the field's three positions
    (A4: 023, 029, ...). The others (101-702) are VAKwerk's
    placeholders for the categories of 2.3 until checked against table 3.1. All are
    stored in the ProvisionKind table, so an operator can set a code in the admin without
    a deploy; the validator accepts exactly the codes of that table.
A8  Wage-cost subsidy (2.4): a percentage of the statutory minimum wage from 0 to 100
    (whole percent) and/or an amount per month in euro cents; at least one of them is
    required for a wage-cost subsidy and both are zero for any other kind.
A9  Rules applied before delivery (4.1), each a Dutch message per participant: a BSN that
    passes the 11-check, a date of birth, a known kind, a start date, an end not before
    the start, a provision in the selection period, the wage-cost subsidy fields as in A8,
    and no two provisions of the same kind for one person that overlap.
A10 The file is named SRG_<gemeentecode>_<JJJJMM>_v<version>.txt (VAKwerk's naming).
A11 How far back: since report year 2023 CBS processes the SRG as a transaction system
    that takes new start and end dates of a provision into a report month when they are
    delivered within three months after that month (CBS StatLine, "Personen met
    re-integratie-/participatievoorzieningen", table description). A month can therefore
    be built, or built again as a correction, up to three months after it; never before
    the guideline's first report month (January 2021).
"""

import datetime
from dataclasses import dataclass

GUIDELINE = "Richtlijnen SRG 2021, versie 1.0 (11-01-2021)"
GUIDELINE_VERSION = "2021"
FIRST_MONTH = datetime.date(2021, 1, 1)  # "vanaf verslagmaand januari 2021"
RECORD_LENGTH = 80
LINE_END = "\r\n"
ENCODING = "ascii"

REGULAR = "1"
CORRECTION = "2"

NUMERIC = "N"
TEXT = "AN"


@dataclass(frozen=True)
class Field:
    name: str
    start: int  # 1-based, as the guideline counts positions
    length: int
    kind: str

    @property
    def end(self):
        return self.start + self.length - 1

    def format(self, value):
        text = "" if value is None else str(value)
        if self.kind == NUMERIC:
            text = text.rjust(self.length, "0")
        else:
            text = text.ljust(self.length, " ")
        if len(text) != self.length:
            raise ValueError(f"{self.name}: {len(text)} characters, {self.length} allowed")
        return text


def _layout(*fields):
    position = 1
    for field in fields:
        if field.start != position:
            raise AssertionError(f"{field.name} starts at {field.start}, not {position}")
        position = field.end + 1
    if position - 1 != RECORD_LENGTH:
        raise AssertionError(f"a record is {position - 1} characters, not {RECORD_LENGTH}")
    return fields


LEADING_RECORD = _layout(
    Field("recordsoort", 1, 1, TEXT),  # "V"
    Field("gemeentecode", 2, 4, NUMERIC),
    Field("verslagmaand", 6, 6, NUMERIC),  # JJJJMM
    Field("aanmaakdatum", 12, 8, NUMERIC),  # JJJJMMDD
    Field("richtlijnversie", 20, 4, NUMERIC),
    Field("soort_levering", 24, 1, NUMERIC),  # 1 regulier, 2 correctie
    Field("aantal_records", 25, 7, NUMERIC),
    Field("filler", 32, 49, TEXT),
)

DETAIL_RECORD = _layout(
    Field("recordsoort", 1, 1, TEXT),  # "D"
    Field("gemeentecode", 2, 4, NUMERIC),
    Field("verslagmaand", 6, 6, NUMERIC),
    Field("bsn", 12, 9, NUMERIC),
    Field("geboortedatum", 21, 8, NUMERIC),
    Field("kenmerk_voorziening", 29, 20, TEXT),
    Field("soort_voorziening", 49, 3, NUMERIC),
    Field("datum_begin", 52, 8, NUMERIC),
    Field("datum_einde", 60, 8, NUMERIC),
    Field("percentage_lks", 68, 3, NUMERIC),
    Field("bedrag_lks", 71, 9, NUMERIC),  # euro cents per month
    Field("filler", 80, 1, TEXT),
)

LEADING = "V"
DETAIL = "D"


@dataclass(frozen=True)
class KindSpec:
    key: str
    srg_code: str
    name: str
    wage_subsidy: bool = False


# A7: CBS's codes where its FAQ names them (23, 29, 30, 31, 59); three-digit placeholders
# per category of 2.3 for the rest until checked against the guideline's table 3.1.
PROVISION_KINDS = (
    KindSpec("trajectory", "101", "Re-integratietraject / trajectbegeleiding"),
    KindSpec("coaching", "102", "Coaching en begeleiding"),
    KindSpec("jobcoaching", "030", "Jobcoach/begeleiding op de werkplek"),
    KindSpec("training", "201", "Scholing / opleiding"),
    KindSpec(
        "work_experience", "029", "Overige werkplekken (werkervaringsplaats, leerwerkplaats)"
    ),
    KindSpec("trial_placement", "023", "Proefplaatsing t.b.v. loonwaardebepaling"),
    KindSpec("social_activation", "401", "Sociale activering"),
    KindSpec("sheltered_work", "501", "Beschut werk"),
    KindSpec("workplace_adjustment", "031", "Werkplekaanpassing"),
    KindSpec("wage_subsidy", "701", "Loonkostensubsidie (art. 10d Participatiewet)", True),
    KindSpec("wage_subsidy_other", "702", "Loonkostensubsidie overig", True),
    KindSpec("other", "059", "Overige faciliterende voorziening"),
)
# A11: CBS takes a month's new information until three months after it.
CORRECTION_MONTHS = 3

# Retention of the built files (they hold BSNs; AVG art. 5(1)(e)). A month can be built, or
# corrected, until the end of the CORRECTION_MONTHS-th month after it (A11): March until
# 30 June. After that CBS takes nothing more for the month, so the file has no use left
# for the delivery. One month of margin stays for CBS's processing and controls of the
# last delivery (4.1), whose questions the admin answers from that file. So March's files
# are removed from 1 August.
RETENTION_MARGIN_MONTHS = 1
# A version replaced by a newer built version of the same month is no longer what CBS
# holds once the newer file is delivered (A6). It is kept this long after the newer one
# was built, for the admin to deliver that one and see it accepted, then removed.
SUPERSEDED_KEPT_DAYS = 14


def files_removed_from(month):
    """The first day on which the files of report month `month` are removed."""
    first = month.replace(day=1)
    months = first.month - 1 + CORRECTION_MONTHS + 1 + RETENTION_MARGIN_MONTHS
    return first.replace(year=first.year + months // 12, month=months % 12 + 1)


# What consultants already record, and the kind of provision it is (no double entry).
DERIVED_KIND = {
    "enrolment": "trajectory",
    "placement": "work_experience",
    "training": "training",
}


def yyyymmdd(value):
    return value.strftime("%Y%m%d") if value else "00000000"


def yyyymm(month):
    return month.strftime("%Y%m")


def month_bounds(month):
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def render(layout, values):
    record = "".join(field.format(values.get(field.name)) for field in layout)
    if len(record) != RECORD_LENGTH:
        raise ValueError("record of the wrong length")
    return record


def file_name(municipality_code, month, version):
    return f"SRG_{municipality_code}_{yyyymm(month)}_v{version}.txt"
