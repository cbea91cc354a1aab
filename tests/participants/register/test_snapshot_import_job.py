"""A snapshot is a whole municipality's benefit population: its import has bounds of its
own (not the participant import's 5,000 rows), runs as a durable background job (check,
preview, confirmation, store), loses nothing when a worker dies and stores one snapshot
however often it is confirmed or sent. Every file is generated here, in the test."""

import datetime
import io
import zipfile

import pytest
import time_machine
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from participants import imports as participant_imports
from participants.register import imports, services
from participants.register.models import (
    BenefitSpell,
    ImportStage,
    RegisterPerson,
    RegisterSnapshot,
    SnapshotImport,
)
from tests.participants.test_import_bounds import SHEET_ML, inline, sheet_xml, xlsx
from vakwerk import jobs
from vakwerk.bsn import bsn_from_number
from vakwerk.idempotency import FIELD_NAME, new_key
from vakwerk.models import JobStatus
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

LIST_URL = reverse("benefit_register:snapshots")
HEADER = "BSN;Geboortejaar;Uitkering;Uitkering sinds;Einddatum uitkering;Reden einde"
TODAY = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)
LARGE = 20_000


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


def register_csv(count, bad_rows=(), name="register.csv"):
    """`count` people on benefit; the rows numbered in `bad_rows` (as the spreadsheet
    numbers them: the header is row 1) carry a birth year that is no year."""
    lines = [HEADER]
    for index in range(count):
        year = "19x0" if index + 2 in bad_rows else str(1960 + index % 45)
        kind = "Bijstand" if index % 3 else "WW"
        start = datetime.date(2015, 1, 1) + datetime.timedelta(days=index % 3000)
        bsn = bsn_from_number(40_000_000 + index * 11)
        lines.append(f"{bsn};{year};{kind};{start:%d-%m-%Y};;")
    return SimpleUploadedFile(name, "\n".join(lines).encode())


def import_url(job):
    return reverse("benefit_register:import", args=[job.pk])


def upload(client, user, file, taken_on="2026-03-31"):
    return client.post(LIST_URL, {"taken_on": taken_on, "file": file, FIELD_NAME: new_key(user)})


def work():
    """A worker takes every queued import (the test's transaction never commits)."""
    for pk in SnapshotImport.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True):
        services.run_snapshot_import(pk)


def test_a_register_four_times_the_participant_bound_goes_through(login, manager):
    assert participant_imports.MAX_ROWS < LARGE <= imports.SNAPSHOT_MAX_ROWS
    client = login(manager)
    response = upload(client, manager, register_csv(LARGE))
    job = SnapshotImport.objects.get()
    assert response.status_code == 302 and response["Location"] == import_url(job)
    # Before a worker took it, the page says it waits; nothing is stored.
    page = client.get(import_url(job)).content.decode()
    assert "Wordt gecontroleerd" in page
    assert "Deze snapshot opslaan" not in page
    work()
    page = client.get(import_url(job)).content.decode()
    assert "Het bestand heeft 20000 rijen." in page
    assert "Nieuw in het register: 20000." in page
    assert "0 rijen met een fout." in page
    assert "Deze snapshot opslaan" in page
    client.post(import_url(job), {"confirm": "1", FIELD_NAME: new_key(manager)})
    work()
    snapshot = RegisterSnapshot.objects.get()
    assert (snapshot.people, snapshot.new_people) == (LARGE, LARGE)
    assert RegisterPerson.objects.count() == BenefitSpell.objects.count() == LARGE
    job.refresh_from_db()
    assert (job.stage, job.snapshot, job.file_name) == (ImportStage.STORED, snapshot, "")
    page = client.get(import_url(job)).content.decode()
    assert "Snapshot van 31 maart 2026 opgeslagen: 20.000 personen" in page


def test_a_large_file_with_errors_is_refused_whole_with_its_row_errors(login, manager):
    client = login(manager)
    upload(client, manager, register_csv(LARGE, bad_rows=(3, 15_002)))
    stored_as = SnapshotImport.objects.get().file_name
    assert storages["private"].exists(stored_as)
    work()
    job = SnapshotImport.objects.get()
    assert (job.stage, job.error_rows) == (ImportStage.REFUSED, 2)
    page = client.get(import_url(job)).content.decode()
    assert "2 rijen met een fout." in page
    assert "Er wordt niets geïmporteerd zolang een rij een fout bevat." in page
    assert page.count("Het geboortejaar is geen jaar zoals 1985, of kan niet kloppen.") == 2
    assert '<th scope="row">15002</th>' in page
    assert "Deze snapshot opslaan" not in page
    # A confirmation sent anyway (an old tab) stores nothing.
    client.post(import_url(job), {"confirm": "1", FIELD_NAME: new_key(manager)})
    work()
    assert not RegisterSnapshot.objects.exists()
    assert not RegisterPerson.objects.exists()
    # The refused upload (it holds BSNs) is gone.
    assert not SnapshotImport.objects.get().file_name


def test_a_file_over_the_byte_bound_is_refused_with_a_dutch_message(login, manager):
    client = login(manager)
    big = SimpleUploadedFile(
        "register.csv", HEADER.encode() + b"\n" + b"x" * imports.SNAPSHOT_BOUNDS.max_bytes
    )
    response = upload(client, manager, big)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Het bestand is groter dan 9 MB" in page
    assert "Splits" not in page
    assert not SnapshotImport.objects.exists()


def test_an_xlsx_with_too_many_cells_is_refused(login, manager):
    width = 20
    rows = [[inline(name) for name in HEADER.split(";")]]
    rows += [["<c><v>1</v></c>" * width]] * (imports.SNAPSHOT_BOUNDS.max_cells // width + 1)
    client = login(manager)
    upload(client, manager, xlsx(sheet_xml(rows)))
    work()
    job = SnapshotImport.objects.get()
    assert job.stage == ImportStage.REFUSED
    assert job.file_errors == [
        "Het bestand heeft meer dan 1.000.000 cellen. Houd alleen het werkblad met het "
        "uitkeringsbestand en de kolommen die de snapshot gebruikt over, of sla het op als CSV."
    ]
    assert "meer dan 1.000.000 cellen" in client.get(import_url(job)).content.decode()


def test_a_zip_bomb_is_refused_while_it_is_inflated():
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
    with archive, archive.open("xl/worksheets/sheet1.xml", "w") as part:
        part.write(f'<worksheet xmlns="{SHEET_ML}"><sheetData>'.encode())
        chunk = b" " * (1024 * 1024)
        for _ in range(imports.SNAPSHOT_BOUNDS.max_unpacked_bytes // len(chunk) + 1):
            part.write(chunk)
    assert len(buffer.getvalue()) < 1024 * 1024  # a few hundred kB unfold to 121 MB
    with pytest.raises(participant_imports.ValidationError) as caught:
        imports.read_rows(SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))
    assert caught.value.messages == [
        "Uitgepakt is dit bestand groter dan 120 MB. Exporteer alleen de kolommen die de "
        "snapshot gebruikt, of sla het op als CSV."
    ]


def test_the_participant_import_keeps_its_own_bounds():
    line = f"{bsn_from_number(5)};A;B;01-01-1990;WW"
    too_many = SimpleUploadedFile(
        "p.csv",
        "\n".join(["BSN;Voornaam;Achternaam;Geboortedatum;Uitkering"]
                  + [line] * (participant_imports.MAX_ROWS + 1)).encode(),
    )  # fmt: skip
    with pytest.raises(participant_imports.ValidationError) as caught:
        participant_imports.read_rows(too_many)
    assert caught.value.messages == [
        "Het bestand heeft meer dan 5.000 rijen. Splits het op in kleinere bestanden."
    ]


def test_a_repeated_upload_makes_one_job(login, manager):
    client = login(manager)
    key = new_key(manager)
    for _ in range(2):
        client.post(LIST_URL, {"taken_on": "2026-03-31", "file": register_csv(3), FIELD_NAME: key})
    assert SnapshotImport.objects.count() == 1


def test_a_repeated_confirmation_stores_one_snapshot(login, manager):
    client = login(manager)
    upload(client, manager, register_csv(5))
    work()
    job = SnapshotImport.objects.get()
    # Two tabs, two keys: the second finds the job queued for storing and changes nothing.
    for _ in range(2):
        client.post(import_url(job), {"confirm": "1", FIELD_NAME: new_key(manager)})
    work()
    # And the task delivered twice (a second copy of the message) does nothing either.
    services.run_snapshot_import(job.pk)
    assert RegisterSnapshot.objects.count() == 1
    assert RegisterPerson.objects.count() == 5


@override_settings(VAKWERK_JOB_MAX_ATTEMPTS=3)
def test_a_worker_that_dies_while_storing_loses_nothing(login, manager):
    client = login(manager)
    upload(client, manager, register_csv(5))
    work()
    job = SnapshotImport.objects.get()
    client.post(import_url(job), {"confirm": "1", FIELD_NAME: new_key(manager)})
    # A worker claims the store and is killed before it commits: the row stays running
    # without a heartbeat, and nothing of the snapshot was committed.
    assert jobs.claim(SnapshotImport, job.pk) == 1
    assert not RegisterSnapshot.objects.exists()
    later = timezone.now() + datetime.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        recovered = jobs.recover_stalled_jobs(later)
    assert ("snapshotimport", job.pk) in recovered.resent
    work()
    job.refresh_from_db()
    assert (job.status, job.stage, job.attempts) == (JobStatus.DONE, ImportStage.STORED, 2)
    assert RegisterSnapshot.objects.count() == 1


def test_the_import_is_sent_to_the_worker_when_committed(
    login, manager, django_capture_on_commit_callbacks
):
    client = login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, manager, register_csv(3))
    job = SnapshotImport.objects.get()
    assert (job.status, job.stage, job.rows) == (JobStatus.DONE, ImportStage.CHECKED, 3)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(import_url(job), {"confirm": "1", FIELD_NAME: new_key(manager)})
    assert RegisterSnapshot.objects.get().people == 3


def test_another_municipality_and_other_roles_cannot_reach_an_import(
    login, manager, make_user, other_municipality
):
    client = login(manager)
    upload(client, manager, register_csv(3))
    work()
    job = SnapshotImport.objects.get()
    other = login(make_user(Role.MANAGER, municipality=other_municipality))
    assert other.get(import_url(job)).status_code == 404
    assert other.post(import_url(job), {"confirm": "1"}).status_code == 404
    for role in (Role.CONSULTANT, Role.RESEARCHER):
        assert login(make_user(role)).get(import_url(job)).status_code == 403
    assert not RegisterSnapshot.objects.exists()


def test_the_upload_page_links_an_import_in_progress_within_its_queries(
    login, manager, django_assert_max_num_queries
):
    client = login(manager)
    for day in range(1, 4):
        upload(client, manager, register_csv(2), taken_on=f"2026-03-0{day}")
    with django_assert_max_num_queries(12):
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert response.content.decode().count("Wordt gecontroleerd") == 3


def test_uploads_never_confirmed_are_removed_after_two_days(login, manager):
    client = login(manager)
    upload(client, manager, register_csv(3))
    work()
    job = SnapshotImport.objects.get()
    assert job.stage == ImportStage.CHECKED and job.file_name
    assert services.delete_stale_snapshot_uploads() == 0  # still fresh
    with time_machine.travel(TODAY + datetime.timedelta(days=3), tick=False):
        assert services.delete_stale_snapshot_uploads() == 1
    job.refresh_from_db()
    assert (job.stage, job.file_name) == (ImportStage.CANCELLED, "")
    page = client.get(import_url(job)).content.decode()
    assert "Deze import is geannuleerd; er is niets opgeslagen." in page
    assert "Deze snapshot opslaan" not in page
