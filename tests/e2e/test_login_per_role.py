import pytest

from vakwerk.roles import Role

from .conftest import CHROMIUM

START_PAGE_HEADINGS = {
    Role.CONSULTANT: ("/participants/", "Mijn caseload"),
    Role.MANAGER: ("/evaluation/dashboard/", "Dashboard"),
    Role.WSP: ("/employers/", "Werkgevers"),
    Role.EMPLOYER: ("/employers/opportunities/", "Onze kansen"),
    Role.RESEARCHER: ("/evaluation/research/", "Onderzoeksexports"),
    Role.ADMIN: ("/users/", "Gebruikers"),
}


@pytest.mark.e2e
def test_each_demo_role_logs_in_and_lands_on_its_start_page(
    live_server, browser, log_in, evidence
):
    for role, (path, heading) in START_PAGE_HEADINGS.items():
        context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        assert page.locator("h1").inner_text() == "Inloggen bij VAKwerk"
        log_in(page, f"{role.value}@zwolle.example")
        page.wait_for_url(f"{live_server.url}{path}")
        assert page.locator("h1").inner_text() == heading
        assert "Demo Zwolle" in page.locator("header").inner_text()
        context.close()
    evidence.append(f"browser: {browser.browser_type.name} {browser.version} ({CHROMIUM})")
