"""Issue 20: a manager uploads a snapshot of the benefit register in a real browser, sees
the background check's preview, stores it, and sees a file with an error refused whole.
Each state of the import page is checked with axe-core on the way (desktop and phone)."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from participants.register.models import RegisterSnapshot, SnapshotImport
from tests.e2e.test_accessibility import Walk
from vakwerk.bsn import bsn_from_number

MANAGER = "manager@zwolle.example"
HEADER = "BSN;Geboortejaar;Uitkering;Uitkering sinds;Einddatum uitkering;Reden einde"


def register_file(birth_years):
    lines = [HEADER]
    for index, year in enumerate(birth_years):
        bsn = bsn_from_number(70_000_000 + index * 11)
        lines.append(f"{bsn};{year};Bijstand;01-02-2024;;")
    return {"name": "register.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}


def upload(page, base, taken_on, file):
    page.goto(base + reverse("benefit_register:snapshots"))
    page.get_by_label("Peildatum van de export").fill(f"{taken_on:%Y-%m-%d}")
    page.get_by_label("Export van het hele uitkeringsbestand").set_input_files(file)
    page.get_by_role("button", name="Uploaden en controleren").click()
    page.wait_for_url("**/benefit-register/imports/*/")


@pytest.mark.e2e
def test_a_manager_checks_and_stores_a_snapshot_and_a_faulty_one_is_refused(
    live_server, browser, log_in
):
    before = RegisterSnapshot.objects.count()
    taken_on = timezone.localdate() - datetime.timedelta(days=1)
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    log_in(page, MANAGER)
    walk = Walk(page, Axe())

    upload(page, live_server.url, taken_on, register_file([1970, 1985, 1999]))
    # The check ran as a background job; its preview waits for the manager.
    assert "Het bestand heeft 3 rijen." in page.content()
    walk.audit("benefit_register:import (preview)")
    page.get_by_role("button", name="Deze snapshot opslaan").click()
    page.get_by_text("opgeslagen: 3 personen").wait_for()
    walk.audit("benefit_register:import (stored)")
    assert RegisterSnapshot.objects.count() == before + 1

    upload(page, live_server.url, taken_on, register_file([1970, "19x0"]))
    assert "Er wordt niets geïmporteerd zolang een rij een fout bevat." in page.content()
    assert page.get_by_role("button", name="Deze snapshot opslaan").count() == 0
    walk.audit("benefit_register:import (refused)")
    assert RegisterSnapshot.objects.count() == before + 1
    assert SnapshotImport.objects.count() == 2
    page.context.close()
    assert not walk.findings, "\n".join(walk.findings)
