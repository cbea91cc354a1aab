"""Issue 17, found 1: the header stays readable on whatever colour an admin picks."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import translation

from vakwerk.models import Municipality
from vakwerk.roles import Role
from vakwerk.theme import (
    DARK,
    WHITE,
    contrast_ratio,
    header_theme,
    readable_text_colour,
    text_colour_on_white,
    validate_readable_colour,
)

ZWOLLE = "#004b87"
KAMPEN = "#7a1e48"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("#ffffff", "#000000", 21.0),
        ("#000000", "#000000", 1.0),
        ("#ffffff", "#767676", 4.54),  # the classic lightest grey that passes on white
        ("#000000", ZWOLLE, 2.36),  # the unreadable active item the audit found
        ("#000000", KAMPEN, 2.11),
    ],
)
def test_contrast_ratio_of_known_pairs(first, second, expected):
    assert contrast_ratio(first, second) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(second, first) == pytest.approx(expected, abs=0.01)


def test_white_reads_on_zwolle_and_black_does_not():
    assert contrast_ratio(WHITE, ZWOLLE) >= 4.5
    assert contrast_ratio("#000000", ZWOLLE) < 4.5


@pytest.mark.parametrize(
    ("colour", "text"),
    [(ZWOLLE, WHITE), (KAMPEN, WHITE), ("#ffd700", DARK), ("#FFD700", DARK), ("#01689b", WHITE)],
)
def test_text_colour_chosen_for_a_municipality_colour(colour, text):
    assert readable_text_colour(colour) == text
    assert contrast_ratio(text, colour) >= 4.5


@pytest.mark.parametrize("colour", [ZWOLLE, KAMPEN, "#ffd700", "#01689b", "#2e7d32", "#c0c0c0"])
def test_every_header_colour_keeps_text_and_focus_ring_readable(colour):
    theme = header_theme(colour)
    assert theme.text_contrast >= 4.5
    assert contrast_ratio(theme.active, colour) >= 4.5
    assert contrast_ratio(theme.hover, colour) >= 4.5
    assert theme.focus_contrast >= 3


def test_a_mid_grey_is_refused_with_a_dutch_message():
    with pytest.raises(ValidationError) as error:
        validate_readable_colour("#808080")
    with translation.override("nl"):
        message = error.value.messages[0]
    assert "niet goed genoeg leesbaar" in message
    assert "3,9:1" in message  # white on #808080: 3.95, rounded down


@pytest.mark.django_db
def test_municipality_form_refuses_an_unreadable_colour_and_accepts_a_readable_one():
    form_class = modelform_factory(Municipality, fields=["name", "cbs_code", "colour"])
    with translation.override("nl"):
        form = form_class(data={"name": "Grijsdorp", "cbs_code": "9999", "colour": "#808080"})
        assert not form.is_valid()
        assert "niet goed genoeg leesbaar" in form.errors["colour"][0]
    form = form_class(data={"name": "Geeldorp", "cbs_code": "9998", "colour": "#ffd700"})
    assert form.is_valid(), form.errors


def test_pdf_heading_colour_is_readable_on_white():
    assert text_colour_on_white(ZWOLLE) == ZWOLLE  # already dark enough: unchanged
    assert contrast_ratio(text_colour_on_white("#ffd700"), WHITE) >= 4.5


def _header_style(page):
    return re.search(r"<style nonce=\"[^\"]+\">(.*?)</style>", page, re.S).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("colour", "text", "dark"),
    [(ZWOLLE, WHITE, True), (KAMPEN, WHITE, True), ("#ffd700", DARK, False)],
)
def test_rendered_header_carries_the_computed_colours(
    client, make_user, municipality, colour, text, dark
):
    municipality.colour = colour
    municipality.save()
    client.force_login(make_user(Role.CONSULTANT))
    response = client.get(reverse("participants:caseload"))
    page = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in page
    style = _header_style(page)
    assert f"background-color:{colour}" in style
    # Bootstrap's `.navbar-nav .nav-link.active` reads this property: the audit's black text.
    assert f"--bs-navbar-active-color:{text}" in style
    assert f"--bs-navbar-color:{text}" in style
    assert f"--vw-focus-ring:{text}" in style
    assert "outline:3px solid var(--vw-focus-ring)" in style
    assert re.search(r'class="nav-link active[^"]*"[^>]*aria-current="page"', page)
    nav_class = re.search(r'<nav class="([^"]+)"', page).group(1)
    assert ("navbar-dark" in nav_class) is dark


@pytest.mark.django_db
def test_report_pdf_headings_stay_readable_for_a_light_municipality_colour(
    municipality, make_user
):
    from datetime import date

    from evaluation.reports import services as reports
    from evaluation.reports.models import Report, ReportKind
    from tests.vakwerk.factories import ProgrammeFactory

    municipality.colour = "#ffd700"
    municipality.save()
    programme = ProgrammeFactory(municipality=municipality)
    report = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING, requested_by=make_user(Role.MANAGER)
    )
    context = reports.monitoring_context(report, today=date(2026, 6, 1))
    # Before: the yellow itself, 1.4:1 as heading text on white paper.
    assert context["colour"] != "#ffd700"
    assert contrast_ratio(context["colour"], WHITE) >= 4.5
