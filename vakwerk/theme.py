"""The one place that turns a municipality's colour into a readable header theme.

An admin picks the colour, so every colour used on top of it is computed here from WCAG 2.1
relative luminance: text needs 4.5:1 (1.4.3), the focus ring 3:1 (1.4.11). A colour for which
neither white nor near-black text reaches 4.5:1 is refused by ``validate_readable_colour``.
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from vakwerk import formatting

DEFAULT_COLOUR = "#01689b"
WHITE = "#ffffff"
DARK = "#212529"  # Bootstrap's body text: near-black, as the rest of the page
TEXT_CONTRAST = 4.5
NON_TEXT_CONTRAST = 3.0

# The one check of a colour's form: "#" and six hexadecimal digits. Only such a value is
# ever written into CSS or SVG; the model's validator and every reader use this.
HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
_HEX_COLOUR = re.compile(HEX_COLOUR)

colour_validator = RegexValidator(
    HEX_COLOUR, _("Enter a colour as # followed by six hexadecimal digits.")
)


def is_hex_colour(value):
    return isinstance(value, str) and bool(_HEX_COLOUR.fullmatch(value))


def relative_luminance(hex_colour):
    def channel(value):
        c = int(value, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(hex_colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def safe_colour(hex_colour):
    """The colour if it is a well-formed hex colour, else the default (old rows, odd input)."""
    return hex_colour.lower() if is_hex_colour(hex_colour) else DEFAULT_COLOUR


def readable_text_colour(hex_colour):
    """White or black, whichever has the higher contrast on the colour."""
    colour = safe_colour(hex_colour)
    if contrast_ratio(WHITE, colour) >= contrast_ratio(DARK, colour):
        return WHITE
    return DARK


def validate_readable_colour(value):
    if not is_hex_colour(value):
        return  # colour_validator reports this one
    text = readable_text_colour(value)
    ratio = contrast_ratio(text, value)
    if ratio < TEXT_CONTRAST:
        raise ValidationError(
            _(
                "Text on this colour cannot be read well enough: at best %(ratio)s:1, "
                "at least 4.5:1 is needed. Choose a darker or lighter colour."
            ),
            code="low_contrast",
            # Rounded down, so a refused 4.49 never shows as "4,5:1".
            params={"ratio": formatting.number(Decimal(math.floor(ratio * 10)) / 10, 1)},
        )


@dataclass(frozen=True)
class HeaderTheme:
    background: str
    text: str
    # The active item differs from the others by weight and an underline in the text colour,
    # never by a colour of its own, so it keeps the text's contrast.
    active: str
    hover: str
    focus_ring: str
    dark: bool  # white text: Bootstrap's dark navbar (toggler icon, dropdown caret)

    @property
    def text_contrast(self):
        return contrast_ratio(self.text, self.background)

    @property
    def focus_contrast(self):
        return contrast_ratio(self.focus_ring, self.background)


def header_theme(hex_colour):
    background = safe_colour(hex_colour)
    text = readable_text_colour(background)
    # The text colour is at least 4.5:1 on the header, so as a ring it clears the 3:1 that
    # WCAG 1.4.11 asks of a focus indicator; Bootstrap's translucent blue ring gave ~1.2:1.
    return HeaderTheme(
        background=background,
        text=text,
        active=text,
        hover=text,
        focus_ring=text,
        dark=text == WHITE,
    )


def header_css(theme):
    """CSS for the header, rendered in base.html's nonce'd <style> block.

    Bootstrap colours navbar links through --bs-navbar-* custom properties with selectors
    (``.navbar-nav .nav-link.active``) that beat a plain ``.vw-header .nav-link`` rule, so the
    theme sets those properties instead of fighting the selectors.
    """
    return (
        f".vw-header{{background-color:{theme.background};color:{theme.text};"
        f"--bs-navbar-color:{theme.text};--bs-navbar-hover-color:{theme.hover};"
        f"--bs-navbar-active-color:{theme.active};--bs-navbar-brand-color:{theme.text};"
        f"--bs-navbar-brand-hover-color:{theme.text};--bs-navbar-disabled-color:{theme.text};"
        f"--bs-navbar-toggler-border-color:{theme.text};--vw-focus-ring:{theme.focus_ring}}}"
        f".vw-header .nav-link,.vw-header .navbar-brand,.vw-header .btn-link{{color:{theme.text}}}"
        f".vw-header .nav-link.active{{color:{theme.active}}}"
        f".vw-header .nav-link:hover,.vw-header .btn-link:hover{{color:{theme.hover}}}"
        ".vw-header a:focus-visible,.vw-header button:focus-visible{"
        "outline:3px solid var(--vw-focus-ring);outline-offset:2px;box-shadow:none}"
    )


def text_colour_on_white(hex_colour, minimum=TEXT_CONTRAST):
    """The colour, darkened just enough to be read as text on white paper (PDF headings).

    A municipality colour that is fine as a header background with dark text (a yellow)
    is unreadable as heading text on white; mixing it towards black keeps its hue.
    """
    colour = safe_colour(hex_colour)
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(0, 101):
        keep = 1 - step / 100
        candidate = f"#{round(red * keep):02x}{round(green * keep):02x}{round(blue * keep):02x}"
        if contrast_ratio(candidate, WHITE) >= minimum:
            return candidate
    return DARK


def _mix(hex_colour, towards, share):
    """The colour moved `share` (0..1) of the way to `towards`, per sRGB channel."""
    start = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    end = [int(towards[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = (round(a + (b - a) * share) for a, b in zip(start, end, strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


@dataclass(frozen=True)
class ButtonTheme:
    """Bootstrap's primary buttons in the municipality colour."""

    background: str
    text: str
    # Hover, active and keyboard focus: Bootstrap paints a focused button in its hover
    # colours, so these need the same 4.5:1 as the resting button.
    hover_background: str
    hover_text: str
    # An outline button is the colour on white: text and border darkened until they read.
    outline: str
    outline_hover_text: str
    # The focus ring sits outside the button, on the white page: 3:1 against white.
    focus_ring: str

    @property
    def text_contrast(self):
        return contrast_ratio(self.text, self.background)

    @property
    def hover_contrast(self):
        return contrast_ratio(self.hover_text, self.hover_background)

    @property
    def focus_contrast(self):
        return contrast_ratio(self.focus_ring, WHITE)


def button_theme(hex_colour):
    background = safe_colour(hex_colour)
    text = readable_text_colour(background)
    # Moving the background away from the text colour only raises the contrast.
    hover_background = _mix(background, "#000000" if text == WHITE else WHITE, 0.15)
    outline = text_colour_on_white(background)
    return ButtonTheme(
        background=background,
        text=text,
        hover_background=hover_background,
        hover_text=text,
        outline=outline,
        # text_colour_on_white gives 4.5:1 with white, and contrast is symmetric.
        outline_hover_text=WHITE,
        focus_ring=outline,
    )


def button_css(theme):
    """CSS for Bootstrap's primary buttons and every button's focus ring, in the same
    nonce'd <style> block as the header (after bootstrap.css, so equal selectors win).
    Like the header it sets Bootstrap's --bs-btn-* properties; Bootstrap's own focus ring,
    a translucent box-shadow, gives way to a solid outline in a computed colour."""
    return (
        f".btn-primary{{--bs-btn-bg:{theme.background};--bs-btn-color:{theme.text};"
        f"--bs-btn-border-color:{theme.background};"
        f"--bs-btn-hover-bg:{theme.hover_background};--bs-btn-hover-color:{theme.hover_text};"
        f"--bs-btn-hover-border-color:{theme.hover_background};"
        f"--bs-btn-active-bg:{theme.hover_background};--bs-btn-active-color:{theme.hover_text};"
        f"--bs-btn-active-border-color:{theme.hover_background};"
        f"--bs-btn-disabled-bg:{theme.background};--bs-btn-disabled-color:{theme.text};"
        f"--bs-btn-disabled-border-color:{theme.background}}}"
        f".btn-outline-primary{{--bs-btn-color:{theme.outline};"
        f"--bs-btn-border-color:{theme.outline};--bs-btn-hover-bg:{theme.outline};"
        f"--bs-btn-hover-color:{theme.outline_hover_text};"
        f"--bs-btn-hover-border-color:{theme.outline};--bs-btn-active-bg:{theme.outline};"
        f"--bs-btn-active-color:{theme.outline_hover_text};"
        f"--bs-btn-active-border-color:{theme.outline};"
        f"--bs-btn-disabled-color:{theme.outline};--bs-btn-disabled-border-color:{theme.outline}}}"
        f":root{{--vw-btn-focus-ring:{theme.focus_ring}}}"
        ".btn:focus-visible,.btn-check:focus-visible+.btn{"
        "outline:3px solid var(--vw-btn-focus-ring);outline-offset:2px;box-shadow:none}"
    )
