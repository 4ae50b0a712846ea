"""Builders for the marketplace tests. State is set up through the real services only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.utils import timezone

from coopwork import testing
from coopwork.core.models import AuditEntry, Cooperative
from coopwork.core.services import role_grant
from coopwork.ledger.models import Leg
from coopwork.ledger.selectors import normal_balance
from coopwork.marketplace.booking import (
    DeliveryRequest,
    Place,
    RideRequest,
    ShiftRequest,
    TaskRequest,
)
from coopwork.marketplace.models import (
    Assignment,
    Case,
    Job,
    Message,
    Notification,
    Offer,
    Rating,
    Zone,
)
from coopwork.marketplace.services import worker_profile_save

PARIS_TZ = ZoneInfo("Europe/Paris")
RIVOLI = Place("10 rue de Rivoli, Paris", 48.8556, 2.3600)
ORSAY = Place("Musée d'Orsay, Paris", 48.8600, 2.3266)
# RIVOLI → ORSAY great-circle: 2492 m (see test_geo; haversine is pinned there).
RIVOLI_ORSAY_M = 2492
LYON = Place("Place Bellecour, Lyon", 45.7578, 4.8320)
# A square around central Paris (lat, lon).
PARIS_SQUARE = [[48.80, 2.25], [48.80, 2.42], [48.91, 2.42], [48.91, 2.25]]


def weekday(days_ahead: int) -> dt.date:
    """A local date ``days_ahead`` from today, moved past a Sunday (no Sunday surcharges, no
    daylight-saving change)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() == 6:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS_TZ)


def make_client(name: str) -> User:
    return testing.make_user(name)


def make_worker(
    coop: Cooperative,
    name: str,
    *,
    skills: tuple[str, ...] = (),
    vehicle: str = "bike",
    capacity_kg: int = 10,
) -> User:
    user = testing.make_user(name)
    role_grant(cooperative=coop, user=user, role="worker", actor=None)
    worker_profile_save(
        cooperative=coop, user=user, skills=list(skills), vehicle=vehicle, capacity_kg=capacity_kg
    )
    return user


def make_coordinator(coop: Cooperative, name: str) -> User:
    user = testing.make_user(name)
    role_grant(cooperative=coop, user=user, role="coordinator", actor=None)
    return user


def shift_request(
    start: dt.datetime,
    *,
    hours: int = 8,
    positions: int = 1,
    rate: int = 2000,
    break_minutes: int = 0,
    skills: tuple[str, ...] = (),
    place: Place = RIVOLI,
) -> ShiftRequest:
    return ShiftRequest(
        title="Waiter",
        site_name="Bistro du Louvre",
        place=place,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        hourly_rate_minor=rate,
        positions=positions,
        break_minutes=break_minutes,
        skills=list(skills),
    )


def ride_request(
    start: dt.datetime, *, pickup: Place = RIVOLI, dropoff: Place = ORSAY, vehicle: str = "car"
) -> RideRequest:
    return RideRequest(pickup=pickup, dropoff=dropoff, starts_at=start, vehicle=vehicle)


def delivery_request(
    pickup_from: dt.datetime,
    *,
    proof: str = "code",
    size: str = "S",
    weight_g: int = 2000,
    pickup: Place = RIVOLI,
    dropoff: Place = ORSAY,
) -> DeliveryRequest:
    return DeliveryRequest(
        pickup=pickup,
        dropoff=dropoff,
        parcel_size=size,
        weight_g=weight_g,
        pickup_from=pickup_from,
        pickup_until=pickup_from + dt.timedelta(minutes=30),
        dropoff_from=pickup_from + dt.timedelta(minutes=30),
        dropoff_until=pickup_from + dt.timedelta(minutes=90),
        proof_kind=proof,
    )


def task_request(
    start: dt.datetime,
    *,
    mode: str = "fixed",
    fixed: int | None = 12000,
    estimated_hours: Decimal | None = None,
    hours: int = 3,
) -> TaskRequest:
    return TaskRequest(
        title="Clean the flat",
        category="cleaning",
        place=RIVOLI,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        mode=mode,
        fixed_price_minor=fixed if mode == "fixed" else None,
        estimated_hours=estimated_hours,
    )


def counts() -> dict[str, int]:
    """Rows a refused call must not have written."""
    return {
        "jobs": Job.objects.count(),
        "assignments": Assignment.objects.count(),
        "legs": Leg.objects.count(),
        "audit": AuditEntry.objects.count(),
        "ratings": Rating.objects.count(),
        "messages": Message.objects.count(),
        "notifications": Notification.objects.count(),
        "cases": Case.objects.count(),
        "offers": Offer.objects.count(),
        "zones": Zone.objects.count(),
    }


def settlement_legs(job: Job) -> dict[tuple[str, str], int]:
    """The job's settlement transaction, summed per account (debit +, credit −)."""
    assert job.settlement_id is not None
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for code, holder, amount in Leg.objects.filter(transaction_id=job.settlement_id).values_list(
        "account__code", "account__holder", "amount"
    ):
        sums[(code, holder)] += amount
    return dict(sums)


def balance(coop: Cooperative, code: str, holder: str = "") -> int:
    return normal_balance(cooperative=coop, code=code, holder=holder).minor


def holder(user: User) -> str:
    return f"user:{user.pk}"


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


def completed_ride(
    coop: Cooperative, client: User, driver: User, *, hour: int = 10, business: bool = False
) -> Job:
    """A ride booked ahead, driven and waiting for the client's approval."""
    from coopwork.marketplace.services import (
        job_book,
        job_claim,
        job_clock_in,
        job_clock_out,
    )

    start = at(weekday(3), hour)
    job = job_book(cooperative=coop, client=client, request=ride_request(start), business=business)
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=driver, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=driver,
        now=start + dt.timedelta(minutes=9),
    )
    job.refresh_from_db()
    assert job.status == "completed"
    return job
