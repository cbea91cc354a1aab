"""The net effect's comparison pools, stored by a background job and read by the pages.

A manager must see the same net effect whether the pools were stored or not, and never a
figure from pools of a register that has changed since: the stored pools are read only
under the fingerprint of the register as it stands (snapshots, and the participants linked
to register people with their enrolment dates and comparison-group flags), however the
change was made. The data are test_net_effect's generated municipality."""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from participants.models import Participant
from participants.register import selectors, services
from participants.register.models import ComparisonPool, RegisterSnapshot
from tests.participants.register.generated_register import (
    AS_OF,
    SECOND_SNAPSHOT,
    generate,
    independent_estimate,
    load,
    snapshot_rows,
)
from vakwerk.models import User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def figures(municipality, as_of=AS_OF):
    """The net effect's rows, and whether the pools were computed on the way (the heavy
    query over the register) rather than read."""
    with CaptureQueriesContext(connection) as queries:
        effects = selectors.net_effects(municipality, as_of)
    computed = any("WITH keys" in query["sql"] for query in queries.captured_queries)
    return [vars(row) for row in effects.rows], computed


@pytest.fixture
def municipality():
    people = generate(3)
    municipality = load(3, people)
    municipality.people = people
    return municipality


def test_stored_pools_give_the_same_net_effect_without_the_register_query(municipality):
    before, computed = figures(municipality)
    assert computed
    assert services.refresh_comparison_pools(municipality.pk) > 0
    after, computed = figures(municipality)
    assert not computed
    assert after == before
    expected = independent_estimate(municipality.people)
    (row,) = [row for row in after if row["follow_up"] == 6 and row["dimension"] == "total"]
    assert row["difference"] == pytest.approx(expected["difference"], abs=1e-12)
    # Nothing changed: a second run finds every pool stored and computes none.
    assert services.refresh_comparison_pools(municipality.pk) == 0


def test_each_stored_pool_equals_the_computed_one_also_for_a_later_as_of_date(municipality):
    services.refresh_comparison_pools(municipality.pk)
    stored, _fingerprint = selectors.stored_pools(municipality.pk, SECOND_SNAPSHOT)
    assert stored
    # The pools depend on the date only through the snapshots known by then.
    for as_of in (SECOND_SNAPSHOT, AS_OF, AS_OF + datetime.timedelta(days=400)):
        computed = selectors.compute_pools(municipality.pk, as_of, set(stored))
        assert computed == {stratum: pool for stratum, pool in stored.items() if pool}
    assert any(pool is None for pool in stored.values()) or len(stored) == len(computed)


@pytest.mark.parametrize(
    "change",
    [
        # Bulk updates pass no model code: the fingerprint must see them all the same.
        lambda participant: Participant.objects.filter(pk=participant.pk).update(
            enrolled_on=participant.enrolled_on + datetime.timedelta(days=200)
        ),
        lambda participant: Participant.objects.filter(pk=participant.pk).update(
            in_comparison_group=True
        ),
        lambda participant: participant.register_entries.update(participant=None),
    ],
    ids=["enrolment date", "comparison group", "link to the register"],
)
def test_a_changed_participant_makes_the_pages_compute_until_the_job_ran(municipality, change):
    services.refresh_comparison_pools(municipality.pk)
    # A participant who is also someone else's comparison: in the pool of strata whose
    # follow-up lies before their (changed) enrolment.
    linked = Participant.objects.filter(
        municipality=municipality, register_entries__isnull=False
    ).first()
    change(linked)
    after_change, computed = figures(municipality)
    assert computed, "pools of the register before the change were read"
    # The same figures as with nothing stored at all.
    ComparisonPool.objects.filter(municipality=municipality).delete()
    assert figures(municipality) == (after_change, True)
    assert services.refresh_comparison_pools(municipality.pk) > 0
    assert figures(municipality) == (after_change, False)


def test_an_earlier_as_of_date_does_not_read_the_latest_pools(municipality):
    manager = User.objects.get(municipality=municipality, role=Role.MANAGER)
    later = SECOND_SNAPSHOT + datetime.timedelta(days=30)
    services.import_snapshot(manager, later, snapshot_rows(municipality.people, later))
    # Between the second and the third snapshot: the pools as the second one knew them.
    as_of = SECOND_SNAPSHOT + datetime.timedelta(days=10)
    before, computed = figures(municipality, as_of)
    assert computed
    services.refresh_comparison_pools(municipality.pk)
    assert set(ComparisonPool.objects.values_list("known_on", flat=True)) == {later}
    assert figures(municipality, as_of) == (before, True)


def test_another_municipality_never_reads_these_pools(municipality):
    services.refresh_comparison_pools(municipality.pk)
    other = load(4, generate(4))
    before, computed = figures(other)
    assert computed
    assert ComparisonPool.objects.filter(municipality=other).count() == 0
    services.refresh_comparison_pools(other.pk)
    assert figures(other) == (before, False)
    assert figures(municipality)[1] is False


def test_a_refresh_while_another_runs_waits_for_nothing_and_stores_nothing(municipality):
    held, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [services.POOL_REFRESH_LOCK, municipality.pk],
                )
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    try:
        assert held.wait(10)
        assert services.refresh_comparison_pools(municipality.pk) is None
        assert not ComparisonPool.objects.filter(municipality=municipality).exists()
    finally:
        release.set()
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_a_new_snapshot_stores_the_pools_of_the_new_register_at_once():
    people = generate(5)
    municipality = load(5, people)
    manager = User.objects.get(municipality=municipality, role=Role.MANAGER)
    later = SECOND_SNAPSHOT + datetime.timedelta(days=30)
    # make test runs Celery tasks in-process: the refresh sent when the import commits
    # has run when the import returns.
    services.import_snapshot(manager, later, snapshot_rows(people, later))
    assert RegisterSnapshot.objects.filter(municipality=municipality).count() == 3
    known = set(
        ComparisonPool.objects.filter(municipality=municipality).values_list(
            "known_on", "fingerprint"
        )
    )
    assert len(known) == 1 and next(iter(known))[0] == later
    as_of = later + datetime.timedelta(days=10)
    stored, computed = figures(municipality, as_of)
    assert not computed
    ComparisonPool.objects.all().delete()
    assert figures(municipality, as_of) == (stored, True)
    connections.close_all()
