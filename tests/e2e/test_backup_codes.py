"""Issue 21, point 2: a manager enrols an authenticator app in a real browser, is shown the
backup codes once, and later logs in with one of them instead of the app's code; the same
code does not work a second time. The new pages are checked with axe-core on the way."""

from base64 import b32decode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import totp

from tests.e2e.test_accessibility import Walk
from tests.vakwerk.factories import MunicipalityFactory, UserFactory
from vakwerk.roles import Role

from .conftest import launched_chromium

PASSWORD = "correct-horse-battery"
EMAIL = "manager@gemeente-f.example"


@pytest.fixture
def bare_browser(transactional_db):
    """A browser without the demo data: this test makes its own user."""
    with launched_chromium() as browser:
        yield browser


def logged_in_page(browser, base):
    page = browser.new_context(locale="en-US").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    return page


@pytest.mark.e2e
def test_enrol_with_backup_codes_then_log_in_with_one_once(live_server, bare_browser):
    municipality = MunicipalityFactory(name="Gemeente F", cbs_code="0010")
    UserFactory(role=Role.MANAGER, municipality=municipality, email=EMAIL)
    base = live_server.url
    walk_findings = []

    page = logged_in_page(bare_browser, base)
    page.goto(f"{base}/account/2fa/setup/?next=/evaluation/dashboard/")
    secret = b32decode(page.locator("code.user-select-all").inner_text())
    page.get_by_label("Code uit uw authenticator-app").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Uw reservecodes").is_visible()
    assert "Dit is de enige keer dat ze worden getoond." in page.content()
    codes = page.get_by_test_id("backup-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    walk = Walk(page, Axe())
    walk.audit("two_factor_manage (new backup codes)")
    walk_findings += walk.findings
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    page.wait_for_url(f"{base}/evaluation/dashboard/")
    page.context.close()

    # A new session: password, then a backup code instead of the app's code.
    page = logged_in_page(bare_browser, base)
    assert page.locator("h1").inner_text() == "Vul uw verificatiecode in"
    walk = Walk(page, Axe())
    walk.audit("two_factor_verify")
    walk_findings += walk.findings
    page.get_by_label("Code uit uw authenticator-app, of een reservecode").fill(codes[0])
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_url(f"{base}/evaluation/dashboard/")
    assert "U hebt nog 9 reservecodes." in page.content()
    page.context.close()

    # The same code a second time: refused with a Dutch error, still on the login step.
    page = logged_in_page(bare_browser, base)
    page.get_by_label("Code uit uw authenticator-app, of een reservecode").fill(codes[0])
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_load_state()
    assert "Deze code klopt niet of is verlopen." in page.content()
    assert page.locator("h1").inner_text() == "Vul uw verificatiecode in"
    walk = Walk(page, Axe())
    walk.audit("two_factor_verify (wrong code)")
    walk_findings += walk.findings
    page.context.close()

    assert not walk_findings, "\n".join(walk_findings)
