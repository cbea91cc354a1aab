"""Issue 23, 3: the app behind PgBouncer in transaction mode, as docker-compose.yml runs it.

`make test` starts PgBouncer (scripts/with-test-services, WITH_PGBOUNCER=1: transaction mode,
each transaction on the next server connection in turn). A process of its own, whose one
database is this test's copy of the demo reached through PgBouncer with
DATABASE_TRANSACTION_POOLING=true, walks the key flows (tests/vakwerk/pooled_flows.py); the
test reads PgBouncer's own statistics to show the flows went through it. With Django's own
PostgreSQL backend instead of vakwerk.pooled_postgresql, the pages opened by eight browsers at
once fail there: 'cursor "_django_curs_..." does not exist' (a select's options read through a
cursor WITH HOLD, fetched on another server connection); without DATABASE_TRANSACTION_POOLING
no connection starts at all: "unsupported startup parameter: options"."""

import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from consultants.models import CoachingSession
from evaluation.research.models import ResearchProject
from evaluation.research.tables import CHUNK_SIZE, consenting_participants
from evaluation.research.writers import write_export
from vakwerk.models import JobStatus

ROOT = Path(__file__).resolve().parents[2]


def pooled_url(database, user=None):
    url = os.environ.get("DATABASE_POOLED_URL")
    if not url:
        pytest.fail(
            "DATABASE_POOLED_URL is not set: run the suite through scripts/with-test-services "
            "with WITH_PGBOUNCER=1 (make test does), which starts PgBouncer "
            "(Debian: apt-get install pgbouncer)."
        )
    parts = urlsplit(url)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rsplit('@', 1)[-1]}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))


def transactions_through_pgbouncer(database):
    """PgBouncer's count of the transactions it passed on to `database` (its admin console)."""
    admin = pooled_url("pgbouncer", user="postgres")
    # The console speaks the simple query protocol only.
    with psycopg.connect(admin, autocommit=True, cursor_factory=psycopg.ClientCursor) as console:
        cursor = console.execute("SHOW STATS")
        names = [column.name for column in cursor.description]
        for row in cursor.fetchall():
            stats = dict(zip(names, row, strict=True))
            if stats["database"] == database:
                return stats["total_xact_count"]
    return 0


@pytest.mark.django_db(transaction=True)
def test_the_key_flows_work_through_pgbouncer_in_transaction_mode(demo, evidence):
    database = connection.settings_dict["NAME"]
    url = pooled_url(database)
    project = ResearchProject.objects.order_by("pk").first()
    programme = project.programmes.order_by("pk").first()
    # Enough coaching sessions that the export reads them in several chunks.
    people = list(consenting_participants(project).select_related("consultant")[:40])
    day = timezone.localdate() - datetime.timedelta(days=30)
    CoachingSession.objects.bulk_create(
        CoachingSession(consultant=person.consultant, participant=person, held_on=day, minutes=45)
        for person in people * (3 * CHUNK_SIZE // len(people))
        if person.consultant
    )
    sessions = CoachingSession.objects.filter(
        participant__in=consenting_participants(project)
    ).count()
    assert sessions > 2 * CHUNK_SIZE
    before = transactions_through_pgbouncer(database)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vakwerk.settings.test",
        "DATABASE_URL": url,
        "DATABASE_TRANSACTION_POOLING": "true",
        "PRIVATE_MEDIA_ROOT": str(settings.STORAGES["private"]["OPTIONS"]["location"]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.vakwerk.pooled_flows", str(project.pk), str(programme.pk)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    passed = transactions_through_pgbouncer(database) - before

    # Through PgBouncer to this server, with what pooling needs.
    assert seen["client_port"] == urlsplit(url).port
    assert seen["server_port"] == int(connection.settings_dict["PORT"])
    assert seen["engine"] == "vakwerk.pooled_postgresql"
    assert seen["jit"] == "off"  # from the role: PgBouncer refuses start-up options
    # What the users saw.
    assert seen["caseload"] == [200, True]
    assert seen["participant_page"] == 200
    assert seen["session_posts"] == [302, 302]
    assert seen["sessions_added"] == 1  # the repeated POST saved nothing
    assert seen["dashboard"] == 200
    assert seen["report"] == [JobStatus.DONE, "", 200, True]
    status, error, download, sheets = seen["export"]
    assert [status, error, download] == [JobStatus.DONE, "", 200]
    # The same rows as the export made here, on a direct connection, after the flows.
    direct = write_export(project, ["participants", "coaching_sessions"], "xlsx", io.BytesIO())
    assert sheets == dict(direct)
    assert sheets["coaching_sessions"] > 2 * CHUNK_SIZE
    audit_status, audit_lines = seen["audit_csv"]
    assert audit_status == 200 and audit_lines > 1
    assert seen["concurrent"] == []
    assert passed > 50, passed
    evidence.append(
        f"pgbouncer: the key flows ran through PgBouncer in transaction mode "
        f"({passed} transactions; an export of {sheets['coaching_sessions']} coaching sessions "
        f"in chunks of {CHUNK_SIZE})"
    )
