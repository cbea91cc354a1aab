"""The one formatting layer: dates, times, weeks, numbers and money as the user reads them,
in the active language (Dutch by default, English when the user picks it). The shapes live in
vakwerk/formats/<language>/formats.py; templates reach these functions through the builtin
filters of vakwerk/templatetags/formatting.py and Django's own `date:"DATE_FORMAT"`.

Exports that a machine reads (research data, CSVs for analysis) keep ISO dates and dot
decimals and do not come here.

Amounts are Decimal throughout: a float would turn 0.10 into 0.1000000000000000055 somewhere
along the way, and money must come out exactly as it was booked."""

import datetime
import functools
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone, translation
from django.utils.dateformat import format as date_pattern
from django.utils.translation import gettext

from vakwerk.formats.nl import formats as dutch

CENT = Decimal("0.01")
DASH = "–"


def _own(name):
    """A format of ours that Django does not know (MONEY_FORMAT, ...), for the active
    language; Dutch when the language has none."""
    for module in formats.get_format_modules(translation.get_language() or "nl"):
        if hasattr(module, name):
            return getattr(module, name)
    return getattr(dutch, name)


def _decimal(value):
    if isinstance(value, float):
        # Never compute with a float; its shortest repr is what the caller meant.
        value = repr(value)
    return Decimal(value)


def number(value, places=None):
    """14.783 / 2,5 in Dutch, 14,783 / 2.5 in English: grouped thousands, the language's
    decimal separator. `places` rounds half up; without it the value keeps its own
    decimals. '' for None."""
    if value is None or value == "":
        return ""
    amount = _decimal(value)
    if places is None:
        places = max(0, -amount.as_tuple().exponent)
    else:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(amount):,.{places}f}"
    decimal, thousand = (
        formats.get_format("DECIMAL_SEPARATOR"),
        formats.get_format("THOUSAND_SEPARATOR"),
    )
    text = text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousand)
    return f"-{text}" if amount < 0 else text


def dutch_number(value, places=None):
    """14.783,00 / -250,00 / 0,150 whatever the active language: for what must read back the
    same in any language (a form's value) and files whose format is Dutch by agreement
    (the ledger export for finance). '' for None."""
    with translation.override("nl"):
        return number(value, places)


def money(value):
    """€ 14.783,00 and € -50,00 in Dutch; €14,783.00 and -€50.00 in English. '' for None."""
    if value is None or value == "":
        return ""
    amount = _decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    pattern = _own("NEGATIVE_MONEY_FORMAT" if amount < 0 else "MONEY_FORMAT")
    return pattern % {"amount": number(abs(amount), 2)}


def percent(fraction, places=None):
    """A rate kept as a fraction as a percentage: 0.125 → 12,5% (12.5% in English);
    '–' for None."""
    if fraction is None or fraction == "":
        return DASH
    shown = (_decimal(fraction) * 100).normalize()
    if places is None and shown == shown.to_integral_value():
        shown = shown.quantize(Decimal(1))
    return f"{number(shown, places)}%"


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date(value):
    """7 maart 2025 / 7 March 2025; '' for None. A datetime shows its local day."""
    if value is None or value == "":
        return ""
    value = _local(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _day(translation.get_language(), value)


@functools.lru_cache(maxsize=8192)
def _day(language, day):
    """A day in `language` (the active one: the cache's key says which). Django parses the
    format and words the month on every call, 12 µs; a participant's timeline shows some
    fifty days, and lists show the same recent days on every page."""
    return formats.date_format(day, "DATE_FORMAT")


def date_time(value, seconds=False):
    """7 maart 2025 14:05 (with seconds for the audit trail), in the local time zone."""
    if value is None or value == "":
        return ""
    value = _local(value)
    if seconds:
        return date_pattern(value, _own("SECONDS_DATETIME_FORMAT"))
    return formats.date_format(value, "DATETIME_FORMAT")


def weekday_date_time(value):
    """vrijdag 7 maart, 14:05: an appointment in the coming weeks."""
    if value is None or value == "":
        return ""
    return date_pattern(_local(value), _own("WEEKDAY_DATETIME_FORMAT"))


def week(day):
    """The ISO week a day falls in: "week 38, 2026" (never "2026-W38")."""
    if day is None or day == "":
        return ""
    if isinstance(day, datetime.datetime):
        day = _local(day).date()
    year, number_, _weekday = day.isocalendar()
    return gettext("week %(week)s, %(year)s") % {"week": number_, "year": year}
