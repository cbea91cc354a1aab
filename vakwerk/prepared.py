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
a date or a time that was not passed in (today's date in a filter) is refused, and a
value that does not end up as one parameter of its own is refused too: both raise
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

# Shapes kept per process: a few per page and per user; the oldest are dropped first.
MAX_SHAPES = 2048

# Stand-ins for the per-call values: integers no id reaches, each used once per build.
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


class _Shape:
    def __init__(self, compiler, sql, params, slots):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        # (position in params, name of the value) for every per-call value.
        self.slots = slots

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


class _EmptyShape:
    """A queryset that selects nothing whatever the values (`.none()`, a scope without
    rows): Django answers it without a query."""


def _compile(key, build, names, using):
    stand_ins = {name: _STAND_IN_BASE - next(_stand_ins) for name in names}
    queryset = build(**stand_ins)
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return queryset, _EmptyShape()
    by_value = {value: name for name, value in stand_ins.items()}
    slots = []
    for position, param in enumerate(params):
        if isinstance(param, int) and param in by_value:
            slots.append((position, by_value[param]))
        elif isinstance(param, (datetime.date, datetime.time)):
            raise ImproperlyConfigured(
                f"prepared query {key!r}: its SQL holds {param!r}, a date that was not "
                "passed in; pass it as a value or leave the query unprepared."
            )
    missing = set(names) - {name for _position, name in slots}
    if missing:
        raise ImproperlyConfigured(
            f"prepared query {key!r}: {sorted(missing)} did not end up as parameters."
        )
    # The compiler is kept with what the iterables read after running it (the selected
    # columns, the related models' layout, the annotations' positions).
    return queryset, _Shape(compiler, sql, params, slots)


def rows(key, build, **values):
    """The rows of `build(**values)` as a list (model instances, or whatever its
    `.values()` / `.values_list()` gives). `build` is called once per `key` and database
    alias, with stand-ins for `values`."""
    shape_key = (key, getattr(build, "__code__", build), tuple(sorted(values)))
    using = _alias(shape_key, build, values)
    full_key = (*shape_key, using)
    with _lock:
        entry = _shapes.get(full_key)
        if entry is not None:
            _shapes.move_to_end(full_key)
    if entry is None:
        entry = _compile(key, build, tuple(values), using)
        with _lock:
            _shapes[full_key] = entry
            while len(_shapes) > MAX_SHAPES:
                _shapes.popitem(last=False)
    template, shape = entry
    if isinstance(shape, _EmptyShape):
        return []
    queryset = template._chain()
    queryset._db = using
    compiler = shape.compiler_for(using, values)
    queryset.query.get_compiler = lambda using=None, connection=None, elide_empty=True: compiler
    return list(queryset)


def _alias(shape_key, build, values):
    """The alias the router sends this read to (the replica inside a replica scope)."""
    # The router asks for the model, which is the same at every call of a shape.
    model = _models.get(shape_key)
    if model is None:
        model = build(**{name: _STAND_IN_BASE for name in values}).model
        _models[shape_key] = model
    return router.db_for_read(model)


_models = {}


def clear():
    """Forget every shape (tests that change what a key stands for)."""
    with _lock:
        _shapes.clear()
        _models.clear()
