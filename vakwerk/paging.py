"""Paging helpers: the query string a page link keeps, and keyset pagination for long
lists read newest first (a fund's ledger, the audit trail).

OFFSET makes PostgreSQL read and throw away every row before the page, so the last page
of a 10,000-entry ledger costs twenty times the first. A keyset page starts after the
last row seen instead (`WHERE (booked_at, id) < (…)` on an index), at the same cost
wherever it is. The price: no page numbers, only newer and older.

A position travels as a token: direction, the timestamp in microseconds and the primary
key, e.g. `o.1795466397123456.512` ("older than"). A token that does not parse is the
first page: it only ever comes from our own links.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils.http import urlencode

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
OLDER, NEWER = "o", "n"


@dataclass
class KeysetPage:
    object_list: list
    newer: str | None = None
    older: str | None = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self):
        return bool(self.newer or self.older)


def token(direction, moment, pk):
    return f"{direction}.{(moment - EPOCH) // datetime.timedelta(microseconds=1)}.{pk}"


def parse(value):
    """(direction, moment, pk), or None for the first page."""
    try:
        direction, micros, pk = (value or "").split(".")
        if direction not in (OLDER, NEWER):
            return None
        return direction, EPOCH + datetime.timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


def query_without(request, name):
    """The request's filters for a page link, without its own paging parameter `name`."""
    return urlencode({k: v for k, v in request.GET.items() if k != name and v})


def _fetch(queryset, order, size):
    # One row more than the page shows says whether there is a page beyond it.
    rows = list(queryset.order_by(*order)[: size + 1])
    return rows[:size], len(rows) > size


def keyset_page(queryset, value, size, field):
    """One page of `queryset` ordered newest first by (`field`, pk), from a token made by
    an earlier page's `newer` or `older`: one query, wherever the page is."""
    position = parse(value)
    newest_first = (f"-{field}", "-pk")
    if position is None:
        rows, more_older = _fetch(queryset, newest_first, size)
        more_newer = False
    else:
        direction, moment, pk = position
        op = "lt" if direction == OLDER else "gt"
        # The redundant `<=` (`>=`) lets PostgreSQL seek in the index; the OR alone it
        # would scan.
        beyond = Q(**{f"{field}__{op}e": moment}) & (
            Q(**{f"{field}__{op}": moment}) | Q(**{field: moment, f"pk__{op}": pk})
        )
        if direction == OLDER:
            rows, more_older = _fetch(queryset.filter(beyond), newest_first, size)
            more_newer = True
        else:
            rows, more_newer = _fetch(queryset.filter(beyond), (field, "pk"), size)
            rows, more_older = rows[::-1], True
    if not rows:
        return KeysetPage([])
    first, last = rows[0], rows[-1]
    return KeysetPage(
        rows,
        newer=token(NEWER, getattr(first, field), first.pk) if more_newer else None,
        older=token(OLDER, getattr(last, field), last.pk) if more_older else None,
    )
