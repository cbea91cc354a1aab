"""A manager changes one savings assumption in a Dutch Chromium and saves it (issue 13,
found 8): the decimal inputs hold Dutch amounts such as "14.783,00", so the other five
assumptions go back unchanged and the new version carries the changed value."""

import pytest
from django.urls import reverse

from tests.vakwerk.factories import MunicipalityFactory, ProgrammeFactory, UserFactory
from vakwerk.roles import Role

EMAIL = "manager@savings.example"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def demo_data(transactional_db):
    # Overrides the conftest's: this test needs one manager, not the whole demo.
    municipality = MunicipalityFactory(name="Gemeente Besparing", cbs_code="0999")
    UserFactory(email=EMAIL, role=Role.MANAGER, municipality=municipality)
    ProgrammeFactory(municipality=municipality, name="VAK Besparing")


@pytest.mark.e2e
def test_manager_changes_one_savings_assumption_in_a_dutch_browser(live_server, browser, log_in):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, EMAIL, PASSWORD)
    page.goto(live_server.url + reverse("funding:savings"))

    # What the browser holds is what it sends: every decimal input shows its value.
    assert page.locator("#id_yearly_cost_bijstand").input_value() == "14.783,00"
    assert page.locator("#id_yearly_cost_both").input_value() == "14.783,00"
    assert page.locator("#id_remaining_duration_years").input_value() == "2,50"
    assert page.locator("#id_partial_benefit_share").input_value() == "0,50"
    assert page.locator("#id_reference_outflow_rate").input_value() == "0,150"

    page.locator("#id_yearly_cost_ww").fill("1.350,00")
    page.locator("#id_note").fill("De gemeente betaalt mee aan de WW.")
    page.locator("#id_note").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    page.wait_for_load_state()

    main = page.locator("main").inner_text()
    assert "Versie 1 van de uitgangspunten van de besparing is opgeslagen." in main, main
    assert "€ 1.350,00" in main
    # The next version starts from the saved one, again in Dutch notation.
    assert page.locator("#id_yearly_cost_ww").input_value() == "1.350,00"
    assert page.locator("#id_yearly_cost_bijstand").input_value() == "14.783,00"
    context.close()
