"""Events published outside the ASGI server run on the calling thread's own event loop."""

import asyncio
import threading

from channels.layers import InMemoryChannelLayer, get_channel_layer

from coopwork.core.events import Event
from coopwork.realtime import broadcast


def _run(coro):
    return broadcast._thread_loop().run_until_complete(coro)


def test_outside_the_server_events_reach_the_group_on_the_threads_loop(monkeypatch):
    def no_new_loop(*args, **kwargs):
        raise AssertionError("async_to_sync starts a loop in a new thread per event")

    monkeypatch.setattr(broadcast, "async_to_sync", no_new_loop)
    layer = get_channel_layer()
    channel = _run(layer.new_channel())
    _run(layer.group_add("bcast-test", channel))
    loop = broadcast._thread_loop()

    for n in range(3):
        broadcast.broadcast_event(Event("test.event", None, {"n": n}, ("bcast-test",)))

    received = [_run(layer.receive(channel)) for _ in range(3)]
    assert [m["payload"] for m in received] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert {m["name"] for m in received} == {"test.event"}
    assert broadcast._thread_loop() is loop  # one loop for the thread, kept
    _run(layer.group_discard("bcast-test", channel))


def test_each_thread_has_its_own_loop():
    loops = []
    thread = threading.Thread(target=lambda: loops.append(broadcast._thread_loop()))
    thread.start()
    thread.join()
    assert loops[0] is not broadcast._thread_loop()


def test_an_event_without_audience_sends_nothing():
    layer = get_channel_layer()
    channel = _run(layer.new_channel())
    _run(layer.group_add("bcast-empty", channel))
    broadcast.broadcast_event(Event("test.none", None, {}, ()))
    broadcast.broadcast_event(Event("test.some", None, {}, ("bcast-empty",)))
    assert _run(layer.receive(channel))["name"] == "test.some"
    _run(layer.group_discard("bcast-empty", channel))


def test_sync_code_inside_another_running_loop_still_sends():
    """A service called synchronously from code that runs inside an event loop (not the ASGI
    server's), e.g. a sync API driven by a loop: the event is sent, not dropped."""
    layer = get_channel_layer()
    channel = _run(layer.new_channel())
    _run(layer.group_add("bcast-nested", channel))

    async def caller() -> None:
        broadcast.broadcast_event(Event("test.nested", None, {"n": 1}, ("bcast-nested",)))

    asyncio.run(caller())
    message = _run(layer.receive(channel))
    assert (message["name"], message["payload"]) == ("test.nested", {"n": 1})
    _run(layer.group_discard("bcast-nested", channel))


def _count_loop_runs(monkeypatch) -> list[int]:
    """A list that gets one item each time this thread's event loop runs a send."""
    loop = broadcast._thread_loop()
    runs: list[int] = []
    original = loop.run_until_complete

    def counted(coro):
        runs.append(1)
        return original(coro)

    monkeypatch.setattr(loop, "run_until_complete", counted)
    return runs


class OtherLayer(InMemoryChannelLayer):
    """Stands for any layer but the plain in-memory one (Redis in production and in CI's
    PostgreSQL run): its listeners may be in other processes."""


def test_with_another_layer_every_event_is_sent(settings, monkeypatch):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.OtherLayer"}}
    runs = _count_loop_runs(monkeypatch)
    broadcast.broadcast_event(Event("test.unheard", None, {}, ("bcast-nobody",)))
    assert runs == [1]


def test_with_the_in_memory_layer_an_event_nobody_listens_to_runs_no_loop(settings, monkeypatch):
    """Every listener of the in-memory layer is in this process: an event to groups without a
    member is not sent (no event loop runs); one group with a member is enough to send it."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = _run(layer.new_channel())
    _run(layer.group_add("bcast-heard", channel))
    runs = _count_loop_runs(monkeypatch)
    broadcast.broadcast_event(Event("test.unheard", None, {}, ("bcast-nobody", "bcast-nobody2")))
    assert runs == []
    broadcast.broadcast_event(Event("test.heard", None, {}, ("bcast-nobody", "bcast-heard")))
    assert runs == [1]
    monkeypatch.undo()
    message = _run(layer.receive(channel))
    assert message["name"] == "test.heard"
    _run(layer.group_discard("bcast-heard", channel))
    # Once the last member left, the group is gone and its events are not sent.
    assert not layer.groups.get("bcast-heard")


def test_pinged_groups_get_the_name_without_the_payload():
    """An event's audiences get its payload; its pinged groups only its name."""
    layer = get_channel_layer()
    told, pinged = _run(layer.new_channel()), _run(layer.new_channel())
    _run(layer.group_add("bcast-told", told))
    _run(layer.group_add("bcast-pinged", pinged))
    broadcast.broadcast_event(
        Event("test.both", None, {"job": 7, "status": "open"}, ("bcast-told",), ("bcast-pinged",))
    )
    assert _run(layer.receive(told))["payload"] == {"job": 7, "status": "open"}
    message = _run(layer.receive(pinged))
    assert (message["name"], message["payload"]) == ("test.both", {})
    _run(layer.group_discard("bcast-told", told))
    _run(layer.group_discard("bcast-pinged", pinged))


def test_with_the_in_memory_layer_a_pinged_member_is_enough_to_send(settings, monkeypatch):
    """The in-memory skip looks at the pinged groups too: an event whose only listener is in a
    pinged group is sent (to it, without payload); with nobody in either, no loop runs."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = _run(layer.new_channel())
    _run(layer.group_add("bcast-work", channel))
    runs = _count_loop_runs(monkeypatch)
    broadcast.broadcast_event(
        Event("test.unheard", None, {"x": 1}, ("bcast-nobody",), ("bcast-no",))
    )
    assert runs == []
    broadcast.broadcast_event(
        Event("test.pinged", None, {"x": 1}, ("bcast-nobody",), ("bcast-work",))
    )
    assert runs == [1]
    monkeypatch.undo()
    message = _run(layer.receive(channel))
    assert (message["name"], message["payload"]) == ("test.pinged", {})
    _run(layer.group_discard("bcast-work", channel))
