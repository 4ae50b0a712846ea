"""The worker's side of the marketplace: profile, availability, position, offers and earnings."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from django.urls import NoReverseMatch, reverse
from ninja import Field, Schema
from pydantic import AfterValidator

from coopwork.core.money import Money

from .common import Code, In, MoneyOut, NoNul, Quantity
from .jobs import JobSummaryOut, Latitude, Longitude, Skill, Vehicle

if TYPE_CHECKING:
    from coopwork.marketplace.models import Offer, WorkerProfile
    from coopwork.marketplace.selectors import Earnings, EarningsPeriod


def _naive(value: dt.time) -> dt.time:
    # Slots are local wall-clock times; the database cannot store a UTC offset on a time.
    if value.tzinfo is not None:
        raise ValueError("give a local time without a UTC offset")
    return value


LocalTime = Annotated[dt.time, AfterValidator(_naive)]


class ProfileIn(In):
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    vehicle: Vehicle
    capacity_kg: Quantity = Field(10, description="0 to 2,000.")
    seats: Quantity = Field(0, description="Passenger seats, 0 to 8.")
    zones: list[Code] | None = Field(
        None, max_length=200, description="Zone codes I work in; null leaves them as they are."
    )
    active: bool = Field(True, strict=True, description="I am taking work.")


class SlotIn(In):
    weekday: Quantity = Field(description="0 = Monday … 6 = Sunday.")
    start: LocalTime
    end: LocalTime


class ExceptionIn(In):
    date: dt.date
    available: bool = Field(False, strict=True)
    start: LocalTime | None = None
    end: LocalTime | None = None
    note: Annotated[str, Field(max_length=200), NoNul] = ""


class AvailabilityIn(In):
    weekly: list[SlotIn] = Field(max_length=100, description="Replaces the weekly plan.")
    exceptions: list[ExceptionIn] | None = Field(
        None, max_length=400, description="Replaces the date exceptions; null keeps them."
    )


class PositionIn(In):
    lat: Latitude
    lon: Longitude


# --- Outputs -------------------------------------------------------------------------------------


class SlotOut(Schema):
    weekday: int
    start: dt.time
    end: dt.time


class ExceptionOut(Schema):
    date: dt.date
    available: bool
    start: dt.time | None
    end: dt.time | None
    note: str


class LastPositionOut(Schema):
    lat: float
    lon: float
    seen_at: dt.datetime


class ProfileOut(Schema):
    skills: list[str]
    vehicle: str
    capacity_kg: int
    seats: int
    zones: list[str]
    active: bool
    weekly: list[SlotOut]
    exceptions: list[ExceptionOut]
    last_position: LastPositionOut | None
    calendar_url: str = Field(description="My shifts as an iCalendar feed (keep it private).")

    @classmethod
    def of(cls, profile: WorkerProfile) -> ProfileOut:
        position = None
        if (
            profile.last_lat is not None
            and profile.last_lon is not None
            and profile.last_seen_at is not None
        ):
            position = LastPositionOut(
                lat=profile.last_lat, lon=profile.last_lon, seen_at=profile.last_seen_at
            )
        try:
            calendar = reverse(
                "web:calendar", args=[profile.cooperative.slug, profile.calendar_token]
            )
        except NoReverseMatch:  # the web interface is not installed
            calendar = ""
        return cls(
            skills=list(profile.skills),
            vehicle=profile.vehicle,
            capacity_kg=profile.capacity_kg,
            seats=profile.seats,
            zones=sorted(z.code for z in profile.zones.all()),
            active=profile.active,
            weekly=[
                SlotOut(weekday=s.weekday, start=s.start, end=s.end) for s in profile.weekly.all()
            ],
            exceptions=[
                ExceptionOut(
                    date=e.date, available=e.available, start=e.start, end=e.end, note=e.note
                )
                for e in profile.exceptions.all()
            ],
            last_position=position,
            calendar_url=calendar,
        )


class PositionOut(Schema):
    lat: float
    lon: float


class OfferOut(Schema):
    id: int
    status: str
    expires_at: dt.datetime
    explanation: dict[str, Any] = Field(description="Why dispatch offered it to me.")
    job: JobSummaryOut

    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        return cls(
            id=offer.pk,
            status=offer.status,
            expires_at=offer.expires_at,
            explanation=dict(offer.explanation or {}),
            job=JobSummaryOut.of(offer.job),
        )


class EarningsOut(Schema):
    jobs: int = Field(description="Settled jobs.")
    pay: MoneyOut = Field(description="My part of the settled prices.")
    topup: MoneyOut = Field(description="Pay-floor top-ups from the solidarity fund.")
    total: MoneyOut
    hours: str = Field(description='Engaged hours, as a decimal string ("12.50").')

    @classmethod
    def of(cls, earnings: Earnings) -> EarningsOut:
        return cls(
            jobs=earnings.jobs,
            pay=MoneyOut.of(earnings.pay),
            topup=MoneyOut.of(earnings.topup),
            total=MoneyOut.of(earnings.pay + earnings.topup),
            hours=f"{earnings.hours:.2f}",
        )


class EarningsPeriodOut(Schema):
    start: dt.date
    jobs: int
    engaged_seconds: int
    pay: MoneyOut
    topup: MoneyOut

    @classmethod
    def of(cls, period: EarningsPeriod, currency: str) -> EarningsPeriodOut:
        return cls(
            start=period.start,
            jobs=period.jobs,
            engaged_seconds=period.seconds,
            pay=MoneyOut.of(Money(period.pay, currency)),
            topup=MoneyOut.of(Money(period.topup, currency)),
        )
