"""Issue 17, build 2: buttons take the municipality colour through vakwerk/theme.py and stay
readable, with a focus ring that shows on the white page."""

import re

import pytest
from django.urls import reverse

from vakwerk.roles import Role
from vakwerk.theme import DEFAULT_COLOUR, WHITE, button_theme, contrast_ratio

# Dark, mid and light colours an admin may pick (each accepted by validate_readable_colour).
COLOURS = ["#004b87", "#7a1e48", "#01689b", "#2e7d32", "#ffd700", "#c0c0c0", "#e17000", "#000000"]


@pytest.mark.parametrize("colour", COLOURS)
def test_every_button_colour_keeps_text_hover_and_focus_readable(colour):
    theme = button_theme(colour)
    assert theme.background == colour
    assert theme.text_contrast >= 4.5
    assert theme.hover_contrast >= 4.5
    assert contrast_ratio(theme.outline, WHITE) >= 4.5
    assert contrast_ratio(theme.outline_hover_text, theme.outline) >= 4.5
    assert theme.focus_contrast >= 3


def _style(page):
    return re.search(r"<style nonce=\"[^\"]+\">(.*?)</style>", page, re.S).group(1)


@pytest.mark.django_db
def test_rendered_page_themes_the_primary_button_in_the_municipality_colour(
    client, make_user, municipality
):
    municipality.colour = "#7a1e48"
    municipality.save()
    client.force_login(make_user(Role.CONSULTANT))
    style = _style(client.get(reverse("participants:caseload")).content.decode())
    # Before: Bootstrap's own blue buttons under a purple header.
    assert ".btn-primary{--bs-btn-bg:#7a1e48;--bs-btn-color:#ffffff;" in style
    assert "outline:3px solid var(--vw-btn-focus-ring)" in style


@pytest.mark.django_db
def test_login_page_buttons_use_the_default_theme(client):
    style = _style(client.get(reverse("login")).content.decode())
    assert f".btn-primary{{--bs-btn-bg:{DEFAULT_COLOUR};" in style
