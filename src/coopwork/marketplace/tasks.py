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
def notify_job_taken(job_id: int, worker_name: str, language: str) -> int | None:
    """Tell a job's client that a claim filled it, in-app and by e-mail (see
    ``services.job_taken_notify``). Enqueued after the claim committed."""
    from .services import job_taken_notify

    return job_taken_notify(job_id=job_id, worker_name=worker_name, language=language)
