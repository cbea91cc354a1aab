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


# Dark, mid and light colours an admin may pick; each passes validate_readable_colour.
BUTTON_COLOURS = ["#004b87", "#7a1e48", "#2e7d32", "#e17000", "#ffd700", "#c0c0c0"]


@pytest.mark.e2e
def test_primary_button_text_and_focus_ring_are_readable_for_a_range_of_colours(
    live_server, browser, log_in
):
    from vakwerk.models import User

    municipality = User.objects.get(email="consultant@zwolle.example").municipality
    context = browser.new_context(locale="nl-NL", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    log_in(page, "consultant@zwolle.example")
    for colour in BUTTON_COLOURS:
        municipality.colour = colour
        municipality.save(update_fields=["colour"])
        page.reload()
        button = page.locator("main .btn-primary").first
        background = _hex(button.evaluate("e => getComputedStyle(e).backgroundColor"))
        text = _hex(button.evaluate("e => getComputedStyle(e).color"))
        assert background == colour  # the municipality's colour, not Bootstrap's blue
        assert contrast_ratio(text, background) >= 4.5, (colour, text)

        # Keyboard focus (a Tab first, so Chromium shows :focus-visible): Bootstrap paints
        # the focused button in its hover colours, with the ring outside it on the page.
        page.keyboard.press("Tab")
        button.focus()
        assert button.evaluate("e => e.matches(':focus-visible')")
        style = button.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.backgroundColor, s.color, s.outlineColor, s.outlineWidth]; }"
        )
        focused_background, focused_text, ring, width = style
        assert contrast_ratio(_hex(focused_text), _hex(focused_background)) >= 4.5, colour
        assert width != "0px"
        page_background = _hex(page.evaluate("getComputedStyle(document.body).backgroundColor"))
        assert contrast_ratio(_hex(ring), page_background) >= 3, (colour, ring)
    context.close()
