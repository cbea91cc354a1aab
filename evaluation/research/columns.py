"""How an export table is declared: its columns with a Dutch label, a type, value labels
and how the value follows from one `.values()` row."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from .column_privacy import PSEUDONYM, QuasiIdentifier

TEXT, INTEGER, DECIMAL, DATE, CODE, BOOLEAN = (
    "text",
    "integer",
    "decimal",
    "date",
    "code",
    "boolean",
)
# The codebook is for Dutch researchers, like the labels.
TYPE_LABELS = {
    TEXT: "tekst",
    INTEGER: "geheel getal",
    DECIMAL: "getal",
    DATE: "datum",
    CODE: "code",
    BOOLEAN: "ja/nee",
}
YES_NO = [(0, "Nee"), (1, "Ja")]


@dataclass(frozen=True)
class Column:
    name: str  # a valid SPSS and Stata variable name (at most 32 characters)
    label: str  # Dutch, at most 80 characters (Stata's limit)
    type: str
    get: Callable[[dict, Any], Any]  # (row, ExportContext) -> raw value
    # Choices class, list of (code, label) pairs, or a callable(project) giving the pairs.
    choices: Any = None
    # A Declared or a QuasiIdentifier; every column needs one (test_disclosure checks).
    privacy: Any = None

    def value_labels(self, project):
        """(code, Dutch label) pairs as stored in the database (text or integer codes)."""
        if self.type == BOOLEAN:
            return YES_NO
        if self.choices is None:
            return []
        choices = self.choices
        if callable(choices) and not hasattr(choices, "choices"):
            choices = choices(project)
        pairs = getattr(choices, "choices", choices)
        with translation.override("nl"):
            return [(code, str(label)) for code, label in pairs]

    @property
    def quasi_identifier(self):
        return self.privacy if isinstance(self.privacy, QuasiIdentifier) else None


@dataclass(frozen=True)
class Table:
    name: str
    title: Any  # shown in the export builder (translated)
    label: str  # Dutch, for the codebook and README
    columns: tuple
    rows: Callable  # (project) -> iterable of dicts
    # Optional (project, context) -> COPY statement giving exactly the CSV rows that
    # `encoded_rows` would give: PostgreSQL then writes the CSV (see _copy_csv).
    copy_csv: Callable | None = None
    # The row's key of the participant it is about (None for others' answers): rows of
    # participants left out by disclosure control are left out of every table.
    person: str | None = "participant_id"
    # Optional (context) -> rows, instead of `rows`, for a table whose rows depend on the
    # export's own measurement (the comparison group's suppression).
    context_rows: Callable | None = None


def _value(key):
    return lambda row, context: row[key]


def _day(key, person="participant_id"):
    return lambda row, context: context.day(row[person], row[key])


def _pseudonym(person="participant_id"):
    return Column(
        "pseudonym",
        "Pseudoniem van de deelnemer",
        TEXT,
        lambda row, context: context.pseudonym(row[person]),
        privacy=PSEUDONYM,
    )
