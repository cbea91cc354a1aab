import zipfile

import pyreadstat
import pytest

from evaluation.research.catalogue import TABLES


@pytest.fixture
def private_storage(settings, tmp_path):
    # The demo seed and the export write files; they belong in this test's folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@pytest.mark.e2e
def test_a_researcher_downloads_an_spss_export(
    private_storage, live_server, browser, log_in, tmp_path
):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "researcher@zwolle.example")
    page.wait_for_url(f"{live_server.url}/evaluation/research/")

    page.locator("[data-testid=project-detail]").first.click()
    page.wait_for_load_state()
    page.locator("#new-export").click()
    page.wait_for_load_state()
    page.locator("input[name=format][value=sav]").check()
    assert page.locator("input[name=tables]:checked").count() == len(TABLES)
    # The disclosure report is there before anything is requested (issue 18).
    report = page.locator("#disclosure-report")
    assert int(report.locator("[data-testid=k-after]").inner_text().split()[0]) >= 5
    page.locator("#request-export").click()
    page.wait_for_load_state()

    # Celery runs in-process in tests: the export is ready on the list at once, above the
    # one the demo data made.
    rows = page.locator("[data-testid=export-row]")
    assert rows.count() == 2
    newest = rows.first
    assert newest.get_attribute("data-status") == "done"
    with page.expect_download() as info:
        newest.locator("[data-testid=download]").click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    context.close()

    assert path.suffix == ".zip"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert {"participants.sav", "coaching_sessions.sav", "codebook.csv"} <= set(names)
        sav = tmp_path / "participants.sav"
        sav.write_bytes(archive.read("participants.sav"))
    frame, meta = pyreadstat.read_sav(str(sav))
    assert len(frame) > 40  # about 85% of the 72 demo participants consented
    assert "pseudonym" in frame.columns
    assert not {"first_name", "last_name", "bsn", "postcode", "birth_date"} & set(frame.columns)
    assert meta.variable_value_labels["benefit_type"]
    assert dict(zip(meta.column_names, meta.column_labels, strict=True))["birth_year"].startswith(
        "Geboortejaar"
    )
