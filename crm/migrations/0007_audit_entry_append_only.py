"""The audit trail is append-only in the database itself: UPDATE and DELETE on its table are refused.

PostgreSQL: a row trigger raising an exception; SQLite: a trigger with RAISE(ABORT). No code
path of Tandem changes an entry, so these fire only on a hand-written statement. TRUNCATE (the
table owner's, as a test run's flush uses) is left to the database's privileges.
"""

from django.db import migrations

MESSAGE = "crm_auditentry is append-only: entries cannot be changed or deleted"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION crm_auditentry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER crm_auditentry_append_only BEFORE UPDATE OR DELETE ON crm_auditentry
    FOR EACH ROW EXECUTE FUNCTION crm_auditentry_refuse();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS crm_auditentry_append_only ON crm_auditentry;
DROP FUNCTION IF EXISTS crm_auditentry_refuse();
"""
# A test run's flush deletes every row on SQLite: crm.audit.audit_flush_allowed lets only that through.
SQLITE_FORWARD = [
    f"CREATE TRIGGER crm_auditentry_no_update BEFORE UPDATE ON crm_auditentry BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER crm_auditentry_no_delete BEFORE DELETE ON crm_auditentry WHEN NOT tandem_audit_flushing() "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS crm_auditentry_no_{op}" for op in ("update", "delete")]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("crm", "0006_audit_entry")]

    operations = [migrations.RunPython(forward, backward)]
