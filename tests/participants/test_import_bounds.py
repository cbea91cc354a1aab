"""The participant import within bounds: hostile .xlsx files (a few kB that unpack into
megabytes of XML, half a million cells, a huge string table, XML entities) are refused with
a Dutch message in bounded time before openpyxl parses them; control characters are refused
per cell on their row; the file is read once and only its rows wait for the confirmation.
Every hostile file is built here, in the test."""

import io
import json
import time
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participants import imports
from participants.import_views import SESSION_KEY
from participants.models import Participant
from vakwerk.bsn import bsn_from_number
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("participants:import_upload")
PREVIEW_URL = reverse("participants:import_preview")
HEADER = ["BSN", "Voornaam", "Achternaam", "Geboortedatum", "Uitkering"]
# The refusals must come long before openpyxl would have finished (9–31 s before the fix).
QUICK = 3.0

OOXML = "http://schemas.openxmlformats.org"
SHEET_ML = f"{OOXML}/spreadsheetml/2006/main"
RELS = f"{OOXML}/package/2006/relationships"
DOC_RELS = f"{OOXML}/officeDocument/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    f'<Types xmlns="{OOXML}/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{OFFICE}.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    f'ContentType="{OFFICE}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<workbook xmlns="{SHEET_ML}" xmlns:r="{DOC_RELS}">'
    '<sheets><sheet name="Deelnemers" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def inline(value):
    return f'<c t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_xml(rows, doctype=""):
    body = "".join(f"<row>{''.join(row)}</row>" for row in rows)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        f'<worksheet xmlns="{SHEET_ML}">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


def header_row():
    return [inline(name) for name in HEADER]


def person_row(number=1):
    return [
        inline(bsn_from_number(number)),
        inline("Anna"),
        inline("Jansen"),
        inline("17-05-1990"),
        inline("Bijstand"),
    ]


def xlsx(sheet, shared_strings=f'<sst xmlns="{SHEET_ML}"/>', extra=()):
    """A workbook zipped by hand, so that its parts can be anything a hostile file holds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared_strings)
        for name, content in extra:
            archive.writestr(name, content)
    return SimpleUploadedFile("export.xlsx", buffer.getvalue())


def refused(upload):
    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        imports.read_rows(upload)
    return caught.value, time.monotonic() - started


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


def test_the_hand_built_workbook_is_read_when_it_is_within_bounds():
    rows = imports.read_rows(xlsx(sheet_xml([header_row(), person_row()])))
    assert [(row["first_name"], row["birth_date"]) for row in rows] == [("Anna", "17-05-1990")]


def test_a_full_size_export_within_the_bounds_is_read():
    # 5,000 people with 20 columns each, most of which the import does not use.
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER + [f"Kolom {index}" for index in range(15)])
    for number in range(1, imports.MAX_ROWS + 1):
        person = [bsn_from_number(number), "Anna", f"Jansen {number}", "17-05-1990", "WW"]
        sheet.append(person + [f"waarde {number}.{index}" for index in range(15)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = imports.read_rows(SimpleUploadedFile("export.xlsx", buffer.getvalue()))
    assert len(rows) == imports.MAX_ROWS
    assert rows[-1]["last_name"] == f"Jansen {imports.MAX_ROWS}"


def test_one_row_of_half_a_million_cells_is_refused_quickly():
    row = "<c><v>1</v></c>" * 500_000
    upload = xlsx(sheet_xml([header_row(), [row]]))
    assert upload.size < 40_000  # a few kB that unpack into megabytes of XML
    error, seconds = refused(upload)
    assert error.code == "too_many_columns"
    assert error.messages == [
        "Een rij van het bestand heeft meer dan 200 kolommen. Verwijder de kolommen die de "
        "import niet gebruikt, of sla het bestand op als CSV."
    ]
    assert seconds < QUICK


def test_too_many_cells_in_narrow_rows_are_refused():
    rows = [header_row()] + [["<c><v>1</v></c>" * 20] for _ in range(imports.MAX_CELLS // 20 + 1)]
    error, seconds = refused(xlsx(sheet_xml(rows)))
    assert error.code == "too_many_cells"
    assert "meer dan 120.000 cellen" in error.messages[0]
    assert seconds < QUICK


def test_too_many_rows_are_refused_before_parsing():
    rows = [header_row()] + [["<c><v>1</v></c>"]] * (imports.MAX_SHEET_ROWS + 1)
    error, seconds = refused(xlsx(sheet_xml(rows)))
    assert error.code == "too_many_rows"
    assert error.messages == [
        "Het bestand heeft meer dan 5.000 rijen. Splits het op in kleinere bestanden."
    ]
    assert seconds < QUICK


def test_a_huge_string_table_is_refused():
    strings = (
        f'<sst xmlns="{SHEET_ML}">{"<si><t>x</t></si>" * (imports.MAX_SHARED_STRINGS + 1)}</sst>'
    )
    error, seconds = refused(xlsx(sheet_xml([header_row(), person_row()]), strings))
    assert error.code == "too_many_strings"
    assert "De tabel met teksten van het bestand heeft meer dan 120.000" in error.messages[0]
    assert seconds < QUICK


def test_a_part_that_unpacks_past_the_limit_is_refused():
    padding = " " * (imports.MAX_UNPACKED_BYTES + 1)
    upload = xlsx(sheet_xml([header_row(), person_row()]), extra=[("xl/media/pad.bin", padding)])
    assert upload.size < 100_000
    error, seconds = refused(upload)
    assert error.code == "too_large_unpacked"
    assert error.messages == [
        "Uitgepakt is dit bestand groter dan 20 MB. Sla het opnieuw op als CSV, of splits "
        "het in kleinere bestanden."
    ]
    assert seconds < QUICK


def test_xml_entities_are_refused():
    doctype = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    sheet = sheet_xml([header_row(), [inline("&c;")]], doctype=doctype)
    error, _seconds = refused(xlsx(sheet))
    assert error.code == "unreadable"


def test_reading_stops_at_the_time_budget(monkeypatch):
    monkeypatch.setattr(imports, "TIME_BUDGET_SECONDS", 0)
    lines = (
        ";".join(HEADER)
        + "\n"
        + "\n".join(f"{bsn_from_number(n)};A;B;01-01-1990;WW" for n in range(1, 600))
    )
    error, _seconds = refused(SimpleUploadedFile("export.csv", lines.encode()))
    assert error.code == "too_slow"
    assert error.messages == [
        "Het lezen van dit bestand duurt langer dan 0 seconden. Splits het in kleinere "
        "bestanden of sla het opnieuw op als CSV."
    ]


# --- control characters ------------------------------------------------------------------


def nul_csv():
    lines = [
        ";".join(HEADER),
        f"{bsn_from_number(1)};Anna;Jansen;17-05-1990;Bijstand",
        f"{bsn_from_number(2)};Bo\x00b;de Vries;01-02-1985;WW",
        f"{bsn_from_number(3)};Cas;Smit\x07;03-03-1980;WW",
    ]
    return SimpleUploadedFile("export.csv", "\n".join(lines).encode())


def test_nul_and_control_characters_are_an_error_on_their_own_row(consultant):
    preview = imports.validate_rows(consultant, imports.read_rows(nul_csv()))
    errors = {row.number: row.errors for row in preview.rows}
    assert errors[2] == []
    assert [error.code for error in errors[3]] == ["control_character"]
    assert errors[3][0].message == (
        "De kolom Voornaam bevat een onzichtbaar stuurteken (zoals een NUL-teken). "
        "Verwijder het uit het bestand."
    )
    assert "De kolom Achternaam" in errors[4][0].message
    assert not preview.can_import


def test_a_nul_byte_in_an_xlsx_cell_is_refused_with_a_dutch_message():
    # XML 1.0 has no way to hold a NUL or a bell, not even as &#0;: the file is damaged.
    for character in ("&#0;", "&#7;"):
        row = person_row()
        row[1] = inline(f"An{character}na")
        error, _seconds = refused(xlsx(sheet_xml([header_row(), row])))
        assert error.code == "unreadable"
        assert error.messages == [
            "Dit bestand kan niet worden gelezen. Exporteer het opnieuw uit het "
            "uitkeringssysteem als CSV of .xlsx."
        ]


def test_a_nul_byte_gives_the_preview_error_and_no_500_on_confirm(login, consultant):
    client = login(consultant)
    assert client.post(UPLOAD_URL, {"file": nul_csv()}).status_code == 302
    page = client.get(PREVIEW_URL)
    assert page.status_code == 200
    assert "onzichtbaar stuurteken" in page.content.decode()
    response = client.post(PREVIEW_URL, {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == PREVIEW_URL
    assert not Participant.objects.exists()


# --- read once ---------------------------------------------------------------------------


def test_the_file_is_read_once_and_only_its_rows_are_kept(login, consultant):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([*HEADER, "Opmerking"])
    sheet.append([bsn_from_number(1), "Anna", "Jansen", "17-05-1990", "Bijstand", "geheim"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = login(consultant)
    client.post(UPLOAD_URL, {"file": SimpleUploadedFile("export.xlsx", buffer.getvalue())})

    name = client.session[SESSION_KEY]
    with storages["private"].open(name) as stored:
        content = json.load(stored)
    # Not the file: its rows as read, without the columns the import does not use.
    assert "geheim" not in json.dumps(content)
    assert [row["first_name"] for row in content["rows"]] == ["Anna"]
    for _view in range(2):
        page = client.get(PREVIEW_URL)
        assert len(page.context["preview"].new_rows) == 1
    client.post(PREVIEW_URL, {"confirm": "1"})
    assert Participant.objects.get().first_name == "Anna"
    assert not storages["private"].exists(name)


def test_stored_rows_are_only_for_the_user_who_uploaded_them(consultant, make_user):
    name = imports.store_rows(consultant, imports.read_rows(nul_csv()))
    assert len(imports.load_rows(consultant, name)) == 3
    with pytest.raises(ValidationError) as gone:
        imports.load_rows(make_user(Role.CONSULTANT), name)
    assert gone.value.code == "gone"
