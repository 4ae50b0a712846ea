"""Events published outside the ASGI server go through one event loop per process."""

import asyncio

from channels.layers import get_channel_layer

from coopwork.core.events import Event
from coopwork.realtime import broadcast


def _on_process_loop(coro):
    return asyncio.run_coroutine_threadsafe(coro, broadcast._process_loop()).result(timeout=5)


def test_outside_the_server_events_reach_the_group_through_one_loop(monkeypatch):
    def no_new_loop(*args, **kwargs):
        raise AssertionError("async_to_sync starts a loop in a new thread per event")

    monkeypatch.setattr(broadcast, "async_to_sync", no_new_loop)
    layer = get_channel_layer()
    channel = _on_process_loop(layer.new_channel())
    _on_process_loop(layer.group_add("bcast-test", channel))
    loop = broadcast._process_loop()

    for n in range(3):
        broadcast.broadcast_event(Event("test.event", None, {"n": n}, ("bcast-test",)))

    received = [_on_process_loop(layer.receive(channel)) for _ in range(3)]
    assert [m["payload"] for m in received] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert {m["name"] for m in received} == {"test.event"}
    assert broadcast._process_loop() is loop  # one loop for the process
    _on_process_loop(layer.group_discard("bcast-test", channel))


def test_an_event_without_audience_sends_nothing():
    layer = get_channel_layer()
    channel = _on_process_loop(layer.new_channel())
    _on_process_loop(layer.group_add("bcast-empty", channel))
    broadcast.broadcast_event(Event("test.none", None, {}, ()))
    broadcast.broadcast_event(Event("test.some", None, {}, ("bcast-empty",)))
    assert _on_process_loop(layer.receive(channel))["name"] == "test.some"
    _on_process_loop(layer.group_discard("bcast-empty", channel))
