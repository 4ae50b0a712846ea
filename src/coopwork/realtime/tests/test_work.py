"""The worker area's socket (``/ws/work/<slug>/``): a worker of the co-op hears, by name only,
that its open jobs changed, and their own events (offers); nobody else joins, and nothing about a
job reaches a worker of another co-op, a non-worker, or the general socket of either."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from coopwork import testing
from coopwork.core.services import role_grant
from coopwork.marketplace.booking import Place, RideRequest
from coopwork.marketplace.services import job_book, job_claim, offer_create, worker_profile_save
from coopwork.realtime.consumers import EventsConsumer, WorkConsumer

pytestmark = pytest.mark.django_db(transaction=True)


def _work_socket(user, slug: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(WorkConsumer.as_asgi(), f"/ws/work/{slug}/")
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"kwargs": {"slug": slug}}
    return communicator


def _events_socket(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
    communicator.scope["user"] = user
    return communicator


def _driver(coop, name: str, *, profile: bool = True):
    user = testing.make_user(name)
    role_grant(cooperative=coop, user=user, role="worker", actor=None)
    if profile:
        worker_profile_save(cooperative=coop, user=user, skills=[], vehicle="car")
    return user


def _ride(coop, client, minutes: int = 30):
    return job_book(
        cooperative=coop,
        client=client,
        request=RideRequest(
            pickup=Place("A", 48.85, 2.35),
            dropoff=Place("B", 48.86, 2.33),
            starts_at=timezone.now() + dt.timedelta(minutes=minutes),
            vehicle="car",
        ),
    )


def test_a_worker_hears_that_open_jobs_changed_and_nothing_more():
    coop = testing.make_coop("rtw")
    client = testing.make_user("rtw-client")
    driver, rival = _driver(coop, "rtw-driver"), _driver(coop, "rtw-rival")

    async def scenario():
        ws = _work_socket(driver, "rtw")
        assert (await ws.connect())[0]
        job = await sync_to_async(_ride)(coop, client)
        opened = await ws.receive_json_from(timeout=2)
        await sync_to_async(job_claim)(cooperative=coop, job_id=job.pk, worker=rival)
        taken = await ws.receive_json_from(timeout=2)
        nothing_more = await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()
        return opened, taken, nothing_more

    opened, taken, nothing_more = async_to_sync(scenario)()
    # The names only: no job id, no status, nothing the page must not show.
    assert opened == {"event": "job.opened", "payload": {}}
    assert taken == {"event": "job.fill", "payload": {}}
    assert nothing_more


def test_offers_reach_their_worker_only():
    coop = testing.make_coop("rto")
    client = testing.make_user("rto-client")
    driver, rival = _driver(coop, "rto-driver"), _driver(coop, "rto-rival")
    job = _ride(coop, client)

    async def scenario():
        mine, theirs = _work_socket(driver, "rto"), _work_socket(rival, "rto")
        assert (await mine.connect())[0] and (await theirs.connect())[0]
        offer = await sync_to_async(offer_create)(
            cooperative=coop, job_id=job.pk, worker_id=driver.pk, explanation={}
        )
        message = await mine.receive_json_from(timeout=2)
        rival_heard_nothing = await theirs.receive_nothing(timeout=0.2)
        await mine.disconnect()
        await theirs.disconnect()
        return offer, message, rival_heard_nothing

    offer, message, rival_heard_nothing = async_to_sync(scenario)()
    assert message == {"event": "offer.created", "payload": {"offer": offer.pk, "job": job.pk}}
    assert rival_heard_nothing


def test_another_coops_worker_and_non_workers_hear_nothing():
    """A job opened and taken in one co-op: a worker of another co-op (on their own co-op's work
    socket), a member's general socket and a worker's general socket (its role group is not the
    work group) get nothing; the client's general socket gets only its own notice that the job
    was taken."""
    coop, other = testing.make_coop("rtn"), testing.make_coop("rtn-other")
    client = testing.make_user("rtn-client")
    role_grant(cooperative=coop, user=client, role="client", actor=None)
    board = testing.make_board(coop, "rtn-board")
    member = testing.make_member(coop, board=board, name="Ada").user
    driver = _driver(coop, "rtn-driver")
    elsewhere = _driver(other, "rtn-elsewhere")
    also_here = _driver(coop, "rtn-also")

    async def scenario():
        sockets = [
            _work_socket(elsewhere, "rtn-other"),
            _events_socket(elsewhere),
            _events_socket(client),
            _events_socket(member),
            _events_socket(also_here),
        ]
        for ws in sockets:
            assert (await ws.connect())[0]
        job = await sync_to_async(_ride)(coop, client)
        await sync_to_async(job_claim)(cooperative=coop, job_id=job.pk, worker=driver)
        notice = await sockets[2].receive_json_from(timeout=2)
        quiet = [await ws.receive_nothing(timeout=0.2) for ws in sockets]
        for ws in sockets:
            await ws.disconnect()
        return notice["event"], quiet

    assert async_to_sync(scenario)() == ("job.taken", [True] * 5)


@pytest.mark.parametrize(
    "who", ["anonymous", "no role", "client", "coordinator", "other co-op's worker", "no profile"]
)
def test_only_the_coops_workers_with_a_profile_may_join(who):
    coop, other = testing.make_coop("rtr"), testing.make_coop("rtr-other")
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "other co-op's worker":
        user = _driver(other, "rtr-w")
    elif who == "no profile":
        user = _driver(coop, "rtr-w", profile=False)
    else:
        user = testing.make_user("rtr-u")
        if who != "no role":
            role_grant(cooperative=coop, user=user, role=who, actor=None)

    async def scenario():
        return await _work_socket(user, "rtr").connect()

    connected, code = async_to_sync(scenario)()
    assert not connected
    assert code == (4401 if who == "anonymous" else 4403)


def test_an_unknown_coop_is_refused():
    coop = testing.make_coop("rtu")
    driver = _driver(coop, "rtu-driver")

    async def scenario():
        return await _work_socket(driver, "no-such-coop").connect()

    assert async_to_sync(scenario)() == (False, 4403)
