"""A job's frozen quote and terms (about 1.3 kB of JSON) are stored out of line on PostgreSQL.

Every change of a job's status writes a new version of its row; with the quote and terms inline,
that row was ~1.5 kB and a claim wrote ~5.4 kB of WAL in all, against ~0.35 kB for the raw UPDATE
of ``bench/bench_accept.py``, whose backends then mostly waited on the WAL flush. Out of line
(TOAST, uncompressed: ``STORAGE EXTERNAL``), an update that leaves them alone keeps pointing at the
same values: a claim writes ~3.5 kB. Reading a job's quote or terms costs one TOAST lookup each.
Existing rows move out of line the next time they are written. Nothing to do on SQLite.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE marketplace_job SET (toast_tuple_target = 256)",
    "ALTER TABLE marketplace_job ALTER COLUMN quote SET STORAGE EXTERNAL,"
    " ALTER COLUMN terms SET STORAGE EXTERNAL",
]
BACKWARD = [
    "ALTER TABLE marketplace_job RESET (toast_tuple_target)",
    "ALTER TABLE marketplace_job ALTER COLUMN quote SET STORAGE EXTENDED,"
    " ALTER COLUMN terms SET STORAGE EXTENDED",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_notification_params")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
