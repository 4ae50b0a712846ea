"""A worker who never comes: their position is freed, they are not paid, and the workers who
came are still paid when they finish."""

from __future__ import annotations

import datetime as dt

import pytest

from coopwork.core.errors import CoopError
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace import lifecycle
from coopwork.marketplace.models import Assignment, AssignmentStatus, Job
from coopwork.marketplace.services import (
    job_approve,
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
    job_transition,
    job_worker_no_show,
)

from .helpers import (
    at,
    balance,
    counts,
    holder,
    make_client,
    make_worker,
    ride_request,
    shift_request,
    weekday,
)


@pytest.mark.django_db
def test_no_show_on_a_started_shift_lets_the_others_be_paid(coop):
    client = make_client("site")
    came, absent = make_worker(coop, "came"), make_worker(coop, "absent")
    start = at(weekday(3), 9)
    job = job_book(
        cooperative=coop, client=client, request=shift_request(start, hours=4, positions=2)
    )
    for w in (came, absent):
        job_claim(cooperative=coop, job_id=job.pk, worker=w)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=came, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=came,
        now=start + dt.timedelta(hours=4),
    )
    job.refresh_from_db()
    assert job.status == lifecycle.STARTED  # still waiting for the absent worker

    with pytest.raises(CoopError) as early:  # within the clock-in tolerance: too soon to say
        job_worker_no_show(
            cooperative=coop,
            job_id=job.pk,
            worker_id=absent.pk,
            actor=client,
            now=start + dt.timedelta(minutes=30),
        )
    assert early.value.code == "transition_not_allowed"
    with pytest.raises(CoopError) as stranger:
        job_worker_no_show(
            cooperative=coop,
            job_id=job.pk,
            worker_id=absent.pk,
            actor=came,
            now=start + dt.timedelta(hours=2),
        )
    assert stranger.value.code == "not_your_job"

    job = job_worker_no_show(
        cooperative=coop,
        job_id=job.pk,
        worker_id=absent.pk,
        actor=client,
        now=start + dt.timedelta(hours=2),
    )
    assert job.status == lifecycle.COMPLETED
    assert Assignment.objects.get(job=job, worker=absent).status == AssignmentStatus.NO_SHOW
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.status == lifecycle.SETTLED
    # 4 h × 20.00 = 80.00 net; worker part 88 % = 70.40; the absent worker gets nothing.
    assert balance(coop, "worker_payable", holder(came)) == 7040
    assert balance(coop, "worker_payable", holder(absent)) == 0
    assert [w["worker"] for w in job.receipt["workers"]] == [came.pk]
    assert trial_balance(cooperative=coop).balanced


@pytest.mark.django_db
def test_no_show_before_anyone_started_promotes_the_waiting_list(coop):
    client = make_client("site2")
    absent, waiting = make_worker(coop, "absent2"), make_worker(coop, "waiting2")
    start = at(weekday(3), 9)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, hours=4))
    job_claim(cooperative=coop, job_id=job.pk, worker=absent)
    assert job_claim(cooperative=coop, job_id=job.pk, worker=waiting).status == "waitlisted"
    job_worker_no_show(
        cooperative=coop,
        job_id=job.pk,
        worker_id=absent.pk,
        actor=client,
        now=start + dt.timedelta(hours=2),
    )
    promoted = Assignment.objects.get(job=job, worker=waiting)
    assert (promoted.status, promoted.slot) == (AssignmentStatus.ACTIVE, 1)


@pytest.mark.django_db
def test_closing_a_whole_job_no_show_releases_its_assignments(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    start = at(weekday(2), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    # Not before the start and its clock-in tolerance (60 minutes by default): nothing written.
    before = counts()
    with pytest.raises(CoopError) as early:
        job_transition(
            cooperative=coop,
            job_id=job.pk,
            transition="no_show",
            actor=client,
            now=start + dt.timedelta(minutes=59),
        )
    assert early.value.code == "transition_not_allowed"
    assert counts() == before
    job_transition(
        cooperative=coop,
        job_id=job.pk,
        transition="no_show",
        actor=client,
        now=start + dt.timedelta(minutes=61),
    )
    assert Job.objects.get(pk=job.pk).status == lifecycle.NO_SHOW
    assert Assignment.objects.get(job=job).status == AssignmentStatus.NO_SHOW
    job = job_transition(
        cooperative=coop, job_id=job.pk, transition="close_no_show", actor=None, system=True
    )
    assert job.status == lifecycle.CANCELLED
    assert not Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE).exists()
