"""What each side sees: job visibility, open jobs, the board, earnings and the pre-settlement
receipt."""

from __future__ import annotations

import pytest

from coopwork.core.errors import CoopError
from coopwork.marketplace import lifecycle
from coopwork.marketplace.selectors import (
    client_jobs,
    coordinator_board,
    job_get,
    offers_for_worker,
    open_jobs_for_worker,
    receipt,
    worker_earnings,
    worker_jobs,
)
from coopwork.marketplace.services import (
    job_approve,
    job_book,
    job_claim,
    job_release,
    offer_create,
    offer_refuse,
)

from .helpers import (
    at,
    completed_ride,
    make_client,
    make_coordinator,
    make_worker,
    ride_request,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db


def test_who_may_see_a_job(coop):
    client = make_client("c")
    worker = make_worker(coop, "w")
    other_worker = make_worker(coop, "o")
    coordinator = make_coordinator(coop, "coord")
    stranger = make_client("s")
    job = job_book(cooperative=coop, client=client, request=shift_request(at(weekday(3), 9)))
    # Open: its client, coordinators and any worker of the co-op.
    for user in (client, worker, other_worker, coordinator):
        assert job_get(cooperative=coop, job_id=job.pk, user=user).pk == job.pk
    with pytest.raises(CoopError, match="job_not_found"):
        job_get(cooperative=coop, job_id=job.pk, user=stranger)
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    # Still assigned (not started): workers may look; once it starts, only those on it.
    from coopwork.marketplace.services import job_clock_in

    job_clock_in(
        cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=job.starts_at
    )
    assert job_get(cooperative=coop, job_id=job.pk, user=worker).pk == job.pk
    with pytest.raises(CoopError, match="job_not_found"):
        job_get(cooperative=coop, job_id=job.pk, user=other_worker)


def test_open_jobs_fit_the_worker(coop):
    client = make_client("c")
    cyclist = make_worker(coop, "cyclist", skills=("waiter",), vehicle="bike")
    day = weekday(3)
    waiter = job_book(
        cooperative=coop, client=client, request=shift_request(at(day, 9), skills=("waiter",))
    )
    job_book(
        cooperative=coop, client=client, request=shift_request(at(day, 10), skills=("forklift",))
    )
    job_book(cooperative=coop, client=client, request=ride_request(at(day, 8)))  # needs a car
    plain = job_book(cooperative=coop, client=client, request=shift_request(at(day, 7)))
    assert [j.pk for j in open_jobs_for_worker(cooperative=coop, user=cyclist)] == [
        plain.pk,
        waiter.pk,
    ]
    job_claim(cooperative=coop, job_id=plain.pk, worker=cyclist)
    assert [j.pk for j in open_jobs_for_worker(cooperative=coop, user=cyclist)] == [waiter.pk]
    assert open_jobs_for_worker(cooperative=coop, user=client) == []
    # A full shift stays listed, for its waiting list, to the others; a full ride does not.
    other = make_worker(coop, "other", skills=("waiter",), vehicle="car")
    listed = {j.pk: j.status for j in open_jobs_for_worker(cooperative=coop, user=other)}
    assert listed[plain.pk] == lifecycle.ASSIGNED and listed[waiter.pk] == lifecycle.OPEN
    ride = job_book(cooperative=coop, client=client, request=ride_request(at(day, 11)))
    job_claim(cooperative=coop, job_id=ride.pk, worker=make_worker(coop, "driver", vehicle="car"))
    assert ride.pk not in [j.pk for j in open_jobs_for_worker(cooperative=coop, user=other)]


def test_a_worker_who_gave_a_position_back_sees_the_job_again(coop):
    """Regression: the exclusion matched "some assignment of this worker" and "some active
    assignment" on different rows, so after giving a position back a worker no longer saw a job
    another worker was still on."""
    client = make_client("c")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    job = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    job_claim(cooperative=coop, job_id=job.pk, worker=w1)
    job_claim(cooperative=coop, job_id=job.pk, worker=w2)
    job_release(cooperative=coop, job_id=job.pk, worker=w1)
    assert [j.pk for j in open_jobs_for_worker(cooperative=coop, user=w1)] == [job.pk]
    assert open_jobs_for_worker(cooperative=coop, user=w2) == []


def test_offers_and_refusing_them(coop):
    client = make_client("c")
    driver = make_worker(coop, "d", vehicle="car")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    offer = offer_create(cooperative=coop, job_id=job.pk, worker_id=driver.pk, explanation={"a": 1})
    assert [o.pk for o in offers_for_worker(cooperative=coop, user=driver)] == [offer.pk]
    refused = offer_refuse(cooperative=coop, offer_id=offer.pk, worker=driver)
    assert refused.status == "refused"
    assert offers_for_worker(cooperative=coop, user=driver) == []
    # Refusing has no consequence: the job is still open to the same worker.
    assert [j.pk for j in open_jobs_for_worker(cooperative=coop, user=driver)] == [job.pk]
    with pytest.raises(CoopError, match="offer_not_found"):
        offer_refuse(cooperative=coop, offer_id=offer.pk, worker=driver)


def test_board_jobs_and_earnings(coop):
    client = make_client("c")
    driver = make_worker(coop, "d", vehicle="car")
    done = completed_ride(coop, client, driver, hour=10)
    open_job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 12)))
    board = coordinator_board(cooperative=coop)
    assert [j.pk for j in board["completed"]] == [done.pk]
    assert [j.pk for j in board["open"]] == [open_job.pk]
    assert set(board) >= {"open", "assigned", "settled", "cancelled"}
    assert worker_earnings(cooperative=coop, user=driver).jobs == 0
    job_approve(cooperative=coop, job_id=done.pk, actor=client)
    earnings = worker_earnings(cooperative=coop, user=driver)
    # 616 + top-up: 69 min engaged (60 min lead + 9 min) → 4140 s × 1450 / 3600 = 1667.5 →
    # 1668; top-up 1052
    assert (earnings.jobs, earnings.pay.minor, earnings.topup.minor, earnings.hours) == (
        1,
        616,
        1052,
        1.15,
    )
    assert [j.pk for j in client_jobs(cooperative=coop, user=client)] == [open_job.pk, done.pk]
    assert [a.job_id for a in worker_jobs(cooperative=coop, user=driver)] == [done.pk]
    assert [j.pk for j in coordinator_board(cooperative=coop)["settled"]] == [done.pk]


def test_receipt_before_settlement_is_the_frozen_quote(coop):
    client = make_client("c")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    r = receipt(job=job)
    assert (r["kind"], r["net"], r["worker"], r["coop"], r["vat"], r["total"], r["topup"]) == (
        "quote",
        700,
        616,
        84,
        140,
        840,
        0,
    )
    assert r["booked"] == job.quote
    assert set(r["terms"]) == {"commission_rate", "vat_rate", "pay_floor_hourly", "pricing_ride"}
    assert r["terms"]["commission_rate"]["value"] == "3/25"
