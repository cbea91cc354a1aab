"""Querysets compiled once per shape: the ORM's Python, not the database, was most of a
participant page's time.

Building a queryset (filters, annotations, scoping) and compiling it to SQL costs the
same on every request, and for the participant page it cost more than running the SQL:
its own query with the network and certificate subqueries took 8 ms of Python for 2 ms
of SQL at national scale. `rows()` builds and compiles a queryset once for a shape
(the `key`: which query, and for whom) and afterwards runs the same SQL with the
request's own values put in, which is what SQLAlchemy's cached statements do too.

The values that differ per call (a participant's id) are passed by name: the queryset
is built once with a stand-in for each, and the stand-ins are looked up among the
compiled parameters. Everything else the queryset depends on must be in the key; a
user's scope is `user_scope(user)`. So that nothing goes stale, a shape whose SQL holds
a date or a time that is not in its key (today's date in a filter) is refused, and so is
a value that does not end up as one parameter of its own: both raise
`ImproperlyConfigured` on the first call, in the tests.

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

# Shapes kept per process (a few per page and user, and one per filter a user tries);
# the least recently used go first.
MAX_SHAPES = 4096

# Stand-ins for the per-call values: integers no id reaches, each used once.
_STAND_IN_BASE = -(2**62)
_stand_ins = itertools.count()

_shapes = OrderedDict()
_lock = threading.Lock()


def user_scope(user):
    """What a model's `for_user(user)` reads of the user: part of every key of a scoped
    queryset."""
    if not user.is_authenticated:
        return ("anonymous",)
    return (user.pk, user.role, user.municipality_id, user.is_active)


class _Compiled:
    """One shape's SQL on one database alias, and the compiler that made it (it keeps
    what the iterables read after running it: the selected columns, the related models'
    layout, the annotations' positions)."""

    def __init__(self, compiler, sql, params, slots):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots  # (position in params, name of the value)

    def compiler_for(self, using, values):
        params = list(self.params)
        for position, name in self.slots:
            params[position] = values[name]
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
    def __init__(self, key, queryset, stand_ins):
        self.key = key if isinstance(key, tuple) else (key,)
        self.queryset = queryset  # built with the stand-ins
        self.stand_ins = stand_ins
        self.compiled = {}  # by alias

    def compile(self, using):
        compiler = self.queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _EMPTY
        names = {value: name for name, value in self.stand_ins.items()}
        slots = []
        for position, param in enumerate(params):
            if isinstance(param, int) and param in names:
                slots.append((position, names[param]))
            elif isinstance(param, (datetime.date, datetime.time)) and param not in self.key:
                raise ImproperlyConfigured(
                    f"prepared query {self.key!r}: its SQL holds {param!r}, a date that is "
                    "not in its key; pass it in the key or leave the query unprepared."
                )
        missing = set(self.stand_ins) - {name for _position, name in slots}
        if missing:
            raise ImproperlyConfigured(
                f"prepared query {self.key!r}: {sorted(missing)} did not end up as parameters."
            )
        return _Compiled(compiler, sql, params, slots)


def _shape(key, build, names):
    shape_key = (key, getattr(build, "__code__", build), names)
    with _lock:
        shape = _shapes.get(shape_key)
        if shape is not None:
            _shapes.move_to_end(shape_key)
            return shape
    stand_ins = {name: _STAND_IN_BASE - next(_stand_ins) for name in names}
    shape = _Shape(key, build(**stand_ins), stand_ins)
    with _lock:
        _shapes[shape_key] = shape
        while len(_shapes) > MAX_SHAPES:
            _shapes.popitem(last=False)
    return shape


def rows(key, build, **values):
    """The rows of `build(**values)` as a list (model instances, or whatever its
    `.values()` / `.values_list()` gives). `build` runs once per `key`, with stand-ins
    for `values`; its SQL is compiled once per database alias the router sends it to (the
    replica inside a replica scope)."""
    shape = _shape(key, build, tuple(sorted(values)))
    using = router.db_for_read(shape.queryset.model)
    compiled = shape.compiled.get(using)
    if compiled is None:
        compiled = shape.compiled[using] = shape.compile(using)
    if compiled is _EMPTY:
        return []
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
    compiled once per shape: `build()` gives the queryset, `key` says everything it
    depends on (the user's scope, the filters, the sort). `count()` gives the same rows
    without what only the list shows (the annotations and their joins), which its COUNT
    does not need: Django's own count() leaves them out too."""

    def __init__(self, key, build, count=None):
        self.key = key
        self.build = build
        self.counted = count or build

    def count(self):
        found = rows((*self.key, "count"), lambda: totals(self.counted(), count=Count("pk")))
        return found[0]["count"] if found else 0

    def __getitem__(self, index):
        start, stop = index.start, index.stop
        return rows((*self.key, start, stop), lambda: self.build()[start:stop])


def clear():
    """Forget every shape (tests that change what a key stands for)."""
    with _lock:
        _shapes.clear()
