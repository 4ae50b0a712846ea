"""Builders for the marketplace web tests: state through the real services only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from coopwork import testing
from coopwork.core.models import AuditEntry, Cooperative
from coopwork.core.services import role_grant
from coopwork.ledger.models import Leg
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
    Invoice,
    Job,
    Message,
    Notification,
    Offer,
    Rating,
    WorkerProfile,
    Zone,
)
from coopwork.marketplace.services import job_book, worker_profile_save

BELLECOUR = Place("Place Bellecour, Lyon", 45.7578, 4.8320)
PART_DIEU = Place("Gare de la Part-Dieu, Lyon", 45.7606, 4.8593)
PARIS = Place("Rue de Rivoli, Paris", 48.8556, 2.3600)
LYON_ZONE = [[45.70, 4.77], [45.70, 4.93], [45.80, 4.93], [45.80, 4.77]]


def soon(minutes: int = 10) -> dt.datetime:
    """A start close enough to now to clock in (the default tolerance is 60 minutes)."""
    return timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)


def later(days: int = 3, hour: int = 10) -> dt.datetime:
    """A weekday start a few days ahead, in local time, away from night surcharges."""
    day = timezone.localdate() + dt.timedelta(days=days)
    while day.weekday() == 6:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def worker(coop: Cooperative, name: str, *, vehicle: str = "car", skills=("service",)) -> User:
    user = testing.make_user(name)
    role_grant(cooperative=coop, user=user, role="worker", actor=None)
    worker_profile_save(
        cooperative=coop, user=user, skills=list(skills), vehicle=vehicle, capacity_kg=50
    )
    return user


def coordinator(coop: Cooperative, name: str) -> User:
    user = testing.make_user(name)
    role_grant(cooperative=coop, user=user, role="coordinator", actor=None)
    return user


def client_user(coop: Cooperative, name: str) -> User:
    user = testing.make_user(name)
    role_grant(cooperative=coop, user=user, role="client", actor=None)
    return user


def shift(coop: Cooperative, client: User, start: dt.datetime | None = None, **extra: Any) -> Job:
    start = start or later()
    request = ShiftRequest(
        title=extra.pop("title", "Waiter"),
        site_name="Bistro",
        place=extra.pop("place", BELLECOUR),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=extra.pop("hours", 4)),
        hourly_rate_minor=extra.pop("rate", 2000),
        positions=extra.pop("positions", 1),
        skills=list(extra.pop("skills", ["service"])),
    )
    return job_book(cooperative=coop, client=client, request=request, business=True, **extra)


def ride(coop: Cooperative, client: User, start: dt.datetime | None = None) -> Job:
    request = RideRequest(pickup=BELLECOUR, dropoff=PART_DIEU, starts_at=start or later())
    return job_book(cooperative=coop, client=client, request=request)


def delivery(
    coop: Cooperative, client: User, start: dt.datetime | None = None, proof: str = "code"
) -> Job:
    start = start or later()
    request = DeliveryRequest(
        pickup=BELLECOUR,
        dropoff=PART_DIEU,
        parcel_size="S",
        weight_g=2000,
        pickup_from=start,
        pickup_until=start + dt.timedelta(minutes=30),
        dropoff_from=start + dt.timedelta(minutes=30),
        dropoff_until=start + dt.timedelta(minutes=90),
        proof_kind=proof,
    )
    return job_book(cooperative=coop, client=client, request=request)


def task(coop: Cooperative, client: User, start: dt.datetime | None = None) -> Job:
    start = start or later()
    request = TaskRequest(
        title="Clean the flat",
        category="cleaning",
        place=BELLECOUR,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        mode="fixed",
        fixed_price_minor=9000,
    )
    return job_book(cooperative=coop, client=client, request=request)


def rows() -> dict[str, int]:
    """Row counts a refused request must leave unchanged."""
    return {
        "jobs": Job.objects.count(),
        "assignments": Assignment.objects.count(),
        "offers": Offer.objects.count(),
        "ratings": Rating.objects.count(),
        "messages": Message.objects.count(),
        "notifications": Notification.objects.count(),
        "cases": Case.objects.count(),
        "invoices": Invoice.objects.count(),
        "profiles": WorkerProfile.objects.count(),
        "zones": Zone.objects.count(),
        "legs": Leg.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def shift_form(**extra: str) -> dict[str, str]:
    start = later()
    data = {
        "title": "Waiter",
        "site_name": "Bistro du Parc",
        "site_known": "",
        "site_address": "Place Bellecour, Lyon",
        "site_lat": "45.7578",
        "site_lon": "4.8320",
        "date": start.date().isoformat(),
        "start": "09:00",
        "end": "17:00",
        "break_minutes": "30",
        "positions": "2",
        "skills": "service, bar",
        "hourly_rate": "18.50",
        "business": "on",
        "description": "",
    }
    data.update(extra)
    return data


def ride_form(**extra: str) -> dict[str, str]:
    start = later()
    data = {
        "pickup_known": "bellecour",
        "dropoff_known": "part-dieu",
        "date": start.date().isoformat(),
        "time": "10:00",
        "passengers": "1",
        "vehicle": "car",
    }
    data.update(extra)
    return data


def delivery_form(**extra: str) -> dict[str, str]:
    start = later()
    data = {
        "pickup_known": "bellecour",
        "dropoff_known": "part-dieu",
        "parcel_size": "S",
        "weight_kg": "2.5",
        "date": start.date().isoformat(),
        "pickup_from": "10:00",
        "pickup_until": "10:30",
        "dropoff_from": "10:30",
        "dropoff_until": "12:00",
        "proof_kind": "signature",
    }
    data.update(extra)
    return data


def task_form(**extra: str) -> dict[str, str]:
    start = later()
    data = {
        "title": "Fix a shelf",
        "category": "repairs",
        "place_known": "croix-rousse",
        "date": start.date().isoformat(),
        "start": "14:00",
        "end": "17:00",
        "mode": "hourly",
        "fixed_price": "",
        "estimated_hours": "2",
        "skills": "",
    }
    data.update(extra)
    return data
