"""From database row to cell: one export's keys, disclosure report and days 0, and each
column's value labels and encoding per format."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from .columns import BOOLEAN, CODE, DATE, DECIMAL, Column
from .comparison import COMPARISON_GROUP, _comparison_measured
from .disclosure import measure
from .models import ExportFormat
from .pseudonyms import keys_for

LABELLED_FORMATS = (ExportFormat.SPSS, ExportFormat.STATA)


class ExportContext:
    """One export's keys, disclosure report and days 0: what a column needs to turn a
    database row into a cell."""

    def __init__(self, project, tables):
        self.project = project
        self.keys = keys_for(project)
        self.report, self.day0 = measure(project, tables)
        self.comparison = None
        if COMPARISON_GROUP in tables:
            self.comparison = _comparison_measured(project, self.report)

    def register_person(self, person_id):
        return self.keys.register_person(person_id)

    def pseudonym(self, participant_id):
        return self.keys.pseudonym(participant_id)

    def respondent(self, response_id):
        return self.keys.respondent(response_id)

    def day(self, participant_id, value):
        """Days since the participant's day 0; datetimes become local dates first, so
        that the time of day cannot be used to link rows either."""
        if value is None or participant_id is None:
            return None
        anchor = self.day0.get(participant_id)
        if anchor is None:
            return None
        if isinstance(value, datetime.datetime):
            value = timezone.localdate(value)
        return (value - anchor).days

    def keeps(self, participant_id):
        return participant_id is None or participant_id in self.report.kept


@dataclass
class Prepared:
    """A column resolved for one export: its value labels as written in this format."""

    column: Column
    labels: list  # (code as written, label)
    to_code: dict = field(default_factory=dict)  # text code -> integer (SPSS/Stata)

    @property
    def integer_coded(self):
        return self.column.type in (CODE, BOOLEAN) and all(
            isinstance(code, int) for code, _label in self.labels
        )

    def value(self, row, context):
        raw = self.column.get(row, context)
        qi = self.column.quasi_identifier
        return context.report.generalise(qi, raw) if qi else raw

    def encode(self, raw, fmt):
        """The cell for this format: text codes in CSV and Excel (the codebook explains
        them), integer codes with value labels in SPSS and Stata."""
        kind = self.column.type
        if raw is None or raw == "":
            return None
        if kind == BOOLEAN:
            return int(bool(raw))
        if kind == CODE and self.to_code:
            return self.to_code.get(raw)
        if kind == DECIMAL:
            return str(raw) if fmt == ExportFormat.CSV else float(raw)
        if kind == DATE and fmt == ExportFormat.CSV:
            return raw.isoformat()
        return raw


def prepare(table, project, fmt):
    prepared = []
    for column in table.columns:
        labels = column.value_labels(project)
        to_code = {}
        text_codes = column.type == CODE and any(isinstance(code, str) for code, _ in labels)
        if fmt in LABELLED_FORMATS and text_codes:
            # SPSS and Stata attach value labels to numbers only: 1..n in choice order.
            to_code = {code: number for number, (code, _label) in enumerate(labels, 1)}
            labels = [(to_code[code], label) for code, label in labels]
        prepared.append(Prepared(column, labels, to_code))
    return prepared


def encoded_rows(table, context, fmt, prepared=None):
    """Yields each row as a list of cells, straight from the database cursor; rows of
    participants that disclosure control left out are skipped."""
    prepared = prepared or prepare(table, context.project, fmt)
    rows = table.context_rows(context) if table.context_rows else table.rows(context.project)
    for row in rows:
        if table.person is None or context.keeps(row[table.person]):
            yield [p.encode(p.value(row, context), fmt) for p in prepared]
