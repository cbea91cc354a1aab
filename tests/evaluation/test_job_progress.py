"""Issue 17, found 4: report and export pages followed a running job by reloading
themselves every 3 s (meta refresh), which makes a screen reader lose its place (WCAG
2.2.1). They now show the state in a polite live region that a small script keeps up to
date from a JSON status endpoint."""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.reports.models import Report, ReportKind
from evaluation.research.models import ExportFormat, ResearchExport, ResearchProject
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import JobStatus
from vakwerk.roles import Role

# Every logged-in request costs four (session, user, OTP device, municipality's session
# timeout); the endpoint itself reads one row.
MAX_STATUS_QUERIES = 5


def _templates():
    root = Path(settings.BASE_DIR)
    return [
        path
        for path in root.rglob("*.html")
        if ".venv" not in path.parts
        and "node_modules" not in path.parts
        and "staticfiles" not in path.parts
    ]


def test_no_template_reloads_the_page_by_itself():
    templates = _templates()
    assert len(templates) > 50  # the walk found the project's templates
    refreshing = [
        str(path)
        for path in templates
        if re.search(r"http-equiv\s*=\s*[\"']?refresh", path.read_text(), re.IGNORECASE)
    ]
    assert refreshing == []


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality)


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def report(programme, manager):
    return Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING, requested_by=manager
    )


def _status(client, report):
    return client.get(reverse("evaluation:report_status", args=[report.pk]))


@pytest.mark.django_db
def test_a_running_report_page_has_a_live_region_and_a_reload_link_not_a_refresh(
    client, manager, report
):
    client.force_login(manager)
    page = client.get(reverse("evaluation:report_detail", args=[report.pk])).content.decode()
    assert "http-equiv" not in page
    region = re.search(r'<p[^>]*data-testid="job-progress"[^>]*>', page).group(0)
    assert 'role="status"' in region and 'aria-live="polite"' in region
    assert f'data-job-status="{reverse("evaluation:report_status", args=[report.pk])}"' in region
    assert 'data-testid="job-reload"' in page
    assert "js/job-progress.js" in page


@pytest.mark.django_db
def test_the_status_endpoint_follows_the_report_to_done_with_a_download_link(
    client, manager, report
):
    client.force_login(manager)
    queued = _status(client, report)
    assert queued.status_code == 200
    assert queued["Content-Type"] == "application/json"
    data = queued.json()
    assert (data["status"], data["finished"]) == ("queued", False)
    assert "download" not in data["html"]

    Report.objects.filter(pk=report.pk).update(status=JobStatus.RUNNING, progress=40)
    data = _status(client, report).json()
    assert (data["status"], data["finished"], data["progress"]) == ("running", False, 40)

    Report.objects.filter(pk=report.pk).update(
        status=JobStatus.DONE, progress=100, file_name="x.pdf", finished_at=timezone.now()
    )
    data = _status(client, report).json()
    assert (data["status"], data["finished"]) == ("done", True)
    assert reverse("evaluation:report_download", args=[report.pk]) in data["html"]
    assert "Klaar." in data["html"] or "Ready." in data["html"]


@pytest.mark.django_db
def test_a_failed_report_stops_the_polling_and_says_why(client, manager, report):
    Report.objects.filter(pk=report.pk).update(status=JobStatus.FAILED)
    client.force_login(manager)
    data = _status(client, report).json()
    assert (data["status"], data["finished"]) == ("failed", True)
    assert 'data-state="failed"' in data["html"]


@pytest.mark.django_db
def test_the_status_carries_no_personal_data(client, manager, report):
    client.force_login(manager)
    body = _status(client, report).content.decode()
    assert manager.email not in body
    assert set(json.loads(body)) == {"status", "finished", "progress", "html"}


@pytest.mark.django_db
def test_another_municipality_gets_404_and_another_role_403(
    client, report, make_user, other_municipality
):
    client.force_login(make_user(Role.MANAGER, municipality=other_municipality))
    assert _status(client, report).status_code == 404
    client.force_login(make_user(Role.CONSULTANT))
    assert _status(client, report).status_code == 403
    client.logout()
    assert _status(client, report).status_code == 302


@pytest.mark.django_db
def test_the_report_status_takes_a_bounded_number_of_queries(client, manager, report):
    client.force_login(manager)
    _status(client, report)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        assert _status(client, report).status_code == 200
    assert len(queries) <= MAX_STATUS_QUERIES


# Research exports


@pytest.fixture
def project(municipality, programme, make_user):
    made = ResearchProject.objects.create(
        municipality=municipality,
        name="Onderzoek",
        institution="Universiteit",
        agreement_reference="OVK-1",
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
    )
    made.programmes.add(programme)
    return made


@pytest.fixture
def researcher(make_user, project):
    user = make_user(Role.RESEARCHER)
    project.researchers.add(user)
    return user


@pytest.fixture
def export(project, researcher):
    return ResearchExport.objects.create(
        project=project, tables=["participants"], format=ExportFormat.CSV,
        requested_by=researcher,
    )  # fmt: skip


def _export_status(client, export):
    return client.get(reverse("evaluation:research_export_status", args=[export.pk]))


@pytest.mark.django_db
def test_the_export_list_shows_a_live_region_for_a_waiting_export(client, researcher, export):
    client.force_login(researcher)
    url = reverse("evaluation:research_export_list", args=[export.project_id])
    page = client.get(url).content.decode()
    assert "http-equiv" not in page
    status_url = reverse("evaluation:research_export_status", args=[export.pk])
    region = re.search(rf'<span[^>]*data-job-status="{status_url}"[^>]*>', page).group(0)
    assert 'role="status"' in region and 'aria-live="polite"' in region
    assert 'id="reload"' in page


@pytest.mark.django_db
def test_the_export_status_gives_the_researcher_the_download_link_when_done(
    client, researcher, export, manager
):
    client.force_login(researcher)
    data = _export_status(client, export).json()
    assert (data["status"], data["finished"]) == ("queued", False)
    ResearchExport.objects.filter(pk=export.pk).update(
        status=JobStatus.DONE, file_name="x.csv", finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )  # fmt: skip
    data = _export_status(client, export).json()
    download = reverse("evaluation:research_export_download", args=[export.pk])
    assert (data["status"], data["finished"]) == ("done", True)
    assert download in data["html"]
    # A manager of the municipality sees the state, never the file.
    client.force_login(manager)
    data = _export_status(client, export).json()
    assert data["status"] == "done" and download not in data["html"]


@pytest.mark.django_db
def test_the_export_status_is_scoped_like_its_page(client, export, make_user, other_municipality):
    client.force_login(make_user(Role.RESEARCHER))  # not on this project
    assert _export_status(client, export).status_code == 404
    client.force_login(make_user(Role.MANAGER, municipality=other_municipality))
    assert _export_status(client, export).status_code == 404
    client.force_login(make_user(Role.CONSULTANT))
    assert _export_status(client, export).status_code == 403


@pytest.mark.django_db
def test_the_export_status_takes_a_bounded_number_of_queries(client, researcher, export):
    client.force_login(researcher)
    _export_status(client, export)
    with CaptureQueriesContext(connection) as queries:
        assert _export_status(client, export).status_code == 200
    assert len(queries) <= MAX_STATUS_QUERIES
