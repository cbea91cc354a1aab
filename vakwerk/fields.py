"""The input layer: how every form reads what people type, and which values are plausible.

Numbers
-------
`DecimalInputField` is the one field for decimals and money. It is a text input with
`inputmode="decimal"` (a number input cannot hold "14.783,00" in a Dutch browser) and reads
Dutch and English notation by one rule (`parse_decimal`):

* only digits, at most one sign, "." and "," (after Unicode NFKC, spaces and "€" dropped):
  "1e3", "NaN", "Infinity" and "0x10" are no numbers;
* both "." and ",": the last one is the decimal separator, the other groups thousands
  in threes ("14.783,00" and "14,783.00" are both 14783);
* only ",": one comma is the decimal comma ("0,2", "1350,5", also "1,350" = 1.35: the UI
  is Dutch); several commas group thousands ("1,350,000");
* only ".": several dots group thousands ("1.350.000"); one dot after one to three digits
  not starting with 0 and followed by exactly three digits groups thousands ("1.350" is
  1350, as a Dutch person means it); any other single dot is the decimal point ("0.2",
  "2.5", "0.150", "1350.00").

A value the field shows is always written in Dutch notation with the field's decimal places
("14.783,00", "0,150"), which the rule reads back to the same number, whatever the page's
language: the form round-trips. A minus sign where no negative value makes sense is refused,
"-0" included.

Bounds
------
`BOUNDS` holds, per kind of field, the lowest and highest plausible value and the sentence
that says so. Forms name the kind of each field (`PlausibleInput.field_kinds`); every date
field without a kind still gets the horizon of `PERIOD_DATE`, every decimal the bounds of
`AMOUNT_OR_ZERO`. Date bounds are relative to today (`timezone.localdate()`, at validation
time, so a test can pin the clock). "No end date" is an empty field, never 9999-12-31.

Digits
------
`ascii_digits` turns typed numbers (BSN, ids in a query string) into ASCII digits after NFKC
("²" becomes "2", a full-width "４" becomes "4") and refuses other scripts' digits
("٤٢٠٤٣١٩٧٤"), which `str.isdigit()` and `int()` would take. `parse_id` reads an id from a
query string: an int, or None for anything else.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from vakwerk import formatting

# ---------------------------------------------------------------------------------------
# Digits

# Characters people put between digits of a number they copy: spaces of any width, dots
# and hyphens ("1234.56.782", "123 456 782").
_DIGIT_SEPARATORS = re.compile(r"[\s.\-]")
# The largest value PostgreSQL's bigint holds: ids beyond it are no ids.
MAX_ID = 2**63 - 1


def nfkc(value):
    """Unicode NFKC: compatibility forms (superscripts, full-width digits, no-break
    spaces) become their plain form."""
    return unicodedata.normalize("NFKC", str(value))


def is_ascii_digits(text):
    return bool(text) and text.isascii() and text.isdigit()


def ascii_digits(value, *, separators=True):
    """The digits of `value` as ASCII after NFKC, with spaces, dots and hyphens between them
    removed when `separators`; "" for empty input. Raises ValidationError when anything but
    the digits 0-9 is left."""
    text = nfkc(value or "").strip()
    if separators:
        text = _DIGIT_SEPARATORS.sub("", text)
    if text and not is_ascii_digits(text):
        raise ValidationError(_("Use only the digits 0 to 9."), code="not_ascii_digits")
    return text


def parse_id(value):
    """A positive id from a query string or form value, or None: "²", "٤", "-1", "1e3" and
    numbers beyond bigint are no id. The one parser for `?programme=`, `?version=`, …"""
    text = str(value or "").strip()
    if not is_ascii_digits(text) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


# ---------------------------------------------------------------------------------------
# Decimals

_NUMBER_CHARS = re.compile(r"[0-9.,]+")
_IGNORED = re.compile(r"[\s€']")
_MINUS = {"-", "\u2212", "\u2013"}  # hyphen-minus, the minus sign, an en dash (Word)


def _grouped(whole, separator):
    """Is `whole` digits grouped in threes by `separator` ("14.783", "1,350,000")?"""
    sep = re.escape(separator)
    return re.fullmatch(rf"\d{{1,3}}(?:{sep}\d{{3}})+", whole) is not None


def parse_decimal(value):
    """(Decimal, negative) for a number typed in Dutch or English notation, by the rule in
    this module's docstring. Raises ValueError for anything else."""
    text = _IGNORED.sub("", nfkc(value))
    negative = False
    if text[:1] in _MINUS or text[:1] == "+":
        negative, text = text[0] in _MINUS, text[1:]
    if not text or not _NUMBER_CHARS.fullmatch(text):
        raise ValueError(value)
    whole, fraction = text, ""
    if "." in text and "," in text:
        point = "." if text.rfind(".") > text.rfind(",") else ","
        group = "," if point == "." else "."
        whole, _, fraction = text.rpartition(point)
        if point in whole or not (_grouped(whole, group) or whole.isdigit()):
            raise ValueError(value)
        whole = whole.replace(group, "")
    elif "," in text:
        if text.count(",") == 1:
            whole, _, fraction = text.partition(",")
        elif _grouped(text, ","):
            whole = text.replace(",", "")
        else:
            raise ValueError(value)
    elif "." in text:
        if text.count(".") > 1 or re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", text):
            if not _grouped(text, "."):
                raise ValueError(value)
            whole = text.replace(".", "")
        else:
            whole, _, fraction = text.partition(".")
    if not (whole or fraction) or not (whole.isdigit() or not whole):
        raise ValueError(value)
    if fraction and not fraction.isdigit():
        raise ValueError(value)
    try:
        number = Decimal(f"{whole or '0'}.{fraction}" if fraction else whole)
    except InvalidOperation:
        raise ValueError(value) from None
    return (-number if negative else number), negative


class DecimalInput(forms.TextInput):
    """A text input with the numeric keyboard on a phone."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


class DecimalInputField(forms.DecimalField):
    """The one field for decimals and money: see the module's docstring for what it reads.
    `kind` is a key of BOUNDS; `allow_negative` defaults to whether the kind's lower
    bound lies below zero."""

    widget = DecimalInput
    default_error_messages = {
        "invalid": _("Enter a number, such as 1.234,56 or 0,25."),
        "negative": _("Enter a number of zero or more; a minus sign does not belong here."),
    }

    def __init__(self, *, kind=None, allow_negative=None, **kwargs):
        kwargs.pop("localize", None)
        super().__init__(**kwargs)
        self.bounds = None
        self.allow_negative = bool(allow_negative)
        if kind is not None:
            self.set_bounds(kind, allow_negative)

    def set_bounds(self, kind, allow_negative=None):
        self.bounds = BOUNDS[kind] if isinstance(kind, str) else kind
        self.validators = [v for v in self.validators if not isinstance(v, BoundsValidator)]
        self.validators.append(BoundsValidator(self.bounds))
        if allow_negative is None:
            allow_negative = self.bounds.limits()[0] < 0
        self.allow_negative = allow_negative

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            return Decimal(value)
        text = str(value).strip()
        if len(text) > 40:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            number, negative = parse_decimal(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if negative and not self.allow_negative:
            raise ValidationError(self.error_messages["negative"], code="negative")
        return number

    def prepare_value(self, value):
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return formatting.dutch_number(value, self.decimal_places)
        return value

    def widget_attrs(self, widget):
        # DecimalField would add step/min/max, which only a number input understands.
        return forms.Field.widget_attrs(self, widget)

    @classmethod
    def replacing(cls, field, kind=None):
        """This field in place of a plain DecimalField a ModelForm made."""
        new = cls(
            kind=kind,
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            required=field.required,
            label=field.label,
            initial=field.initial,
            help_text=field.help_text,
            disabled=field.disabled,
            validators=[
                v
                for v in field.validators
                if not isinstance(v, BoundsValidator) and type(v).__name__ != "DecimalValidator"
            ],
        )
        if field.widget.attrs.get("class"):
            new.widget.attrs["class"] = field.widget.attrs["class"]
        return new


class IntegerInputField(forms.IntegerField):
    """IntegerField reads "٤٢" as 42 (Python's int() takes every script's digits) and
    "²" as an error only by chance; this one takes ASCII digits after NFKC only."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            text = nfkc(value).strip()
            body = text[1:] if text[:1] in "+-" else text
            if not is_ascii_digits(body) or len(body) > 18:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = text
        return super().to_python(value)


# ---------------------------------------------------------------------------------------
# Bounds


def _fixed(value):
    return lambda today: value


def _years_ago(years):
    return lambda today: today - relativedelta(years=years) if today else None


def _years_ahead(years):
    return lambda today: today + relativedelta(years=years) if today else None


def _today(today):
    return today


@dataclass(frozen=True)
class Bounds:
    """Plausible values of one kind of field: `low(today)` and `high(today)` inclusive, and
    the sentence that names them."""

    low: object
    high: object
    message: str
    unit: str = ""  # "date", "money", "number" or "percent": how the limits are written

    def limits(self, today=None):
        today = today or timezone.localdate()
        return self.low(today), self.high(today)

    def show(self, value):
        # The sentence is read, not typed back: in the page's language (vakwerk.formatting).
        if self.unit == "date":
            return formatting.date(value)
        if self.unit == "money":
            return formatting.money(value)
        return formatting.number(value)


HORIZON_LOW = datetime.date(1900, 1, 1)
HORIZON_HIGH = datetime.date(2100, 12, 31)
MAX_AMOUNT = Decimal("10000000.00")

DATE_MESSAGE = _("Enter a date from %(low)s up to and including %(high)s.")

BOUNDS = {
    # Participants are adults of working age; 15 leaves room for a school-leaver programme.
    "birth_date": Bounds(
        _fixed(HORIZON_LOW),
        _years_ago(15),
        _("A date of birth lies between %(low)s and %(high)s (at least 15 years ago)."),
        "date",
    ),
    # Since when someone receives a benefit: in the past, within a working life.
    "past_date": Bounds(_years_ago(60), _today, DATE_MESSAGE, "date"),
    # Sessions, meetings, intakes, contact moments, trainings, assessments: recorded
    # afterwards (up to ten years back) or planned, at most a year ahead.
    "session_date": Bounds(_years_ago(10), _years_ahead(1), DATE_MESSAGE, "date"),
    # Programmes, groups, funds, enrolments, placements, closing dates: planned at most ten
    # years ahead.
    "programme_date": Bounds(_years_ago(30), _years_ahead(10), DATE_MESSAGE, "date"),
    # A follow-up is measured, so it lies in the past.
    "follow_up_date": Bounds(_years_ago(10), _today, DATE_MESSAGE, "date"),
    # Filters and report periods: anything a calendar of this century may hold.
    "period_date": Bounds(_fixed(HORIZON_LOW), _fixed(HORIZON_HIGH), DATE_MESSAGE, "date"),
    "amount": Bounds(
        _fixed(Decimal("0.01")),
        _fixed(MAX_AMOUNT),
        _("Enter an amount from %(low)s up to and including %(high)s."),
        "money",
    ),
    "amount_or_zero": Bounds(
        _fixed(Decimal("0")),
        _fixed(MAX_AMOUNT),
        _("Enter an amount from %(low)s up to and including %(high)s."),
        "money",
    ),
    "correction": Bounds(
        _fixed(-MAX_AMOUNT),
        _fixed(MAX_AMOUNT),
        _("Enter an amount from %(low)s up to and including %(high)s."),
        "money",
    ),
    # The highest WW (maximum daily wage) is about € 6.000 a month.
    "monthly_amount": Bounds(
        _fixed(Decimal("0")),
        _fixed(Decimal("25000.00")),
        _("Enter a monthly amount from %(low)s up to and including %(high)s."),
        "money",
    ),
    "yearly_cost": Bounds(
        _fixed(Decimal("0")),
        _fixed(Decimal("1000000.00")),
        _("Enter a yearly cost from %(low)s up to and including %(high)s."),
        "money",
    ),
    "hours_per_week": Bounds(
        _fixed(0),
        _fixed(60),
        _("Enter a number of hours a week from %(low)s up to and including %(high)s."),
        "number",
    ),
    # The network measurement's counts (participants.models, MAX_*_CONTACTS).
    "work_contacts": Bounds(
        _fixed(0),
        _fixed(200),
        _("Enter a number of contacts from %(low)s up to and including %(high)s."),
        "number",
    ),
    "employer_contacts": Bounds(
        _fixed(0),
        _fixed(100),
        _("Enter a number of employers from %(low)s up to and including %(high)s."),
        "number",
    ),
    "percentage": Bounds(
        _fixed(Decimal("0")),
        _fixed(Decimal("100")),
        _("Enter a percentage from %(low)s up to and including %(high)s."),
        "number",
    ),
    # Shares stored as a fraction: 0,15 is 15 %.
    "fraction": Bounds(
        _fixed(Decimal("0")),
        _fixed(Decimal("1")),
        _("Enter a fraction from %(low)s up to and including %(high)s (0,15 means 15%%)."),
        "number",
    ),
    "years": Bounds(
        _fixed(Decimal("0.10")),
        _fixed(Decimal("40")),
        _("Enter a number of years from %(low)s up to and including %(high)s."),
        "number",
    ),
}
DATE_KINDS = {name for name, bounds in BOUNDS.items() if bounds.unit == "date"}


@deconstructible
class BoundsValidator:
    """Refuses a value outside `bounds`, naming the bounds in the sentence of its kind.
    Date-times are checked by their local date."""

    def __init__(self, bounds, *, empty_allowed=False):
        self.bounds = bounds
        self.empty_allowed = empty_allowed

    def __call__(self, value):
        if value is None:
            return
        low, high = self.bounds.limits()
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if low is not None and value < low or high is not None and value > high:
            message = self.bounds.message % {
                "low": self.bounds.show(low),
                "high": self.bounds.show(high),
            }
            if self.empty_allowed:
                message = f"{message} {_('Leave the field empty when there is no end date.')}"
            raise ValidationError(message, code="out_of_bounds")

    def __eq__(self, other):
        return isinstance(other, BoundsValidator) and other.bounds == self.bounds


def check(kind, value):
    """Raises the kind's ValidationError when `value` is not plausible (for services and
    imports that read values without a form)."""
    BoundsValidator(BOUNDS[kind])(value)


# ---------------------------------------------------------------------------------------
# Dates


class DateInput(forms.DateInput):
    """The browser's date picker, which only takes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def day_after(day):
    """The next day, or None after the last date Python knows (9999-12-31)."""
    try:
        return day + datetime.timedelta(days=1)
    except OverflowError:
        return None


def add_months(day, months):
    """`day` plus `months`, or date.max when that lies beyond the last date Python knows:
    an old "no end" date of 9999-12-31 must not break the arithmetic on it."""
    try:
        return day + relativedelta(months=months)
    except (OverflowError, ValueError):
        return datetime.date.max


# ---------------------------------------------------------------------------------------
# Forms


def apply_rules(form, kinds):
    """Gives every field of `form` the project's rules: decimals become DecimalInputField,
    integers read ASCII digits only, and every field named in `kinds` (name → key of
    BOUNDS) gets its bounds; a date without a kind gets the century's horizon."""
    for name, field in list(form.fields.items()):
        kind = kinds.get(name)
        if isinstance(field, forms.DecimalField):
            if not isinstance(field, DecimalInputField):
                field = form.fields[name] = DecimalInputField.replacing(field)
            field.set_bounds(kind or field.bounds or "amount_or_zero")
            continue
        if type(field) is forms.IntegerField:
            # The same field with one more rule on what it reads; it adds no state.
            field.__class__ = IntegerInputField
        if isinstance(field, forms.DateField | forms.DateTimeField):
            kind = kind or "period_date"
        if kind is None:
            continue
        validator = BoundsValidator(BOUNDS[kind], empty_allowed=not field.required)
        field.validators = [v for v in field.validators if not isinstance(v, BoundsValidator)]
        field.validators.append(validator)


class PlausibleInput:
    """Mixin for the project's forms: `field_kinds` names the kind of field (a key of
    BOUNDS) per field name; see apply_rules."""

    field_kinds: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_rules(self, self.field_kinds)


def show_service_error(form, error):
    """A service's ValidationError on the form, like the form's own errors: under its field
    when the form has that field, above the form otherwise (a refusal is never a 500)."""
    errors = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
    for name, messages in errors.items():
        form.add_error(name if name in form.fields else None, messages)
