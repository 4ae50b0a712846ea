"""Domain events, delivered after commit.

Services call ``publish``; nothing is delivered unless and until the transaction commits.
Interfaces (``realtime``, notifications) register handlers with ``subscribe`` at start-up, so domain
code never imports them. This is the one seam for side effects; Django signals are not used for
domain flow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    cooperative_id: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    # Channel groups that should hear about it, e.g. "coop-3-board", "user-12".
    audiences: tuple[str, ...] = ()
    # Groups told only that it happened: its name, never its payload. For listeners who may not
    # see everything the payload names (e.g. a co-op's workers, "work-3", told that its open jobs
    # may have changed): they re-fetch what they show through a view that checks what each may see.
    pinged: tuple[str, ...] = ()


Handler = Callable[[Event], None]
_handlers: list[Handler] = []


def subscribe(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def _deliver(event: Event) -> None:
    for handler in list(_handlers):
        try:
            handler(event)
        except Exception:  # a failing notifier must never undo a committed change
            logger.exception("event handler %r failed for %s", handler, event.name)


def publish(event: Event) -> None:
    """Deliver ``event`` to every handler once the current transaction commits."""
    transaction.on_commit(lambda: _deliver(event), robust=True)
