"""What a client asks for, per kind, as plain data: one dataclass per kind and the pure checks
that go with it. ``services.job_book`` turns any of them into a Job through the same flow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .errors import QuantityAbsurd, TimesInvalid
from .geo import Point


def check_range(
    name: str, value: int | Decimal, minimum: int | Decimal, maximum: int | Decimal
) -> None:
    if isinstance(value, bool) or not minimum <= value <= maximum:
        raise QuantityAbsurd(field=name, minimum=minimum, maximum=maximum)


def check_point(lat: float, lon: float) -> Point:
    try:
        return Point(float(lat), float(lon))
    except (TypeError, ValueError):
        raise TimesInvalid(reason=_("coordinates")) from None


def check_times(start: dt.datetime, end: dt.datetime, *, now: dt.datetime, max_hours: int) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise TimesInvalid(reason=_("a time zone is required"))
    if end <= start:
        raise TimesInvalid(reason=_("the end must come after the start"))
    if start < now - dt.timedelta(minutes=5):
        raise TimesInvalid(reason=_("the start is in the past"))
    if start > now + dt.timedelta(days=366):
        raise TimesInvalid(reason=_("the start is more than a year away"))
    if end - start > dt.timedelta(hours=max_hours):
        raise TimesInvalid(reason=_("at most %(hours)s hours") % {"hours": max_hours})


@dataclass(frozen=True)
class Place:
    address: str
    lat: float
    lon: float


@dataclass(frozen=True)
class ShiftRequest:
    title: str
    site_name: str
    place: Place
    starts_at: dt.datetime
    ends_at: dt.datetime
    hourly_rate_minor: int
    positions: int = 1
    break_minutes: int = 0
    skills: list[str] = field(default_factory=list)
    description: str = ""
    kind: str = "shift"


@dataclass(frozen=True)
class RideRequest:
    pickup: Place
    dropoff: Place
    starts_at: dt.datetime
    passengers: int = 1
    vehicle: str = "car"
    description: str = ""
    kind: str = "ride"


@dataclass(frozen=True)
class DeliveryRequest:
    pickup: Place
    dropoff: Place
    parcel_size: str
    weight_g: int
    pickup_from: dt.datetime
    pickup_until: dt.datetime
    dropoff_from: dt.datetime
    dropoff_until: dt.datetime
    proof_kind: str = "code"
    description: str = ""
    kind: str = "delivery"


@dataclass(frozen=True)
class TaskRequest:
    title: str
    category: str
    place: Place
    starts_at: dt.datetime
    ends_at: dt.datetime
    mode: str  # "fixed" | "hourly"
    fixed_price_minor: int | None = None
    estimated_hours: Decimal | None = None
    skills: list[str] = field(default_factory=list)
    description: str = ""
    kind: str = "task"


BookingRequest = ShiftRequest | RideRequest | DeliveryRequest | TaskRequest
