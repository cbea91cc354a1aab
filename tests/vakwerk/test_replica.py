"""The read replica for real: a PostgreSQL hot standby streaming from the test database's
server (`make test` starts it: scripts/with-test-services WITH_REPLICA=1). On the seeded
demo, committed, a manager's dashboard is read from the standby with the primary's figures;
a POST's writes, and the dashboard after it, stay on the primary while the standby lags
(its replay paused); a research export made from the standby is the file made from the
primary. Without a standby these tests fail, saying how to start one."""

import io
import os
import time
import zipfile

import pytest
from django.core.files.storage import storages
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.reports.models import ReportKind
from evaluation.reports.services import request_report
from evaluation.research.catalogue import TABLES
from evaluation.research.models import ExportFormat, ResearchProject
from evaluation.research.services import request_export
from funding import savings
from funding.models import Fund, FundKind, SavingsAssumptions
from vakwerk.db_routing import PIN_COOKIE, PRIMARY, REPLICA
from vakwerk.models import JobStatus, Programme, User

pytestmark = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])

HOW_TO = (
    "The read-replica tests need a PostgreSQL hot standby of the test database's server: run "
    "them with `make test`, or with WITH_REPLICA=1 scripts/with-test-services (which sets "
    "DATABASE_REPLICA_URL)."
)


def _scalar(alias, sql, params=None):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _on_server(alias, sql, params=None):
    # The server's maintenance database: the test database may not have reached the
    # standby yet.
    with connections[alias]._nodb_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def pause_replay(timeout=30):
    """Until the standby has stopped replaying: pg_wal_replay_pause() only asks, and on a
    busy machine the standby replayed the next write (the one the test wants it not to
    have) before it got round to pausing."""
    _on_server(REPLICA, "SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + timeout
    while _on_server(REPLICA, "SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline, "the standby did not pause"
        time.sleep(0.02)


def wait_for_replay(timeout=30):
    """Until the standby has replayed everything the primary wrote so far."""
    target = _on_server(PRIMARY, "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while not _on_server(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        assert time.monotonic() < deadline, f"the standby did not replay up to {target}"
        time.sleep(0.05)


@pytest.fixture
def standby(settings, demo):
    """The router on, over the demo on the primary and, replicated, on the standby."""
    assert os.environ.get("DATABASE_REPLICA_URL"), HOW_TO
    primary, replica = (connections[alias].settings_dict for alias in (PRIMARY, REPLICA))
    assert (replica["HOST"], replica["PORT"]) != (primary["HOST"], primary["PORT"]), HOW_TO
    assert _on_server(REPLICA, "SELECT pg_is_in_recovery()"), HOW_TO
    # The worker's database (here the test's copy of the demo), not the URL's.
    assert replica["NAME"] == primary["NAME"]
    settings.DATABASE_ROUTERS = ["vakwerk.db_routing.PrimaryReplicaRouter"]
    wait_for_replay()
    yield
    # Never leave the standby paused for the next test.
    _on_server(REPLICA, "SELECT pg_wal_replay_resume()")


def _page(client, url):
    """A page's response and the queries it made on each server."""
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get(url)
    assert response.status_code == 200
    return response, on_primary, on_replica


def _dashboard(client):
    """The Zwolle manager's dashboard; its response and the queries on each server."""
    return _page(client, reverse("evaluation:dashboard"))


def _touches_domain_tables(queries):
    return [q["sql"] for q in queries if "participants_participant" in q["sql"]]


def test_the_dashboard_is_read_from_the_standby_with_the_primary_s_figures(
    client, standby, evidence
):
    client.force_login(User.objects.get(email="manager@zwolle.example"))
    response, on_primary, on_replica = _dashboard(client)
    replica = connections[REPLICA].settings_dict
    evidence.append(
        f"read replica: the dashboard ran {len(on_replica)} queries on the hot standby at "
        f"{replica['HOST']}:{replica['PORT']} (pg_is_in_recovery), "
        f"{len(on_primary)} on the primary"
    )
    # The figures came from the standby: a server in recovery, the worker's database.
    assert len(on_replica) >= 10
    assert _touches_domain_tables(on_replica)
    assert not _touches_domain_tables(on_primary)
    assert _scalar(REPLICA, "SELECT pg_is_in_recovery()")
    assert (
        _scalar(REPLICA, "SELECT current_database()") == connections[PRIMARY].settings_dict["NAME"]
    )
    assert "€ 517.405,00" in response.content.decode()

    # The same page read from the primary alone.
    client.cookies[PIN_COOKIE] = "1"
    pinned, on_primary, on_replica = _dashboard(client)
    assert not on_replica
    assert _touches_domain_tables(on_primary)
    assert pinned.context["figures"] == response.context["figures"]
    assert pinned.context["status_counts"] == response.context["status_counts"]


def _figure_page(page):
    """A page of VAK Zwolle that shows figures, and the context entries that hold them."""
    zwolle = Programme.objects.get(name="VAK Zwolle")
    funds = Fund.objects.filter(programme=zwolle)
    if page == "programme":
        return reverse("programme_detail", args=[zwolle.pk]), ("goals", "network")
    if page == "savings":
        return reverse("funding:savings"), ("reports",)
    if page == "replenishment":
        revolving = funds.get(kind=FundKind.REVOLVING)
        return reverse("funding:replenishment", args=[revolving.pk]), ("proposal",)
    bond = funds.get(kind=FundKind.SOCIAL_IMPACT_BOND)
    return reverse("funding:bond", args=[bond.pk]), ("owed",)


@pytest.mark.parametrize("page", ["programme", "savings", "replenishment", "bond"])
def test_the_programme_and_savings_pages_read_their_figures_from_the_standby(
    client, standby, page
):
    client.force_login(User.objects.get(email="manager@zwolle.example"))
    url, figures = _figure_page(page)
    response, on_primary, on_replica = _page(client, url)
    # The figures' queries (the participants they count) went to the standby.
    assert _touches_domain_tables(on_replica)
    assert not _touches_domain_tables(on_primary)

    # Read from the primary alone (a manager who just wrote), the same figures.
    client.cookies[PIN_COOKIE] = "1"
    pinned, on_primary, on_replica = _page(client, url)
    assert not on_replica
    assert _touches_domain_tables(on_primary)
    for name in figures:
        assert pinned.context[name] == response.context[name], name


def test_after_a_post_that_wrote_the_manager_reads_the_primary_while_the_standby_lags(
    client, standby
):
    manager = User.objects.get(email="manager@zwolle.example")
    client.force_login(manager)
    pause_replay()
    current = SavingsAssumptions.objects.current(manager.municipality)
    data = {name: getattr(current, name) for name in savings.ASSUMPTION_FIELDS}
    data.update(remaining_duration_years="3", note="De besparing over drie volle jaren.")
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.post(reverse("funding:savings"), data)
        assert response.status_code == 302
        assert PIN_COOKIE in response.cookies
        # Redirected on to the dashboard: the new version's savings (3 years, not 2.5).
        page, on_primary, _on_replica = _dashboard(client)
    assert not on_replica
    assert _touches_domain_tables(on_primary)
    assert "€ 620.886,00" in page.content.decode()

    # Without the pin (it expired, or another browser) the page is read from the paused
    # standby: the old figure. The pin is what showed this manager the change.
    del client.cookies[PIN_COOKIE]
    stale, _on_primary, on_replica = _dashboard(client)
    assert on_replica
    assert "€ 517.405,00" in stale.content.decode()

    # Once the standby catches up it shows the change too.
    _on_server(REPLICA, "SELECT pg_wal_replay_resume()")
    wait_for_replay()
    fresh, _on_primary, on_replica = _dashboard(client)
    assert on_replica
    assert "€ 620.886,00" in fresh.content.decode()


def _export_members(project, researcher):
    export = request_export(researcher, project, list(TABLES), ExportFormat.CSV)
    export.refresh_from_db()
    assert export.status == JobStatus.DONE, export.error
    with storages["private"].open(export.file_name, "rb") as stored:
        archive = zipfile.ZipFile(io.BytesIO(stored.read()))
    return export, {name: archive.read(name) for name in archive.namelist()}


def test_a_research_export_from_the_standby_equals_one_from_the_primary(standby, settings):
    zwolle = Programme.objects.get(name="VAK Zwolle")
    project = ResearchProject.objects.filter(programmes=zwolle).first()
    researcher = project.researchers.first()
    wait_for_replay()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        from_replica, replica_members = _export_members(project, researcher)
    assert _touches_domain_tables(on_replica)

    settings.DATABASE_ROUTERS = []
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        from_primary, primary_members = _export_members(project, researcher)
    assert not on_replica
    assert from_replica.rows == from_primary.rows > 0
    assert sorted(replica_members) == sorted(primary_members)
    assert replica_members == primary_members


def test_a_report_s_figures_are_read_from_the_standby_and_its_row_on_the_primary(standby):
    zwolle = Programme.objects.get(name="VAK Zwolle")
    manager = User.objects.get(email="manager@zwolle.example")
    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        # In-process, the build runs when the request is committed.
        report = request_report(manager, zwolle, ReportKind.MONITORING)
    report.refresh_from_db()
    assert report.status == JobStatus.DONE
    assert storages["private"].exists(report.file_name)
    assert _touches_domain_tables(on_replica)
    # The report's own row, just written, is never read from the standby.
    assert not [q for q in on_replica if "evaluation_report" in q["sql"]]
    assert [q for q in on_primary if "evaluation_report" in q["sql"]]
