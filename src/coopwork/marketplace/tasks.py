"""Background work of the marketplace, run by Django's Tasks framework."""

from __future__ import annotations

from django.tasks import task


@task()
def run_timed_transitions() -> dict[str, int]:
    """Offer expiry, timesheet auto-approval and stale-job expiry (see services)."""
    from .services import run_due_transitions

    return run_due_transitions()
