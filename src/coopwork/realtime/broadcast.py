"""Forward committed domain events to Channels groups (in-memory, or Redis with REDIS_URL).

Inside the ASGI server (a sync view run by ``sync_to_async``) the sends run on the server's own
event loop, where the consumers live, through ``async_to_sync``. Anywhere else (background
tasks, commands, a worker process without a loop) ``async_to_sync`` would start a new event loop
in a new thread for every event, which cost about half a millisecond of CPU per claim; there the
sends go to one long-lived event loop per process instead, and the caller still waits for them.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

from coopwork.core.events import Event

_loop_lock = threading.Lock()
_loop: tuple[int, asyncio.AbstractEventLoop] | None = None


def _process_loop() -> asyncio.AbstractEventLoop:
    """This process's event loop for sends from outside the server (started once; again after a
    fork, since threads do not survive one)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="coopwork-broadcast", daemon=True
            ).start()
            _loop = (os.getpid(), loop)
        return _loop[1]


def _in_server_thread() -> bool:
    """Whether this thread runs sync code for an event loop of this process (the ASGI server)."""
    local: Any = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    return (
        getattr(local, "main_event_loop_pid", None) == os.getpid()
        and loop is not None
        and loop.is_running()  # asgiref leaves the loop of a finished server call behind
    )


def broadcast_event(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None or not event.audiences:
        return
    message = {"type": "coop.event", "name": event.name, "payload": event.payload}

    async def send_all() -> None:
        for group in event.audiences:
            await layer.group_send(group, message)

    if _in_server_thread():
        async_to_sync(send_all)()  # one trip into the server's loop for every audience
    else:
        asyncio.run_coroutine_threadsafe(send_all(), _process_loop()).result()
