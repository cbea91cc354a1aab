"""Keyset pagination for long lists read newest first (a fund's ledger).

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


def keyset_page(queryset, value, size, field):
    """One page of `queryset` ordered newest first by (`field`, pk), from a token made by
    an earlier page's `newer` or `older`. One query: it fetches one row more than it
    shows to know whether there is a next page in that direction."""
    position = parse(value)
    newest_first = (f"-{field}", "-pk")
    if position is None:
        rows = list(queryset.order_by(*newest_first)[: size + 1])
        more_older, more_newer = len(rows) > size, False
        rows = rows[:size]
    elif position[0] == OLDER:
        _direction, moment, pk = position
        # The redundant `<=` lets PostgreSQL seek in the index; the OR alone it would scan.
        before = Q(**{f"{field}__lte": moment}) & (
            Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk})
        )
        rows = list(queryset.filter(before).order_by(*newest_first)[: size + 1])
        more_older, more_newer = len(rows) > size, True
        rows = rows[:size]
    else:
        _direction, moment, pk = position
        after = Q(**{f"{field}__gte": moment}) & (
            Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk})
        )
        rows = list(queryset.filter(after).order_by(field, "pk")[: size + 1])
        more_older, more_newer = True, len(rows) > size
        rows = rows[:size][::-1]
    if not rows:
        return KeysetPage([])
    first, last = rows[0], rows[-1]
    return KeysetPage(
        rows,
        newer=token(NEWER, getattr(first, field), first.pk) if more_newer else None,
        older=token(OLDER, getattr(last, field), last.pk) if more_older else None,
    )
