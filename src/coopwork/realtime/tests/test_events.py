"""Committed domain events reach the right websocket groups; rolled-back ones never do."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from coopwork import testing
from coopwork.core.events import Event, publish
from coopwork.members.services import application_submit
from coopwork.realtime.consumers import EventsConsumer


def _connect(user):
    communicator = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = user
    return communicator


@pytest.mark.django_db(transaction=True)
def test_board_hears_a_new_application_after_commit():
    coop = testing.make_coop("rt")
    board = testing.make_board(coop, "rt-board")
    applicant = testing.make_user("rt-applicant")

    async def scenario():
        ws = _connect(board)
        connected, _ = await ws.connect()
        assert connected
        application = await sync_to_async(application_submit)(
            cooperative=coop, user=applicant, college_code="workers", shares=1, display_name="Zoé"
        )
        message = await ws.receive_json_from(timeout=2)
        await ws.disconnect()
        return application, message

    application, message = async_to_sync(scenario)()
    assert message == {
        "event": "application.submitted",
        "payload": {"application": application.pk, "name": "Zoé"},
    }


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_is_never_delivered():
    coop = testing.make_coop("rt2")
    user = testing.make_user("rt-user")
    audience = (f"user-{user.pk}",)

    def publish_twice():
        with transaction.atomic():
            publish(Event("test.rolled_back", coop.pk, {"x": 1}, audience))
            transaction.set_rollback(True)
        with transaction.atomic():
            publish(Event("test.committed", coop.pk, {"x": 2}, audience))

    async def scenario():
        ws = _connect(user)
        assert (await ws.connect())[0]
        await sync_to_async(publish_twice)()
        first = await ws.receive_json_from(timeout=2)
        nothing_more = await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()
        return first, nothing_more

    first, nothing_more = async_to_sync(scenario)()
    assert first == {"event": "test.committed", "payload": {"x": 2}}
    assert nothing_more


@pytest.mark.django_db(transaction=True)
def test_anonymous_socket_is_refused():
    async def scenario():
        ws = _connect(AnonymousUser())
        return await ws.connect()

    connected, code = async_to_sync(scenario)()
    assert not connected
    assert code == 4401
