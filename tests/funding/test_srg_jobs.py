"""The SRG file is built by a worker, not in the admin's request: the POST stores a queued
delivery (once, however often it is sent), the page says in Dutch what the job is doing,
a worker that dies is replaced by the recovery job and the file is stored once, two builds
of one month at once become versions 1 and 2. And the files (they hold BSNs) are deleted
once CBS can no longer take their month, or soon after a newer version replaced them; the
row, its counts and its errors stay."""

import datetime
import threading
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from funding.provisions import services, spec
from funding.provisions.models import SrgDelivery
from participants.models import Participant
from tests.funding import srg_validator
from tests.funding.srg_fixtures import MARCH, recorded_work
from vakwerk import audit_text, jobs
from vakwerk.celery import app
from vakwerk.idempotency import FIELD_NAME, new_key
from vakwerk.models import AuditAction, AuditEntry, JobStatus
from vakwerk.roles import Role

APRIL_10 = datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)
BUILD_URL = reverse("provisions:delivery_build")


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def people(municipality, make_user):
    return recorded_work(municipality, make_user(Role.CONSULTANT), size=3)


@pytest.fixture
def clock():
    with time_machine.travel(APRIL_10, tick=False) as traveller:
        yield traveller


def srg_files():
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"]) / "srg"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def page(client, delivery):
    response = client.get(reverse("provisions:delivery", args=[delivery.pk]))
    assert response.status_code == 200
    return response.content.decode()


def work():
    for pk in SrgDelivery.objects.filter(status=JobStatus.QUEUED).values_list("pk", flat=True):
        services.run_delivery(pk)


# The request


@pytest.mark.django_db
def test_the_post_queues_the_build_and_the_page_follows_it_in_dutch(
    people, admin, login, clock, django_capture_on_commit_callbacks
):
    client = login(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
    data = {"month": "2026-03", FIELD_NAME: new_key(admin)}
    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = client.post(BUILD_URL, data)
        again = client.post(BUILD_URL, data)
    delivery = SrgDelivery.objects.get()
    # Answered at once, with the job's page; the repeated POST made no second row.
    assert first.status_code == again.status_code == 302
    assert (
        first["Location"]
        == again["Location"]
        == reverse("provisions:delivery", args=[delivery.pk])
    )
    assert len(sent) == 1
    assert (delivery.status, delivery.version, delivery.built_by) == (
        JobStatus.QUEUED, None, admin,
    )  # fmt: skip
    assert srg_files() == []
    # The broker took the message (what the commit's send records).
    SrgDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
    html = page(client, delivery)
    assert "In de wachtrij" in html and "Wacht tot een verwerker ermee begint." in html
    assert "op de achtergrond gemaakt" in html
    assert 'data-testid="srg-download"' not in html
    download = reverse("provisions:delivery_download", args=[delivery.pk])
    assert client.get(download).status_code == 404

    # A worker takes it.
    attempt = jobs.claim(SrgDelivery, delivery.pk)
    assert "Wordt gemaakt" in page(client, delivery)
    status = client.get(reverse("provisions:delivery_status", args=[delivery.pk])).json()
    assert (status["status"], status["finished"]) == (JobStatus.RUNNING, False)
    jobs.owned(SrgDelivery, delivery.pk, attempt).update(status=JobStatus.QUEUED)

    # The message sent on commit runs the task (in-process: the suite's Celery is eager).
    sent[0]()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.version, delivery.attempts) == (JobStatus.DONE, 1, 2)
    html = page(client, delivery)
    assert "Gemaakt" in html and 'data-testid="srg-download"' in html
    status = client.get(reverse("provisions:delivery_status", args=[delivery.pk])).json()
    assert status["finished"] and download in status["html"]
    content = b"".join(client.get(download).streaming_content)
    assert srg_validator.problems(content, "0001", MARCH) == []
    assert srg_files() == [f"{delivery.municipality_id}/SRG_0001_202603_v1.txt"]


@pytest.mark.django_db
def test_a_build_that_fails_says_so_and_offers_no_file(people, admin, login, clock, monkeypatch):
    client = login(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
    client.post(BUILD_URL, {"month": "2026-03"})
    delivery = SrgDelivery.objects.get()

    def broken(*args):
        raise RuntimeError("/srv/private/srg: something technical")

    monkeypatch.setattr(services, "render_file", broken)
    with pytest.raises(RuntimeError):
        services.run_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.version, delivery.error) == (
        JobStatus.FAILED, None, "RuntimeError",
    )  # fmt: skip
    html = page(client, delivery)
    assert "Het SRG-bestand kon niet worden gemaakt" in html
    assert "Er is een onverwachte fout opgetreden" in html
    assert "/srv/private" not in html
    assert 'data-testid="srg-download"' not in html
    download = reverse("provisions:delivery_download", args=[delivery.pk])
    assert client.get(download).status_code == 404
    # Built again, it takes the first version: a failed build took no number.
    monkeypatch.undo()
    client.post(BUILD_URL, {"month": "2026-03"})
    work()
    assert SrgDelivery.objects.get(status=JobStatus.DONE).version == 1


@pytest.mark.django_db
def test_another_municipality_gets_404_and_other_roles_403(
    people, admin, login, clock, make_user, other_municipality
):
    login(admin).post(BUILD_URL, {"month": "2026-03"})
    delivery = SrgDelivery.objects.get()
    urls = [
        reverse(name, args=[delivery.pk])
        for name in ("provisions:delivery", "provisions:delivery_status",
                     "provisions:delivery_download")
    ]  # fmt: skip
    stranger = login(make_user(Role.ADMIN, municipality=other_municipality))
    assert [stranger.get(url).status_code for url in urls] == [404, 404, 404]
    for role in (Role.MANAGER, Role.CONSULTANT, Role.WSP, Role.EMPLOYER, Role.RESEARCHER):
        client = login(make_user(role))
        assert [client.get(url).status_code for url in urls] == [403, 403, 403], role
        assert client.post(BUILD_URL, {"month": "2026-03"}).status_code == 403
    assert SrgDelivery.objects.count() == 1


# The worker


@pytest.mark.django_db
@override_settings(VAKWERK_JOB_MAX_ATTEMPTS=3)
def test_a_worker_killed_while_building_is_replaced_and_the_file_stored_once(
    people, admin, login, clock, django_capture_on_commit_callbacks
):
    login(admin).post(BUILD_URL, {"month": "2026-03"})
    delivery = SrgDelivery.objects.get()
    # A worker claims the build and is killed (SIGKILL) before it commits: the row stays
    # running and its heartbeat stops; nothing was stored.
    assert jobs.claim(SrgDelivery, delivery.pk) == 1
    # A second delivery of the same message finds it running and does nothing.
    assert services.run_delivery(delivery.pk).status == JobStatus.RUNNING
    assert srg_files() == []
    # Before the heartbeat is stale the recovery leaves it alone.
    assert jobs.recover_stalled_jobs(timezone.now()).resent == []
    later = timezone.now() + jobs.stale_after() + datetime.timedelta(seconds=1)
    clock.move_to(later)
    with django_capture_on_commit_callbacks(execute=True):
        recovered = jobs.recover_stalled_jobs(later)
    # Sent again, and (in-process) built by the next attempt.
    assert recovered.resent == [("srgdelivery", delivery.pk)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.resends, delivery.version) == (
        JobStatus.DONE, 2, 1, 1,
    )  # fmt: skip
    assert srg_files() == [f"{delivery.municipality_id}/SRG_0001_202603_v1.txt"]
    exports = AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="srgdelivery")
    assert exports.count() == 1
    # Another copy of the message, late, changes nothing.
    assert services.run_delivery(delivery.pk).version == 1
    assert exports.count() == 1 and SrgDelivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_builds_of_one_month_at_once_become_versions_one_and_two(municipality, make_user):
    assert connection.vendor == "postgresql", "row locks need PostgreSQL; run with make test"
    admin = make_user(Role.ADMIN)
    recorded_work(municipality, make_user(Role.CONSULTANT), size=2)
    # Two requests committed (not sent: the threads below are the two workers).
    with transaction.atomic():
        pks = [
            SrgDelivery.objects.create(municipality=municipality, month=MARCH, built_by=admin).pk
            for _ in range(2)
        ]
    barrier = threading.Barrier(2)
    results = {}

    def build(pk):
        try:
            barrier.wait(timeout=10)
            results[pk] = services.run_delivery(pk, today=APRIL_10.date()).version
        except Exception as error:  # reported by the assertion below
            results[pk] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=build, args=(pk,)) for pk in pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == [1, 2], results
    files = srg_files()
    assert files == [
        f"{municipality.pk}/SRG_0001_202603_v1.txt",
        f"{municipality.pk}/SRG_0001_202603_v2.txt",
    ]
    second = SrgDelivery.objects.get(version=2)
    with services.private_storage().open(second.file_name, "rb") as handle:
        assert srg_validator.leading(handle.read())["soort_levering"] == "2"


@pytest.mark.django_db
def test_the_monthly_job_queues_one_delivery_per_municipality(
    municipality, other_municipality, django_capture_on_commit_callbacks
):
    april_2 = datetime.datetime(2026, 4, 2, 5, 23, tzinfo=datetime.UTC)
    with time_machine.travel(april_2), django_capture_on_commit_callbacks() as sent:
        first = services.build_last_month_everywhere()
        second = services.build_last_month_everywhere()
    assert len(first) == 2 and second == [] and len(sent) == 2
    assert set(SrgDelivery.objects.values_list("status", "month", "built_by")) == {
        (JobStatus.QUEUED, MARCH, None)
    }


# Retention


def _built(municipality, month, when):
    with time_machine.travel(when, tick=False):
        return services.build_delivery(municipality, month, today=when.date())


def at(year, month, day):
    return datetime.datetime(year, month, day, 4, 19, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_files_are_removed_when_cbs_can_no_longer_take_their_month(
    people, municipality, admin, login
):
    Participant.objects.filter(pk=people[0].pk).update(bsn=None)  # an error on the row
    february = _built(municipality, datetime.date(2026, 2, 1), at(2026, 3, 2))
    march = _built(municipality, MARCH, at(2026, 4, 2))
    april = _built(municipality, datetime.date(2026, 4, 1), at(2026, 5, 2))
    failed = SrgDelivery.objects.create(
        municipality=municipality, month=datetime.date(2026, 1, 1), status=JobStatus.FAILED
    )
    recorded = (march.record_count, march.errors)
    assert march.record_count > 0 and march.error_count > 0
    assert spec.files_removed_from(MARCH) == datetime.date(2026, 8, 1)
    storage = services.private_storage()

    # 31 July: March can no longer be corrected since 1 July, but its margin runs.
    with time_machine.travel(at(2026, 7, 31), tick=False):
        assert services.delete_expired_files() == 1
    february.refresh_from_db()
    assert february.file_removed_at == at(2026, 7, 31)
    assert not storage.exists(february.file_name)
    assert all(storage.exists(d.file_name) for d in (march, april))

    with time_machine.travel(at(2026, 8, 1), tick=False):
        assert services.delete_expired_files() == 1
        # A second run the same night finds nothing left to do.
        assert services.delete_expired_files() == 0
    for delivery in (march, april, failed):
        delivery.refresh_from_db()
    assert march.file_removed_at == at(2026, 8, 1) and not storage.exists(march.file_name)
    assert april.file_removed_at is None and storage.exists(april.file_name)
    assert failed.file_removed_at is None
    assert srg_files() == [f"{municipality.pk}/SRG_0001_202604_v1.txt"]
    # The row keeps what it recorded.
    assert (march.status, march.version) == (JobStatus.DONE, 1)
    assert (march.record_count, march.errors) == recorded
    assert {error["participant_id"] for error in march.errors} == {people[0].pk}

    removals = AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="srgdelivery")
    assert sorted(removals.values_list("object_id", flat=True)) == sorted(
        [str(february.pk), str(march.pk)]
    )
    assert set(removals.values_list("user_id", flat=True)) == {None}
    with translation.override("nl"):
        assert audit_text.describe(removals.first().detail) == (
            "SRG-bestand verwijderd: bewaartermijn verstreken"
        )

    client = login(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
    with time_machine.travel(at(2026, 8, 3), tick=False):
        html = page(client, march)
        download = client.get(reverse("provisions:delivery_download", args=[march.pk]))
    assert "Het bestand is verwijderd op 1 augustus 2026" in html
    assert "bewaartermijn" in html
    assert 'data-testid="srg-download"' not in html
    assert download.status_code == 404
    assert "geen geldig BSN" in html  # its errors are still shown


@pytest.mark.django_db
def test_a_superseded_version_goes_two_weeks_after_the_newer_one(municipality, people):
    first = _built(municipality, MARCH, at(2026, 4, 2))
    second = _built(municipality, MARCH, at(2026, 6, 1))
    storage = services.private_storage()
    with time_machine.travel(at(2026, 6, 14), tick=False):
        assert services.delete_expired_files() == 0
    with time_machine.travel(at(2026, 6, 15), tick=False):
        assert services.delete_expired_files() == 1
        assert services.delete_expired_files() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.file_removed_at == at(2026, 6, 15) and not storage.exists(first.file_name)
    assert second.file_removed_at is None and storage.exists(second.file_name)
    entry = AuditEntry.objects.get(action=AuditAction.DELETE)
    with translation.override("nl"):
        assert audit_text.describe(entry.detail) == (
            "SRG-bestand verwijderd: vervangen door een nieuwere versie"
        )


def test_the_retention_run_is_nightly():
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["delete-expired-srg-files"]
    assert entry["task"] == "funding.provisions.tasks.delete_expired_srg_files"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {4}
    build = app.tasks["funding.provisions.tasks.build_srg_delivery"]
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert build.soft_time_limit < build.time_limit < visibility
    assert SrgDelivery in jobs.kinds()


# The migration


@pytest.mark.django_db(transaction=True)
def test_deliveries_built_before_the_jobs_become_done_with_their_files(municipality):
    before = [("provisions", "0002_seed_provision_kinds")]
    built_at = datetime.datetime(2026, 4, 2, 5, 23, tzinfo=datetime.UTC)
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("provisions", "SrgDelivery")
        row = old.objects.create(
            municipality_id=municipality.pk, month=MARCH, version=1, record_count=4,
            file_name="srg/1/SRG_0001_202603_v1.txt", errors=[{"participant_id": 7}],
        )  # fmt: skip
        old.objects.filter(pk=row.pk).update(built_at=built_at)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    delivery = SrgDelivery.objects.get(pk=row.pk)
    assert (delivery.status, delivery.version, delivery.record_count) == (JobStatus.DONE, 1, 4)
    assert delivery.built_at == delivery.finished_at == delivery.requested_at == built_at
    assert delivery.file_name == "srg/1/SRG_0001_202603_v1.txt"
    assert delivery.errors == [{"participant_id": 7}] and delivery.file_removed_at is None
