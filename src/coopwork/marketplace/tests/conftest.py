"""Fixtures shared by the marketplace's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coopwork.core import events
from coopwork.core.events import Event


@pytest.fixture
def received() -> Iterator[list[Event]]:
    """The live events delivered during the test (after commit, as subscribers get them)."""
    got: list[Event] = []

    def handler(event: Event) -> None:
        got.append(event)

    events.subscribe(handler)
    try:
        yield got
    finally:
        events._handlers.remove(handler)
