import datetime as dt

import pytest
from django.utils import timezone

from coopwork import testing
from coopwork.core.services import role_grant
from coopwork.ledger.selectors import normal_balance, trial_balance
from coopwork.marketplace import lifecycle
from coopwork.marketplace.booking import Place, RideRequest, ShiftRequest
from coopwork.marketplace.services import (
    job_approve,
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
    worker_profile_save,
)

PARIS = Place("10 rue de Rivoli, Paris", 48.8556, 2.3600)
ORSAY = Place("Musée d'Orsay, Paris", 48.8600, 2.3266)


def make_worker(coop, name, skills=("waiter",), vehicle="bike"):
    user = testing.make_user(name)
    role_grant(cooperative=coop, user=user, role="worker", actor=None)
    worker_profile_save(cooperative=coop, user=user, skills=list(skills), vehicle=vehicle)
    return user


@pytest.mark.django_db
def test_shift_from_booking_to_settled(coop):
    client = testing.make_user("bistro")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    job = job_book(
        cooperative=coop,
        client=client,
        business=True,
        request=ShiftRequest(
            title="Waiter",
            site_name="Bistro",
            place=PARIS,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            hourly_rate_minor=2000,
            positions=2,
            break_minutes=30,
            skills=["waiter"],
        ),
    )
    assert job.status == lifecycle.OPEN
    assert job.quote["split"]["net"] == 2 * 2000 * 15 // 2  # 2 × 7.5 h × 20.00
    w1, w2, w3 = (make_worker(coop, n) for n in ("w1", "w2", "w3"))
    job_claim(cooperative=coop, job_id=job.pk, worker=w1)
    job_claim(cooperative=coop, job_id=job.pk, worker=w2)
    waitlisted = job_claim(cooperative=coop, job_id=job.pk, worker=w3)
    assert waitlisted.status == "waitlisted"
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    for w in (w1, w2):
        job_clock_in(cooperative=coop, job_id=job.pk, worker=w, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=w1,
        now=start + dt.timedelta(hours=8),
    )
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=w2,
        now=start + dt.timedelta(hours=8),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.status == lifecycle.SETTLED
    assert job.receipt["net"] == 30000
    assert job.receipt["coop"] == 3600  # 12 %
    assert job.receipt["vat"] == 6000
    assert trial_balance(cooperative=coop).balanced
    assert (
        normal_balance(cooperative=coop, code="worker_payable", holder=f"user:{w1.pk}").minor
        == 13200
    )


@pytest.mark.django_db
def test_ride_accept_and_pay_floor(coop):
    client = testing.make_user("rider")
    driver = make_worker(coop, "driver", skills=(), vehicle="car")
    start = timezone.now() + dt.timedelta(minutes=10)
    job = job_book(
        cooperative=coop,
        client=client,
        request=RideRequest(pickup=PARIS, dropoff=ORSAY, starts_at=start),
    )
    assert job.distance_m > 2000
    assert job.quote["split"]["total"] > 0
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=driver, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=driver,
        now=start + dt.timedelta(hours=2),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.receipt["topup"] > 0  # two engaged hours for a short ride
    assert trial_balance(cooperative=coop).balanced
