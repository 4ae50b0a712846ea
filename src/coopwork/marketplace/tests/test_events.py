"""Live events: published to ``job-<id>`` after commit, never before, never on a refusal; the
co-op's workers are pinged (the name only) when its open jobs change."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from coopwork.core.errors import CoopError
from coopwork.core.events import Event
from coopwork.marketplace.services import (
    job_assign,
    job_book,
    job_cancel,
    job_claim,
    job_release,
    worker_position_update,
)

from .helpers import (
    ORSAY,
    at,
    make_client,
    make_coordinator,
    make_worker,
    ride_request,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db


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
            (f"work-{coop.pk}",),
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


def pings(got: list[Event], coop) -> list[str]:
    """The events the co-op's worker group was told of (their names: it never gets a payload)."""
    return [e.name for e in got if f"work-{coop.pk}" in e.pinged]


def is_job_event(e: Event) -> bool:
    """An event about the job (its page, the board), not a notification to one person."""
    return any(a.startswith("job-") for a in e.audiences)


def job_events(got: list[Event]) -> list[str]:
    return [e.name for e in got if is_job_event(e)]


def test_the_coops_workers_are_pinged_when_its_open_jobs_change(
    coop, other_coop, received, django_capture_on_commit_callbacks
):
    """Opened, filled, reopened, cancelled while open: each pings ``work-<co-op>``, and only that
    co-op's group. A claim that leaves the job open, a cancellation of a job already taken and an
    auto-dispatched booking (offered, not listed) change nobody's open jobs: no ping."""
    client = make_client("c")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    driver = make_worker(coop, "d", vehicle="car")

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    shift = run(
        job_book,
        cooperative=coop,
        client=client,
        request=shift_request(at(weekday(3), 9), positions=2),
    )
    run(job_claim, cooperative=coop, job_id=shift.pk, worker=w1)
    run(job_claim, cooperative=coop, job_id=shift.pk, worker=w2)
    run(job_release, cooperative=coop, job_id=shift.pk, worker=w2)
    run(job_cancel, cooperative=coop, job_id=shift.pk, actor=client)
    assert job_events(received) == [
        "job.opened",
        "job.claimed",
        "job.fill",
        "job.reopen",
        "job.released",
        "job.cancel",
    ]
    assert pings(received, coop) == ["job.opened", "job.fill", "job.reopen", "job.cancel"]

    received.clear()
    ride = run(job_book, cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    run(job_claim, cooperative=coop, job_id=ride.pk, worker=driver)  # the claim statement on PG
    run(job_cancel, cooperative=coop, job_id=ride.pk, actor=client)  # already taken
    run(
        job_book,
        cooperative=coop,
        client=client,
        request=ride_request(at(weekday(3), 11)),
        auto_dispatch=True,
    )
    assert job_events(received) == ["job.opened", "job.fill", "job.cancel", "job.opened"]
    assert pings(received, coop) == ["job.opened", "job.fill"]
    assert pings(received, other_coop) == []
    # Only the co-op's own worker group, and the payloads stay with the job's audiences.
    assert {e.pinged for e in received} == {(f"work-{coop.pk}",), ()}
    assert all(f"work-{coop.pk}" not in e.audiences for e in received)


def test_a_worker_assigned_or_promoted_without_a_change_of_open_jobs_is_told(
    coop, received, django_capture_on_commit_callbacks
):
    """A coordinator's assignment to a shift that stays open, a promotion from the waiting list
    and a replacement on a full job change only the workers' own jobs: each hears it in their own
    group, and the co-op's workers are not pinged."""
    client = make_client("c")
    coordinator = make_coordinator(coop, "k")
    w1, w2, w3 = (make_worker(coop, n) for n in ("w1", "w2", "w3"))
    two = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    one = job_book(cooperative=coop, client=client, request=shift_request(at(weekday(3), 14)))
    job_claim(cooperative=coop, job_id=one.pk, worker=w1)
    job_claim(cooperative=coop, job_id=one.pk, worker=w2)  # waiting list
    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job_assign(cooperative=coop, job_id=two.pk, worker_id=w3.pk, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        job_release(cooperative=coop, job_id=one.pk, worker=w1)  # w2 takes the position
    with django_capture_on_commit_callbacks(execute=True):  # w1 replaces w2 on the full shift
        job_assign(
            cooperative=coop,
            job_id=one.pk,
            worker_id=w1.pk,
            actor=coordinator,
            replace_worker_id=w2.pk,
        )
    assert [(e.name, e.audiences[2:], e.pinged) for e in received if is_job_event(e)] == [
        ("job.assigned", (f"user-{w3.pk}",), ()),
        ("job.released", (f"user-{w2.pk}",), ()),
        ("job.assigned", (f"user-{w1.pk}", f"user-{w2.pk}"), ()),
    ]
