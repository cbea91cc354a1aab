"""The demo, seeded once per pytest-xdist worker for the tests that read it (issue 19, 4).

A test that asks for the ``demo`` fixture runs on a PostgreSQL database that holds the seeded
demo instead of the worker's empty test database:

* an ordinary test (``django_db``) on the worker's demo database itself, inside
  pytest-django's transaction, rolled back afterwards: no test sees another's writes;
* a transactional test (``transactional_db``, ``live_server``: a browser or another thread
  writes and commits) on a fresh copy, ``CREATE DATABASE ... TEMPLATE`` of the demo
  database (a file copy, well under a second), dropped afterwards.

The demo database itself is made once per worker and clock: a copy of the migrated, empty
test database (taken at the start of the session, before any test or live server connects to
it: a copy must first disconnect everyone from its source), seeded with ``seed_demo``
(committed, as ``make run`` does). A test module
that pins the clock (time_machine) gets a demo seeded at that moment, as it did when each test
seeded its own; tests with the real clock share one seeded at the real clock.

The files the seed writes (the demo's reports and exports) are copied into each test's own
private storage folder, so that a test may read and add files without touching another's.
"""

import io
import itertools
import shutil
import time
from contextlib import contextmanager

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connections
from django.test import override_settings

# The one place the suite seeds its shared demo.
SEED_COMMAND = "seed_demo"

_demo_databases = {}  # clock key -> (database name, folder of its private files)
_blank = []  # the name of the worker's copy of its migrated, empty test database
_copies = itertools.count(1)


def _default():
    return connections["default"]


def _quote(name):
    return _default().ops.quote_name(name)


def _maintenance(sql, *params):
    """Runs a statement on the server's maintenance database (CREATE/DROP DATABASE cannot
    run inside a transaction or while connected to the database itself)."""
    with _default()._nodb_cursor() as cursor:
        cursor.execute(sql, params or None)


def _disconnect_everyone_from(name):
    # This thread's connection, and any left by a live server's or a worker's thread.
    connections.close_all()
    _maintenance(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        name,
    )


def copy_database(template, name):
    """``name`` as a file copy of ``template`` (which nobody may be connected to)."""
    for attempt in range(20):
        _disconnect_everyone_from(template)
        try:
            _maintenance(f"CREATE DATABASE {_quote(name)} TEMPLATE {_quote(template)}")
            return
        except OperationalError:
            # A connection arrived between the termination and the copy: try again.
            if attempt == 19:
                raise
            time.sleep(0.1)


def drop_database(name):
    connections.close_all()
    _maintenance(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")


@contextmanager
def connected_to(name):
    """Every connection made meanwhile (this thread's, a live server's threads') goes to
    database ``name``; the settings dict is shared by the threads' connections. The test
    mirrors of the primary (the read replica's alias) follow: on a real standby the copy
    arrives by replication."""
    settings_dicts = [_default().settings_dict] + [
        connections[alias].settings_dict
        for alias in connections
        if connections[alias].settings_dict["TEST"].get("MIRROR") == "default"
    ]
    originals = [settings_dict["NAME"] for settings_dict in settings_dicts]
    connections.close_all()
    for settings_dict in settings_dicts:
        settings_dict["NAME"] = name
    try:
        yield
    finally:
        connections.close_all()
        for settings_dict, original in zip(settings_dicts, originals, strict=True):
            settings_dict["NAME"] = original


def _clock_key():
    if time_machine.escape_hatch.is_travelling():
        # A pinned clock: the demo as seeded at that moment.
        from django.utils import timezone

        return timezone.now().isoformat(timespec="minutes")
    return "real clock"


def _seeded_demo(tmp_path_factory):
    """(database, files folder) of the demo for the current clock; seeded on first use."""
    key = _clock_key()
    if key not in _demo_databases:
        blank = _blank[0]
        name = f"{blank.removesuffix('_blank')}_demo{len(_demo_databases) + 1}"
        files = tmp_path_factory.mktemp("demo-files")
        drop_database(name)
        copy_database(blank, name)
        private = settings.STORAGES["private"]
        storages = {**settings.STORAGES, "private": {
            **private, "OPTIONS": {**private.get("OPTIONS", {}), "location": files},
        }}  # fmt: skip
        with override_settings(STORAGES=storages), connected_to(name):
            call_command(SEED_COMMAND, stdout=io.StringIO())
        _demo_databases[key] = (name, files)
    return _demo_databases[key]


# Autouse: taken before any test or live server connects to the worker's database.
@pytest.fixture(scope="session", autouse=True)
def blank_database(django_db_setup, django_db_blocker):
    """Copies the worker's migrated, empty test database while nothing else is connected to
    it. Seeding later from the working database itself would have to disconnect everyone
    from it, a live server's thread or a test's own connection included."""
    if not _default().settings_dict["NAME"].startswith("test_"):
        # pytest-django made no test database: none of the tests run needs one.
        yield
        return
    with django_db_blocker.unblock():
        name = f"{_default().settings_dict['NAME']}_blank"
        drop_database(name)
        copy_database(_default().settings_dict["NAME"], name)
        _blank.append(name)
    yield
    with django_db_blocker.unblock():
        drop_database(name)
        _blank.clear()


@pytest.fixture(scope="session")
def _demo_databases_dropped(blank_database, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        for name, _files in _demo_databases.values():
            drop_database(name)
        _demo_databases.clear()


def _is_transactional(request):
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        or {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture
def demo(request, _demo_databases_dropped, django_db_blocker, tmp_path_factory):
    """The seeded demo in the database, as described at the top of this module."""
    # The module's pinned clock (if any) first: the demo is the one seeded at that moment.
    if "pinned_clock" in request.fixturenames:
        request.getfixturevalue("pinned_clock")
    # The test's own private storage folder (conftest's, or the module's private_storage),
    # to copy the demo's files into.
    request.getfixturevalue("_private_storage")
    if "private_storage" in request.fixturenames:
        request.getfixturevalue("private_storage")
    with django_db_blocker.unblock():
        name, files = _seeded_demo(tmp_path_factory)
        if _is_transactional(request):
            copy = f"{name}_{next(_copies)}"
            copy_database(name, copy)
            name = copy
        else:
            copy = None
    shutil.copytree(files, settings.STORAGES["private"]["OPTIONS"]["location"], dirs_exist_ok=True)
    with connected_to(name):
        yield
    if copy is not None:
        with django_db_blocker.unblock():
            drop_database(copy)


@contextmanager
def demo_copy(django_db_blocker, tmp_path_factory):
    """For a module-scoped server over the demo: a fresh copy of the real-clock demo that
    every connection uses until the block ends; the files folder is yielded."""
    with django_db_blocker.unblock():
        name, files = _seeded_demo(tmp_path_factory)
        copy = f"{name}_{next(_copies)}"
        copy_database(name, copy)
    try:
        with connected_to(copy):
            yield files
    finally:
        with django_db_blocker.unblock():
            drop_database(copy)


# pytest-django's autouse fixtures open the test's transaction (or, for a live server, make
# it transactional) before any fixture the test asks for. The demo's database must be
# switched to before that, so `demo` is moved in front of them.
DB_SETUP_FIXTURES = ("_django_db_marker", "_live_server_helper")


def demo_before_database_setup(items):
    for item in items:
        if getattr(item, "_fixtureinfo", None) is None or "demo" not in item.fixturenames:
            continue
        # Parametrized items share one list: move it once.
        closure = item._fixtureinfo.names_closure
        first = min(closure.index(n) for n in DB_SETUP_FIXTURES if n in closure)
        if closure.index("demo") > first:
            closure.remove("demo")
            closure.insert(first, "demo")
