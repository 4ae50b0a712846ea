"""Background work of dispatch, run by Django's Tasks (enqueued by ``coopwork dispatch``)."""

from __future__ import annotations

import os
import socket

from django.tasks import task


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@task()
def run_due_rounds() -> dict[str, int]:
    """Run the round of every zone that is due (see ``services.dispatch_due_rounds``)."""
    from .services import dispatch_due_rounds

    return dispatch_due_rounds(dispatcher=_me())


@task()
def run_zone_round(cooperative_id: int, zone_id: int) -> int | None:
    """Run one zone's round if it is due; the round's id, or None when it was not due."""
    from coopwork.core.models import Cooperative

    from .services import dispatch_round_run

    rnd = dispatch_round_run(
        cooperative=Cooperative.objects.get(pk=cooperative_id), zone_id=zone_id, dispatcher=_me()
    )
    return rnd.pk if rnd is not None else None
