import datetime
import io
import os
import re
import threading
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils import timezone

from participants import imports, services
from participants.import_views import SESSION_KEY
from participants.models import BenefitType, Participant, Status, StatusChange
from tests.participants.factories import ParticipantFactory
from vakwerk.bsn import bsn_from_number, mask_bsn
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
VALID_CSV = "deelnemers-import.csv"
VALID_XLSX = "deelnemers-import.xlsx"
ERRORS_CSV = "deelnemers-import-met-fouten.csv"
HEADER = "BSN;Voornaam;Achternaam;Geboortedatum;Uitkering"
UPLOAD_URL = reverse("participants:import_upload")
PREVIEW_URL = reverse("participants:import_preview")


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


def sample(name):
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes())


def sample_bsns(name=VALID_CSV):
    text = (SAMPLES / name).read_text(encoding="utf-8-sig")
    return [line.split(";")[0] for line in text.splitlines()[1:] if line]


def csv_upload(*lines, name="export.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, "\n".join(lines).encode(encoding))


def rows_of(*lines):
    return imports.read_rows(csv_upload(HEADER, *lines))


def stored_files(private_storage):
    folder = private_storage / "imports"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def errors_per_row(preview):
    return {row.number: row.error_codes for row in preview.rows if row.errors}


# --- reading files -----------------------------------------------------------------------


def test_sample_csv_reads_dutch_headers_dates_amounts_and_benefits(manager):
    rows = imports.read_rows(sample(VALID_CSV))
    preview = imports.validate_rows(manager, rows)

    assert len(rows) == 12
    assert [row.number for row in preview.rows] == list(range(2, 14))
    assert not preview.has_errors
    assert len(preview.new_rows) == 12
    first, third, fourth, fifth, eleventh = (preview.rows[i] for i in (0, 2, 3, 4, 10))
    assert first.values["last_name"] == "de Vries"
    assert first.values["birth_date"] == datetime.date(1988, 3, 14)
    assert first.values["benefit_type"] == BenefitType.BIJSTAND
    assert first.values["monthly_benefit"] == Decimal("1312.45")
    assert first.values["postcode"] == "8011 AB"
    assert third.values["birth_date"] == datetime.date(2001, 6, 7)  # 7-6-2001
    assert third.values["benefit_type"] == BenefitType.BIJSTAND  # Participatiewet
    assert fourth.values["birth_date"] == datetime.date(1968, 8, 23)  # 1968-08-23
    assert fourth.values["benefit_type"] == BenefitType.BOTH  # WW+Bijstand
    assert fifth.values["benefit_type"] == BenefitType.BIJSTAND  # WWB
    assert eleventh.values["monthly_benefit"] == Decimal("1942.17")  # plain 1942.17
    assert preview.rows[9].values["benefit_type"] == BenefitType.OTHER  # Geen
    assert preview.rows[9].values["monthly_benefit"] is None


def test_xlsx_sample_gives_the_same_participants_as_the_csv(manager):
    from_csv = imports.validate_rows(manager, imports.read_rows(sample(VALID_CSV)))
    from_xlsx = imports.validate_rows(manager, imports.read_rows(sample(VALID_XLSX)))

    assert not from_xlsx.has_errors
    assert [row._fields for row in from_xlsx.rows] == [row._fields for row in from_csv.rows]
    assert [row.number for row in from_xlsx.rows] == [row.number for row in from_csv.rows]


def test_csv_with_bom_comma_delimiter_and_loosely_written_headers(manager):
    bsn = bsn_from_number(4242)
    upload = csv_upload(
        "\ufeff bsn ,VOORNAAM,achter naam,Geboorte datum,UITKERING,uitkeringsbedrag per maand",
        f'{bsn},Anna,Smit,01-02-1990,ww + bijstand,"1.234,56"',
        f"{bsn_from_number(4343)},Bob,Kok,1990-02-01,Geen/Overig,1234.5",
    )
    preview = imports.validate_rows(manager, imports.read_rows(upload))

    assert not preview.has_errors
    assert preview.rows[0]._fields["bsn"] == bsn
    assert preview.rows[0].values["benefit_type"] == BenefitType.BOTH
    assert preview.rows[0].values["monthly_benefit"] == Decimal("1234.56")
    assert preview.rows[1].values["benefit_type"] == BenefitType.OTHER
    assert preview.rows[1].values["monthly_benefit"] == Decimal("1234.50")


def test_csv_saved_by_excel_on_windows_is_read_as_cp1252(manager):
    line = f"{bsn_from_number(77)};Zoë;Müller;01-02-1990;WW"
    upload = csv_upload(HEADER, line, encoding="cp1252")
    preview = imports.validate_rows(manager, imports.read_rows(upload))
    assert preview.rows[0].values["first_name"] == "Zoë"
    assert preview.rows[0].values["last_name"] == "Müller"


def test_xlsx_with_number_cells_for_bsn_and_amount_and_blank_rows(manager):
    bsn = bsn_from_number(1_234_567)
    assert bsn.startswith("0")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Bsn", "Voornaam", "Achternaam", "Geboortedatum", "Uitkering", "Extra"])
    sheet.append([int(bsn), "Lotte", "Smit", datetime.datetime(1990, 2, 1), "WW", 1234.56])
    sheet.append([None, None, None, None, None, None])
    sheet.append(
        [float(bsn_from_number(12_345_678)), "Mark", "Kok", datetime.date(1980, 1, 1), "wwb"]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    rows = imports.read_rows(SimpleUploadedFile("export.XLSX", buffer.getvalue()))
    preview = imports.validate_rows(manager, rows)

    assert [row.number for row in preview.rows] == [2, 4]
    assert not preview.has_errors
    assert preview.rows[0]._fields["bsn"] == bsn  # the leading zero is back
    assert preview.rows[0].values["birth_date"] == datetime.date(1990, 2, 1)
    assert preview.rows[1]._fields["bsn"] == bsn_from_number(12_345_678)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("€ 1.234", "1234.00"),
        ("612,8", "612.80"),
        ("0", "0.00"),
        (1312.45, "1312.45"),
        (2104, "2104.00"),
        ("-5,00", None),
        (-5.0, None),
        ("1.2345", None),
        ("veel", None),
    ],
)
def test_amounts_in_dutch_and_plain_notation(text, expected):
    assert imports.parse_amount(text) == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14-03-1988", datetime.date(1988, 3, 14)),
        ("7-6-2001", datetime.date(2001, 6, 7)),
        ("14/03/1988", datetime.date(1988, 3, 14)),
        ("1968-08-23", datetime.date(1968, 8, 23)),
        ("1968-08-23 00:00:00", datetime.date(1968, 8, 23)),
        (datetime.datetime(1990, 2, 1, 0, 0), datetime.date(1990, 2, 1)),
        (datetime.date(1990, 2, 1), datetime.date(1990, 2, 1)),
        ("31-02-1998", None),
        ("14-03-88", None),
        ("morgen", None),
        (10285, None),
    ],
)
def test_dates(value, expected):
    assert imports.parse_date(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WW", BenefitType.WW),
        ("ww", BenefitType.WW),
        ("Bijstand", BenefitType.BIJSTAND),
        ("WWB", BenefitType.BIJSTAND),
        ("Participatiewet", BenefitType.BIJSTAND),
        ("WW+Bijstand", BenefitType.BOTH),
        ("WW / Bijstand", BenefitType.BOTH),
        ("WW en bijstand", BenefitType.BOTH),
        ("Beide", BenefitType.BOTH),
        ("Geen", BenefitType.OTHER),
        ("Overig", BenefitType.OTHER),
        ("Geen/Overig", BenefitType.OTHER),
        ("Wajong", None),
        ("", None),
    ],
)
def test_benefit_types(text, expected):
    assert imports.parse_benefit_type(text) == expected


# --- files that cannot be imported at all ------------------------------------------------


def file_error(upload):
    with pytest.raises(ValidationError) as caught:
        imports.read_rows(upload)
    return caught.value


def test_missing_columns_give_one_error_for_the_file():
    error = file_error(csv_upload("BSN;Voornaam;Achternaam;Postcode", "1;2;3;4"))
    assert error.code == "missing_columns"
    assert len(error.messages) == 1
    assert "Geboortedatum" in error.messages[0]
    assert "Uitkering" in error.messages[0]


def test_row_limit():
    line = f"{bsn_from_number(5)};A;B;01-01-1990;WW"
    assert len(imports.read_rows(csv_upload(HEADER, *[line] * imports.MAX_ROWS))) == 5000
    error = file_error(csv_upload(HEADER, *[line] * (imports.MAX_ROWS + 1)))
    assert error.code == "too_many_rows"


def test_size_limit():
    upload = SimpleUploadedFile("big.csv", HEADER.encode() + b"\n" + b"x" * imports.MAX_BYTES)
    assert file_error(upload).code == "too_large"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("export.xls", b"\xd0\xcf\x11\xe0", "unsupported_type"),
        ("export", b"BSN", "unsupported_type"),
        ("export.xlsx", b"not a zip at all", "unreadable"),
        ("export.csv", b"", "empty"),
        ("export.csv", (HEADER + "\n;;;;\n").encode(), "no_rows"),
    ],
)
def test_files_that_cannot_be_read(name, content, code):
    assert file_error(SimpleUploadedFile(name, content)).code == code


# --- the preview -------------------------------------------------------------------------


def test_error_sample_reports_each_error_on_its_row(manager):
    preview = imports.validate_rows(manager, imports.read_rows(sample(ERRORS_CSV)))

    assert errors_per_row(preview) == {
        2: ["duplicate_bsn"],
        3: ["invalid_bsn"],
        4: ["unknown_benefit_type"],
        5: ["missing_birth_date"],
        6: ["invalid_birth_date"],
        7: ["missing_name"],
        8: ["invalid_postcode"],
        9: ["invalid_amount"],
        10: ["unknown_consultant"],
        11: ["duplicate_bsn"],
    }
    assert all(row.errors[0].message for row in preview.error_rows)
    assert not preview.can_import


def test_more_row_errors(manager, make_user, other_municipality):
    elsewhere = make_user(Role.CONSULTANT, municipality=other_municipality, email="x@b.example")
    make_user(Role.CONSULTANT, email="gone@a.example", is_active=False)
    next_year = timezone.localdate().year + 1
    preview = imports.validate_rows(
        manager,
        rows_of(
            ";Anna;Smit;01-01-1990;WW",
            f"{bsn_from_number(1)};Anna;Smit;01-01-{next_year};WW",
            f"{bsn_from_number(2)};Anna;Smit;01-01-1850;WW",
            f"{bsn_from_number(3)};Anna;Smit;01-01-1990;",
            f"{bsn_from_number(4)};Anna;;morgen;Wajong",
        ),
    )
    assert errors_per_row(preview) == {
        2: ["missing_bsn"],
        3: ["invalid_birth_date"],
        4: ["invalid_birth_date"],
        5: ["missing_benefit_type"],
        6: ["missing_name", "invalid_birth_date", "unknown_benefit_type"],
    }
    consultants = imports.validate_rows(
        manager,
        imports.read_rows(
            csv_upload(
                HEADER + ";Consulent",
                f"{bsn_from_number(500)};A;B;01-01-1990;WW;{elsewhere.email}",
                f"{bsn_from_number(600)};A;B;01-01-1990;WW;gone@a.example",
            )
        ),
    )
    assert errors_per_row(consultants) == {2: ["unknown_consultant"], 3: ["unknown_consultant"]}


def test_optional_columns_are_normalised_or_reported(manager):
    upload = csv_upload(
        HEADER + ";Postcode;Uitkering sinds",
        f"{bsn_from_number(700)};A;B;01-01-1990;WW;8011ab;1-2-2024",
        f"{bsn_from_number(800)};A;B;01-01-1990;WW;8011;gisteren",
    )
    preview = imports.validate_rows(manager, imports.read_rows(upload))
    assert preview.rows[0].values["postcode"] == "8011 AB"
    assert preview.rows[0].values["benefit_start"] == datetime.date(2024, 2, 1)
    assert errors_per_row(preview) == {3: ["invalid_postcode", "invalid_benefit_start"]}
    assert preview.rows[1].raw["postcode"] == "8011"


def test_model_rules_are_checked_in_the_preview(manager):
    rows = rows_of(f"{bsn_from_number(9)};{'A' * 101};B;1-1-1990;WW")
    preview = imports.validate_rows(manager, rows)
    assert preview.rows[0].error_codes == ["invalid_value"]


def test_consultant_column_is_matched_without_case(manager, make_user):
    colleague = make_user(Role.CONSULTANT, email="k.jansen@gemeente-a.example")
    upload = csv_upload(
        HEADER + ";Consulent",
        f"{bsn_from_number(11)};A;B;01-01-1990;WW;K.Jansen@Gemeente-A.example",
    )
    preview = imports.validate_rows(manager, imports.read_rows(upload))
    assert preview.rows[0].values["consultant"] == colleague


def test_existing_bsn_is_already_present_not_an_error(consultant, manager, municipality):
    bsns = sample_bsns()
    # In the municipality but in a colleague's caseload: still the same person.
    ParticipantFactory(municipality=municipality, bsn=bsns[0], consultant=manager)
    preview = imports.validate_rows(consultant, imports.read_rows(sample(VALID_CSV)))
    assert not preview.has_errors
    assert [row.number for row in preview.skipped_rows] == [2]
    assert len(preview.new_rows) == 11


def test_same_bsn_in_another_municipality_is_not_a_duplicate(manager, other_municipality):
    ParticipantFactory(municipality=other_municipality, bsn=sample_bsns()[0])
    preview = imports.validate_rows(manager, imports.read_rows(sample(VALID_CSV)))
    assert not preview.skipped_rows
    assert len(preview.new_rows) == 12


def test_preview_takes_a_fixed_number_of_queries(manager, django_assert_num_queries):
    rows = imports.read_rows(sample(VALID_CSV))
    with django_assert_num_queries(2):  # the consultants, the BSNs already present
        imports.validate_rows(manager, rows * 20)


@pytest.mark.parametrize("role", [Role.WSP, Role.EMPLOYER, Role.RESEARCHER, Role.ADMIN])
def test_only_consultants_and_managers_may_import(make_user, role):
    user = make_user(role)
    rows = imports.read_rows(sample(VALID_CSV))
    with pytest.raises(PermissionDenied):
        imports.validate_rows(user, rows)
    with pytest.raises(PermissionDenied):
        imports.import_rows(user, rows)
    assert not Participant.objects.exists()


# --- importing ---------------------------------------------------------------------------


def test_clean_file_imports_every_row_with_one_status_change_each(manager, municipality):
    result = imports.import_rows(manager, imports.read_rows(sample(VALID_CSV)))

    assert result == (12, 0)
    participants = Participant.objects.filter(municipality=municipality)
    assert sorted(participants.values_list("bsn", flat=True)) == sorted(sample_bsns())
    assert StatusChange.objects.count() == 12
    for participant in participants:
        (change,) = participant.status_changes.all()
        assert (change.from_status, change.to_status) == ("", Status.REGISTERED)
        assert change.changed_by == manager
    dijk = participants.get(last_name="van Dijk")
    assert dijk.benefit_type == BenefitType.BOTH
    assert dijk.monthly_benefit == Decimal("1748.32")
    assert dijk.benefit_start == datetime.date(2024, 6, 1)
    assert dijk.consultant is None  # a manager's import leaves the column's choice


def test_consultant_gets_the_rows_without_a_consultant(consultant, make_user):
    colleague = make_user(Role.CONSULTANT, email="collega@a.example")
    upload = csv_upload(
        HEADER + ";Consulent",
        f"{bsn_from_number(21)};A;Mine;01-01-1990;WW;",
        f"{bsn_from_number(22)};A;Theirs;01-01-1990;WW;collega@a.example",
    )
    imports.import_rows(consultant, imports.read_rows(upload))
    assert Participant.objects.get(last_name="Mine").consultant == consultant
    assert Participant.objects.get(last_name="Theirs").consultant == colleague


def test_nothing_is_imported_when_one_row_is_bad(manager):
    rows = imports.read_rows(sample(VALID_CSV)) + rows_of(f"{bsn_from_number(31)};A;B;;WW")
    with pytest.raises(ValidationError) as caught:
        imports.import_rows(manager, rows)
    assert caught.value.code == "rows_invalid"
    assert not Participant.objects.exists()
    assert not StatusChange.objects.exists()


def test_error_sample_imports_nothing(manager):
    with pytest.raises(ValidationError):
        imports.import_rows(manager, imports.read_rows(sample(ERRORS_CSV)))
    assert not Participant.objects.exists()


def test_failure_halfway_rolls_back_the_rows_before_it(manager, monkeypatch):
    register = services.register_participant
    calls = []

    def failing_on_the_fifth(user, **fields):
        calls.append(fields["bsn"])
        if len(calls) == 5:
            raise ValidationError("the database said no")
        return register(user, **fields)

    monkeypatch.setattr(services, "register_participant", failing_on_the_fifth)
    with pytest.raises(ValidationError):
        imports.import_rows(manager, imports.read_rows(sample(VALID_CSV)))
    assert len(calls) == 5
    assert not Participant.objects.exists()
    assert not StatusChange.objects.exists()


def test_a_collision_with_a_registration_elsewhere_is_reported_without_the_bsn(
    manager, monkeypatch
):

    def colliding(user, **fields):
        raise IntegrityError(f"duplicate key ... (municipality_id, bsn)=(1, {fields['bsn']})")

    monkeypatch.setattr(services, "register_participant", colliding)
    with pytest.raises(ValidationError) as caught:
        imports.import_rows(manager, imports.read_rows(sample(VALID_CSV)))
    assert caught.value.code == "conflict"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert not [bsn for bsn in sample_bsns() if bsn in str(caught.value)]


def test_importing_the_same_file_twice_creates_no_duplicates(consultant):
    assert imports.import_rows(consultant, imports.read_rows(sample(VALID_CSV))) == (12, 0)
    assert imports.import_rows(consultant, imports.read_rows(sample(VALID_XLSX))) == (0, 12)
    assert Participant.objects.count() == 12
    assert StatusChange.objects.count() == 12


def test_file_with_some_known_participants_imports_the_rest(manager, municipality):
    for bsn in sample_bsns()[:3]:
        ParticipantFactory(municipality=municipality, bsn=bsn)
    assert imports.import_rows(manager, imports.read_rows(sample(VALID_CSV))) == (9, 3)
    assert Participant.objects.filter(municipality=municipality).count() == 12


def test_same_bsn_in_municipality_b_does_not_stop_the_import_in_a(
    manager, other_municipality, municipality
):
    theirs = ParticipantFactory(municipality=other_municipality, bsn=sample_bsns()[0])
    assert imports.import_rows(manager, imports.read_rows(sample(VALID_CSV))) == (12, 0)
    assert Participant.objects.filter(bsn=theirs.bsn).count() == 2
    assert Participant.objects.filter(municipality=other_municipality).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_imports_of_one_file_create_each_participant_once(make_user):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL"
    users = [make_user(Role.MANAGER), make_user(Role.MANAGER)]
    rows = imports.read_rows(sample(VALID_CSV))
    start = threading.Barrier(2)
    results, failures = [], []

    def run(user):
        try:
            start.wait()
            results.append(imports.import_rows(user, rows))
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert sorted(results) == [(0, 12), (12, 0)]
    assert Participant.objects.count() == 12


# --- stored uploads ----------------------------------------------------------------------


def test_stale_uploads_are_removed(private_storage, manager):
    old = imports.store_rows(manager, imports.read_rows(sample(VALID_CSV)))
    fresh = imports.store_rows(manager, imports.read_rows(sample(VALID_CSV)))
    # Both files get their times from the test's clock, not from the file system's (which
    # a moved clock does not move).
    now = datetime.datetime.now().timestamp()
    two_days_ago = now - 2 * 24 * 3600
    os.utime(private_storage / old, (two_days_ago, two_days_ago))
    os.utime(private_storage / fresh, (now, now))
    assert imports.delete_stale_uploads() == 1
    assert stored_files(private_storage) == [Path(fresh).name]


def test_stored_names_outside_the_import_folder_are_refused(manager):
    assert imports.open_upload("../settings.py") is None
    assert imports.open_upload("imports/../../etc/passwd.json") is None
    with pytest.raises(ValidationError):
        imports.load_rows(manager, None)


# --- the pages ---------------------------------------------------------------------------


def upload_via(client, name):
    with open(SAMPLES / name, "rb") as handle:
        return client.post(UPLOAD_URL, {"file": handle})


@pytest.mark.parametrize("role", [Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_other_roles_get_403_on_both_pages(login, make_user, role, private_storage):
    client = login(make_user(role))
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload_via(client, VALID_CSV).status_code == 403
    assert client.get(PREVIEW_URL).status_code == 403
    assert client.post(PREVIEW_URL, {"confirm": "1"}).status_code == 403
    assert stored_files(private_storage) == []


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for url in (UPLOAD_URL, PREVIEW_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_upload_preview_and_confirm(login, consultant, municipality, private_storage):
    client = login(consultant)
    assert client.get(UPLOAD_URL).status_code == 200

    response = upload_via(client, VALID_CSV)
    assert response.status_code == 302
    assert response["Location"] == PREVIEW_URL
    name = client.session[SESSION_KEY]
    assert re.fullmatch(r"imports/[0-9a-f]{32}\.json", name)
    # The rows as read at the upload, not the file: the preview does not parse it again.
    assert imports.load_rows(consultant, name) == imports.read_rows(sample(VALID_CSV))

    page = client.get(PREVIEW_URL)
    assert page.status_code == 200
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    assert len(page.context["preview"].new_rows) == 12
    assert mask_bsn(sample_bsns()[0]) in page.content.decode()
    assert 'name="confirm"' in page.content.decode()

    response = client.post(PREVIEW_URL, {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:caseload")
    imported = Participant.objects.filter(municipality=municipality, consultant=consultant)
    assert imported.count() == 12
    assert SESSION_KEY not in client.session
    assert stored_files(private_storage) == []

    # The same file again: everything is already present, nothing is created.
    upload_via(client, VALID_XLSX)
    page = client.get(PREVIEW_URL)
    assert len(page.context["preview"].skipped_rows) == 12
    assert 'name="confirm"' not in page.content.decode()
    client.post(PREVIEW_URL, {"confirm": "1"})
    assert Participant.objects.count() == 12
    assert StatusChange.objects.count() == 12


def test_preview_never_shows_a_full_bsn(login, manager, municipality):
    ParticipantFactory(municipality=municipality, bsn=sample_bsns(ERRORS_CSV)[0])
    client = login(manager)
    upload_via(client, ERRORS_CSV)
    pages = [client.get(PREVIEW_URL), client.get(PREVIEW_URL + "?show=errors")]
    upload_via(client, VALID_XLSX)
    pages.append(client.get(PREVIEW_URL))

    bsns = sample_bsns(ERRORS_CSV) + sample_bsns(VALID_CSV)
    assert "123456789" in bsns  # the invalid one is masked too
    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        assert [bsn for bsn in bsns if bsn in content] == []
        assert mask_bsn(bsns[1]) in content or mask_bsn(sample_bsns()[0]) in content
    session_values = " ".join(str(value) for value in client.session.values())
    assert [bsn for bsn in bsns if bsn in session_values] == []


def test_preview_with_errors_cannot_be_confirmed(login, manager, private_storage):
    client = login(manager)
    upload_via(client, ERRORS_CSV)
    page = client.get(PREVIEW_URL)
    assert len(page.context["preview"].error_rows) == 10
    assert 'name="confirm"' not in page.content.decode()
    only_errors = client.get(PREVIEW_URL + "?show=errors")
    assert len(only_errors.context["rows"]) == 10

    response = client.post(PREVIEW_URL, {"confirm": "1"})
    assert response["Location"] == PREVIEW_URL
    assert not Participant.objects.exists()
    assert len(stored_files(private_storage)) == 1  # still there to look at


def test_upload_of_a_file_without_the_columns_shows_the_error_on_the_form(
    login, consultant, private_storage
):
    client = login(consultant)
    bad = SimpleUploadedFile("export.csv", b"Naam;Adres\nJan;Straat 1\n")
    response = client.post(UPLOAD_URL, {"file": bad})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert stored_files(private_storage) == []
    assert SESSION_KEY not in client.session


def test_upload_of_another_type_is_refused(login, consultant, private_storage):
    client = login(consultant)
    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile("export.pdf", b"%PDF")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert stored_files(private_storage) == []


def test_cancel_removes_the_stored_file(login, consultant, private_storage):
    client = login(consultant)
    upload_via(client, VALID_CSV)
    assert len(stored_files(private_storage)) == 1
    response = client.post(PREVIEW_URL, {"cancel": "1"})
    assert response["Location"] == UPLOAD_URL
    assert stored_files(private_storage) == []
    assert SESSION_KEY not in client.session


def test_a_new_upload_replaces_the_previous_one(login, consultant, private_storage):
    client = login(consultant)
    upload_via(client, VALID_CSV)
    upload_via(client, VALID_XLSX)
    assert stored_files(private_storage) == [Path(client.session[SESSION_KEY]).name]
    assert len(imports.load_rows(consultant, client.session[SESSION_KEY])) == 12


def test_preview_without_an_upload_goes_back_to_the_upload_page(login, consultant):
    response = login(consultant).get(PREVIEW_URL)
    assert response["Location"] == UPLOAD_URL


def test_preview_of_a_file_that_has_gone_goes_back_to_the_upload_page(
    login, consultant, private_storage
):
    client = login(consultant)
    upload_via(client, VALID_CSV)
    storages["private"].delete(client.session[SESSION_KEY])
    response = client.get(PREVIEW_URL)
    assert response["Location"] == UPLOAD_URL
    assert SESSION_KEY not in client.session
