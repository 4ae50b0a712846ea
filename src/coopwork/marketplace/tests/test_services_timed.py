"""Timed transitions: offer expiry, timesheet auto-approval (with settlement), stale open jobs;
directly with ``now=`` and through the task with Django's immediate backend."""

from __future__ import annotations

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone

from coopwork.core import events
from coopwork.core.audit import audit_verify_chain, chain_key
from coopwork.core.events import Event
from coopwork.core.models import AuditEntry
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace import lifecycle
from coopwork.marketplace.models import Offer, OfferStatus
from coopwork.marketplace.services import (
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
    job_release,
    offer_create,
    offers_expire,
    run_due_transitions,
)
from coopwork.marketplace.tasks import run_timed_transitions

from .helpers import (
    at,
    holder,
    make_client,
    make_worker,
    ride_request,
    settlement_legs,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db

NOTHING = {"offers_expired": 0, "auto_approved": 0, "expired_jobs": 0}


def test_offers_expire(coop):
    driver = make_worker(coop, "driver", vehicle="car")
    job = job_book(
        cooperative=coop, client=make_client("c"), request=ride_request(at(weekday(3), 10))
    )
    sent = timezone.now()
    offer = offer_create(
        cooperative=coop,
        job_id=job.pk,
        worker_id=driver.pk,
        explanation={"distance_m": 800},
        now=sent,
    )
    # Default timeout 60 s.
    assert offer.expires_at == sent + dt.timedelta(seconds=60)
    assert run_due_transitions(now=sent + dt.timedelta(seconds=60)) == NOTHING
    assert run_due_transitions(now=sent + dt.timedelta(seconds=61)) == {
        **NOTHING,
        "offers_expired": 1,
    }
    offer.refresh_from_db()
    assert (offer.status, offer.answered_at) == (
        OfferStatus.EXPIRED,
        sent + dt.timedelta(seconds=61),
    )
    job.refresh_from_db()
    assert job.status == lifecycle.OPEN  # the job waits for someone else


def test_an_expired_offer_is_audited_and_its_worker_told_live(
    coop, django_capture_on_commit_callbacks
):
    drivers = [make_worker(coop, f"driver{i}", vehicle="car") for i in range(3)]
    job = job_book(
        cooperative=coop, client=make_client("c"), request=ride_request(at(weekday(3), 10))
    )
    sent = timezone.now()
    offers = [
        offer_create(cooperative=coop, job_id=job.pk, worker_id=d.pk, explanation={}, now=sent)
        for d in drivers
    ]
    Offer.objects.filter(pk=offers[2].pk).update(expires_at=sent + dt.timedelta(hours=1))
    got: list[Event] = []
    events.subscribe(got.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            expired = offers_expire(now=sent + dt.timedelta(seconds=61), batch=1)
    finally:
        events._handlers.remove(got.append)
    assert expired == 2  # in batches of one: the loop goes on until a batch comes back short
    assert sorted(
        (e.object_id, e.data["worker"]) for e in AuditEntry.objects.filter(action="offer.expired")
    ) == sorted((str(o.pk), o.worker_id) for o in offers[:2])
    assert sorted((e.name, e.audiences, e.payload["offer"]) for e in got) == sorted(
        ("offer.expired", (f"user-{o.worker_id}",), o.pk) for o in offers[:2]
    )
    assert Offer.objects.get(pk=offers[2].pk).status == OfferStatus.OFFERED
    assert audit_verify_chain(chain_key(coop)) is None


def test_timesheets_are_approved_and_settled_after_the_deadline(coop):
    client = make_client("bistro")
    worker = make_worker(coop, "w")
    start = at(weekday(3), 9)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, hours=6))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    end = start + dt.timedelta(hours=6)
    job_clock_out(cooperative=coop, job_id=job.pk, code=job.clock_code, worker=worker, now=end)
    # Default deadline 48 h after completion.
    assert run_due_transitions(now=end + dt.timedelta(hours=47, minutes=59)) == NOTHING
    job.refresh_from_db()
    assert job.status == lifecycle.COMPLETED
    assert run_due_transitions(now=end + dt.timedelta(hours=48)) == {
        **NOTHING,
        "auto_approved": 1,
    }
    job.refresh_from_db()
    assert job.status == lifecycle.SETTLED
    # 6 h × 2000 = 12000; co-op 1440; worker 10560; VAT 2400; total 14400
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 14400,
        ("worker_payable", holder(worker)): -10560,
        ("revenue_fees", ""): -1440,
        ("tax_vat_payable", ""): -2400,
    }
    assert trial_balance(cooperative=coop).balanced
    # Running again finds nothing more to do.
    assert run_due_transitions(now=end + dt.timedelta(hours=49)) == NOTHING


def test_stale_open_jobs_are_cancelled_without_a_fee(coop):
    client = make_client("c")
    start = at(weekday(3), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    assert run_due_transitions(now=start + dt.timedelta(hours=1)) == NOTHING
    assert run_due_transitions(now=start + dt.timedelta(hours=1, seconds=1)) == {
        **NOTHING,
        "expired_jobs": 1,
    }
    job.refresh_from_db()
    assert (job.status, job.cancelled_by, job.cancellation_fee_minor, job.settlement_id) == (
        lifecycle.CANCELLED,
        "system",
        0,
        None,
    )


def test_a_stale_job_whose_worker_gave_it_back_is_cancelled_too(coop):
    """Regression: a released assignment kept the job from ever expiring."""
    client = make_client("c")
    driver = make_worker(coop, "driver", vehicle="car")
    start = at(weekday(3), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    job_release(cooperative=coop, job_id=job.pk, worker=driver)
    assert run_due_transitions(now=start + dt.timedelta(hours=2))["expired_jobs"] == 1
    job.refresh_from_db()
    assert job.status == lifecycle.CANCELLED


def test_a_shift_with_a_worker_holding_a_position_is_not_expired(coop):
    client = make_client("c")
    worker = make_worker(coop, "w")
    start = at(weekday(3), 10)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, positions=2))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    assert run_due_transitions(now=start + dt.timedelta(hours=2)) == NOTHING
    job.refresh_from_db()
    assert job.status == lifecycle.OPEN


def test_the_task_runs_them_with_the_immediate_backend(coop):
    client = make_client("c")
    worker = make_worker(coop, "w")
    driver = make_worker(coop, "driver", vehicle="car")
    now = timezone.now()
    # An offer sent two hours ago (expired).
    open_ride = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    offer_create(
        cooperative=coop,
        job_id=open_ride.pk,
        worker_id=driver.pk,
        explanation={},
        now=now - dt.timedelta(hours=2),
    )
    # A shift booked four days ago for three days ago, worked and never approved.
    booked = now - dt.timedelta(days=4)
    start = (booked + dt.timedelta(days=1)).replace(microsecond=0)
    shift = job_book(
        cooperative=coop, client=client, request=shift_request(start, hours=4), now=booked
    )
    job_claim(cooperative=coop, job_id=shift.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=shift.pk, worker=worker, code=shift.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=shift.pk,
        code=shift.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=4),
    )
    # A ride booked four days ago for three days ago that nobody took.
    stale = job_book(cooperative=coop, client=client, request=ride_request(start), now=booked)

    result = run_timed_transitions.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"offers_expired": 1, "auto_approved": 1, "expired_jobs": 1}
    assert Offer.objects.get(job=open_ride).status == OfferStatus.EXPIRED
    shift.refresh_from_db()
    stale.refresh_from_db()
    open_ride.refresh_from_db()
    assert (shift.status, stale.status, open_ride.status) == ("settled", "cancelled", "open")
    # 4 h × 2000 = 8000 net; total with VAT 9600
    assert shift.receipt["total"] == 9600
    assert trial_balance(cooperative=coop).balanced
