"""Issue 17, found 4: a report's page follows the job in its live region without reloading
itself (WCAG 2.2.1), and shows the download link when the report is done."""

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.reports.models import Report, ReportKind
from vakwerk.models import JobStatus, Programme, User

MANAGER = "manager@zwolle.example"


@pytest.fixture
def queued_report(demo_data):
    # Made before the browser starts; nothing sends it to a worker, so it stays queued
    # until the test says otherwise.
    report = Report.objects.create(
        programme=Programme.objects.get(name="VAK Zwolle"),
        kind=ReportKind.MONITORING,
        requested_by=User.objects.get(email=MANAGER),
    )
    # Handed to the broker after it was queued: waiting for a worker, not for the queue.
    report.sent_at = timezone.now()
    report.save(update_fields=["sent_at"])
    return report


@pytest.mark.e2e
def test_the_report_page_shows_done_and_the_download_link_without_a_reload(
    queued_report, live_server, browser, log_in
):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, MANAGER)
    page.goto(live_server.url + reverse("evaluation:report_detail", args=[queued_report.pk]))
    region = page.get_by_test_id("job-progress")
    assert region.get_attribute("role") == "status"
    assert region.get_attribute("aria-live") == "polite"
    assert region.get_by_test_id("job-state").get_attribute("data-state") == "queued"
    # A mark on this document: a reload or navigation would start a new one without it.
    page.evaluate("window.stillTheSamePage = true")

    Report.objects.filter(pk=queued_report.pk).update(
        status=JobStatus.DONE, progress=100, file_name="x.pdf", finished_at=timezone.now()
    )

    download = region.get_by_test_id("job-download")
    download.wait_for(state="visible", timeout=15000)
    assert region.get_by_test_id("job-state").get_attribute("data-state") == "done"
    assert download.get_attribute("href") == reverse(
        "evaluation:report_download", args=[queued_report.pk]
    )
    assert page.get_by_test_id("report-progress").get_attribute("value") == "100"
    assert page.evaluate("window.stillTheSamePage") is True
    context.close()
