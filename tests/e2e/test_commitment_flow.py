import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import FundKind
from participants.models import Participant
from vakwerk.models import User

CONSULTANT, MANAGER = "consultant@zwolle.example", "manager@zwolle.example"
# Typed by the test, so it finds its own request among any the demo data holds.
PURPOSE = "Rijlessen voor werk in de logistiek (browsertest)"


@pytest.fixture
def pilot_fund(demo_data):
    """A pilot budget of € 10.000 for Demo Zwolle, made before the browser starts (the
    browser's event loop makes the ORM unusable afterwards). Its own name, so that it
    never collides with the demo's funds."""
    manager = User.objects.get(email=MANAGER)
    fund = services.create_fund(
        manager,
        name="Pilotbudget browsertest",
        kind=FundKind.PILOT,
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    services.deposit(manager, fund, Decimal("10000.00"), "Startstorting pilot")
    participant = Participant.objects.filter(consultant__email=CONSULTANT).order_by("pk").first()
    return fund.pk, participant.pk


@pytest.mark.e2e
def test_consultant_requests_a_commitment_and_the_approval_lowers_available(
    live_server, pilot_fund, browser, log_in
):
    fund_pk, participant_pk = pilot_fund
    # A phone-sized screen: the pages must work there too.
    consultant = browser.new_context(viewport={"width": 390, "height": 844})
    page = consultant.new_page()
    log_in(page, CONSULTANT)
    page.goto(live_server.url + reverse("funding:participant_commitments", args=[participant_pk]))
    page.get_by_test_id("request-commitment").click()
    page.locator("#id_fund").select_option(str(fund_pk))
    page.locator("#id_purpose").fill(PURPOSE)
    page.locator("#id_amount").fill("2.500,00")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/commitments/$"))
    requested = page.locator("[data-testid^='commitment-']", has_text=PURPOSE)
    assert requested.count() == 1
    assert requested.get_attribute("data-status") == "requested"
    commitment_pk = requested.get_attribute("data-testid").removeprefix("commitment-")
    consultant.close()

    manager = browser.new_context(viewport={"width": 390, "height": 844})
    page = manager.new_page()
    log_in(page, MANAGER)
    fund_url = live_server.url + reverse("funding:fund_detail", args=[fund_pk])
    page.goto(fund_url)
    assert page.get_by_test_id("available").inner_text() == "€ 10.000,00"
    page.goto(live_server.url + reverse("funding:fund_list"))
    page.get_by_test_id("approval-queue-link").click()
    page.get_by_test_id(f"approve-{commitment_pk}").click()
    page.wait_for_load_state()
    assert page.get_by_test_id(f"queued-{commitment_pk}").count() == 0
    page.goto(fund_url)
    assert page.get_by_test_id("available").inner_text() == "€ 7.500,00"
    assert page.get_by_test_id("committed").inner_text() == "€ 2.500,00"
    manager.close()
