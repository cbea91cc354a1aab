"""The managers' mail that a monthly report is ready (issue 21, point 3): sent after the
report is committed as done, once, to the managers of the programme's municipality only,
in Dutch with a link that opens the report."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail

from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import JobStatus
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

BASE_URL = "https://vakwerk.gemeente.example"


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.VAKWERK_BASE_URL = BASE_URL
    with time_machine.travel(datetime.datetime(2026, 12, 1, 5, 7, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def people(make_user, other_municipality):
    return {
        "manager": make_user(Role.MANAGER, email="manager@a.example"),
        "second": make_user(Role.MANAGER, email="manager2@a.example"),
        "gone": make_user(Role.MANAGER, email="oud@a.example", is_active=False),
        "consultant": make_user(Role.CONSULTANT, email="coach@a.example"),
        "admin": make_user(Role.ADMIN, email="beheer@a.example"),
        "foreign": make_user(Role.MANAGER, municipality=other_municipality, email="m@b.example"),
    }


def test_managers_get_one_mail_per_monthly_report_once_it_is_done(
    municipality, people, client, django_capture_on_commit_callbacks
):
    ProgrammeFactory(municipality=municipality, name="VAK Testdorp", end_date=None)
    with django_capture_on_commit_callbacks(execute=True):
        run = reports.make_monthly_reports(datetime.date(2026, 12, 1))
    assert len(run.created) == 2
    assert set(Report.objects.values_list("status", flat=True)) == {JobStatus.DONE}

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["manager@a.example", "manager2@a.example"] * 2
    )
    subjects = {m.subject for m in mail.outbox}
    assert subjects == {
        "Maandelijkse monitoringsrapportage van VAK Testdorp staat klaar",
        "Maandelijkse besparingsrapportage van VAK Testdorp staat klaar",
    }
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "over november 2026 staat klaar in VAKwerk" in message.body
    link = re.search(r"https://\S+", message.body)[0]
    assert f'href="{link}"' in html
    report = Report.objects.get(pk=int(urlsplit(link).path.strip("/").split("/")[-1]))
    assert report.requested_by is None
    client.force_login(people["manager"])
    assert link.startswith(BASE_URL)
    assert client.get(urlsplit(link).path).status_code == 200

    # Made again (a re-delivered task, a file that went missing): no second mail.
    mail.outbox.clear()
    for report in Report.objects.all():
        reports.private_storage().delete(report.file_name)
        with django_capture_on_commit_callbacks(execute=True):
            reports.build_report(report.pk)
        with django_capture_on_commit_callbacks(execute=True):
            reports.build_report(report.pk)
    assert mail.outbox == []


def test_a_report_a_manager_asked_for_sends_no_mail(
    municipality, people, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory(municipality=municipality, end_date=None)
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.request_report(people["manager"], programme, ReportKind.SAVINGS)
    report.refresh_from_db()
    assert report.status == JobStatus.DONE
    assert mail.outbox == []


def test_no_mail_while_the_report_failed(
    municipality, people, monkeypatch, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory(municipality=municipality, end_date=None)
    report = Report.objects.create(
        programme=programme, kind=ReportKind.SAVINGS, period_end=datetime.date(2026, 11, 30)
    )

    def broken(html):
        raise OSError("disk full")

    monkeypatch.setattr(reports, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OSError):
        reports.build_report(report.pk)
    assert mail.outbox == []
