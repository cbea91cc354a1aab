"""The one guard every CSV and Excel file of VAKwerk is written through.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab
or carriage return followed by one) as a formula: `=HYPERLINK("https://evil.example","x")`
typed as a question, a fund name or a description would turn into a live link or worse in
the file a manager or researcher opens. Text is data in our exports, never a formula:

- CSV: such text gets a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets
  show as text; numbers, also negative ones (`-12`, `-1.234,50`), stay numbers.
- Excel: such text is written as a string cell, never as a formula cell (openpyxl would
  otherwise store any string starting with `=` as a formula).

Use `csv_writer` (or `excel_csv_writer` for a file people open in Excel) instead of
`csv.writer` and `append_row` instead of `sheet.append`; the
test in tests/vakwerk/test_output_encoding.py fails when a module writes spreadsheets
another way.
"""

import csv
import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A number as a person or a program writes one: -12, +3, -1.234,50, -0.5, .5
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)")


def neutralise(value):
    """The value as a CSV cell: text a spreadsheet would run as a formula gets a leading
    apostrophe; None becomes empty; anything else is left as it is."""
    if value is None:
        return ""
    formula_like = isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
    if formula_like and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_row(values):
    return [neutralise(value) for value in values]


class _GuardedWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows):
        return self._writer.writerows(neutralise_row(row) for row in rows)


def csv_writer(fileobj, **kwargs):
    """`csv.writer` with every cell passed through `neutralise`."""
    return _GuardedWriter(csv.writer(fileobj, **kwargs))


class _StartsWithByteOrderMark:
    """A file whose first write starts with the byte order mark; each write's result is
    handed back, so that a streaming echo (a file that returns the line) still works."""

    def __init__(self, fileobj):
        self._fileobj, self._started = fileobj, False

    def write(self, text):
        if not self._started:
            self._started = True
            text = "\ufeff" + text
        return self._fileobj.write(text)


def excel_csv_writer(fileobj):
    """`csv_writer` for a CSV that people open in a Dutch Excel: ";" between cells, because
    the comma is the decimal separator there, and a byte order mark first, without which
    Excel reads UTF-8 "ë" as "Ã«"."""
    return csv_writer(_StartsWithByteOrderMark(fileobj), delimiter=";")


def excel_cells(sheet, values):
    """The row for `sheet.append`: text that openpyxl would store as a formula becomes an
    explicit string cell. Works for normal and write-only worksheets."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            value = cell
        cells.append(value)
    return cells


def append_row(sheet, values):
    sheet.append(excel_cells(sheet, values))
