"""Nothing requested is lost (issue 15, found 1 and 2): a report or export requested while
Redis is down, or whose worker is killed, is sent again by the recovery job and made once:
one file, one audit entry. The last two tests run a real Redis that is stopped and started
and real worker processes, one of them killed with SIGKILL."""

import datetime
import errno
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from evaluation.research import services as research_services
from evaluation.research.catalogue import TABLES
from evaluation.research.models import ResearchExport, ResearchProject
from tests.conftest import forget_celery_connections
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import jobs
from vakwerk.celery import app
from vakwerk.models import AuditAction, AuditEntry, FailureReason, JobStatus
from vakwerk.roles import Role

ROOT = Path(__file__).resolve().parents[2]
ALL_TABLES = list(TABLES)


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality, name="VAK Duurzaam")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def researcher(make_user):
    return make_user(Role.RESEARCHER)


@pytest.fixture
def project(municipality, programme, researcher):
    project = ResearchProject.objects.create(
        municipality=municipality,
        name="Duurzame uitstroom",
        institution="Universiteit Twente",
        agreement_reference="DVO-2026-15",
        valid_until=datetime.date(2099, 12, 31),
    )
    project.programmes.add(programme)
    project.researchers.add(researcher)
    return project


def private_root():
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def stored_files():
    root = private_root()
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# The worker's settings and the schedule


def test_workers_lose_nothing_and_the_recovery_runs_every_minute():
    # As a starting worker does: the apps' task modules, whatever this process imported.
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["recover-stalled-jobs"]
    assert entry["task"] == "evaluation.tasks.recover_stalled_jobs"
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 60
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    # A worker waits for Redis for ever instead of giving up after 100 attempts.
    assert conf.broker_connection_max_retries is None
    assert conf.broker_connection_retry_on_startup
    visibility = conf.broker_transport_options["visibility_timeout"]
    for name in ("evaluation.tasks.build_report", "evaluation.tasks.run_research_export"):
        task = app.tasks[name]
        assert task.soft_time_limit < task.time_limit < visibility, name


# Exactly once, in-process


@pytest.mark.django_db
def test_an_export_whose_worker_was_taken_for_dead_is_stored_and_logged_once(
    researcher, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        export = research_services.request_export(researcher, project, ALL_TABLES, "csv")
    first = jobs.claim(ResearchExport, export.pk)
    assert first == 1
    # A second delivery of the same message finds it running and does nothing.
    assert jobs.claim(ResearchExport, export.pk) is None

    # The first worker gives no sign of life: the recovery sends it again and (in-process)
    # a second attempt makes it.
    later = timezone.now() + jobs.stale_after() + datetime.timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        recovered = jobs.recover_stalled_jobs(now=later)
    assert recovered.resent == [("researchexport", export.pk)]
    export.refresh_from_db()
    assert (export.status, export.attempts, export.resends) == (JobStatus.DONE, 2, 1)
    made = (export.sha256, export.file_name)

    # Then the first attempt finishes after all: it no longer owns the export.
    with tempfile.TemporaryFile() as scratch:
        scratch.write(b"a different file")
        late = research_services._finish(export.pk, first, scratch, {"participants": 9}, "0" * 64)
    assert (late.sha256, late.file_name) == made
    assert stored_files() == [f"research/{project.pk}/{export.pk}.zip"]
    assert (
        AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(export.pk)).count() == 1
    )


@pytest.mark.django_db
def test_a_report_whose_worker_stopped_three_times_fails_with_a_reason_and_can_be_retried(
    client, programme, manager, django_capture_on_commit_callbacks
):
    started = timezone.now() - datetime.timedelta(minutes=10)
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, requested_by=manager,
        status=JobStatus.RUNNING, attempts=3, started_at=started, heartbeat_at=started,
    )  # fmt: skip
    # A report still giving signs of life is left alone.
    alive = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING, status=JobStatus.RUNNING,
        attempts=1, started_at=timezone.now(), heartbeat_at=timezone.now(),
    )  # fmt: skip
    recovered = jobs.recover_stalled_jobs()
    assert recovered.failed == [("report", report.pk)] and recovered.resent == []
    report.refresh_from_db()
    alive.refresh_from_db()
    assert (report.status, report.failure) == (JobStatus.FAILED, FailureReason.WORKER_LOST)
    assert alive.status == JobStatus.RUNNING

    client.force_login(manager)
    detail = page(client, reverse("evaluation:report_detail", args=[report.pk]))
    assert "De verwerker is er meerdere keren mee gestopt" in detail
    assert 'data-testid="retry-report"' in detail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation:report_retry", args=[report.pk]))
    report.refresh_from_db()
    assert (report.status, report.attempts, report.failure) == (JobStatus.DONE, 1, "")


@pytest.mark.django_db
def test_every_job_runs_the_same_way_claimed_once_and_failed_in_words(programme, manager, caplog):
    """jobs.run, which the report, the research export, the SRG file and the register
    import all run through: one claim per run, a failure on the row in words with the
    traceback in the log, raised on to Celery or handed back as the failed row."""

    def queued(kind=ReportKind.MONITORING):
        return Report.objects.create(programme=programme, kind=kind, requested_by=manager)

    report, seen = queued(), []

    def work(attempt):
        row = Report.objects.get(pk=report.pk)
        seen.append((attempt, row.status))
        return "made"

    assert jobs.run(Report, report.pk, work) == "made"
    assert seen == [(1, JobStatus.RUNNING)]
    # A second delivery of the message finds it claimed and does not run the work again.
    assert jobs.run(Report, report.pk, work).pk == report.pk
    assert len(seen) == 1

    def full_disk(attempt):
        raise jobs.StorageError(errno.ENOSPC, "/srv/private/reports: no space left")

    broken = queued(ReportKind.SAVINGS)
    with pytest.raises(jobs.StorageError):
        jobs.run(Report, broken.pk, full_disk)
    broken.refresh_from_db()
    assert (broken.status, broken.failure, broken.error) == (
        JobStatus.FAILED, FailureReason.STORAGE, "StorageError",
    )  # fmt: skip
    assert broken.finished_at is not None
    failed_line = f"report {broken.pk} (attempt 1) failed"
    assert [r.exc_info for r in caplog.records if r.getMessage() == failed_line]

    # A refusal is an outcome: its own reason, and the failed row back instead of an error.
    refused = queued()

    def refuse(attempt):
        raise PermissionDenied("no longer a researcher")

    back = jobs.run(
        Report, refused.pk, refuse, lambda error: FailureReason.NOT_ALLOWED, reraise=False
    )
    assert (back.pk, back.status, back.failure, back.error) == (
        refused.pk, JobStatus.FAILED, FailureReason.NOT_ALLOWED, "PermissionDenied",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_running_report_past_its_time_limit_is_sent_again(
    programme, django_capture_on_commit_callbacks
):
    started = timezone.now() - jobs.time_limit(Report) - datetime.timedelta(seconds=1)
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, status=JobStatus.RUNNING,
        attempts=1, started_at=started, heartbeat_at=timezone.now(),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recover_stalled_jobs().resent == [("report", report.pk)]
    report.refresh_from_db()
    assert (report.status, report.attempts, report.resends) == (JobStatus.DONE, 2, 1)


@pytest.mark.django_db
def test_a_report_that_waits_long_for_a_worker_offers_to_send_it_again(
    client, programme, manager, django_capture_on_commit_callbacks
):
    requested = timezone.now()
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, requested_by=manager,
        queued_at=requested, sent_at=requested,
    )  # fmt: skip
    client.force_login(manager)
    url = reverse("evaluation:report_detail", args=[report.pk])
    with time_machine.travel(requested + datetime.timedelta(minutes=1)):
        shown = page(client, url)
        assert "Wacht tot een verwerker ermee begint." in shown
        assert 'data-testid="retry-report"' not in shown
    with time_machine.travel(requested + datetime.timedelta(minutes=3)):
        shown = page(client, url)
        assert "Nu opnieuw versturen" in shown
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("evaluation:report_retry", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == JobStatus.DONE


# Disk full


class HalfFullDisk(FileSystemStorage):
    """A disk that fills up half-way through every file it is given."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.read()
        path.write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(path))


@pytest.fixture
def full_disk(settings):
    location = settings.STORAGES["private"]["OPTIONS"]["location"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": f"{__name__}.HalfFullDisk",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }


@pytest.mark.django_db
def test_a_full_disk_leaves_no_truncated_file_and_shows_no_server_path(
    client, programme, manager, researcher, project, full_disk,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.request_report(manager, programme, ReportKind.SAVINGS)
        export = research_services.request_export(researcher, project, ALL_TABLES, "csv")
    report.refresh_from_db()
    export.refresh_from_db()
    assert (report.status, report.failure) == (JobStatus.FAILED, FailureReason.STORAGE)
    assert (export.status, export.failure) == (JobStatus.FAILED, FailureReason.STORAGE)
    assert stored_files() == []  # neither a truncated file under its name nor a leftover

    root = str(private_root())
    client.force_login(manager)
    shown = page(client, reverse("evaluation:report_detail", args=[report.pk]))
    assert "Het bestand kon niet worden opgeslagen" in shown
    assert root not in shown and "Errno" not in shown
    client.force_login(researcher)
    shown = page(client, reverse("evaluation:research_export_list", args=[project.pk]))
    assert "Het bestand kon niet worden opgeslagen" in shown
    assert root not in shown and "Errno" not in shown
    assert 'data-testid="retry-export"' in shown


# The export's retry button


@pytest.mark.django_db
def test_a_failed_export_is_retried_by_a_researcher_of_the_project_only(
    client, researcher, project, make_user, other_municipality,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    export = ResearchExport.objects.create(
        project=project, tables=ALL_TABLES, format="csv", requested_by=researcher,
        status=JobStatus.FAILED, failure=FailureReason.ERROR, error="OperationalError",
    )  # fmt: skip
    url = reverse("evaluation:research_export_retry", args=[export.pk])
    client.force_login(make_user(Role.MANAGER))
    assert client.post(url).status_code == 403
    client.force_login(make_user(Role.RESEARCHER))  # not on this project
    assert client.post(url).status_code == 404
    client.force_login(make_user(Role.RESEARCHER, municipality=other_municipality))
    assert client.post(url).status_code == 404
    export.refresh_from_db()
    assert export.status == JobStatus.FAILED

    client.force_login(researcher)
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    export.refresh_from_db()
    assert (export.status, export.failure, export.error) == (JobStatus.DONE, "", "")
    # Again: a finished export is not made a second time.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert (
        AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(export.pk)).count() == 1
    )
    assert stored_files() == [f"research/{project.pk}/{export.pk}.zip"]


# A real Redis that is stopped and started, and real worker processes


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _without_moved_clock():
    # CI runs the suite again under libfaketime (LD_PRELOAD) to find date bombs; Redis hangs
    # under it, and a broker has no dates of ours to test.
    return {
        name: value
        for name, value in os.environ.items()
        if name not in ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE")
    }


class RedisServer:
    def __init__(self, folder):
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.running = False

    def cli(self, *args):
        command = ["redis-cli", "-p", str(self.port), *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=10, env=_without_moved_clock()
        ).stdout.strip()

    def start(self):
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.folder),
             "--pidfile", str(self.folder / "redis.pid"),
             "--logfile", str(self.folder / "redis.log")],
            check=True, timeout=10, env=_without_moved_clock(),
        )  # fmt: skip
        self.running = True
        wait_for(lambda: self.cli("ping") == "PONG", "Redis to start")

    def stop(self):
        # nosave: what was queued is gone, as after a crash without persistence.
        self.cli("shutdown", "nosave")
        self.running = False
        wait_for(lambda: self.cli("ping") != "PONG", "Redis to stop")


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


def _forget_connections():
    forget_celery_connections(app)


@pytest.fixture
def redis_server(tmp_path, monkeypatch):
    server = RedisServer(tmp_path)
    server.start()
    # The app in this process sends to this Redis (Celery reads the variable before its
    # configuration); its pools were made for another.
    # As in production, the result store is the same Redis.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", server.url)
    saved = app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager
    app.conf.broker_url, app.conf.result_backend = server.url, server.url
    app.conf.task_always_eager = False
    _forget_connections()
    try:
        yield server
    finally:
        app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = saved
        _forget_connections()
        if server.running:
            server.stop()


def _database_url():
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def start_worker(redis_server, tmp_path):
    """Starts `celery worker --pool solo` as a process of its own, on the test database,
    the test's Redis and the test's private storage."""
    workers = []

    def start(slow_seconds=0):
        env = {
            # Not one of pytest-xdist's workers: on a Redis of its own it takes the URLs below
            # as they are, without the Redis database number of this pytest-xdist worker.
            **{name: value for name, value in os.environ.items() if name != "PYTEST_XDIST_WORKER"},
            "DJANGO_SETTINGS_MODULE": "vakwerk.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": redis_server.url,
            "CELERY_RESULT_BACKEND": redis_server.url,
            "PRIVATE_MEDIA_ROOT": str(private_root()),
            "VAKWERK_JOB_HEARTBEAT_SECONDS": "0.5",
            "SLOW_PDF_SECONDS": str(slow_seconds),
        }
        log = open(tmp_path / f"worker-{len(workers)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.evaluation.slow_worker", "worker",
             "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--hostname", f"durable{len(workers)}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        workers.append((process, log))
        return process

    yield start
    for process, log in workers:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def status_of(job):
    job.refresh_from_db()
    return job.status


@pytest.mark.django_db(transaction=True)
def test_requests_made_while_redis_is_down_are_made_once_when_it_is_back(
    client, programme, manager, researcher, project, redis_server, start_worker, evidence
):
    redis_server.stop()
    client.force_login(manager)
    started = time.monotonic()
    response = client.post(
        reverse("evaluation:report_request"), {"programme": programme.pk, "kind": "savings"}
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 5  # the user is not kept waiting for Redis
    report = Report.objects.get()
    assert (report.status, report.sent_at) == (JobStatus.QUEUED, None)
    shown = page(client, response["Location"])
    assert 'data-state="unreachable"' in shown
    assert "de wachtrij is niet bereikbaar" in shown
    export = research_services.request_export(researcher, project, ALL_TABLES, "csv")
    assert (status_of(export), export.sent_at) == (JobStatus.QUEUED, None)

    redis_server.start()
    # Beat runs the recovery every minute; two runs (minutes apart) send each job twice.
    # Each is still made once.
    for minutes in (3, 10):
        later = timezone.now() + datetime.timedelta(minutes=minutes)
        recovered = jobs.recover_stalled_jobs(now=later)
        assert set(recovered.resent) == {("report", report.pk), ("researchexport", export.pk)}
    assert redis_server.cli("llen", "celery") == "4"
    start_worker()
    wait_for(lambda: status_of(report) == status_of(export) == JobStatus.DONE, "both jobs")
    wait_for(
        lambda: (
            redis_server.cli("llen", "celery") == "0"
            and redis_server.cli("hlen", "unacked") == "0"
        ),
        "the worker to take every copy",
    )
    report.refresh_from_db()
    export.refresh_from_db()
    assert (report.attempts, report.resends) == (1, 2)
    assert (export.attempts, export.resends) == (1, 2)
    assert stored_files() == sorted(
        [f"reports/{programme.pk}/{report.pk}.pdf", f"research/{project.pk}/{export.pk}.zip"]
    )
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1
    assert (
        AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(report.pk)).count() == 1
    )
    assert 'data-status="done"' in page(
        client, reverse("evaluation:report_detail", args=[report.pk])
    )
    evidence.append(
        f"durable jobs: report {report.pk} and export {export.pk} requested while Redis "
        f"{redis_server.url} was down, made once by a worker process after it came back"
    )


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_worker_is_killed_is_made_by_the_next_worker(
    programme, manager, redis_server, start_worker, evidence
):
    report = reports.request_report(manager, programme, ReportKind.SAVINGS)
    report.refresh_from_db()
    assert report.sent_at is not None  # Redis took it
    slow = start_worker(slow_seconds=120)
    wait_for(lambda: status_of(report) == JobStatus.RUNNING, "the worker to start")
    first_beat = report.heartbeat_at
    wait_for(lambda: status_of(report) and report.heartbeat_at > first_beat, "a heartbeat", 45)
    # A worker that gives signs of life is left alone.
    assert jobs.recover_stalled_jobs().resent == []

    slow.send_signal(signal.SIGKILL)
    slow.wait(timeout=10)
    # The broker still holds the task as delivered, for its visibility timeout (2 h).
    assert redis_server.cli("hlen", "unacked") == "1"
    assert status_of(report) == JobStatus.RUNNING

    later = timezone.now() + jobs.stale_after() + datetime.timedelta(seconds=1)
    assert jobs.recover_stalled_jobs(now=later).resent == [("report", report.pk)]
    start_worker()
    wait_for(lambda: status_of(report) == JobStatus.DONE, "the second worker")
    assert (report.attempts, report.resends, report.progress) == (2, 1, 100)
    assert stored_files() == [f"reports/{programme.pk}/{report.pk}.pdf"]
    with reports.private_storage().open(report.file_name, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    evidence.append(
        f"durable jobs: report {report.pk} survived a worker killed with SIGKILL "
        f"(attempt 1) and was made by the next worker (attempt 2)"
    )
