import re

import pytest


@pytest.mark.e2e
def test_consultant_fills_the_talent_profile_and_sees_it_on_the_participant_page(
    live_server, browser, log_in
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "consultant@zwolle.example")
    assert page.locator("h1").inner_text() == "Mijn caseload"
    page.locator("table tbody tr td a").first.click()
    page.wait_for_load_state()
    participant_url = page.url

    page.get_by_test_id("talent-profile-link").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Talentprofiel van ")
    form = page.get_by_test_id("talent-profile-form")
    form.get_by_label("heftruck", exact=True).check()
    form.get_by_label("Andere vaardigheden").fill("Orderpicken")
    form.get_by_label("VCA-veiligheidscertificaat", exact=True).check()
    form.get_by_label("Behaald op: VCA-veiligheidscertificaat").fill("2026-04-02")
    form.get_by_label("Beschikbare uren per week").fill("61")
    form.get_by_label("Samenvatting").fill("Nauwkeurige orderpicker, zoekt werk in de logistiek.")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()

    # Sixty-one hours is refused in Dutch, and what was typed stays.
    assert (
        "Vul een aantal uren per week in van 0 tot en met 60." in page.locator("main").inner_text()
    )
    assert (
        form.get_by_label("Behaald op: VCA-veiligheidscertificaat").input_value() == "2026-04-02"
    )
    form.get_by_label("Beschikbare uren per week").fill("32")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()

    assert page.url.split("#")[0] == participant_url
    main = page.locator("main").inner_text()
    assert "Het talentprofiel is opgeslagen." in main
    card = page.get_by_test_id("talent-profile")
    assert "Nauwkeurige orderpicker, zoekt werk in de logistiek." in card.inner_text()
    assert re.search(r"VCA-veiligheidscertificaat \(2 apr 2026\)", card.inner_text(), re.I)
    assert card.get_by_test_id("profile-hours").inner_text() == "32"
    skills = card.get_by_test_id("profile-skills").inner_text()
    assert "heftruck" in skills and "Orderpicken" in skills
    # The change is on the participant's timeline (the field history), by name.
    timeline = page.locator("#timeline").inner_text()
    assert "Samenvatting: — → Nauwkeurige orderpicker" in timeline
    assert re.search(r"Certificaten: .* → .*VCA-veiligheidscertificaat", timeline)
    context.close()
