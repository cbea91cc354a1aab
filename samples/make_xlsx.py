"""Writes deelnemers-import.xlsx from deelnemers-import.csv, typed the way an Excel export
from a benefit system is: the BSN as text (a number would lose a leading zero), dates as
date cells and amounts as numbers.

The BSNs are made up (vakwerk.bsn.bsn_from_number, in the 99999xxxx block
that the BRP keeps for test persons); they pass the 11-check but belong to no one.

Run from the repository root: .venv/bin/python samples/make_xlsx.py
"""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
DATE_COLUMNS = {"Geboortedatum", "Uitkering sinds"}
AMOUNT_COLUMNS = {"Uitkeringsbedrag per maand"}


def dutch_date(text):
    if len(text.split("-")[0]) == 4:
        return datetime.date.fromisoformat(text)
    day, month, year = (int(part) for part in text.split("-"))
    return datetime.date(year, month, day)


def dutch_amount(text):
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return float(Decimal(text))


def cell_value(column, text):
    if not text:
        return None
    if column in DATE_COLUMNS:
        return dutch_date(text)
    if column in AMOUNT_COLUMNS:
        return dutch_amount(text)
    return text


def main():
    with open(HERE / "deelnemers-import.csv", encoding="utf-8-sig", newline="") as source:
        lines = list(csv.reader(source, delimiter=";"))
    header, rows = lines[0], lines[1:]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Deelnemers"
    sheet.append(header)
    for row in rows:
        sheet.append([cell_value(column, text) for column, text in zip(header, row, strict=True)])
    for index, column in enumerate(header, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column) + 2)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if column in DATE_COLUMNS:
                cell.number_format = "dd-mm-yyyy"
            elif column in AMOUNT_COLUMNS:
                cell.number_format = "#,##0.00"
            elif column == "BSN":
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    workbook.save(HERE / "deelnemers-import.xlsx")


if __name__ == "__main__":
    main()
