"""A small city for dispatch's database tests, built through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.cache import cache

from coopwork import testing
from coopwork.core.models import Cooperative
from coopwork.core.services import role_grant
from coopwork.marketplace.booking import DeliveryRequest, Place, RideRequest
from coopwork.marketplace.models import Job, Zone
from coopwork.marketplace.services import (
    job_book,
    worker_availability_set,
    worker_position_update,
    worker_profile_save,
    zone_create,
)

# A square around central Paris (lat, lon), and places in it.
PARIS_SQUARE = [[48.80, 2.25], [48.80, 2.42], [48.91, 2.42], [48.91, 2.25]]
RIVOLI = Place("10 rue de Rivoli, Paris", 48.8556, 2.3600)
ORSAY = Place("Musée d'Orsay, Paris", 48.8600, 2.3266)
ALL_WEEK = [(d, dt.time(0, 0), dt.time(23, 59, 59)) for d in range(7)]


def near(place: Place, metres_north: float, metres_east: float = 0.0) -> tuple[float, float]:
    """A point ``metres_north`` and ``metres_east`` of ``place`` (small distances)."""
    lat = place.lat + metres_north / 111_195.0
    lon = place.lon + metres_east / (111_195.0 * 0.6579)  # cos(48.86°)
    return lat, lon


@dataclass
class City:
    coop: Cooperative
    zone: Zone
    client: User
    coordinator: User
    workers: dict[str, User] = field(default_factory=dict)

    def worker(
        self,
        name: str,
        *,
        at: tuple[float, float],
        now: dt.datetime,
        vehicle: str = "car",
        skills: tuple[str, ...] = (),
        capacity_kg: int = 20,
        weekly: list[tuple[int, dt.time, dt.time]] | None = None,
        exceptions: list[tuple[dt.date, bool, dt.time | None, dt.time | None, str]] | None = None,
    ) -> User:
        user = testing.make_user(name)
        role_grant(cooperative=self.coop, user=user, role="worker", actor=None)
        worker_profile_save(
            cooperative=self.coop,
            user=user,
            skills=list(skills),
            vehicle=vehicle,
            capacity_kg=capacity_kg,
            zone_codes=[self.zone.code],
        )
        worker_availability_set(
            cooperative=self.coop,
            user=user,
            weekly=ALL_WEEK if weekly is None else weekly,
            exceptions=exceptions,
        )
        self.move(user, at, now=now)
        self.workers[name] = user
        return user

    def move(self, user: User, at: tuple[float, float], *, now: dt.datetime) -> None:
        cache.delete(f"pos:{self.coop.pk}:{user.pk}")  # the position rate limit
        worker_position_update(cooperative=self.coop, worker=user, lat=at[0], lon=at[1], now=now)

    def ride(
        self,
        now: dt.datetime,
        *,
        pickup: Place = RIVOLI,
        auto: bool = True,
        vehicle: str = "car",
        starts_in: dt.timedelta = dt.timedelta(minutes=2),
    ) -> Job:
        request = RideRequest(
            pickup=pickup, dropoff=ORSAY, starts_at=now + starts_in, vehicle=vehicle
        )
        return job_book(
            cooperative=self.coop, client=self.client, request=request, auto_dispatch=auto, now=now
        )

    def delivery(self, now: dt.datetime, *, weight_g: int = 2000, auto: bool = True) -> Job:
        start = now + dt.timedelta(minutes=2)
        request = DeliveryRequest(
            pickup=RIVOLI,
            dropoff=ORSAY,
            parcel_size="S",
            weight_g=weight_g,
            pickup_from=start,
            pickup_until=start + dt.timedelta(minutes=30),
            dropoff_from=start + dt.timedelta(minutes=30),
            dropoff_until=start + dt.timedelta(minutes=90),
            proof_kind="code",
        )
        return job_book(
            cooperative=self.coop, client=self.client, request=request, auto_dispatch=auto, now=now
        )


def make_city(slug: str = "alpha") -> City:
    coop = testing.make_coop(slug, name=slug.title())
    zone = zone_create(
        cooperative=coop, code="paris", name="Paris", polygon=PARIS_SQUARE, actor=None
    )
    client = testing.make_user(f"{slug}-client")
    coordinator = testing.make_user(f"{slug}-coordinator")
    role_grant(cooperative=coop, user=coordinator, role="coordinator", actor=None)
    return City(coop=coop, zone=zone, client=client, coordinator=coordinator)
