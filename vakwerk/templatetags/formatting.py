"""The formatting layer's filters, builtin in every template (see TEMPLATES in settings):
`{{ amount|money }}`, `{{ count|number }}`, `{{ share|number:1 }}`, `{{ rate|percent }}`,
`{{ monday|week }}`, `{{ at|date_time }}`, `{{ at|date_time_seconds }}`,
`{{ at|weekday_date_time }}`. Plain dates use Django's `date:"DATE_FORMAT"`. Each follows
the active language (vakwerk/formatting.py)."""

import functools
from decimal import InvalidOperation

from django import template

from vakwerk import formatting

register = template.Library()


def _safe(function):
    """A value that is not a number shows as it is, never as a 500. `wraps` lets Django see
    the filter's own arguments (it checks them through `inspect.unwrap`)."""

    @functools.wraps(function)
    def apply(value, *args):
        try:
            return function(value, *args)
        except (InvalidOperation, TypeError, ValueError, AttributeError):
            return value

    return apply


@register.filter
@_safe
def money(value):
    return formatting.money(value)


@register.filter
@_safe
def number(value, places=None):
    return formatting.number(value, None if places in (None, "") else int(places))


@register.filter
@_safe
def percent(value):
    return formatting.percent(value)


@register.filter
@_safe
def week(value):
    return formatting.week(value)


@register.filter
@_safe
def date_time(value):
    return formatting.date_time(value)


@register.filter
@_safe
def date_time_seconds(value):
    return formatting.date_time(value, seconds=True)


@register.filter
@_safe
def weekday_date_time(value):
    return formatting.weekday_date_time(value)
