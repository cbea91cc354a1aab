"""Issue 17, found 2 and 3 (build 3): every role's main pages fit every width from 320 px up.

Per role one browser context is logged in once; each page is loaded once and the widths are
walked by resizing the viewport, so the CSS media queries apply again without a reload. At
every width the page may not scroll sideways and the logout control must be reachable: in
the header's user menu, behind the menu button when the header is collapsed."""

import re
import struct

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from employers.models import Opportunity
from employers.selectors import employer_of
from funding.models import Fund
from participants.models import Cohort, Participant
from vakwerk.models import User

# 1200 px: the narrowest width at which the header is expanded (navbar-expand-xl).
WIDTHS = (320, 390, 768, 1024, 1200, 1280)
DOMAIN = "zwolle.example"

# Every element that scrolls sideways, with what a keyboard and a screen reader need of it.
SCROLL_REGIONS = """() => [...document.querySelectorAll('body *')]
  .filter(e => {
    const overflow = getComputedStyle(e).overflowX;
    return (overflow === 'auto' || overflow === 'scroll') && e.scrollWidth > e.clientWidth
      && e.getClientRects().length > 0;
  })
  .map(e => {
    const labelledBy = (e.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
      .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    return {
      html: e.outerHTML.slice(0, 120),
      tabindex: e.tabIndex,
      role: e.getAttribute('role'),
      name: (e.getAttribute('aria-label') || labelledBy).trim(),
    };
  })"""


def _pages(role):
    """(label, path) of the role's main pages, taken from the demo data of Zwolle."""
    municipality = User.objects.get(email=f"manager@{DOMAIN}").municipality
    consultant_participant = (
        Participant.objects.filter(consultant__email=f"consultant@{DOMAIN}").order_by("pk").first()
    )
    fund = Fund.objects.filter(programme__municipality=municipality).order_by("pk").first()
    opportunities = Opportunity.objects.filter(employer__municipality=municipality)
    # A group with meetings: its meeting list has the long topics that must wrap.
    cohort = (
        Cohort.objects.filter(programme__municipality=municipality, meetings__isnull=False)
        .order_by("pk")
        .first()
    )
    confirmed = opportunities.filter(status="confirmed").order_by("pk").first()
    participant = (
        "participant page",
        reverse("participants:detail", args=[consultant_participant.pk]),
    )
    board = ("job intention board", reverse("employers:board", args=[confirmed.pk]))
    pages = {
        "consultant": [
            ("caseload", reverse("participants:caseload")),
            participant,
            ("opportunities", reverse("employers:opportunity_list")),
            board,
            (
                "talent profile form",
                reverse("participants:talent_profile", args=[consultant_participant.pk]),
            ),
        ],
        "manager": [
            ("dashboard", reverse("evaluation:dashboard")),
            ("participants", reverse("participants:caseload")),
            participant,
            ("funds", reverse("funding:fund_list")),
            ("fund detail", reverse("funding:fund_detail", args=[fund.pk])),
            ("savings", reverse("funding:savings")),
            ("research", reverse("evaluation:research_projects")),
            board,
            ("group", reverse("participants:cohort_detail", args=[cohort.pk])),
            ("accessibility statement", reverse("accessibility_statement")),
        ],
        "researcher": [("research", reverse("evaluation:research_projects"))],
        "wsp": [
            ("employers", reverse("employers:employer_list")),
            ("opportunities", reverse("employers:opportunity_list")),
            board,
        ],
        "admin": [
            ("users", reverse("user_list")),
            ("audit trail", reverse("audit_list")),
            ("user", reverse("user_edit", args=[consultant_participant.consultant_id])),
        ],
    }
    if role == "employer":
        own = opportunities.filter(
            employer=employer_of(User.objects.get(email=f"employer@{DOMAIN}"))
        )
        return [
            ("employer portal", reverse("employers:opportunity_list")),
            ("opportunity", reverse("employers:opportunity_detail", args=[own.first().pk])),
        ]
    return pages[role]


def _inside_viewport(locator, page):
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def _logout_is_reachable(page):
    """Opens the header (if collapsed) and the user menu, checks Log out, closes them again."""
    toggler = page.locator("nav.vw-header .navbar-toggler")
    collapsed = toggler.is_visible()
    if collapsed:
        toggler.click()
        expect(page.locator("#vw-nav")).to_have_class(re.compile(r"(^| )show( |$)"))
    page.locator("#vw-user-menu").click()
    logout = page.get_by_role("button", name="Uitloggen")
    expect(logout).to_be_visible()
    reachable = _inside_viewport(logout, page)
    page.keyboard.press("Escape")
    expect(logout).to_be_hidden()
    if collapsed:
        toggler.click()
        expect(page.locator("#vw-nav")).not_to_have_class(re.compile(r"show|collapsing"))
    return reachable


def _resize(page, width, height=800):
    page.set_viewport_size({"width": width, "height": height})
    # Two animation frames: the layout and the ResizeObserver of scroll-regions.js have run.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _page_width(page):
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.e2e
@pytest.mark.parametrize(
    "role", ["consultant", "manager", "researcher", "employer", "wsp", "admin"]
)
def test_main_pages_fit_every_width_and_keep_logout_reachable(live_server, browser, log_in, role):
    pages = _pages(role)
    # Reduced motion: Bootstrap then opens and closes the collapsed menu without its 0.35 s
    # animation, at each of the widths; the layout that is measured is the same.
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 1280, "height": 800}, reduced_motion="reduce"
    )
    page = context.new_page()
    log_in(page, f"{role}@{DOMAIN}")
    problems = []
    for label, path in pages:
        page.goto(f"{live_server.url}{path}")
        for width in WIDTHS:
            _resize(page, width)
            scroll_width, inner_width = _page_width(page)
            if scroll_width > inner_width:
                problems.append(f"{label} at {width}px: page is {scroll_width}px wide")
            if not _logout_is_reachable(page):
                problems.append(f"{label} at {width}px: Uitloggen is outside the viewport")
            for region in page.evaluate(SCROLL_REGIONS):
                if region["tabindex"] < 0 or region["role"] != "region" or not region["name"]:
                    problems.append(f"{label} at {width}px: scroll region {region}")
    context.close()
    assert not problems, "\n".join(problems)


def _png_width(path):
    with open(path, "rb") as png:
        header = png.read(24)
    return struct.unpack(">I", header[16:20])[0]


@pytest.mark.e2e
def test_phone_screenshots_of_caseload_participant_and_funds_do_not_scroll_sideways(
    live_server, browser, log_in, tmp_path
):
    shots = {
        "consultant": [
            ("caseload", reverse("participants:caseload")),
            _pages("consultant")[1],
        ],
        "manager": [("funds", reverse("funding:fund_list"))],
    }
    for role, pages in shots.items():
        context = browser.new_context(locale="nl-NL", viewport={"width": 390, "height": 844})
        page = context.new_page()
        log_in(page, f"{role}@{DOMAIN}")
        for label, path in pages:
            page.goto(f"{live_server.url}{path}")
            shot = tmp_path / f"{label.replace(' ', '-')}-390.png"
            page.screenshot(path=shot, full_page=True)
            # A full-page screenshot is as wide as the document: wider means sideways scroll.
            assert _png_width(shot) == 390, label
            scroll_width, inner_width = _page_width(page)
            assert scroll_width <= inner_width == 390, label
        context.close()


@pytest.mark.e2e
def test_caseload_on_a_phone_shows_last_contact_and_log_session(live_server, browser, log_in):
    context = browser.new_context(locale="nl-NL", viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, f"consultant@{DOMAIN}")
    row = page.locator("table tbody tr").first
    action = row.get_by_role("link", name="Gesprek vastleggen")
    last_contact = row.locator("[data-label='Laatste contact']")
    expect(action).to_be_visible()
    expect(last_contact).to_be_visible()
    assert _inside_viewport(action, page)
    assert _inside_viewport(last_contact, page)
    # The row is stacked: the label a sighted phone user reads next to the date.
    label = last_contact.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"Laatste contact"'
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    context.close()


@pytest.mark.e2e
def test_collapsed_menu_works_by_keyboard(live_server, browser, log_in):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    log_in(page, f"manager@{DOMAIN}")
    toggler = page.locator("nav.vw-header .navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.focus()
    page.keyboard.press("Enter")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Tab through the opened menu to the user menu and open it from the keyboard.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "vw-user-menu":
            break
    assert page.evaluate("document.activeElement.id") == "vw-user-menu"
    page.keyboard.press("Enter")
    logout = page.get_by_role("button", name="Uitloggen")
    expect(logout).to_be_visible()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Uitloggen":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "Uitloggen"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Wachtwoord")).to_be_visible()
    context.close()
