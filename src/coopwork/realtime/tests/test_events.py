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


@pytest.mark.django_db(transaction=True)
def _job_socket(user, job_id):
    from coopwork.realtime.consumers import JobConsumer

    communicator = WebsocketCommunicator(JobConsumer.as_asgi(), f"/ws/jobs/{job_id}/")
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"kwargs": {"job_id": job_id}}
    return communicator


@pytest.mark.django_db(transaction=True)
def test_job_socket_follows_the_job_and_refuses_strangers():
    import datetime as dt

    from django.utils import timezone

    from coopwork.core.services import role_grant
    from coopwork.marketplace.booking import Place, RideRequest
    from coopwork.marketplace.services import job_book, job_claim, worker_profile_save

    coop = testing.make_coop("rtjob")
    client = testing.make_user("rt-client")
    driver = testing.make_user("rt-driver")
    stranger = testing.make_user("rt-stranger")
    role_grant(cooperative=coop, user=driver, role="worker", actor=None)
    worker_profile_save(cooperative=coop, user=driver, skills=[], vehicle="car")
    job = job_book(
        cooperative=coop,
        client=client,
        request=RideRequest(
            pickup=Place("A", 48.85, 2.35),
            dropoff=Place("B", 48.86, 2.33),
            starts_at=timezone.now() + dt.timedelta(minutes=5),
        ),
    )

    async def scenario():
        ws = _job_socket(client, job.pk)
        assert (await ws.connect())[0]
        await sync_to_async(job_claim)(cooperative=coop, job_id=job.pk, worker=driver)
        message = await ws.receive_json_from(timeout=2)
        await ws.disconnect()
        refused = _job_socket(stranger, job.pk)
        connected, code = await refused.connect()
        return message, connected, code

    message, stranger_connected, code = async_to_sync(scenario)()
    assert message["event"] == "job.fill"
    assert message["payload"]["status"] == "assigned"
    assert not stranger_connected
    assert code == 4403
