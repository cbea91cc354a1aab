from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION vakwerk_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'vakwerk_auditentry is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER vakwerk_auditentry_append_only
    BEFORE UPDATE OR DELETE ON vakwerk_auditentry
    FOR EACH ROW EXECUTE FUNCTION vakwerk_refuse_audit_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS vakwerk_auditentry_append_only ON vakwerk_auditentry;
DROP FUNCTION IF EXISTS vakwerk_refuse_audit_change();
"""
SQLITE_UP = [
    """CREATE TRIGGER vakwerk_auditentry_no_update BEFORE UPDATE ON vakwerk_auditentry
       BEGIN SELECT RAISE(ABORT, 'vakwerk_auditentry is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER vakwerk_auditentry_no_delete BEFORE DELETE ON vakwerk_auditentry
       BEGIN SELECT RAISE(ABORT, 'vakwerk_auditentry is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS vakwerk_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS vakwerk_auditentry_no_delete;",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    # The trail is what a privacy officer relies on: the database, not only the model,
    # refuses to change or remove it. TRUNCATE (test flushes) is not affected.
    dependencies = [("vakwerk", "0002_audit_trail")]

    operations = [migrations.RunPython(up, down)]
