"""Writing an export file: CSV in a zip (streamed, by COPY where a table has one), Excel,
SPSS and Stata; its storage and download names and checksum. The writers stream rows
from server-side cursors into the file; SPSS and Stata need one whole table in memory
(pyreadstat writes from a DataFrame), so they build one table at a time."""

import hashlib
import io
import itertools
import os
import tempfile
import zipfile

from django.db import connection

from vakwerk import spreadsheets
from vakwerk.db_routing import read_connection, read_transaction

from .catalogue import selected_tables
from .cells import ExportContext, encoded_rows, prepare
from .codebook import CODEBOOK_HEADER, _codebook_csv, codebook_rows, readme_text
from .columns import BOOLEAN, CODE, DATE, DECIMAL, INTEGER, TEXT
from .disclosure import DisclosureReport
from .models import ExportFormat
from .tables import CHUNK_SIZE

# Bytes of COPY output gathered before they go into the zip member.
COPY_BLOCK = 1 << 20


def extension(fmt):
    return "xlsx" if fmt == ExportFormat.XLSX else "zip"


class ExportCounts(dict):
    """Rows per table, and the disclosure report the file was written under."""

    report: DisclosureReport


def write_export(project, table_names, fmt, fileobj):
    """Writes the export into `fileobj` (binary, seekable); returns rows per table, with
    the disclosure report as `.report`. Disclosure control is measured first, on the
    same rows, so the file holds exactly what the report describes."""
    tables = selected_tables(table_names)
    if not tables:
        raise ValueError("an export needs at least one table")
    writer = {
        ExportFormat.CSV: _write_csv_zip,
        ExportFormat.XLSX: _write_xlsx,
        ExportFormat.SPSS: _write_labelled_zip,
        ExportFormat.STATA: _write_labelled_zip,
    }[ExportFormat(fmt)]
    # One transaction for the measurement and the whole file: the server-side cursors of
    # `.iterator()` and of the comparison group are then cursors that stream, where outside
    # one Django declares them WITH HOLD, which PostgreSQL materialises whole at once and
    # which do not survive PgBouncer's transaction mode (README, "Connection pooling").
    # On the connection the tables are read from (vakwerk/db_routing.py).
    with read_transaction():
        context = ExportContext(project, tables)
        counts = ExportCounts(writer(context, tables, ExportFormat(fmt), fileobj))
    counts.report = context.report
    return counts


def _write_csv_zip(context, tables, fmt, fileobj):
    project, counts = context.project, {}
    # DEFLATE level 1: several times faster than the default 6; CSV of codes and dates
    # compresses nearly as well either way.
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for table in tables:
            prepared = prepare(table, project, fmt)
            # force_zip64: the size of a streamed member is not known in advance.
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                # Question texts and options are typed by users: no cell may become a
                # formula (vakwerk/spreadsheets.py). The COPY path writes only codes,
                # numbers, dates and pseudonyms.
                writer = spreadsheets.csv_writer(text)
                writer.writerow([p.column.name for p in prepared])
                text.flush()
                if table.copy_csv is not None and connection.vendor == "postgresql":
                    count = _copy_csv(table.copy_csv(project, context), member)
                else:
                    count = _python_csv(table, context, fmt, prepared, writer)
                text.flush()
                text.detach()
            counts[table.name] = count
        archive.writestr("codebook.csv", _codebook_csv(tables, context, fmt))
        archive.writestr("README.txt", readme_text(project, tables, fmt, counts, context.report))
    return counts


def _python_csv(table, context, fmt, prepared, writer):
    count = 0
    rows = encoded_rows(table, context, fmt, prepared)
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        writer.writerows(chunk)
        count += len(chunk)
    return count


def _copy_csv(statement, member):
    """Streams `COPY (statement) TO STDOUT` into the zip member as it arrives. PostgreSQL
    writes the same CSV as Python's csv module here (minimal quoting, NULL as an empty
    cell; no empty strings, see NULLIF) except for the line ends: csv writes CRLF. No cell
    of these tables can contain a line break, so every LF is a line end."""
    count = 0
    # Inside the export's replica scope, the replica's connection (vakwerk/db_routing.py).
    with read_transaction(), read_connection().cursor() as cursor:
        # The sort of one project's rows fits in memory (a few tens of MB at most) rather
        # than spilling to disk; only for this transaction.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Dates as text are then YYYY-MM-DD whatever the server's default; cheaper than to_char.
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
            # COPY hands over about one row per message: gather them into large blocks, so
            # that the line ends, the zip member and DEFLATE work per block, not per row.
            block = bytearray()
            for data in copy:
                block += data
                if len(block) >= COPY_BLOCK:
                    count += _write_block(block, member)
                    block = bytearray()
            count += _write_block(block, member)
    return count


def _write_block(block, member):
    member.write(bytes(block).replace(b"\n", b"\r\n"))
    return block.count(b"\n")


def _write_xlsx(context, tables, fmt, fileobj):
    from openpyxl import Workbook

    # Write-only mode streams rows to a temporary file instead of building cells in memory.
    workbook = Workbook(write_only=True)
    project, counts = context.project, {}
    for table in tables:
        prepared = prepare(table, project, fmt)
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append([p.column.name for p in prepared])
        count = 0
        for cells in encoded_rows(table, context, fmt, prepared):
            # Text stays text, never a formula cell (vakwerk/spreadsheets.py).
            spreadsheets.append_row(sheet, cells)
            count += 1
        counts[table.name] = count
    codebook = workbook.create_sheet(title="codebook")
    codebook.append(CODEBOOK_HEADER)
    for row in codebook_rows(tables, context, fmt):
        spreadsheets.append_row(codebook, row)
    readme = workbook.create_sheet(title="toelichting")
    for line in readme_text(project, tables, fmt, counts, context.report).splitlines():
        spreadsheets.append_row(readme, [line])
    workbook.save(fileobj)
    return counts


def _dataframe(prepared, columns):
    import pandas as pd

    frame = {}
    for p, values in zip(prepared, columns, strict=True):
        kind = p.column.type
        if kind in (INTEGER, BOOLEAN) or (kind == CODE and p.integer_coded):
            frame[p.column.name] = pd.array(values, dtype="Int64")
        elif kind == DECIMAL:
            frame[p.column.name] = pd.array(values, dtype="Float64")
        else:
            frame[p.column.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(frame)


MEASURES = {
    TEXT: "nominal",
    CODE: "nominal",
    BOOLEAN: "nominal",
    INTEGER: "scale",
    DECIMAL: "scale",
    DATE: "scale",
}


def _write_labelled_zip(context, tables, fmt, fileobj):
    """SPSS (.sav) and Stata (.dta): one file per table in a zip. pyreadstat writes from a
    DataFrame, so each table is in memory while it is written — one table at a time."""
    import pyreadstat

    project, counts = context.project, {}
    with (
        zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryDirectory(prefix="research-export-") as folder,
    ):
        for table in tables:
            prepared = prepare(table, project, fmt)
            columns = [[] for _ in prepared]
            for cells in encoded_rows(table, context, fmt, prepared):
                for values, cell in zip(columns, cells, strict=True):
                    values.append(cell)
            counts[table.name] = len(columns[0]) if columns else 0
            frame = _dataframe(prepared, columns)
            del columns
            labels = {p.column.name: p.column.label for p in prepared}
            value_labels = {p.column.name: dict(p.labels) for p in prepared if p.labels}
            path = os.path.join(folder, f"{table.name}.{fmt}")
            if fmt == ExportFormat.SPSS:
                pyreadstat.write_sav(
                    frame,
                    path,
                    file_label=table.label[:64],
                    column_labels=labels,
                    variable_value_labels=value_labels,
                    variable_measure={p.column.name: MEASURES[p.column.type] for p in prepared},
                )
            else:
                pyreadstat.write_dta(
                    frame,
                    path,
                    file_label=table.label[:80],
                    column_labels=labels,
                    variable_value_labels=value_labels,
                )
            del frame
            archive.write(path, f"{table.name}.{fmt}")
            os.remove(path)
        archive.writestr("codebook.csv", _codebook_csv(tables, context, fmt))
        archive.writestr("README.txt", readme_text(project, tables, fmt, counts, context.report))
    return counts


def sha256_of(fileobj):
    fileobj.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def storage_name(export):
    return f"research/{export.project_id}/{export.pk}.{extension(export.format)}"


def download_name(export):
    suffix = "" if export.format == ExportFormat.XLSX else f"-{export.format}"
    return f"onderzoeksexport-{export.project_id}-{export.pk}{suffix}.{extension(export.format)}"
