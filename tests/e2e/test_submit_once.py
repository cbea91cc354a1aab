"""Issue 15, build 2: a create form is sent once from the browser, whether the submit button
is double-clicked or Enter is pressed twice (static/js/submit-once.js, allowed by the CSP
as a file script). The server's one-time key is what guarantees one row; this shows the
browser does not even send the second POST."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultants.models import CoachingSession
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import MunicipalityFactory, UserFactory
from vakwerk.roles import Role

from .conftest import launched_chromium


@pytest.fixture
def bare_browser(transactional_db):
    """A browser without the demo data: this test builds its own two rows."""
    with launched_chromium(args=["--headless", "--no-sandbox", "--disable-gpu"]) as browser:
        yield browser


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["double click", "Enter twice"])
def test_a_create_form_is_sent_once(live_server, bare_browser, how):
    municipality = MunicipalityFactory(name="Gemeente E", cbs_code="0009")
    consultant = UserFactory(role=Role.CONSULTANT, municipality=municipality)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    client = Client()
    client.force_login(consultant)
    context = bare_browser.new_context()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    url = reverse("participants:session_create", args=[participant.pk])
    page.goto(f"{live_server.url}{url}")
    page.locator("[name=held_on]").fill(timezone.localdate().isoformat())
    page.locator("[name=kind]").select_option("individual")
    page.get_by_label("Duur (minuten)").fill("40")

    # The first POST is held in the browser until both clicks or key presses are done, as on
    # a slow connection; otherwise the second could land on the next page.
    held = []
    page.route(f"**{url}", lambda route: held.append(route))
    button = page.get_by_role("button", name="Opslaan")
    if how == "double click":
        button.dblclick(no_wait_after=True)
    else:
        page.get_by_label("Duur (minuten)").focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_url(f"{live_server.url}{reverse('participants:detail', args=[participant.pk])}")
    page.wait_for_load_state()

    assert posts == [f"{live_server.url}{url}"], posts
    assert CoachingSession.objects.filter(participant=participant).count() == 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
