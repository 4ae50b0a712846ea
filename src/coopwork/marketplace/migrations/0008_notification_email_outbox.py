"""The notifications table becomes the e-mails' outbox: ``emailed_at`` is NULL until a
notification's e-mail copy has been dealt with, and a partial index finds those still to do.

The notifications already there were e-mailed by the task their change enqueued (or came before
e-mail): they are marked done, so the first run of the outbox sends nothing old.
"""

from django.db import migrations, models
from django.db.models import F


def mark_existing_done(apps, schema_editor):
    Notification = apps.get_model("marketplace", "Notification")
    Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_user_preference_job_emails"),
        ("marketplace", "0007_case_response_and_adjustment"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_existing_done, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("emailed_at__isnull", True)),
                fields=["id"],
                name="notification_email_pending",
            ),
        ),
    ]
