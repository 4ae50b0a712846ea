"""Edges found by the web and API work: a timesheet worth nothing, a drop-off outside the area,
sending home on a ride, and timed transitions that keep going past a failing job."""

from __future__ import annotations

import datetime as dt

import pytest

from coopwork.core.errors import CoopError
from coopwork.ledger.models import Leg
from coopwork.marketplace import lifecycle
from coopwork.marketplace.services import (
    job_approve,
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
    job_send_home,
    run_due_transitions,
    zone_create,
)

from .helpers import (
    LYON,
    PARIS_SQUARE,
    RIVOLI,
    at,
    make_client,
    make_worker,
    ride_request,
    shift_request,
    weekday,
)


@pytest.mark.django_db
def test_a_timesheet_worth_nothing_settles_without_moving_money(coop):
    client = make_client("instant")
    worker = make_worker(coop, "instant-w")
    start = at(weekday(3), 9)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, hours=4))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(cooperative=coop, job_id=job.pk, code=job.clock_code, worker=worker, now=start)
    legs = Leg.objects.count()
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.status == lifecycle.SETTLED
    assert (job.settlement_id, job.receipt["total"]) == (None, 0)
    assert Leg.objects.count() == legs


@pytest.mark.django_db
def test_a_drop_off_outside_the_service_area_is_refused(coop):
    zone_create(cooperative=coop, code="paris", name="Paris", polygon=PARIS_SQUARE, actor=None)
    client = make_client("far")
    with pytest.raises(CoopError) as exc:
        job_book(
            cooperative=coop,
            client=client,
            request=ride_request(at(weekday(2), 10), pickup=RIVOLI, dropoff=LYON),
        )
    assert exc.value.code == "outside_service_area"


@pytest.mark.django_db
def test_only_a_shift_worker_is_sent_home(coop):
    client = make_client("rider-home")
    driver = make_worker(coop, "driver-home", vehicle="car")
    start = at(weekday(2), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=driver, now=start)
    with pytest.raises(CoopError) as exc:
        job_send_home(
            cooperative=coop,
            job_id=job.pk,
            worker_id=driver.pk,
            actor=client,
            now=start + dt.timedelta(minutes=5),
        )
    assert exc.value.code == "transition_not_allowed"


@pytest.mark.django_db
def test_auto_approval_goes_on_past_a_job_that_cannot_be_settled(coop, monkeypatch):
    from coopwork.marketplace import services

    client = make_client("auto")
    jobs = []
    for n in range(2):
        worker = make_worker(coop, f"auto-w{n}")
        start = at(weekday(3), 9 + n)
        job = job_book(cooperative=coop, client=client, request=shift_request(start, hours=2))
        job_claim(cooperative=coop, job_id=job.pk, worker=worker)
        job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
        job_clock_out(
            cooperative=coop,
            job_id=job.pk,
            code=job.clock_code,
            worker=worker,
            now=start + dt.timedelta(hours=2),
        )
        jobs.append(job)
    real_settle = services._settle

    def settle_fails_for_the_first(job, actor):
        if job.pk == jobs[0].pk:
            raise CoopError(code="simulated")
        real_settle(job, actor)

    monkeypatch.setattr(services, "_settle", settle_fails_for_the_first)
    counts = run_due_transitions(now=at(weekday(3), 9) + dt.timedelta(days=5))
    assert counts["auto_approved"] == 1
    statuses = [type(j).objects.get(pk=j.pk).status for j in jobs]
    assert statuses == [lifecycle.COMPLETED, lifecycle.SETTLED]
