"""Forward committed domain events to Channels groups (in-memory, or Redis with REDIS_URL)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from coopwork.core.events import Event


def broadcast_event(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "coop.event", "name": event.name, "payload": event.payload}

    async def send_all() -> None:
        for group in event.audiences:
            await layer.group_send(group, message)

    if event.audiences:
        async_to_sync(send_all)()  # one trip into the event loop for every audience
