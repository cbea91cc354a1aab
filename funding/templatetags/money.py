"""Amounts the Dutch way: € 14.783,00 — a dot groups thousands, a comma marks the cents.

Formatting works on Decimal throughout: a float would turn 0.10 into 0.1000000000000000055
somewhere along the way, and money must come out exactly as it was booked."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")
# Python groups with "," and separates decimals with "."; Dutch is the other way round.
_DUTCH = str.maketrans({",": ".", ".": ","})


def dutch_amount(value):
    """'1.234,56' (no currency sign) for a Decimal, int or numeric string; '' for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        # Never compute with a float; its shortest repr is what the caller meant.
        value = repr(value)
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{abs(amount):,.2f}".translate(_DUTCH)
    return f"-{text}" if amount < 0 else text


@register.filter
def euro(value):
    """€ 14.783,00 and € -50,00 (the Dutch order of sign and symbol)."""
    try:
        text = dutch_amount(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"€ {text}" if text else ""


@register.filter
def euro_or(value, fallback):
    """The amount in euros, or `fallback` (e.g. why there is no figure) when it is None."""
    return fallback if value is None else euro(value)


@register.filter
def rate_percent(value):
    """A rate kept as a fraction shown once, as a percentage: 0.1500 → 15%, 0.125 → 12,5%;
    '–' for None. The same notation as the assumptions in the reports."""
    if value is None or value == "":
        return "–"
    try:
        percent = (Decimal(value) * 100).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"{percent:f}".replace(".", ",") + "%"
