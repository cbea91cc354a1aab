import os

import pytest

SCREENSHOTS = os.environ.get("VAKWERK_SCREENSHOTS")


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.mark.e2e
def test_consultant_corrects_the_intake_network_measurement_and_sees_the_change(
    live_server, browser, log_in
):
    """From the intake page to the network form and back: the demo participant was measured
    at the intake and at follow-ups; the consultant corrects the intake's contacts (an
    implausible number first, refused in Dutch) and the participant page's change follows."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, "consultant@zwolle.example")
    page.locator("table tbody tr td a").first.click()
    page.wait_for_load_state()
    participant_url = page.url
    card = page.get_by_test_id("network")
    latest = int(card.locator("tbody tr").first.locator("td").nth(2).inner_text())
    _shot(page, "network-participant-before")

    page.goto(f"{participant_url}intake/")
    page.get_by_test_id("network-link").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Netwerkmeting van ")
    assert page.get_by_test_id("network-existing").is_visible()
    form = page.locator("form[method=post]")
    form.get_by_label("Werkrelevante contacten").fill("250")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    _shot(page, "network-form-error")
    assert "Vul een aantal contacten in van 0 tot en met 200." in page.locator("main").inner_text()

    form.get_by_label("Werkrelevante contacten").fill("1")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert page.url.split("#")[0] == participant_url
    assert "De netwerkmeting is opgeslagen." in page.locator("main").inner_text()
    change = latest - 1
    expected = f"+{change}" if change > 0 else str(change)
    card = page.get_by_test_id("network")
    assert card.get_by_test_id("network-change-1").inner_text().strip() == expected
    assert card.locator("tbody tr").first.locator("td").nth(1).inner_text() == "1"
    _shot(page, "network-participant-after")
    context.close()
