import logging
import time
import traceback

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLWrapper

from tests import demo_database
from tests.demo_database import (  # noqa: F401 (fixtures)
    _demo_databases_dropped,
    blank_database,
    demo,
)
from tests.vakwerk.factories import MunicipalityFactory, UserFactory
from vakwerk.roles import Role

# Facts that show on what the suite really ran; printed at the end of the run.
EVIDENCE = []


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return [
        f"database: {db['ENGINE']} at {db.get('HOST') or '(file)'}:{db.get('PORT') or ''}",
        f"celery broker: {settings.CELERY_BROKER_URL}",
    ]


_STARTED = time.monotonic()


def pytest_terminal_summary(terminalreporter):
    if EVIDENCE:
        terminalreporter.section("what the suite ran on")
        for line in dict.fromkeys(EVIDENCE):
            terminalreporter.write_line(line)
    _parallel_gain(terminalreporter)


def _parallel_gain(terminalreporter):
    """What the parallel run saved: the tests' own time (set-up, run, tear-down, summed over
    the workers) is what one process would need at least; set beside the wall time."""
    workers = getattr(terminalreporter.config.option, "numprocesses", None)
    reports = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) in ("setup", "call", "teardown")
    ]
    if not workers or not reports:
        return
    serial = sum(report.duration for report in reports)
    wall = time.monotonic() - _STARTED
    terminalreporter.section("parallel run")
    terminalreporter.write_line(
        f"the tests' own time {serial:.0f} s (one process needs at least this), "
        f"wall time {wall:.0f} s on {workers} workers: {serial / wall:.2f}x"
    )


def pytest_sessionfinish(session):
    # Under pytest-xdist the tests run in worker processes: each hands its evidence to the
    # controller, which prints the summary.
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["evidence"] = list(EVIDENCE)


def pytest_testnodedown(node, error):
    EVIDENCE.extend(getattr(node, "workeroutput", {}).get("evidence", []))


# The longest tests first, so that the pytest-xdist workers finish together instead of one
# starting a minute-long browser walk when the other has nothing left.
LONGEST_FIRST = ("tests/e2e/test_responsive.py", "tests/e2e/test_accessibility.py", "tests/e2e/")


def _longest_first(item):
    for rank, prefix in enumerate(LONGEST_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(items):
    items.sort(key=_longest_first)
    demo_database.demo_before_database_setup(items)


@pytest.fixture
def evidence():
    return EVIDENCE


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path_factory):
    # Reports and exports written by tests land in a temporary folder, not the work tree.
    storages = {**settings.STORAGES}
    storages["private"] = {
        **storages["private"],
        "OPTIONS": {"location": tmp_path_factory.mktemp("private"), "base_url": None},
    }
    settings.STORAGES = storages


@pytest.fixture(autouse=True)
def _clear_cache():
    # Axes counts failed logins in the cache; no test may inherit another's failures.
    cache.clear()
    yield
    cache.clear()


def _reading_form_choices():
    # Django's ModelChoiceIterator reads a select's options with .iterator().
    return any(
        frame.f_code.co_name == "__iter__" and "django/forms/" in frame.f_code.co_filename
        for frame, _line in traceback.walk_stack(None)
    )


@pytest.fixture(autouse=True)
def _streams_in_a_transaction(monkeypatch):
    """Every server-side cursor (`.iterator()`, `chunked_cursor()`) the app opens must be
    inside a transaction of the app's own, in every test: outside one Django declares it
    WITH HOLD, which PostgreSQL materialises whole and which PgBouncer in transaction mode
    breaks (README, "Connection pooling"). The transactions a test case wraps around each
    test do not count: production has none of them."""
    outside = []
    create_cursor = PostgreSQLWrapper.create_cursor

    def guarded(self, name=None):
        if (
            name
            and not any(not getattr(b, "_from_testcase", False) for b in self.atomic_blocks)
            and not _reading_form_choices()
        ):
            outside.append(name)
            raise AssertionError(
                "a server-side cursor outside a transaction: wrap the stream in "
                "transaction.atomic()"
            )
        return create_cursor(self, name)

    monkeypatch.setattr(PostgreSQLWrapper, "create_cursor", guarded)
    yield
    # Also when the app caught the error above (a job records it as failed).
    assert not outside, f"server-side cursors opened outside a transaction: {outside}"


@pytest.fixture
def municipality():
    return MunicipalityFactory(name="Gemeente A", cbs_code="0001")


@pytest.fixture
def other_municipality():
    return MunicipalityFactory(name="Gemeente B", cbs_code="0002")


@pytest.fixture
def make_user(municipality):
    def make(role=Role.CONSULTANT, municipality=municipality, **kwargs):
        if role == Role.EMPLOYER:
            return UserFactory(employer_user=True, municipality=municipality, **kwargs)
        return UserFactory(role=role, municipality=municipality, **kwargs)

    return make


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _close_worker_connections(**kwargs):
    # The embedded worker skips worker_init, so Celery's Django fixup does not close the
    # worker thread's connection; left open, it blocks dropping the test database.
    connections.close_all()


def forget_celery_connections(app):
    """Drops the app's broker pools and cached result store, so that its next send and
    result read connect to what its configuration says now."""
    app._pool = None
    app.amqp._producer_pool = None
    # A thread-safe result store is cached on the app itself (Celery 5.5+), another on the
    # thread.
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def real_worker():
    """A real Celery worker consuming from the Redis that `make test` started."""
    from vakwerk.celery import app

    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test starts a Redis"
    # The Redis of `make test`, whatever an earlier test in this process pointed the app at
    # (the durable-job tests start and stop Redis servers of their own).
    app.conf.broker_url = app.conf.result_backend = settings.CELERY_BROKER_URL
    forget_celery_connections(app)
    # The worker sets up logging; it must neither replace the root logger's handlers (they
    # mask BSNs) nor leave its own behind.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    hijack = app.conf.worker_hijack_root_logger
    app.conf.worker_hijack_root_logger = False
    app.conf.task_always_eager = False
    task_postrun.connect(_close_worker_connections)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as w:
            yield w
    finally:
        task_postrun.disconnect(_close_worker_connections)
        app.conf.task_always_eager = True
        app.conf.worker_hijack_root_logger = hijack
        root.handlers[:] = handlers
        root.setLevel(level)
