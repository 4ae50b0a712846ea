"""Background work of governance, run by Django's Tasks framework (see ``coopwork tick``)."""

from __future__ import annotations

from django.tasks import task


@task()
def run_ballot_schedule() -> dict[str, int]:
    """Open the ballots whose time has come, send the 24-hour reminders, close the due ones."""
    from .services import ballots_run_due

    return ballots_run_due()


@task()
def run_assembly_reminders() -> int:
    """Remind members a day before an assembly's postal votes close."""
    from .services import assemblies_remind_due

    return assemblies_remind_due()


# ``coopwork tick`` enqueues the tasks listed here by every app (governance sits above the
# marketplace, which owns the command, so the command discovers them instead of importing them).
TICK_TASKS = (run_ballot_schedule, run_assembly_reminders)
