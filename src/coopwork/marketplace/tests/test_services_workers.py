"""Workers' profiles and availability, and a coordinator's manual assignment."""

from __future__ import annotations

import datetime as dt

import pytest

from coopwork.core.errors import CoopError
from coopwork.marketplace import lifecycle
from coopwork.marketplace.models import (
    Assignment,
    AssignmentStatus,
    Notification,
    Offer,
    OfferStatus,
    WorkerProfile,
)
from coopwork.marketplace.services import (
    job_assign,
    job_book,
    job_cancel,
    job_claim,
    offer_accept,
    offer_create,
    worker_availability_set,
    worker_profile_save,
    zone_create,
)

from .helpers import (
    PARIS_SQUARE,
    at,
    counts,
    make_client,
    make_coordinator,
    make_worker,
    ride_request,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db


def refused(code, fn, **kwargs):
    before = counts()
    with pytest.raises(CoopError) as exc:
        fn(**kwargs)
    assert exc.value.code == code
    assert counts() == before


def test_profile_save_and_update(coop):
    zone_create(cooperative=coop, code="paris", name="Paris", polygon=PARIS_SQUARE, actor=None)
    w = make_worker(coop, "w", skills=(" Waiter ", "waiter", "BAR"), vehicle="bike")
    profile = WorkerProfile.objects.get(cooperative=coop, user=w)
    assert profile.skills == ["bar", "waiter"]
    token = profile.calendar_token
    assert len(token) >= 24
    again = worker_profile_save(
        cooperative=coop,
        user=w,
        skills=["driver"],
        vehicle="car",
        capacity_kg=50,
        seats=4,
        zone_codes=["paris"],
    )
    assert again.pk == profile.pk
    assert (again.skills, again.vehicle, again.capacity_kg, again.seats) == (
        ["driver"],
        "car",
        50,
        4,
    )
    assert [z.code for z in again.zones.all()] == ["paris"]
    assert again.calendar_token == token


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"vehicle": "rocket"}, "vehicle_mismatch"),
        ({"capacity_kg": 3000}, "quantity_invalid"),
        ({"capacity_kg": -1}, "quantity_invalid"),
        ({"seats": 9}, "quantity_invalid"),
        ({"zone_codes": ["atlantis"]}, "outside_service_area"),
    ],
)
def test_profile_refusals(coop, changes, code):
    w = make_worker(coop, "w")
    args = {"cooperative": coop, "user": w, "skills": [], "vehicle": "bike", **changes}
    refused(code, worker_profile_save, **args)


def test_only_workers_have_profiles(coop):
    refused(
        "permission_denied",
        worker_profile_save,
        cooperative=coop,
        user=make_client("c"),
        skills=[],
        vehicle="bike",
    )


def test_availability(coop):
    w = make_worker(coop, "w")
    holiday = weekday(10)
    profile = worker_availability_set(
        cooperative=coop,
        user=w,
        weekly=[(0, dt.time(9), dt.time(17)), (5, dt.time(10), dt.time(14))],
        exceptions=[
            (holiday, False, None, None, "holiday"),
            (holiday + dt.timedelta(days=1), True, dt.time(8), dt.time(12), "mornings"),
        ],
    )
    assert list(profile.weekly.values_list("weekday", "start", "end")) == [
        (0, dt.time(9), dt.time(17)),
        (5, dt.time(10), dt.time(14)),
    ]
    assert list(profile.exceptions.values_list("date", "available")) == [
        (holiday, False),
        (holiday + dt.timedelta(days=1), True),
    ]
    # Replaced, not added to; exceptions untouched when not given.
    worker_availability_set(cooperative=coop, user=w, weekly=[(2, dt.time(6), dt.time(7))])
    assert list(profile.weekly.values_list("weekday", flat=True)) == [2]
    assert profile.exceptions.count() == 2


@pytest.mark.parametrize(
    ("weekly", "exceptions", "code"),
    [
        ([(7, dt.time(9), dt.time(17))], None, "quantity_invalid"),
        ([(-1, dt.time(9), dt.time(17))], None, "quantity_invalid"),
        ([(1, dt.time(17), dt.time(9))], None, "times_invalid"),
        ([(1, dt.time(9), dt.time(9))], None, "times_invalid"),
        ([], [(dt.date(2027, 1, 4), True, None, None, "")], "times_invalid"),
        ([], [(dt.date(2027, 1, 4), True, dt.time(12), dt.time(8), "")], "times_invalid"),
    ],
)
def test_availability_refusals(coop, weekly, exceptions, code):
    w = make_worker(coop, "w")
    worker_availability_set(cooperative=coop, user=w, weekly=[(3, dt.time(9), dt.time(10))])
    refused(
        code,
        worker_availability_set,
        cooperative=coop,
        user=w,
        weekly=weekly,
        exceptions=exceptions,
    )
    assert list(WorkerProfile.objects.get(user=w).weekly.values_list("weekday", flat=True)) == [3]


def test_availability_needs_a_worker(coop):
    refused(
        "not_a_worker", worker_availability_set, cooperative=coop, user=make_client("c"), weekly=[]
    )


# --- Manual assignment ----------------------------------------------------------------------


def test_coordinator_assigns_and_reassigns(coop):
    client = make_client("c")
    coordinator = make_coordinator(coop, "coord")
    d1 = make_worker(coop, "d1", vehicle="car")
    d2 = make_worker(coop, "d2", vehicle="car")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    a1 = job_assign(cooperative=coop, job_id=job.pk, worker_id=d1.pk, actor=coordinator)
    assert (a1.status, a1.slot, a1.manual) == (AssignmentStatus.ACTIVE, 1, True)
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    assert Notification.objects.filter(user=d1, kind="job.assigned", job=job).count() == 1
    refused(
        "job_taken", job_assign, cooperative=coop, job_id=job.pk, worker_id=d2.pk, actor=coordinator
    )
    a2 = job_assign(
        cooperative=coop, job_id=job.pk, worker_id=d2.pk, actor=coordinator, replace_worker_id=d1.pk
    )
    a1.refresh_from_db()
    assert (a1.status, a1.slot) == (AssignmentStatus.REMOVED, None)
    assert (a2.status, a2.slot) == (AssignmentStatus.ACTIVE, 1)
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    refused(
        "already_on_job",
        job_assign,
        cooperative=coop,
        job_id=job.pk,
        worker_id=d2.pk,
        actor=coordinator,
        replace_worker_id=d2.pk,
    )
    refused(
        "not_your_job",
        job_assign,
        cooperative=coop,
        job_id=job.pk,
        worker_id=d1.pk,
        actor=coordinator,
        replace_worker_id=d1.pk,  # d1 no longer holds it
    )


def test_assigning_a_waitlisted_worker_promotes_their_place(coop):
    client = make_client("c")
    coordinator = make_coordinator(coop, "coord")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    job = job_book(cooperative=coop, client=client, request=shift_request(at(weekday(3), 9)))
    job_claim(cooperative=coop, job_id=job.pk, worker=w1)
    waiting = job_claim(cooperative=coop, job_id=job.pk, worker=w2)
    assert waiting.status == AssignmentStatus.WAITLISTED
    promoted = job_assign(
        cooperative=coop, job_id=job.pk, worker_id=w2.pk, actor=coordinator, replace_worker_id=w1.pk
    )
    assert promoted.pk == waiting.pk
    assert (promoted.status, promoted.slot, promoted.manual) == (AssignmentStatus.ACTIVE, 1, True)
    assert Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE).count() == 1


def test_assignment_refusals(coop):
    client = make_client("c")
    coordinator = make_coordinator(coop, "coord")
    cyclist = make_worker(coop, "bike", vehicle="bike")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    args = {"cooperative": coop, "job_id": job.pk}
    refused("permission_denied", job_assign, **args, worker_id=cyclist.pk, actor=client)
    refused("not_a_worker", job_assign, **args, worker_id=client.pk, actor=coordinator)
    refused("vehicle_mismatch", job_assign, **args, worker_id=cyclist.pk, actor=coordinator)
    job_cancel(cooperative=coop, job_id=job.pk, actor=client)
    driver = make_worker(coop, "car", vehicle="car")
    refused("transition_not_allowed", job_assign, **args, worker_id=driver.pk, actor=coordinator)


def test_a_hand_assignment_withdraws_the_jobs_live_offers(coop):
    """Offers on a job a coordinator has filled by hand are withdrawn at once, so the workers they
    were made to are free for other offers instead of waiting for them to expire."""
    client = make_client("c")
    coordinator = make_coordinator(coop, "coord")
    d1 = make_worker(coop, "d1", vehicle="car")
    d2 = make_worker(coop, "d2", vehicle="car")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    offer = offer_create(cooperative=coop, job_id=job.pk, worker_id=d1.pk, explanation={})
    job_assign(cooperative=coop, job_id=job.pk, worker_id=d2.pk, actor=coordinator)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    assert offer.answered_at is not None
    assert not Offer.objects.filter(job=job, status=OfferStatus.OFFERED).exists()
    with pytest.raises(CoopError):
        offer_accept(cooperative=coop, offer_id=offer.pk, worker=d1)
