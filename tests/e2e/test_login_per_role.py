import os

import pytest
from django.core.management import call_command

from vakwerk.roles import Role

CHROMIUM = "/usr/bin/chromium"
START_PAGE_HEADINGS = {
    Role.CONSULTANT: ("/participants/", "Mijn caseload"),
    Role.MANAGER: ("/evaluation/dashboard/", "Dashboard"),
    Role.WSP: ("/employers/", "Werkgevers"),
    Role.EMPLOYER: ("/employers/opportunities/", "Onze kansen"),
    Role.RESEARCHER: ("/evaluation/research/", "Onderzoeksexports"),
    Role.ADMIN: ("/users/", "Gebruikers"),
}


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo")


@pytest.fixture
def browser(demo_data):
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread, which makes Django refuse ORM calls
    # here; the test makes none after this point, but its teardown flushes the database.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_each_demo_role_logs_in_and_lands_on_its_start_page(live_server, browser, evidence):
    for role, (path, heading) in START_PAGE_HEADINGS.items():
        context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        assert page.locator("h1").inner_text() == "Inloggen bij VAKwerk"
        page.get_by_label("E-mailadres").fill(f"{role.value}@zwolle.example")
        page.get_by_label("Wachtwoord").fill("vakwerk-demo")
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(f"{live_server.url}{path}")
        assert page.locator("h1").inner_text() == heading
        assert "Demo Zwolle" in page.locator("header").inner_text()
        context.close()
    evidence.append(f"browser: {browser.browser_type.name} {browser.version} ({CHROMIUM})")
