"""Background work of the marketplace, run by Django's Tasks framework."""

from __future__ import annotations

from django.tasks import task


@task()
def run_timed_transitions() -> dict[str, int]:
    """Offer expiry, timesheet auto-approval and stale-job expiry (see services)."""
    from .services import run_due_transitions

    return run_due_transitions()


@task()
def email_notifications(notification_ids: list[int], language: str) -> int:
    """E-mail these in-app notifications to their recipients (see ``emails``); ``language`` is
    for recipients who never chose one. Enqueued by the services after their commit."""
    from .emails import send_notification_emails

    return send_notification_emails(notification_ids=notification_ids, fallback_language=language)


@task()
def email_pending_notifications() -> int:
    """The e-mail outbox's drain (``emails.send_pending``): every notification still to e-mail.
    Enqueued after a claim's commit (debounced) and by ``coopwork tick``."""
    from .emails import send_pending

    return send_pending()


# Run by ``coopwork tick`` (with the timed transitions): what a debounced commit left to e-mail.
TICK_TASKS = (email_pending_notifications,)
