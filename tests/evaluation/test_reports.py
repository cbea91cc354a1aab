"""Monitoring and savings reports: the PDFs' text read back (pypdf: poppler's pdftotext is
not on the build machines), a task run by a real worker on Redis, downloads only for the
municipality's managers and admins, failure with retry, and the monthly beat task."""

import datetime
import io
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags

from evaluation.dashboards import selectors
from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from funding import savings
from participants.models import BenefitStatus, Employment, Enrolment, OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.celery import app
from vakwerk.models import AuditAction, AuditEntry, GoalMetric, JobStatus, Programme, User
from vakwerk.roles import Role


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Reports go to a private storage of their own in each test, never into the tree."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    return tmp_path / "private"


def pdf_text(data):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def read_report(report):
    with reports.private_storage().open(report.file_name, "rb") as handle:
        return handle.read()


@pytest.fixture
def programme(municipality):
    """Four bijstand participants, three off benefit at 6 months, two in work at 3."""
    programme = ProgrammeFactory(municipality=municipality, name="VAK Testdorp")
    programme.goals.create(metric=GoalMetric.IN_WORK_3M, target=Decimal("48"))
    cohort = CohortFactory(programme=programme)
    for index in range(4):
        participant = ParticipantFactory(
            municipality=municipality, programme=programme, status="placed"
        )
        Enrolment.objects.create(
            cohort=cohort, participant=participant, enrolled_on=cohort.start_date
        )
        off = BenefitStatus.NONE if index < 3 else BenefitStatus.FULL
        for months, working, benefit in ((3, index < 2, BenefitStatus.FULL), (6, index < 3, off)):
            OutcomeMeasurement.objects.create(
                participant=participant,
                cohort=cohort,
                follow_up=months,
                due_on=datetime.date(2026, 7, 24) if months == 3 else datetime.date(2026, 10, 24),
                measured_on=datetime.date(2026, 7, 27)
                if months == 3
                else datetime.date(2026, 10, 27),
                employment=Employment.FULL_TIME if working else Employment.NONE,
                benefit_status=benefit,
                benefit_end_reason="work" if benefit == BenefitStatus.NONE else "",
            )
    return programme


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


# The PDFs of the demo programme


@pytest.mark.django_db
def test_demo_reports_carry_the_figures_the_assumptions_and_page_numbers(client, demo):
    zwolle = Programme.objects.get(name="VAK Zwolle")
    monitoring = Report.objects.get(programme=zwolle, kind=ReportKind.MONITORING)
    savings_report = Report.objects.get(programme=zwolle, kind=ReportKind.SAVINGS)
    for report in (monitoring, savings_report):
        assert report.status == JobStatus.DONE, report.error
        assert report.progress == 100
        assert report.file_name == f"reports/{zwolle.pk}/{report.pk}.pdf"

    reader, text = pdf_text(read_report(monitoring))
    assert "Demo Zwolle" in text and "VAK Zwolle" in text
    assert "Pagina 1 van" in text
    assert f"Pagina {len(reader.pages)} van {len(reader.pages)}" in text
    # The summary prints each rate as the dashboard's cards do: the percentage, how many
    # of the measured had the outcome, how many of those due were measured, and how many
    # are not measured yet (one 3-month follow-up of the 72 is still open).
    words = " ".join(text.split())
    in_work = "48% 34 van 71 gemeten · gemeten 71 van 72 · 1 nog niet gemeten"
    off_benefit = "57% 41 van 72 gemeten · gemeten 72 van 72"
    assert f"Aan het werk na 3 maanden {in_work}" in words
    assert f"Uit de uitkering na 6 maanden {off_benefit}" in words
    client.force_login(User.objects.get(email="manager@zwolle.example"))
    page = client.get(reverse("evaluation:dashboard"), {"programme": zwolle.pk})
    cards = " ".join(strip_tags(page.content.decode()).split())
    assert in_work in cards and off_benefit in cards
    assert "€ 517.405,00" in text
    # The municipality's bijstand beside the benchmark, with its definitions, as on the
    # dashboard.
    assert "Benchmark bijstand (Divosa-definities)" in words
    assert "Uitstroom naar werk" in words
    _assert_accessible(reader, "VAK Zwolle")

    reader, text = pdf_text(read_report(savings_report))
    assert "Pagina 1 van" in text
    assert "€ 517.405,00" in text  # 14 off bijstand × € 14.783 × 2,5 years
    assert "€ 101.536,00" in text  # the programme's cost
    assumptions = selectors.current_assumptions(zwolle.municipality)
    assert assumptions.version == 1
    # Every assumption of the version used, formatted the Dutch way.
    for expected in ("€ 14.783,00", "€ 0,00", "2,5", "50%", "15%"):
        assert expected in text, expected
    for name in savings.ASSUMPTION_FIELDS:
        label = str(type(assumptions)._meta.get_field(name).verbose_name)
        assert label[:20].lower() in text.lower(), label
    _assert_accessible(reader, "VAK Zwolle")

    # Seeding again adds no report and leaves the files as they were.
    finished = {report.pk: report.finished_at for report in (monitoring, savings_report)}
    call_command("seed_demo")
    assert Report.objects.filter(programme=zwolle).count() == 2
    for report in Report.objects.filter(programme=zwolle):
        assert report.finished_at == finished[report.pk]


def _assert_accessible(reader, title_part):
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert root["/MarkInfo"]["/Marked"]  # tagged PDF
    assert "/StructTreeRoot" in root
    assert title_part in reader.metadata.title


# Building


@pytest.mark.django_db
def test_build_report_is_idempotent(programme, manager):
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, requested_by=manager
    )
    reports.build_report(report.pk)
    report.refresh_from_db()
    first = (report.finished_at, read_report(report))
    reports.build_report(report.pk)
    report.refresh_from_db()
    assert (report.finished_at, read_report(report)) == first
    _reader, text = pdf_text(first[1])
    # 3 off bijstand × € 14.783 × 2,5 years = € 110.872,50
    assert "€ 110.872,50" in text

    # A file that went missing is made again.
    reports.private_storage().delete(report.file_name)
    reports.build_report(report.pk)
    report.refresh_from_db()
    assert report.status == JobStatus.DONE
    assert reports.private_storage().exists(report.file_name)


@pytest.mark.django_db
def test_monitoring_pdf_of_a_constructed_programme(programme, manager):
    report = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING, requested_by=manager
    )
    reports.build_report(report.pk)
    _reader, text = pdf_text(read_report(reports.build_report(report.pk)))
    assert "VAK Testdorp" in text and "Gemeente A" in text
    assert "50%" in text  # 2 of 4 in work at 3 months
    assert "75%" in text  # 3 of 4 off benefit at 6 months
    assert "Pagina 1 van" in text


# Requesting, following and downloading


@pytest.mark.django_db
def test_manager_requests_follows_and_downloads_a_report(
    client, programme, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    page = client.get(reverse("evaluation:report_list")).content.decode()
    assert 'data-testid="request-report"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluation:report_request"),
            {
                "programme": programme.pk,
                "kind": "savings",
                "period_start": "",
                "period_end": "2026-11-30",
            },
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:report_detail", args=[report.pk])
    assert (report.requested_by, report.period_end) == (manager, datetime.date(2026, 11, 30))
    assert report.status == JobStatus.DONE

    detail = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in detail
    assert 'data-testid="download-report"' in detail
    download = client.get(reverse("evaluation:report_download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    entry = AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).get()
    assert (entry.user, entry.object_id, entry.detail) == (manager, str(report.pk), "report PDF")


@pytest.mark.django_db
def test_a_queued_report_shows_its_progress_and_cannot_be_downloaded(client, programme, manager):
    report = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING, requested_by=manager
    )
    client.force_login(manager)
    page = client.get(reverse("evaluation:report_detail", args=[report.pk])).content.decode()
    assert 'data-status="queued"' in page
    assert 'data-testid="report-progress"' in page
    assert "http-equiv" not in page
    assert 'role="status"' in page
    assert client.get(reverse("evaluation:report_download", args=[report.pk])).status_code == 404


@pytest.mark.django_db
def test_another_municipalitys_manager_gets_404(
    client, programme, manager, make_user, other_municipality
):
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, requested_by=manager
    )
    reports.build_report(report.pk)
    client.force_login(make_user(Role.MANAGER, municipality=other_municipality))
    for name in ("report_detail", "report_download"):
        assert client.get(reverse(f"evaluation:{name}", args=[report.pk])).status_code == 404
    assert client.post(reverse("evaluation:report_retry", args=[report.pk])).status_code == 404
    assert not client.get(reverse("evaluation:report_list")).context["reports"]
    # Nor can they request one for a programme that is not theirs.
    response = client.post(
        reverse("evaluation:report_request"), {"programme": programme.pk, "kind": "savings"}
    )
    assert response.status_code == 400
    assert Report.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_other_roles_get_403(client, programme, manager, make_user, role):
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, requested_by=manager
    )
    client.force_login(make_user(role))
    for name in ("report_detail", "report_download"):
        assert client.get(reverse(f"evaluation:{name}", args=[report.pk])).status_code == 403
    assert client.get(reverse("evaluation:report_list")).status_code == 403
    assert (
        client.post(
            reverse("evaluation:report_request"), {"programme": programme.pk, "kind": "savings"}
        ).status_code
        == 403
    )
    assert client.post(reverse("evaluation:report_retry", args=[report.pk])).status_code == 403


@pytest.mark.django_db
def test_admin_may_download_but_not_request(client, programme, manager, make_user):
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, requested_by=manager
    )
    reports.build_report(report.pk)
    client.force_login(make_user(Role.ADMIN))
    assert client.get(reverse("evaluation:report_download", args=[report.pk])).status_code == 200
    assert (
        'data-testid="request-report"'
        not in client.get(reverse("evaluation:report_list")).content.decode()
    )
    assert (
        client.post(
            reverse("evaluation:report_request"), {"programme": programme.pk, "kind": "savings"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_a_failed_build_shows_its_error_and_can_be_retried(
    client, programme, manager, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(html):
        raise RuntimeError("Pango ontbreekt op deze machine")

    monkeypatch.setattr(reports, "render_pdf", broken)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluation:report_request"), {"programme": programme.pk, "kind": "monitoring"}
        )
    report = Report.objects.get()
    assert report.status == JobStatus.FAILED
    # The user reads a reason in words; the exception's message stays in the log.
    assert (report.error, report.failure) == ("RuntimeError", "error")
    assert not report.file_name
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="failed"' in page
    assert "Pango ontbreekt op deze machine" not in page
    assert "Er is een onverwachte fout opgetreden" in page
    assert 'data-testid="retry-report"' in page
    assert client.get(reverse("evaluation:report_download", args=[report.pk])).status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation:report_retry", args=[report.pk]))
    report.refresh_from_db()
    assert (report.status, report.error, report.progress) == (JobStatus.DONE, "", 100)
    assert client.get(reverse("evaluation:report_download", args=[report.pk])).status_code == 200
    assert Report.objects.count() == 1  # the same report, made again


# Monthly


@pytest.mark.django_db
def test_monthly_reports_for_every_active_programme_once(
    municipality, django_capture_on_commit_callbacks
):
    running = ProgrammeFactory(municipality=municipality, name="Lopend", end_date=None)
    ending = ProgrammeFactory(
        municipality=municipality, name="Net afgelopen", end_date=datetime.date(2026, 11, 15)
    )
    future = ProgrammeFactory(
        municipality=municipality, name="Tot 2027", end_date=datetime.date(2027, 6, 30)
    )
    ProgrammeFactory(
        municipality=municipality,
        name="Lang geleden",
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 6, 30),
    )
    first_of_december = datetime.date(2026, 12, 1)
    with django_capture_on_commit_callbacks() as queued:
        run = reports.make_monthly_reports(first_of_december)
    assert run.period_end == datetime.date(2026, 11, 30)
    made = set(Report.objects.values_list("programme__name", "kind"))
    assert made == {
        (p.name, kind) for p in (running, ending, future) for kind in ReportKind.values
    }
    assert len(queued) == len(run.created) == 6
    assert all(report.requested_by is None for report in Report.objects.all())

    with django_capture_on_commit_callbacks() as queued:
        again = reports.make_monthly_reports(first_of_december)
    assert (again.created, again.existing, len(queued)) == ([], 6, 0)
    assert Report.objects.count() == 6
    # The next month makes the next ones.
    with django_capture_on_commit_callbacks():
        later = reports.make_monthly_reports(datetime.date(2027, 1, 1))
    assert len(later.created) == 4  # "Net afgelopen" ended more than a month before


def test_the_monthly_task_is_on_the_beat_schedule():
    entry = app.conf.beat_schedule["monthly-reports"]
    assert entry["task"] == "evaluation.tasks.make_monthly_reports"
    assert entry["task"] in app.tasks
    assert "evaluation.tasks.build_report" in app.tasks


# A real worker on Redis


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_makes_a_downloadable_report(
    real_worker, programme, manager, client, evidence
):
    report = reports.request_report(manager, programme, ReportKind.SAVINGS)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        time.sleep(0.2)
    assert report.status == JobStatus.DONE, report.error
    client.force_login(manager)
    download = client.get(reverse("evaluation:report_download", args=[report.pk]))
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF-")
    assert "€ 110.872,50" in pdf_text(data)[1]
    other = User.objects.create_user(
        "manager@elders.example", role=Role.MANAGER,
        municipality=ProgrammeFactory().municipality,
    )  # fmt: skip
    client.force_login(other)
    assert client.get(reverse("evaluation:report_download", args=[report.pk])).status_code == 404
    evidence.append(
        f"reports: report {report.pk} built by worker {real_worker.hostname} via Redis"
    )
