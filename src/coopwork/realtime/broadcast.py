"""Forward committed domain events to Channels groups (in-memory, or Redis with REDIS_URL).

Inside the ASGI server (a sync view run by ``sync_to_async``) the sends run on the server's own
event loop, where the consumers live, through ``async_to_sync``. Anywhere else (background
tasks, commands, worker threads without a loop) ``async_to_sync`` would start a new event loop
in a new thread for every event, about half a millisecond of CPU per claim; there each thread
keeps one event loop of its own and runs the sends on it, in the calling thread. Sync code called
from inside a loop that is not the server's (a loop already runs in the thread, so this thread's
own loop cannot) sends from a short-lived thread instead of dropping the event.

An event's ``pinged`` groups get its name without its payload: a co-op's workers hear that its
open jobs changed, not which job.

With the in-memory layer (no ``REDIS_URL``) every listener is a consumer of this process, so an
event none of whose groups (audiences or pinged) has a member is not sent at all: no event loop
runs for it (most claims are heard by nobody in the process that made them). Other layers reach
other processes, so their events are always sent.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from coopwork.core.events import Event

_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop for sends from outside the server (a new one after a fork: a
    loop's selector must not be shared with the parent process)."""
    mine: tuple[int, asyncio.AbstractEventLoop] | None = getattr(_local, "loop", None)
    if mine is None or mine[0] != os.getpid():
        mine = (os.getpid(), asyncio.new_event_loop())
        _local.loop = mine
    return mine[1]


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
    """Send ``event`` to its audiences with its payload, and to its pinged groups with its name
    only (an empty payload): those re-fetch what they show through a permission-checked view."""
    layer = get_channel_layer()
    if layer is None or not (event.audiences or event.pinged):
        return
    if _nobody_listens(layer, event.audiences) and _nobody_listens(layer, event.pinged):
        return
    message = {"type": "coop.event", "name": event.name, "payload": event.payload}
    ping = {"type": "coop.event", "name": event.name, "payload": {}}

    async def send_all() -> None:
        for group in event.audiences:
            await layer.group_send(group, message)
        for group in event.pinged:
            await layer.group_send(group, ping)

    if _in_server_thread():
        async_to_sync(send_all)()  # one trip into the server's loop for every audience
    elif _foreign_loop_running():
        # Sync code called from inside some other running loop (a sync API driven by an event
        # loop): this thread's loop cannot run here, so the sends run on a short-lived thread.
        sender = threading.Thread(target=lambda: asyncio.run(send_all()))
        sender.start()
        sender.join()
    else:
        _thread_loop().run_until_complete(send_all())


def _nobody_listens(layer: Any, audiences: tuple[str, ...]) -> bool:
    """Whether the in-memory layer has no member in any of these groups (so a send would reach
    nobody). A group a consumer joins meanwhile would have missed the send anyway."""
    if type(layer) is not InMemoryChannelLayer:  # a subclass may do more with a send
        return False
    groups: dict[str, Any] = layer.groups
    return not any(groups.get(group) for group in audiences)


def _foreign_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
