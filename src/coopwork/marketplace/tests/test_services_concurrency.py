"""Concurrency on PostgreSQL, with real threads released together by a barrier.

- 50 threads claim the last position of a shift: one wins, 49 join the waiting list.
- 200 accepts over a hot set of 10 rides (20 workers each): every ride is taken exactly once and
  every loser is told ``job_taken``.
- The same 200 accepts through a deliberately unsafe get-then-save accept: the same check finds
  the double assignments, which shows the check can see them.
- Offers accepted concurrently, and invoices issued concurrently, stay consistent.

Each thread closes its database connection when done. PostgreSQL here allows 100 connections,
so the 200-thread runs hold at most ``MAX_CONNECTIONS`` of them at once (a semaphore, taken after
the barrier); the 50-thread run holds all 50.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from coopwork import testing
from coopwork.core.errors import CoopError
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace import errors, lifecycle
from coopwork.marketplace.models import Assignment, AssignmentStatus, Invoice, Job, Offer
from coopwork.marketplace.services import (
    invoice_issue,
    job_approve,
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
    offer_accept,
    offer_create,
)

from .helpers import at, make_client, make_worker, ride_request, shift_request, weekday

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MAX_CONNECTIONS = 40


def run_together(
    calls: list[Callable[[], Any]], *, max_connections: int | None = None
) -> list[Any]:
    """Run each call in its own thread, all released at once by a barrier. Returns, in order,
    each call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    gate = threading.BoundedSemaphore(max_connections or len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            with gate:
                try:
                    results[i] = calls[i]()
                finally:
                    connection.close()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


def codes(results: list[Any]) -> Counter[str]:
    """'ok' for a result, the stable code for a CoopError, the class name for anything else."""
    out: Counter[str] = Counter()
    for r in results:
        if isinstance(r, CoopError):
            out[r.code] += 1
        elif isinstance(r, BaseException):
            out[f"{type(r).__name__}: {r}"] += 1
        else:
            out["ok"] += 1
    return out


def doubles(job_ids: list[int]) -> dict[int, int]:
    """The check: jobs holding more than one ACTIVE assignment per position."""
    rows = (
        Assignment.objects.filter(job_id__in=job_ids, status=AssignmentStatus.ACTIVE)
        .values("job_id", "job__positions")
        .annotate(n=Count("id"))
    )
    return {r["job_id"]: r["n"] for r in rows if r["n"] > r["job__positions"]}


@pytest.fixture
def coop():
    return testing.make_coop("race", name="Race Coop")


def test_50_threads_claim_the_last_position(coop):
    with transaction.atomic():  # set-up through the services, committed once
        client = make_client("client")
        start = at(weekday(3), 9)
        job = job_book(cooperative=coop, client=client, request=shift_request(start, positions=2))
        first = make_worker(coop, "first")
        job_claim(cooperative=coop, job_id=job.pk, worker=first)
        workers = [make_worker(coop, f"w{i}") for i in range(50)]

    results = run_together(
        [lambda w=w: job_claim(cooperative=coop, job_id=job.pk, worker=w) for w in workers]
    )

    assert codes(results) == {"ok": 50}
    statuses = Counter(r.status for r in results)
    assert statuses == {AssignmentStatus.ACTIVE: 1, AssignmentStatus.WAITLISTED: 49}
    [winner] = [r for r in results if r.status == AssignmentStatus.ACTIVE]
    assert winner.slot == 2
    active = Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE)
    assert sorted(active.values_list("worker_id", "slot")) == sorted(
        [(first.pk, 1), (winner.worker_id, 2)]
    )
    assert Assignment.objects.filter(job=job, status=AssignmentStatus.WAITLISTED).count() == 49
    assert doubles([job.pk]) == {}
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED


@pytest.fixture
def hot_rides(coop):
    """10 open rides and 200 car drivers, 20 per ride."""
    with transaction.atomic():
        client = make_client("client")
        rides = [
            job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 8 + i)))
            for i in range(10)
        ]
        drivers = [make_worker(coop, f"d{i}", vehicle="car") for i in range(200)]
    pairs = [(rides[i % 10], d) for i, d in enumerate(drivers)]
    return rides, pairs


def test_200_concurrent_accepts_never_double_assign(coop, hot_rides):
    rides, pairs = hot_rides
    results = run_together(
        [
            lambda job=job, d=d: job_claim(cooperative=coop, job_id=job.pk, worker=d)
            for job, d in pairs
        ],
        max_connections=MAX_CONNECTIONS,
    )

    assert codes(results) == {"ok": 10, "job_taken": 190}
    ids = [r.pk for r in rides]
    assert doubles(ids) == {}
    # Every ride taken exactly once, by one of its own 20 drivers, and marked assigned.
    winners = {r.job_id: r.worker_id for r in results if isinstance(r, Assignment)}
    assert sorted(winners) == sorted(ids)
    for job, d in pairs:
        if winners[job.pk] == d.pk:
            assert d in [dd for jj, dd in pairs if jj.pk == job.pk]
    per_job = Counter(
        Assignment.objects.filter(job_id__in=ids, status=AssignmentStatus.ACTIVE).values_list(
            "job_id", flat=True
        )
    )
    assert per_job == dict.fromkeys(ids, 1)
    assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"assigned"}
    assert Assignment.objects.filter(job_id__in=ids).count() == 10


def unsafe_accept(job_id: int, worker_id: int) -> Assignment:
    """The naive version: read, check, write, with no lock and no slot. Test-only."""
    job = Job.objects.get(pk=job_id)
    if job.status != lifecycle.OPEN:
        raise errors.JobTaken()
    time.sleep(0.02)  # widen the window between the check and the write
    assignment = Assignment.objects.create(
        job=job,
        worker_id=worker_id,
        status=AssignmentStatus.ACTIVE,
        slot=None,
        assigned_at=timezone.now(),
    )
    Job.objects.filter(pk=job_id).update(status=lifecycle.ASSIGNED)
    return assignment


def test_the_same_check_catches_an_unsafe_get_then_save_accept(coop, hot_rides):
    rides, pairs = hot_rides
    results = run_together(
        [lambda job=job, d=d: unsafe_accept(job.pk, d.pk) for job, d in pairs],
        max_connections=MAX_CONNECTIONS,
    )
    found = doubles([r.pk for r in rides])
    outcome = codes(results)
    print(f"unsafe accept: {outcome}, doubles per ride: {found}")
    assert set(outcome) <= {"ok", "job_taken"}
    assert len(found) > 0, "the unsafe version should have produced double assignments"
    assert sum(found.values()) - len(found) == outcome["ok"] - 10


def test_concurrent_offer_accepts(coop):
    """Offers to 10 drivers for each of 10 rides, all accepted at once: one winner per ride, no
    deadlock; the others are told the job is taken or their offer is gone."""
    with transaction.atomic():
        client = make_client("client")
        rides = [
            job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 8 + i)))
            for i in range(10)
        ]
        drivers = [make_worker(coop, f"d{i}", vehicle="car") for i in range(100)]
        offers = [
            offer_create(
                cooperative=coop,
                job_id=rides[i % 10].pk,
                worker_id=d.pk,
                explanation={"test": True},
                now=timezone.now() + dt.timedelta(minutes=5),  # not expired before the race
            )
            for i, d in enumerate(drivers)
        ]
    results = run_together(
        [
            lambda o=o, d=d: offer_accept(cooperative=coop, offer_id=o.pk, worker=d)
            for o, d in zip(offers, drivers, strict=True)
        ],
        max_connections=MAX_CONNECTIONS,
    )
    outcome = codes(results)
    assert outcome["ok"] == 10
    assert set(outcome) <= {"ok", "job_taken", "offer_not_found"}, outcome
    assert doubles([r.pk for r in rides]) == {}
    assert Offer.objects.filter(status="accepted").count() == 10
    assert Offer.objects.filter(status="offered").count() == 0


def test_concurrent_invoices_for_one_period(coop):
    client = make_client("acme")
    worker = make_worker(coop, "w")
    start = at(weekday(3), 9)
    job = job_book(cooperative=coop, client=client, business=True, request=shift_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=8),
    )
    job_approve(cooperative=coop, job_id=job.pk, actor=client)
    day = start.date()
    periods = [(day, day), (day - dt.timedelta(days=1), day + dt.timedelta(days=1))] * 5
    results = run_together(
        [
            lambda p=p: invoice_issue(
                cooperative=coop,
                client_id=client.pk,
                period_start=p[0],
                period_end=p[1],
                actor=None,
            )
            for p in periods
        ]
    )
    assert codes(results) == {"ok": 1, "invoice_exists": 9}
    assert list(Invoice.objects.filter(cooperative=coop).values_list("number", flat=True)) == [1]
    assert trial_balance(cooperative=coop).balanced
