"""Live events: published to ``job-<id>`` after commit, never before, never on a refusal."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from coopwork.core import events
from coopwork.core.errors import CoopError
from coopwork.core.events import Event
from coopwork.marketplace.services import job_book, job_claim, worker_position_update

from .helpers import ORSAY, at, make_client, make_worker, ride_request, shift_request, weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    got: list[Event] = []

    def handler(event: Event) -> None:
        got.append(event)

    events.subscribe(handler)
    try:
        yield got
    finally:
        events._handlers.remove(handler)


def for_job(got: list[Event], job_id: int) -> list[tuple[str, dict]]:
    return [(e.name, e.payload) for e in got if f"job-{job_id}" in e.audiences]


def test_booking_and_claiming_publish_after_commit(
    coop, received, django_capture_on_commit_callbacks
):
    client = make_client("c")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_book(
            cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
        )
        assert received == []  # not before the commit
    assert received == [
        Event(
            "job.opened",
            coop.pk,
            {"job": job.pk, "status": "open"},
            (f"job-{job.pk}", f"coop-{coop.pk}-coordinator"),
        )
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job_claim(cooperative=coop, job_id=job.pk, worker=w1)
    with django_capture_on_commit_callbacks(execute=True):
        job_claim(cooperative=coop, job_id=job.pk, worker=w2)
    assert for_job(received, job.pk) == [
        ("job.opened", {"job": job.pk, "status": "open"}),
        ("job.claimed", {"job": job.pk, "status": "open", "slot": 1}),
        ("job.fill", {"job": job.pk, "status": "assigned", "from": "open"}),
    ]


def test_a_refused_call_publishes_nothing(coop, received, django_capture_on_commit_callbacks):
    client = make_client("c")
    driver = make_worker(coop, "d", vehicle="car")
    cyclist = make_worker(coop, "b", vehicle="bike")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    received.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(CoopError),
    ):
        job_claim(cooperative=coop, job_id=job.pk, worker=cyclist)
    assert (callbacks, received) == ([], [])
    with django_capture_on_commit_callbacks(execute=True):
        job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    # The job's fill, then (from the step run after commit) the client's notification.
    assert [(e.name, e.audiences) for e in received] == [
        ("job.fill", (f"job-{job.pk}", f"coop-{coop.pk}-coordinator")),
        ("job.taken", (f"user-{client.pk}",)),
    ]


def test_position_updates_carry_an_eta_and_are_rate_limited(
    coop, received, django_capture_on_commit_callbacks
):
    cache.clear()
    client = make_client("c")
    driver = make_worker(coop, "d", vehicle="car")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        worker_position_update(cooperative=coop, worker=driver, lat=ORSAY.lat, lon=ORSAY.lon)
    # Orsay → Rivoli (the pick-up): 2492 m by car at 28 km/h → 321 s
    assert for_job(received, job.pk) == [
        (
            "job.position",
            {"job": job.pk, "lat": ORSAY.lat, "lon": ORSAY.lon, "eta_s": 321, "distance_m": 2492},
        )
    ]
    with pytest.raises(CoopError) as exc:
        worker_position_update(cooperative=coop, worker=driver, lat=ORSAY.lat, lon=ORSAY.lon)
    assert exc.value.code == "position_rate_limited"
