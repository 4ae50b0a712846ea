"""PostgreSQL: ``coopwork_marketplace_worker_on_job(job, worker)``, whether a worker holds a live
(active or waitlisted) assignment on a job, read with a snapshot of its own.

The one-statement claim (``claim_sql``) calls it when the job changed while the claim waited for
its lock, usually because a rival's claim took it. The statement's own reads use the snapshot
taken when it started, from before the rival committed; a VOLATILE function's query takes a new
snapshot under READ COMMITTED, so it sees the rival's assignment (and tells "taken" from "already
yours") without a second round trip. PL/pgSQL, so that the planner never inlines the query into
the statement (which would read it with the statement's snapshot again).
"""

from django.db import migrations

from coopwork.core.migration_operations import RunSQLOnPostgreSQL

FORWARD = """
CREATE OR REPLACE FUNCTION coopwork_marketplace_worker_on_job(p_job bigint, p_worker bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM marketplace_assignment a
        WHERE a.job_id = p_job AND a.worker_id = p_worker
          AND a.status IN ('active', 'waitlisted'));
END;
$$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS coopwork_marketplace_worker_on_job(bigint, bigint);"




class Migration(migrations.Migration):
    dependencies = [("marketplace", "0005_fewer_index_writes_per_claim")]
    operations = [RunSQLOnPostgreSQL([FORWARD], [BACKWARD])]
