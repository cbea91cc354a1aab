"""Money filters of the funding pages: `euro`, `euro_or`, `rate_percent`. They are the
formatting layer's (vakwerk/formatting.py), in the active language: € 14.783,00 in Dutch,
€14,783.00 in English."""

from decimal import InvalidOperation

from django import template

from vakwerk import formatting

register = template.Library()


def dutch_amount(value):
    """'1.234,56' (no currency sign) whatever the user's language: for files whose format is
    Dutch by agreement (the ledger export for finance). '' for None."""
    return formatting.dutch_number(value, 2)


@register.filter
def euro(value):
    """€ 14.783,00 and € -50,00 in Dutch; €14,783.00 and -€50.00 in English."""
    try:
        return formatting.money(value)
    except (InvalidOperation, TypeError, ValueError):
        return value


@register.filter
def euro_or(value, fallback):
    """The amount in euros, or `fallback` (e.g. why there is no figure) when it is None."""
    return fallback if value is None else euro(value)


@register.filter
def rate_percent(value):
    """A rate kept as a fraction shown once, as a percentage: 0.1500 → 15%, 0.125 → 12,5%;
    '–' for None. The same notation as the assumptions in the reports."""
    try:
        return formatting.percent(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
