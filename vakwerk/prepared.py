"""Querysets compiled once per shape: the ORM's Python, not the database, was most of a
participant page's time.

Building a queryset (filters, annotations, scoping) and compiling it to SQL costs the
same on every request, and for the participant page it cost more than running the SQL:
its own query with the network and certificate subqueries took 8 ms of Python for 2 ms
of SQL at national scale. `rows()` builds and compiles a queryset once for a shape and
afterwards runs the same SQL with the request's own values put in, which is what
SQLAlchemy's cached statements do too.

A shape is the `key` (which query, and anything else it depends on) and, for a scoped
query, the user's role: `rows(key, build, user=user, participant_id=5)` calls
`build(user, participant_id=...)` with stand-ins for the user and the values, so one
shape serves every consultant (their id and municipality are put in like the values).
A value is an id, a date or a moment (an aware datetime, such as the start and end of a
window from now); its stand-in is of the same kind.

What keeps a shape from answering one request with another's rows: the queryset is
built twice, with two sets of stand-ins (two stand-in users that differ in every field),
and the two compiled statements must differ only where a stand-in went in; a parameter
that differs anywhere else (a value changed on the way, a user's field the scope read)
is refused, and so is a date or a time in the SQL that is not in the key (today's date
in a filter). Refusals raise `ImproperlyConfigured` on the first call, in the tests.

`rows()` returns a list, never a queryset: a queryset refined further (`.filter()`,
`.get()`) would need a new compile, and would silently run the old SQL.
"""

import copy
import datetime
import itertools
import threading
from collections import OrderedDict

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
from django.db.models import Count, Value

from .models import User

# Shapes kept per process (a few per page and role, and one per filter and page of a list
# used); the least recently used go first. A shape keeps its two built querysets, some
# 40 kB each: at most 20 MB a process.
MAX_SHAPES = 256

# Stand-ins for the per-call values, each used once: integers no id reaches, and for a
# date or a moment (a time window from now) days and microseconds in the year 1001, which
# no record of ours holds.
_STAND_IN_BASE = -(2**62)
_STAND_IN_MOMENT = datetime.datetime(1001, 1, 1, tzinfo=datetime.UTC)
_stand_ins = itertools.count()

_shapes = OrderedDict()
_lock = threading.Lock()

# The user's fields a stand-in user puts in: the scopes (`for_user`) read these.
_USER_VALUES = {"user_id": "pk", "user_municipality_id": "municipality_id"}


def _stand_in(kind=int):
    number = next(_stand_ins)
    if kind is datetime.datetime:
        return _STAND_IN_MOMENT + datetime.timedelta(microseconds=number % 10**12)
    if kind is datetime.date:
        return _STAND_IN_MOMENT.date() + datetime.timedelta(days=number % 300_000)
    return _STAND_IN_BASE - number


def _kind(value):
    """What stand-in a value needs: a date or a moment goes into the SQL as one, and an
    id as an integer."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ImproperlyConfigured(f"prepared query value {value!r} has no time zone")
        return datetime.datetime
    return datetime.date if isinstance(value, datetime.date) else int


def _adapters(connection):
    """How a value of each kind reaches the database's parameters: PostgreSQL takes dates
    and moments as they are, SQLite as text (in UTC)."""
    ops = connection.ops
    return {
        int: lambda value: value,
        datetime.datetime: ops.adapt_datetimefield_value,
        datetime.date: ops.adapt_datefield_value,
    }


class _Compiled:
    """One shape's SQL on one database alias, and the compiler that made it (it keeps
    what the iterables read after running it: the selected columns, the related models'
    layout, the annotations' positions)."""

    def __init__(self, compiler, sql, params, slots, adapters):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots  # (position in params, name of the value, its kind)
        self.adapters = adapters

    def compiler_for(self, using, values):
        params = list(self.params)
        for position, name, kind in self.slots:
            params[position] = self.adapters[kind](values[name])
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[using]
        compiler.using = using
        sql, params = self.sql, tuple(params)
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler


# A shape that selects nothing whatever the values (`.none()`, a scope without rows):
# Django answers it without a query.
_EMPTY = object()


class _Shape:
    def __init__(self, key, make, names, user):
        self.key = key
        self.names = names
        self.scoped = user is not None
        # Two builds, each with its own stand-ins: {name: stand-in} and the queryset.
        self.builds = []
        for number in (1, 2):
            stand_ins = {name: _stand_in(kind) for name, kind in names}
            stand_in_user = None
            if user is not None:
                stand_in_user = _stand_in_user(user, number)
                for name, field in _USER_VALUES.items():
                    if getattr(stand_in_user, field) is not None:
                        stand_ins[name] = getattr(stand_in_user, field)
            self.builds.append((stand_ins, make(stand_in_user, stand_ins)))
        self.queryset = self.builds[0][1]
        self.compiled = {}  # by alias

    def compile(self, using):
        results = []
        for _stand_ins, queryset in self.builds:
            compiler = queryset.query.get_compiler(using=using)
            try:
                results.append((compiler, *compiler.as_sql()))
            except EmptyResultSet:
                results.append(None)
        if results[0] is None and results[1] is None:
            return _EMPTY
        if results[0] is None or results[1] is None or results[0][1] != results[1][1]:
            self._refuse(
                "its SQL depends on the values or the user in a way that cannot be put in"
            )
        (compiler, sql, params), (_, _, other_params) = results
        adapters = _adapters(connections[using])
        kinds = dict(self.names) | dict.fromkeys(_USER_VALUES, int)
        first, second = (
            {adapters[kinds[name]](value): name for name, value in stand_ins.items()}
            for stand_ins, _queryset in self.builds
        )
        slots = []
        for position, (param, other) in enumerate(zip(params, other_params, strict=True)):
            hashable = isinstance(param, (int, str, datetime.date))
            name = first.get(param) if hashable else None
            if name is not None and second.get(other) == name:
                slots.append((position, name, kinds[name]))
            elif param != other:
                self._refuse(f"its parameter {position} ({param!r}) is not a value put in")
            elif isinstance(param, (datetime.date, datetime.time)) and param not in self.key:
                self._refuse(f"its SQL holds {param!r}, a date that is not in its key")
        found = {name for _position, name, _kind in slots}
        missing = {name for name, _kind in self.names} - found
        if missing:
            self._refuse(f"{sorted(missing)} did not end up as parameters")
        if self.scoped and not found & set(_USER_VALUES):
            # A build that scoped with the user of its closure instead of the one passed
            # in would bake that user's id into every user's SQL.
            self._refuse(
                "it was given a user but its SQL holds neither their id nor their municipality"
            )
        return _Compiled(compiler, sql, params, slots, adapters)

    def _refuse(self, why):
        raise ImproperlyConfigured(
            f"prepared query {self.key!r}: {why}; key it on what it depends on, pass it "
            "as a value, or leave the query unprepared."
        )


def _stand_in_user(user, number):
    """An unsaved user of `user`'s role and activity, with stand-ins for the id and the
    municipality (none when the user has none) and made-up names, different in each of
    a shape's two builds."""
    return User(
        pk=_stand_in(),
        role=user.role,
        is_active=user.is_active,
        municipality_id=None if user.municipality_id is None else _stand_in(),
        email=f"stand-in-{number}@prepared.invalid",
        first_name=f"Stand-in {number}",
        last_name=f"Prepared {number}",
        is_staff=number == 2,
        is_superuser=number == 2,
    )


def _shape(key, build, names, user):
    if user is None:
        scope = ()
    elif not user.is_authenticated:
        scope = ("anonymous",)
    else:
        scope = (user.role, user.is_active, user.municipality_id is None)
    shape_key = (key, getattr(build, "__code__", build), names, scope)
    with _lock:
        shape = _shapes.get(shape_key)
        if shape is not None:
            _shapes.move_to_end(shape_key)
            return shape
    if user is None:
        shape = _Shape(key, lambda _user, stand_ins: build(**stand_ins), names, None)
    elif not user.is_authenticated:
        # Anonymous users are all alike: the real one will do.
        shape = _Shape(key, lambda _user, stand_ins: build(user, **stand_ins), names, None)
    else:
        shape = _Shape(
            key,
            lambda stand_in_user, stand_ins: build(
                stand_in_user, **{name: stand_ins[name] for name, _kind in names}
            ),
            names,
            user,
        )
    with _lock:
        _shapes[shape_key] = shape
        while len(_shapes) > MAX_SHAPES:
            _shapes.popitem(last=False)
    return shape


def rows(key, build, user=None, **values):
    """The rows of `build(**values)` (with `user`: `build(user, **values)`) as a list:
    model instances, or whatever its `.values()` / `.values_list()` gives. `build` runs
    twice per shape, with stand-ins; its SQL is compiled once per database alias the
    router sends it to (the replica inside a replica scope)."""
    key = key if isinstance(key, tuple) else (key,)
    names = tuple(sorted((name, _kind(value)) for name, value in values.items()))
    shape = _shape(key, build, names, user)
    using = router.db_for_read(shape.queryset.model)
    compiled = shape.compiled.get(using)
    if compiled is None:
        compiled = shape.compiled[using] = shape.compile(using)
    if compiled is _EMPTY:
        return []
    if user is not None and user.is_authenticated:
        values = {**values, "user_id": user.pk, "user_municipality_id": user.municipality_id}
    queryset = shape.queryset._chain()
    queryset._db = using
    compiler = compiled.compiler_for(using, values)
    queryset.query.get_compiler = lambda using=None, connection=None, elide_empty=True: compiler
    return list(queryset)


def totals(queryset, **aggregates):
    """`queryset.aggregate(**aggregates)` as a queryset, for `rows()`: the same SELECT of
    aggregates over the whole queryset (grouped by a constant, which the SQL leaves out),
    one row of them as a dict; none when nothing matched and the aggregates have no
    default."""
    return (
        queryset.order_by()
        .annotate(prepared_all=Value(1))
        .values("prepared_all")
        .annotate(**aggregates)
        .values(*aggregates)
    )


class Pages:
    """What Django's Paginator asks of a queryset (its count and a slice of it), each
    compiled once per shape: `build(user)` gives the queryset, `key` says everything
    else it depends on (the filters, the sort). `count(user)` gives the same rows without
    what only the list shows (the annotations and their joins), which its COUNT does not
    need: Django's own count() leaves them out too."""

    def __init__(self, key, user, build, count=None):
        self.key = key
        self.user = user
        self.build = build
        self.counted = count or build

    def count(self):
        found = rows(
            (*self.key, "count"),
            lambda user: totals(self.counted(user), count=Count("pk")),
            user=self.user,
        )
        return found[0]["count"] if found else 0

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start, index.stop
        return rows((*self.key, start, stop), lambda user: self.build(user)[start:stop], self.user)


def clear():
    """Forget every shape (tests that change what a key stands for)."""
    with _lock:
        _shapes.clear()
