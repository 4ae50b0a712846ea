"""PostgreSQL: the audit log is append-only; UPDATE and DELETE on its entries are refused.

(Only a superuser who disables triggers can still tamper, and ``coopwork audit verify`` catches
that.)"""

from django.db import migrations

from coopwork.core.migration_operations import RunSQLOnPostgreSQL

FORWARD = """
CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS core_audit_append_only();
"""




class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [RunSQLOnPostgreSQL([FORWARD], [BACKWARD])]
