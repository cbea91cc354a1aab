"""Reads from a PostgreSQL streaming replica, only where that is safe (issue 23, point 2).

With DATABASE_REPLICA_URL set, settings add the database alias "replica" and this router.
A standby lags its primary by a little (usually milliseconds, seconds under load), so the
router is strict:

- Everything goes to the primary ("default") unless the code runs inside `replica_reads()`,
  an explicit scope put around read-only heavy work: the dashboards, the report PDFs'
  figures, the research exports' tables, the benchmark and comparison figures.
- Every write goes to the primary, and so does every read that locks (select_for_update,
  get_or_create: Django routes those as writes).
- Read your writes: once the unit of work wrote (a request, or the outermost scope when
  there is no request), or while a transaction is open on the primary, every later read of
  that unit stays on the primary, also inside a scope.
- Across requests: a POST (any unsafe method) that wrote sets a short-lived cookie; the
  browser's next requests within DATABASE_REPLICA_PIN_SECONDS read from the primary, so a
  manager who changes an assumption and is redirected to the dashboard sees the change
  whatever the replica's lag. A cookie, not the session: it costs no write and works on
  every app node; forging it only sends one's own reads to the primary.

A scope outside a request (a Celery task) starts a unit of its own: the task's own rows
(the report or export it is making) were written before it and must be read outside the
scope or with `.using("default")`. Raw SQL picks its connection with `read_connection()`,
and a streamed read its transaction with `read_transaction()`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
# The cookie that pins a browser to the primary after a write.
PIN_COOKIE = "vakwerk_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class _Unit:
    """One unit of work: a request, or a scope that runs outside any request."""

    __slots__ = ("pinned", "replica_scopes", "wrote")

    def __init__(self, pinned=False):
        self.pinned = pinned  # a recent write of this browser: no replica at all
        self.wrote = False
        self.replica_scopes = 0


_unit = ContextVar("vakwerk_db_unit", default=None)


def replica_configured():
    """Whether the replica is in use: its alias and this router are configured (the test
    settings keep the alias as a mirror of the primary, and the router off)."""
    return REPLICA in settings.DATABASES and any(
        isinstance(entry, PrimaryReplicaRouter) for entry in router.routers
    )


@contextmanager
def unit_of_work(pinned=False):
    """A request (ReplicaPinMiddleware) or another whole piece of work whose writes later
    reads must see; yields the unit, whose `wrote` says whether it wrote."""
    token = _unit.set(_Unit(pinned))
    try:
        yield _unit.get()
    finally:
        _unit.reset(token)


@contextmanager
def replica_reads():
    """Reads in this block may come from the replica (see the module's docstring); also a
    decorator. Only around code that reads what others wrote, not what it wrote itself."""
    unit = _unit.get()
    if unit is None:
        with unit_of_work() as unit, _scope(unit):
            yield
    else:
        with _scope(unit):
            yield


@contextmanager
def _scope(unit):
    unit.replica_scopes += 1
    try:
        yield
    finally:
        unit.replica_scopes -= 1


def reads_from_replica():
    """Whether a read made now goes to the replica."""
    unit = _unit.get()
    if unit is None or not unit.replica_scopes or unit.pinned or unit.wrote:
        return False
    if not replica_configured():
        return False
    if connections[PRIMARY].in_atomic_block:
        # A transaction on the primary may hold uncommitted writes the replica never sees;
        # its reads, and (as after any write) the unit's later ones, stay on the primary.
        unit.wrote = True
        return False
    return True


def note_write():
    unit = _unit.get()
    if unit is not None:
        unit.wrote = True


def read_connection():
    """The connection raw SQL that only reads should use: the replica's inside a scope
    that may use it, else the primary's."""
    return connections[REPLICA if reads_from_replica() else PRIMARY]


def read_transaction():
    """A transaction for a long read (a streamed export or CSV, a disclosure measurement),
    opened on the connection its reads go to: the replica's inside a scope that may use it,
    else the primary's. It gives the whole read one consistent snapshot, and the
    server-side cursors of `.iterator()` and `chunked_cursor()` stream inside it (outside
    one Django declares them WITH HOLD, which PostgreSQL materialises whole and PgBouncer's
    transaction mode does not keep). On the primary inside a scope, it would hold the
    scope's reads there (see `reads_from_replica`)."""
    return transaction.atomic(using=read_connection().alias)


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry when a replica is configured (vakwerk/settings/base.py)."""

    def db_for_read(self, model, **hints):
        # Always an answer: without one, Django would read an instance's relations from
        # the database it came from, and an object read in a scope would drag its later
        # reads outside the scope to the replica.
        return REPLICA if reads_from_replica() else PRIMARY

    def db_for_write(self, model, **hints):
        note_write()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows: an object read from the replica may refer to one from the primary.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The standby is read-only; it gets the schema by replication.
        return False if db == REPLICA else None


def pin_seconds():
    return settings.DATABASE_REPLICA_PIN_SECONDS


class ReplicaPinMiddleware:
    """Makes each request a unit of work, starts it pinned to the primary when the
    browser wrote a moment ago, and sets the pin after an unsafe request that wrote.
    Inert without the router: then nothing notes a write and no scope reads elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with unit_of_work(pinned=PIN_COOKIE in request.COOKIES) as unit:
            response = self.get_response(request)
        if unit.wrote and request.method not in SAFE_METHODS and replica_configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=pin_seconds(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
