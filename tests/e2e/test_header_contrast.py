"""Issue 17, found 1, in a real browser: the colours Chromium actually paints in the header."""

import re

import pytest

from vakwerk.theme import contrast_ratio


def _hex(css_colour):
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_colour)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


@pytest.mark.e2e
@pytest.mark.parametrize("domain", ["zwolle.example", "kampen.example"])
def test_active_menu_item_and_focus_ring_are_readable_on_the_header(
    live_server, browser, log_in, domain
):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    log_in(page, f"consultant@{domain}")
    header = page.locator("nav.vw-header")
    background = _hex(header.evaluate("e => getComputedStyle(e).backgroundColor"))
    active = page.locator("nav.vw-header .nav-link.active")
    assert active.count() == 1
    active_text = _hex(active.evaluate("e => getComputedStyle(e).color"))
    assert contrast_ratio(active_text, background) >= 4.5, (active_text, background)

    # Keyboard focus on the brand link, the header's first link after the skip link.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "navbar-brand" in focused
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    width = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert width != "0px"
    assert contrast_ratio(_hex(ring), background) >= 3, (ring, background)
    context.close()
