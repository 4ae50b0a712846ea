"""Background work of the core, run by Django's Tasks framework."""

from __future__ import annotations

from django.tasks import task


@task()
def seal_audit_log() -> int:
    """Seal every pending audit entry into its chain (see core.audit)."""
    from .audit import audit_seal

    return audit_seal()
