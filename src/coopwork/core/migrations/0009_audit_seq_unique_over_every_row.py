"""The unique index on (chain, seq) covers every row again (0007 had narrowed it to sealed ones).

The audit log is listed per chain, newest first, and paginated with a count
(``core.selectors.audit_entries``, the API's ``/coops/{slug}/audit``). With the index over sealed
entries only, neither could use an index: the count scanned the whole table, and the page walked
the primary key backwards filtering on the chain, which for a small co-op among big ones reads
most of the table. Over every row, the list is a backward scan of (chain, seq) (pending entries,
the newest, first) and the count an index-only scan of the chain. The price is the one index
entry per pending entry that 0007 saved (~70 bytes of WAL per audit entry).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0008_audit_fk_indexes_to_job_entries")]

    operations = [
        migrations.RemoveConstraint(model_name="auditentry", name="audit_seq_unique_per_chain"),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="audit_seq_unique_per_chain"
            ),
        ),
    ]
