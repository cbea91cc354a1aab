"""A manager requests a savings report, opens it and downloads the PDF. Celery runs tasks
in-process in the tests, so the report is done when the request returns."""

import pytest
from django.urls import reverse

from vakwerk.models import Programme

MANAGER = "manager@zwolle.example"


@pytest.fixture
def private_storage(settings, tmp_path):
    # Before the demo data: its reports and the requested one go to a folder of this test.
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture
def zwolle(private_storage, demo_data):
    # Read before the browser starts: its event loop makes the ORM unusable afterwards.
    return Programme.objects.get(name="VAK Zwolle").pk


@pytest.mark.e2e
def test_manager_requests_and_downloads_a_savings_report(
    zwolle, live_server, browser, log_in, tmp_path
):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    log_in(page, MANAGER)
    page.goto(live_server.url + reverse("evaluation:dashboard"))
    page.get_by_test_id("reports-link").click()
    page.locator("#id_programme").select_option(str(zwolle))
    page.locator("#id_kind").select_option("savings")
    page.get_by_test_id("request-report").click()
    page.wait_for_load_state()

    status = page.get_by_test_id("report-status")
    assert status.get_attribute("data-status") == "done"
    assert "/evaluation/reports/" in page.url
    with page.expect_download() as download_info:
        page.get_by_test_id("download-report").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    target = tmp_path / "savings.pdf"
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    context.close()
