"""The audit table's two foreign-key indexes go; a job's entries get a partial index instead.

Both indexes (``actor_id``, ``cooperative_id``) were written at every insert and again at every
sealing (the sealing update is not HOT). No query reads entries by actor, and the only read by
co-op was a job's timeline, which the co-op index served badly: on a table of 1M entries it
scanned the co-op's 400k entries (~150 ms) to find the job's few. The partial index on the
object id of job entries finds them directly (~0.05 ms). Deleting a user or a co-op (refused
anyway when they have entries: PROTECT) now checks the table by a sequential scan.

The foreign-key constraints stay. Only the index is dropped, by name: ``AlterField`` would drop
and re-add each constraint on PostgreSQL (validating every row again) and rebuild the table on
SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "actor_id": "core_auditentry_actor_id_d8248cee",
    "cooperative_id": "core_auditentry_cooperative_id_cefe83e3",
}


def _drop(column: str) -> migrations.RunSQL:
    name = INDEXES[column]
    return migrations.RunSQL(
        sql=f'DROP INDEX IF EXISTS "{name}"',
        reverse_sql=f'CREATE INDEX "{name}" ON "core_auditentry" ("{column}")',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_audit_seq_unique_sealed_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[_drop("actor_id"), _drop("cooperative_id")],
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="cooperative",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.cooperative",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("object_type", "marketplace.job")),
                fields=["object_id"],
                name="audit_job_entries",
            ),
        ),
    ]
