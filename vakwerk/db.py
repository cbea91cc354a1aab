"""Database-level guarantees that the models alone cannot give."""

from django.db import migrations, transaction


def append_only(table):
    """A migration operation after which the database refuses UPDATE and DELETE on
    `table` (PostgreSQL and SQLite). TRUNCATE, used by test flushes, is not affected."""
    function = f"{table}_refuse_change"
    postgres_up = f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: %% refused', TG_OP;
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
    """
    postgres_down = f"""
        DROP TRIGGER IF EXISTS {table}_append_only ON {table};
        DROP FUNCTION IF EXISTS {function}();
    """
    sqlite_up = [
        f"""CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;"""
        for op in ("UPDATE", "DELETE")
    ]
    sqlite_down = [f"DROP TRIGGER IF EXISTS {table}_no_{op};" for op in ("update", "delete")]

    def up(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgres_up.replace("%%", "%"), params=None)
        elif vendor == "sqlite":
            for statement in sqlite_up:
                schema_editor.execute(statement)

    def down(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgres_down, params=None)
        elif vendor == "sqlite":
            for statement in sqlite_down:
                schema_editor.execute(statement)

    return migrations.RunPython(up, down)


# The running app may change rows, never the schema: it connects as a role that owns
# nothing, and the migrations run as the owner (README, "Database roles"). On the
# append-only tables it may only read and add, so that neither an UPDATE or DELETE (refused
# by the trigger too) nor TRUNCATE, DROP, ALTER TABLE … DISABLE TRIGGER or
# SET session_replication_role = replica (superuser only) can undo what they hold.
READ_ONLY_TABLES = ("django_migrations",)


class DatabaseRoleError(Exception):
    """The app's role could undo the append-only tables; the message says why."""


def append_only_tables(cursor):
    """The tables of the current schema guarded by `append_only`, found by its trigger, so
    that a table made append-only later is covered without being listed anywhere."""
    cursor.execute(
        """
        SELECT c.relname FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = to_regnamespace(quote_ident(current_schema()))
          AND t.tgname = c.relname || '_append_only'
        ORDER BY c.relname
        """
    )
    return [name for (name,) in cursor.fetchall()]


def grant_app_role(connection, role):
    """Gives `role` exactly what the running app needs on the current schema: SELECT,
    INSERT, UPDATE and DELETE on the tables, only SELECT and INSERT on the append-only
    ones, only SELECT on the migration history, USAGE on the sequences; first it takes back
    whatever the role had there. Run it as the owner after every migration (the
    `grant_app_role` command; new tables are not granted by default). Raises
    DatabaseRoleError, and grants nothing, when the role could still undo the append-only
    tables (a superuser, an owner or a member of one)."""
    if connection.vendor != "postgresql":
        raise DatabaseRoleError(f"Database roles need PostgreSQL, not {connection.vendor}.")

    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        grantee = quote(role)
        statements = [
            f"REVOKE ALL ON SCHEMA {schema} FROM {grantee}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
            f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
        ]
        statements += [
            f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {grantee}"
            for table in append_only_tables(cursor)
        ]
        cursor.execute(
            """
            SELECT relname FROM pg_class
             WHERE relnamespace = to_regnamespace(quote_ident(current_schema()))
               AND relname = ANY(%s)
            """,
            [list(READ_ONLY_TABLES)],
        )
        statements += [
            f"REVOKE INSERT, UPDATE, DELETE ON {quote(table)} FROM {grantee}"
            for (table,) in cursor.fetchall()
        ]
        for statement in statements:
            cursor.execute(statement)
        problems = app_role_problems(cursor, role)
        if problems:
            raise DatabaseRoleError(
                f"The role {role} must not be the app's role: " + "; ".join(problems) + "."
            )


def app_role_problems(cursor, role):
    """What lets `role` undo the append-only tables of the current schema, in words; an
    empty list when nothing does. Privileges through PUBLIC and role membership count."""
    cursor.execute(
        "SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = %s", [role]
    )
    row = cursor.fetchone()
    if row is None:
        return [f"there is no role {role}"]
    problems = []
    superuser, createrole, bypassrls = row
    if superuser:
        problems.append("it is a superuser")
    if createrole:
        problems.append("it may create roles and grant itself the owner's")
    if bypassrls:
        problems.append("it bypasses row security")
    # Ownership, also of the database or the schema, or membership of an owner's role.
    cursor.execute(
        """
        WITH owners(kind, name, owner) AS (
            SELECT 'database', datname, datdba FROM pg_database
             WHERE datname = current_database()
            UNION ALL
            SELECT 'schema', nspname, nspowner FROM pg_namespace
             WHERE nspname = current_schema()
            UNION ALL
            SELECT 'relation', relname, relowner FROM pg_class
             WHERE relnamespace = to_regnamespace(quote_ident(current_schema()))
            UNION ALL
            SELECT 'function', proname, proowner FROM pg_proc
             WHERE pronamespace = to_regnamespace(quote_ident(current_schema()))
        )
        SELECT kind, count(*), (array_agg(name::text ORDER BY name))[1:3] FROM owners
         WHERE pg_has_role(%s, owner, 'MEMBER')
         GROUP BY kind ORDER BY kind
        """,
        [role],
    )
    problems += [
        f"it owns (or is a member of the owner of) {_some(kind, count, names)}"
        for kind, count, names in cursor.fetchall()
    ]
    cursor.execute(
        """
        SELECT has_database_privilege(%(role)s, current_database(), 'CREATE'),
               has_schema_privilege(%(role)s, current_schema(), 'CREATE')
        """,
        {"role": role},
    )
    create_in_database, create_in_schema = cursor.fetchone()
    if create_in_database:
        problems.append("it may create schemas")
    if create_in_schema:
        problems.append("it may create objects in the schema")
    cursor.execute(
        """
        SELECT privilege, count(*), (array_agg(relname::text ORDER BY relname))[1:3]
          FROM pg_class, unnest(ARRAY['TRUNCATE', 'TRIGGER', 'REFERENCES']) AS privilege
         WHERE relnamespace = to_regnamespace(quote_ident(current_schema()))
           AND relkind IN ('r', 'p')
           AND has_table_privilege(%s, pg_class.oid, privilege)
         GROUP BY privilege ORDER BY privilege
        """,
        [role],
    )
    problems += [
        f"it has {privilege} on {_some('table', count, names)}"
        for privilege, count, names in cursor.fetchall()
    ]
    for table in append_only_tables(cursor):
        for privilege in ("UPDATE", "DELETE"):
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
            if cursor.fetchone()[0]:
                problems.append(f"it has {privilege} on the append-only {table}")
    # From PostgreSQL 15 a superuser-only setting can be granted (GRANT SET ON PARAMETER).
    cursor.execute("SELECT current_setting('server_version_num')::int")
    if cursor.fetchone()[0] >= 150000:
        cursor.execute(
            "SELECT has_parameter_privilege(%s, 'session_replication_role', 'SET')", [role]
        )
        if cursor.fetchone()[0]:
            problems.append("it may set session_replication_role")
    return problems


def _some(kind, count, names):
    listed = ", ".join(names) + (", …" if count > len(names) else "")
    return f"{count} {kind}{'s' if count > 1 else ''} ({listed})"
