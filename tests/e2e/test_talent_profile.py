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
    assert re.search(r"VCA-veiligheidscertificaat \(2 april 2026\)", card.inner_text(), re.I)
    assert card.get_by_test_id("profile-hours").inner_text() == "32"
    skills = card.get_by_test_id("profile-skills").inner_text()
    assert "heftruck" in skills and "Orderpicken" in skills
    # The change is on the participant's timeline (the field history), by name.
    timeline = page.locator("#timeline").inner_text()
    assert "Samenvatting: — → Nauwkeurige orderpicker" in timeline
    assert re.search(r"Certificaten: .* → .*VCA-veiligheidscertificaat", timeline)
    context.close()


@pytest.mark.e2e
def test_a_reason_on_the_board_leads_to_the_profile_and_the_participant_rises(
    live_server, browser, log_in
):
    """The route of issue 16: a job intention asks VCA; on its board the consultant follows
    a participant's "lacks VCA" to the certificates of the talent profile, records it, and
    the participant rises with a reason that names it."""
    from django.urls import reverse
    from playwright.sync_api import expect

    def url(name, *args):
        return f"{live_server.url}{reverse(name, args=args)}"

    employer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(employer, "employer@zwolle.example")
    employer.goto(url("employers:opportunity_create"))
    form = employer.locator("form[method=post]:has([name=title])")
    form.locator("[name=kind]").select_option("job_intention")
    form.locator("[name=title]").fill("Baanintentie: medewerker bouwplaats (e2e)")
    form.locator("[name=positions]").fill("1")
    form.locator("[name=hours_per_week]").fill("32")
    form.locator("[name=contract]").select_option("temporary")
    form.locator("[name=conditions][value=vca]").check()
    form.locator("[name=skills_wanted]").fill("bouwplaats, betrouwbaar")
    form.locator("button[type=submit]").click()
    employer.wait_for_url(re.compile(r".*/opportunities/\d+/$"))
    opportunity = int(re.search(r"/opportunities/(\d+)/$", employer.url).group(1))
    employer.locator("[data-testid=opportunity-submit]").click()
    employer.wait_for_load_state()
    wsp = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(wsp, "wsp@zwolle.example")
    wsp.goto(url("employers:opportunity_review", opportunity))
    wsp.locator("[data-testid=confirm]").click()
    wsp.wait_for_load_state()

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, "consultant@zwolle.example")
    board = url("employers:board", opportunity)
    page.goto(board)
    own = page.locator("[data-testid=suggestion][data-own=yes]")
    expect(own.first).to_be_visible()
    chosen = own.last
    participant = chosen.get_attribute("data-participant")
    ranking = page.locator("[data-testid=suggestion]")
    ids = [ranking.nth(i).get_attribute("data-participant") for i in range(ranking.count())]
    before = ids.index(participant)
    assert before > 0
    score_before = int(chosen.get_attribute("data-score"))
    assert "mist: VCA-veiligheidscertificaat" in chosen.inner_text()

    chosen.locator("[data-testid=reason-link][data-field=certificates]").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("#profile-certificates")
    form = page.get_by_test_id("talent-profile-form")
    form.get_by_label("VCA-veiligheidscertificaat", exact=True).check()
    form.get_by_label("Behaald op: VCA-veiligheidscertificaat").fill("2026-05-12")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert "Het talentprofiel is opgeslagen." in page.locator("main").inner_text()

    page.goto(board)
    ranking = page.locator("[data-testid=suggestion]")
    ids = [ranking.nth(i).get_attribute("data-participant") for i in range(ranking.count())]
    assert ids.index(participant) < before
    risen = page.locator(f"[data-testid=suggestion][data-participant='{participant}']")
    assert int(risen.get_attribute("data-score")) == score_before + 40
    assert "voldoet aan: VCA-veiligheidscertificaat" in risen.inner_text()
    assert "mist: VCA-veiligheidscertificaat" not in risen.inner_text()
