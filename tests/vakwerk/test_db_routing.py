"""The read replica's router (vakwerk/db_routing.py), rule by rule: where a read and a write
go inside and outside a replica scope, read-your-writes, select_for_update, and the pin a
POST that wrote puts on the browser's next requests. The test settings keep the router off;
these tests switch it on. A real standby: tests/vakwerk/test_replica.py."""

import pytest
from django.db import connections, router
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from evaluation.dashboards.models import EvaluationSession
from funding import savings
from funding.models import SavingsAssumptions
from participants.models import Participant
from vakwerk import db_routing
from vakwerk.db_routing import (
    PIN_COOKIE,
    PRIMARY,
    REPLICA,
    ReplicaPinMiddleware,
    read_connection,
    read_transaction,
    reads_from_replica,
    replica_reads,
    unit_of_work,
)
from vakwerk.roles import Role

ROUTER = "vakwerk.db_routing.PrimaryReplicaRouter"


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = [ROUTER]


def read():
    return router.db_for_read(Participant)


def test_without_the_router_every_read_stays_on_the_primary(settings):
    assert settings.DATABASE_ROUTERS == []
    with replica_reads():
        assert not reads_from_replica()
        assert read() == PRIMARY
        assert read_connection().alias == PRIMARY


def test_reads_go_to_the_replica_only_inside_a_scope(routed):
    assert read() == PRIMARY
    assert read_connection().alias == PRIMARY
    with replica_reads():
        assert read() == REPLICA
        assert Participant.objects.filter(pk=1).db == REPLICA
        assert read_connection().alias == REPLICA
    assert read() == PRIMARY


def test_a_scope_is_also_a_decorator(routed):
    @replica_reads()
    def figures():
        return read()

    assert figures() == REPLICA
    assert read() == PRIMARY


def test_writes_go_to_the_primary_and_keep_the_scope_s_later_reads_there(routed):
    with replica_reads():
        assert read() == REPLICA
        assert router.db_for_write(Participant) == PRIMARY
        assert read() == PRIMARY
        # Also in a scope within it, and for raw SQL.
        with replica_reads():
            assert read() == PRIMARY
            assert read_connection().alias == PRIMARY
    # A new piece of work outside any request starts afresh.
    with replica_reads():
        assert read() == REPLICA


def test_select_for_update_locks_on_the_primary_and_pins_the_scope(routed):
    with replica_reads():
        assert Participant.objects.select_for_update().filter(pk=1).db == PRIMARY
        assert Participant.objects.filter(pk=1).db == PRIMARY
    with replica_reads():
        assert Participant.objects.get_queryset().db == REPLICA
        # get_or_create and update_or_create read to write: Django routes them as writes.
        assert router.db_for_write(Participant) == PRIMARY


def test_a_request_that_wrote_reads_from_the_primary_in_its_later_scopes(routed):
    with unit_of_work() as request:
        with replica_reads():
            assert read() == REPLICA
        router.db_for_write(Participant)
        assert request.wrote
        with replica_reads():
            assert read() == PRIMARY


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_there(routed):
    # pytest-django's transaction is open: what it wrote is not on any replica.
    with unit_of_work() as unit, replica_reads():
        assert read() == PRIMARY
        assert unit.wrote


def test_an_object_read_from_the_replica_is_saved_on_the_primary(routed):
    participant, session = Participant(), EvaluationSession()
    participant._state.db = REPLICA
    session._state.db = PRIMARY
    with replica_reads():
        assert router.db_for_write(Participant, instance=participant) == PRIMARY
    assert router.allow_relation(participant, session)
    elsewhere = EvaluationSession()
    elsewhere._state.db = "elsewhere"
    assert not router.allow_relation(participant, elsewhere)
    # Outside a scope its relations are read from the primary, not where it came from.
    assert router.db_for_read(Participant, instance=participant) == PRIMARY
    assert router.allow_migrate(REPLICA, "participants") is False
    assert router.allow_migrate(PRIMARY, "participants") is True


def _through_middleware(method, cookies=None, writes=False):
    """A request through ReplicaPinMiddleware to a view that reads in a replica scope (and
    writes first when asked); returns the response and where the view's read went."""
    seen = {}

    def view(request):
        if writes:
            router.db_for_write(Participant)
        with replica_reads():
            seen["read"] = read()
        return HttpResponse()

    request = getattr(RequestFactory(), method)("/")
    request.COOKIES.update(cookies or {})
    return ReplicaPinMiddleware(view)(request), seen["read"]


def test_a_post_that_wrote_pins_the_browser_to_the_primary_for_a_few_seconds(routed, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 7
    response, read_by_view = _through_middleware("post", writes=True)
    assert read_by_view == PRIMARY
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 7
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # The browser's next request, with the cookie, reads from the primary in its scopes;
    # one without it (or after it expired) from the replica.
    assert _through_middleware("get", cookies={PIN_COOKIE: "1"})[1] == PRIMARY
    assert _through_middleware("get")[1] == REPLICA


def test_no_pin_after_a_post_that_wrote_nothing_or_a_get(routed):
    response, read_by_view = _through_middleware("post")
    assert read_by_view == REPLICA
    assert PIN_COOKIE not in response.cookies
    # A GET may write (the session's expiry, an audit entry): no reason to pin.
    response, _read = _through_middleware("get", writes=True)
    assert PIN_COOKIE not in response.cookies


def test_no_pin_without_the_router():
    response, read_by_view = _through_middleware("post", writes=True)
    assert read_by_view == PRIMARY
    assert PIN_COOKIE not in response.cookies


@pytest.mark.django_db
def test_a_manager_who_changes_an_assumption_is_pinned_to_the_primary(routed, login, make_user):
    manager = make_user(Role.MANAGER)
    current = savings.default_assumptions(manager.municipality)
    data = {name: getattr(current, name) for name in savings.ASSUMPTION_FIELDS}
    data.update(remaining_duration_years="3", note="Drie jaar.")
    client = login(manager)
    response = client.post(reverse("funding:savings"), data)
    assert response.status_code == 302
    assert SavingsAssumptions.objects.current(manager.municipality).note == "Drie jaar."
    assert response.cookies[PIN_COOKIE]["max-age"] == db_routing.pin_seconds()
    # The dashboard it goes to next is read with the pin.
    assert client.cookies[PIN_COOKIE].value == "1"


def test_settings_add_the_replica_only_when_its_url_is_set(monkeypatch):
    from vakwerk.settings.base import with_replica

    primary = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "vakwerk",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    databases = {"default": primary}
    assert with_replica(databases, []) == []
    assert list(databases) == ["default"]

    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://app@standby.example:5433/vakwerk")
    assert with_replica(databases, []) == [ROUTER]
    replica = databases["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == (
        "standby.example",
        5433,
        "vakwerk",
    )
    # Connected like the primary; a test run makes no database on it.
    assert replica["OPTIONS"]["options"] == "-c jit=off"
    assert (replica["CONN_MAX_AGE"], replica["CONN_HEALTH_CHECKS"]) == (60, True)
    assert replica["TEST"] == {"MIRROR": "default"}


@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_a_streamed_read_takes_its_transaction_where_its_reads_go(routed):
    # One snapshot for the whole export, on the server the rows come from: a transaction on
    # the primary would also pull the scope's reads back there.
    with replica_reads(), read_transaction():
        assert connections[REPLICA].in_atomic_block
        assert not connections[PRIMARY].in_atomic_block
        assert read() == REPLICA
        assert read_connection().alias == REPLICA
    with read_transaction():
        assert connections[PRIMARY].in_atomic_block
        assert not connections[REPLICA].in_atomic_block
        assert read() == PRIMARY
    # A unit that wrote reads, and so streams, from the primary, also inside a scope.
    with replica_reads():
        router.db_for_write(Participant)
        with read_transaction():
            assert connections[PRIMARY].in_atomic_block
            assert not connections[REPLICA].in_atomic_block
