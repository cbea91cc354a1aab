import pytest


@pytest.mark.e2e
def test_consultant_logs_a_coaching_session_from_the_caseload(live_server, browser, log_in):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "consultant@zwolle.example")
    assert page.locator("h1").inner_text() == "Mijn caseload"

    page.get_by_text("Filteren en sorteren").click()
    page.get_by_label("Status").select_option("in_programme")
    page.get_by_role("button", name="Toepassen").click()
    first = page.locator("table tbody tr td a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    surname, given = name.split(", ", 1)
    assert page.locator("h1").inner_text() == f"{given} {surname}"

    form = page.locator("#session-form")
    form.get_by_label("Duur (minuten)").fill("40")
    form.get_by_label("Sollicitatietraining").check()
    form.get_by_label("Vertrouwelijke aantekeningen").fill(
        "Oefengesprek gedaan voor de leerwerkplaats in de logistiek."
    )
    form.get_by_label("Gemaakte afspraken").fill("Referenties opvragen.")
    form.get_by_role("button", name="Gesprek vastleggen").click()
    page.wait_for_load_state()

    assert "Het coachingsgesprek is vastgelegd." in page.locator("main").inner_text()
    first_entry = page.locator("#timeline li").first
    assert "Oefengesprek gedaan voor de leerwerkplaats in de logistiek." in (
        first_entry.inner_text()
    )
    assert "Sollicitatietraining" in first_entry.inner_text()
    context.close()
