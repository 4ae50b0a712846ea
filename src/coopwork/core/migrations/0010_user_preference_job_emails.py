from django.db import migrations, models


class Migration(migrations.Migration):
    """Whether the marketplace e-mails a user their job notifications (on unless they turn it
    off); the language may now be left unchosen by someone who only turned e-mails off."""

    dependencies = [
        ("core", "0009_audit_seq_unique_over_every_row"),
    ]

    operations = [
        migrations.AddField(
            model_name="userpreference",
            name="job_emails",
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name="userpreference",
            name="language",
            field=models.CharField(
                blank=True, choices=[("en", "English"), ("fr", "French")], max_length=10
            ),
        ),
    ]
