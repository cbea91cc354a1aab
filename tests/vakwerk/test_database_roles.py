"""Issue 14, finding 8: the ledger and the audit trail are append-only against the app's own
database connection too. The app connects as a role that owns nothing (granted by
`vakwerk.db.grant_app_role`, which the container runs as the owner after every migration),
so neither TRUNCATE, ALTER TABLE … DISABLE TRIGGER, SET session_replication_role = replica
nor DROP can undo them, while the app's own work goes on as before.

The test database belongs to the suite's superuser; each test makes a role of its own
(role names are cluster-wide, so the name is unique), grants it as production does, and
switches the connection to it with SET ROLE, so that the app's real code runs as that role.
(Only the session's own user could switch back; in production that is the app role.)"""

import re
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from funding import services as funding_services
from funding.models import LedgerEntry
from participants import services as participant_services
from participants.models import Participant
from tests.funding.factories import FundFactory
from tests.participants.factories import ParticipantFactory
from vakwerk import audit
from vakwerk.db import DatabaseRoleError, app_role_problems, append_only_tables, grant_app_role
from vakwerk.models import AuditAction, AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LEDGER, AUDIT = LedgerEntry._meta.db_table, AuditEntry._meta.db_table


@pytest.fixture
def new_role():
    """Makes NOLOGIN roles with unique names and removes them (and their privileges) after."""
    made = []

    def make():
        name = f"vakwerk_test_app_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE ROLE "{name}" NOLOGIN')
        made.append(name)
        return name

    yield make
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        for name in made:
            cursor.execute(f'DROP OWNED BY "{name}"')
            cursor.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def app_role(new_role):
    role = new_role()
    grant_app_role(connection, role)
    return role


@pytest.fixture
def as_app(app_role):
    """The connection (and so the ORM and the test client) runs as the app role."""
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role}"')
    yield app_role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def refused(sql):
    """Runs `sql` in a savepoint and returns PostgreSQL's refusal (SQLSTATE 42501,
    insufficient privilege), or fails the test when the statement is allowed."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    cause = raised.value.__cause__
    assert isinstance(cause, psycopg.errors.InsufficientPrivilege), (sql, raised.value)
    return str(raised.value)


def current_user():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


def test_the_ledger_and_the_audit_trail_are_found_as_append_only():
    with connection.cursor() as cursor:
        assert {LEDGER, AUDIT} <= set(append_only_tables(cursor))


def test_the_app_role_does_its_normal_work(as_app, client, make_user, municipality):
    consultant = make_user(Role.CONSULTANT)
    manager = make_user(Role.MANAGER)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    fund = FundFactory(municipality=municipality)
    assert current_user() == as_app

    # Bookings (ledger INSERTs, with the fund locked FOR UPDATE) and their correction.
    deposit = funding_services.deposit(manager, fund, Decimal("1000.00"), "Startstorting")
    funding_services.correct(manager, deposit, Decimal("-100.00"), "Te veel gestort")
    assert LedgerEntry.objects.filter(fund=fund).count() == 2

    # An ordinary table is updated; the field history and the audit trail grow.
    participant_services.update_participant(consultant, participant, postcode="8011AB")
    assert Participant.objects.get(pk=participant.pk).postcode == "8011AB"
    assert AuditEntry.objects.filter(participant_id=participant.pk, action="update").exists()

    # Pages read and log their reads; a logout deletes the session row.
    client.force_login(consultant)
    page = client.get(reverse("participants:detail", args=[participant.pk]))
    assert page.status_code == 200
    assert AuditEntry.objects.filter(participant_id=participant.pk, action="view").exists()
    client.force_login(manager)
    assert client.get(reverse("funding:fund_detail", args=[fund.pk])).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert current_user() == as_app


@pytest.mark.parametrize("table", [LEDGER, AUDIT])
def test_the_app_role_cannot_undo_an_append_only_table(as_app, table, make_user, municipality):
    manager = make_user(Role.MANAGER)
    funding_services.deposit(manager, FundFactory(municipality=municipality), Decimal("5"), "x")
    audit.record(manager, AuditAction.LOGIN)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        rows = cursor.fetchone()[0]
    assert rows > 0

    assert "permission denied" in refused(f"UPDATE {table} SET id = id")
    assert "permission denied" in refused(f"DELETE FROM {table}")
    assert "permission denied" in refused(f"TRUNCATE {table}")
    assert "must be owner" in refused(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    assert "must be owner" in refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    assert "must be owner" in refused(f"DROP TRIGGER {table}_append_only ON {table}")
    assert "must be owner" in refused(f"DROP TABLE {table}")
    assert "must be owner" in refused(f'ALTER TABLE {table} OWNER TO "{as_app}"')
    body = "RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
    refused(f"CREATE OR REPLACE FUNCTION {table}_refuse_change() {body}")
    # Without a grant option GRANT only warns; the privilege stays withheld.
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT UPDATE, DELETE, TRUNCATE ON {table} TO "{as_app}"')
    refused(f"TRUNCATE {table}")
    # The triggers stay in force for everyone: with them the rows cannot change either.
    assert "permission denied to set parameter" in refused(
        "SET session_replication_role = replica"
    )
    refused("SET LOCAL session_replication_role = replica")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == rows
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def test_the_app_role_cannot_change_the_schema_or_itself(as_app):
    assert "permission denied for schema public" in refused("CREATE TABLE evil (id int)")
    refused("CREATE SCHEMA evil")
    refused("CREATE FUNCTION evil() RETURNS int AS 'SELECT 1' LANGUAGE sql")
    refused(f'ALTER ROLE "{as_app}" SUPERUSER')
    refused("INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")
    refused("DELETE FROM django_migrations")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {LEDGER}")  # reading stays allowed


def test_granting_takes_back_what_the_role_had(new_role):
    role = new_role()
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT ALL ON {LEDGER}, {AUDIT} TO "{role}"')
        assert app_role_problems(cursor, role)
    grant_app_role(connection, role)
    with connection.cursor() as cursor:
        assert app_role_problems(cursor, role) == []
        cursor.execute(f'SET ROLE "{role}"')
    try:
        refused(f"TRUNCATE {LEDGER}")
        refused(f"DELETE FROM {AUDIT}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_a_role_that_could_undo_the_tables_is_refused(new_role):
    # The owner itself (the suite migrated as it) and a member of the owner's role.
    with pytest.raises(DatabaseRoleError, match="it owns"):
        grant_app_role(connection, current_user())
    member = new_role()
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT "{current_user()}" TO "{member}"')
    with pytest.raises(DatabaseRoleError, match=r"member of the owner of\) \d+ relations"):
        grant_app_role(connection, member)
    superuser = new_role()
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER ROLE "{superuser}" SUPERUSER')
    with pytest.raises(DatabaseRoleError, match="it is a superuser"):
        grant_app_role(connection, superuser)


# The production shape: compose connects web, worker and beat as the app role and migrates
# as the owner; the entrypoint grants after migrating and refuses an unsafe app role.


def compose_environment():
    text = (ROOT / "docker-compose.yml").read_text()
    return {
        key: value.strip().strip('"')
        for key, value in re.findall(
            r"^\s+(DATABASE_URL|MIGRATION_DATABASE_URL): (.+)$", text, re.M
        )
    }


def url_user(url):
    return re.match(r"postgres://([^:@]+)", url).group(1)


def test_compose_connects_the_app_as_the_app_role_and_migrates_as_the_owner():
    env = compose_environment()
    assert url_user(env["DATABASE_URL"]) == "vakwerk_app"
    assert url_user(env["MIGRATION_DATABASE_URL"]) == "vakwerk_owner"
    init = (ROOT / "docker/postgres-init/10-vakwerk-roles.sh").read_text()
    assert "vakwerk_app" in init and "NOSUPERUSER" in init
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in compose
    entrypoint = (ROOT / "docker/entrypoint.sh").read_text()
    migrate = entrypoint.index("manage.py migrate")
    assert entrypoint.index("manage.py grant_app_role") > migrate
    assert "grant_app_role --check" in entrypoint
