"""Database-level guarantees that the models alone cannot give."""

from django.db import migrations


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
