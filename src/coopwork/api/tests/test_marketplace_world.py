"""A small marketplace for the API tests, built through the real services (no tests here).

Co-op ``alpha`` serves a square around central Paris. Clara books jobs there (her name and the
jobs' addresses must never reach anyone refused); Walter is the worker who takes them; Otto is
another worker; Cora coordinates; Boris sits on the board; Nora is signed in but has no role.
Co-op ``beta`` has its own coordinator, Fred. Each job state is built only when a test asks
for it (``world.job("assigned_ride")``), so a test pays only for what it uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone

from coopwork import testing
from coopwork.core.models import Cooperative
from coopwork.core.services import role_grant
from coopwork.ledger.models import Leg, Transaction
from coopwork.marketplace.models import (
    Assignment,
    AvailabilityException,
    Case,
    Invoice,
    Job,
    Message,
    Notification,
    Offer,
    Rating,
    Statement,
    WeeklySlot,
    WorkerProfile,
    Zone,
)
from coopwork.marketplace.services import (
    case_open,
    case_statement_add,
    invoice_issue,
    job_approve,
    job_book,
    job_claim,
    job_clock_in,
    job_transition,
    offer_create,
    worker_profile_save,
    zone_create,
)
from coopwork.marketplace.tests.helpers import (
    ORSAY,
    PARIS_SQUARE,
    RIVOLI,
    at,
    completed_ride,
    delivery_request,
    ride_request,
    shift_request,
    weekday,
)

from .conftest import WRITTEN, Api

# Every row a marketplace request could write, on top of the foundation's.
MARKET_WRITTEN = (
    Job,
    Assignment,
    Offer,
    Rating,
    Message,
    Case,
    Statement,
    Notification,
    Invoice,
    Zone,
    WorkerProfile,
    WeeklySlot,
    AvailabilityException,
    Leg,
    Transaction,
)

ROLES = (
    "anonymous",
    "stranger",
    "client",
    "worker",
    "other_worker",
    "coordinator",
    "board",
    "foreign_coordinator",
)
# What a refused caller must never read: the jobs' addresses and the names of the people on them.
SECRETS = ("rue de Rivoli", "Orsay", "Clara", "Cliente", "Walter", "Travailleur")
# An address for bookings made in the tests themselves (not a secret of anyone else's job).
REPUBLIQUE = {"address": "Place de la République, Paris", "lat": 48.8674, "lon": 2.3636}
BASTILLE = {"address": "Place de la Bastille, Paris", "lat": 48.8532, "lon": 2.3692}


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in {*WRITTEN, *MARKET_WRITTEN}}


def assert_refused(
    send: Callable[[str], Any],
    status: int,
    code: str,
    *,
    leaks: tuple[str, ...] = SECRETS,
) -> dict[str, Any]:
    """``send(lang)`` is refused with ``status``/``code`` in English and in French (two different
    messages), writes nothing, and names none of ``leaks``. Returns the English body."""
    before = counts()
    bodies = {}
    for lang in ("en", "fr"):
        response = send(lang)
        assert response.status_code == status, (lang, response.status_code, response.content[:500])
        body = response.json()
        assert body["code"] == code, body
        assert isinstance(body["message"], str) and body["message"].strip(), body
        text = response.content.decode()
        for secret in leaks:
            assert secret not in text, (secret, text)
        bodies[lang] = body
    assert counts() == before, "a refused request wrote something"
    assert bodies["fr"]["message"] != bodies["en"]["message"], bodies
    return bodies["en"]


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def shift_body(start: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "shift",
        "title": "Barista",
        "site_name": "Café République",
        "place": REPUBLIQUE,
        "starts_at": iso(start),
        "ends_at": iso(start + dt.timedelta(hours=8)),
        "hourly_rate_minor": 2000,
        **extra,
    }


def ride_body(start: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "ride",
        "pickup": REPUBLIQUE,
        "dropoff": BASTILLE,
        "starts_at": iso(start),
        **extra,
    }


def delivery_body(start: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "delivery",
        "pickup": REPUBLIQUE,
        "dropoff": BASTILLE,
        "parcel_size": "S",
        "weight_g": 1500,
        "pickup_from": iso(start),
        "pickup_until": iso(start + dt.timedelta(minutes=30)),
        "dropoff_from": iso(start + dt.timedelta(minutes=30)),
        "dropoff_until": iso(start + dt.timedelta(minutes=90)),
        **extra,
    }


def task_body(start: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "task",
        "title": "Fix the tap",
        "category": "repairs",
        "place": REPUBLIQUE,
        "starts_at": iso(start),
        "ends_at": iso(start + dt.timedelta(hours=2)),
        "mode": "fixed",
        "fixed_price_minor": 9000,
        **extra,
    }


def later(days: int = 3, hour: int = 10) -> dt.datetime:
    """A weekday ``days`` ahead at ``hour`` in Paris: no night or Sunday surcharge."""
    return at(weekday(days), hour)


def soon(minutes: int = 10) -> dt.datetime:
    """A start close enough to now to clock in (the tolerance is 60 minutes)."""
    return timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)


@dataclass
class MarketWorld:
    coop: Cooperative
    other: Cooperative
    users: dict[str, User | None]
    built: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str) -> User:
        user = self.users[role]
        assert user is not None
        return user

    def api(self, role: str) -> Api:
        return Api(self.users[role])

    def job(self, name: str) -> Any:
        """A job (or offer, case, invoice) in the named state, built once per test."""
        if name not in self.built:
            self.built[name] = getattr(self, f"_build_{name}")()
        return self.built[name]

    # --- Builders, through the services ----------------------------------------------------------

    def _book(self, request: Any, **kwargs: Any) -> Job:
        return job_book(
            cooperative=self.coop, client=self.user("client"), request=request, **kwargs
        )

    def _claim(self, job: Job, role: str = "worker") -> Job:
        job_claim(cooperative=self.coop, job_id=job.pk, worker=self.user(role))
        job.refresh_from_db()
        return job

    def _build_open_shift(self) -> Job:
        return self._book(shift_request(later(3, 9)))

    def _build_assigned_shift(self) -> Job:
        return self._claim(self._book(shift_request(later(3, 9))))

    def _build_soon_shift(self) -> Job:
        """Assigned, starting in ten minutes: Walter may clock in now."""
        return self._claim(self._book(shift_request(soon(10), hours=4)))

    def _build_started_shift(self) -> Job:
        start = later(3, 9)
        job = self._claim(self._book(shift_request(start)))
        job_clock_in(
            cooperative=self.coop,
            job_id=job.pk,
            worker=self.user("worker"),
            code=job.clock_code,
            now=start,
        )
        job.refresh_from_db()
        return job

    def _build_late_shift(self) -> Job:
        """Assigned, started two hours ago and nobody clocked in: a no-show may be recorded."""
        now = timezone.now()
        start = (now - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
        job = self._book(shift_request(start, hours=6), now=start - dt.timedelta(hours=1))
        return self._claim(job)

    def _build_draft_shift(self) -> Job:
        return self._book(shift_request(later(3, 8)), draft=True)

    def _build_no_show_shift(self) -> Job:
        """The whole job marked a no-show by its client, waiting for a coordinator to close it."""
        job = self.job("late_shift")
        return job_transition(
            cooperative=self.coop, job_id=job.pk, transition="no_show", actor=self.user("client")
        )

    def _build_open_ride(self) -> Job:
        return self._book(ride_request(later(3, 11)))

    def _build_assigned_ride(self) -> Job:
        return self._claim(self._book(ride_request(later(3, 12))))

    def _build_started_ride(self) -> Job:
        start = later(3, 13)
        job = self._claim(self._book(ride_request(start)))
        job_clock_in(cooperative=self.coop, job_id=job.pk, worker=self.user("worker"), now=start)
        job.refresh_from_db()
        return job

    def _build_started_photo_delivery(self) -> Job:
        start = later(3, 14)
        job = self._claim(self._book(delivery_request(start, proof="photo")))
        job_clock_in(cooperative=self.coop, job_id=job.pk, worker=self.user("worker"), now=start)
        job.refresh_from_db()
        return job

    def _build_completed_ride(self) -> Job:
        return completed_ride(self.coop, self.user("client"), self.user("worker"))

    def _build_settled_ride(self) -> Job:
        # Booked as a business, so that it is invoiced.
        job = completed_ride(
            self.coop, self.user("client"), self.user("worker"), hour=15, business=True
        )
        job_approve(cooperative=self.coop, job_id=job.pk, actor=self.user("client"))
        job.refresh_from_db()
        return job

    def _build_offer(self) -> Offer:
        job = self.job("open_ride")
        return offer_create(
            cooperative=self.coop,
            job_id=job.pk,
            worker_id=self.user("worker").pk,
            explanation={"reason": "closest"},
        )

    def _build_case(self) -> Case:
        """An incident both sides have answered: a coordinator may decide it."""
        job = self.job("completed_ride")
        case = case_open(
            cooperative=self.coop,
            job_id=job.pk,
            actor=self.user("client"),
            kind="incident",
            summary="Late by ten minutes",
            statement="The driver came ten minutes late.",
        )
        case_statement_add(
            cooperative=self.coop,
            case_id=case.pk,
            actor=self.user("worker"),
            text="Traffic on the bridge.",
        )
        return case

    def _build_invoice(self) -> Invoice:
        job = self.job("settled_ride")
        day = timezone.localdate(job.starts_at)
        return invoice_issue(
            cooperative=self.coop,
            client_id=self.user("client").pk,
            period_start=day.replace(day=1),
            period_end=day,
            actor=self.user("coordinator"),
        )


def _person(username: str, first: str, last: str) -> User:
    return testing.make_user(username, first_name=first, last_name=last)


def _worker(coop: Cooperative, username: str, first: str, last: str) -> User:
    user = _person(username, first, last)
    role_grant(cooperative=coop, user=user, role="worker", actor=None)
    worker_profile_save(
        cooperative=coop, user=user, skills=["service"], vehicle="car", capacity_kg=50
    )
    return user


def _role(coop: Cooperative, username: str, first: str, last: str, role: str) -> User:
    user = _person(username, first, last)
    role_grant(cooperative=coop, user=user, role=role, actor=None)
    return user


@pytest.fixture(name="market")
def market_fixture(db: None) -> Iterator[MarketWorld]:
    cache.clear()  # position updates are rate-limited through the cache
    coop = testing.make_coop("alpha", name="Alpha Coop")
    other = testing.make_coop("beta", name="Beta Coop")
    zone_create(cooperative=coop, code="paris", name="Paris", polygon=PARIS_SQUARE, actor=None)
    users: dict[str, User | None] = {
        "anonymous": None,
        "stranger": _person("nora", "Nora", "Nobody"),
        "client": _role(coop, "clara", "Clara", "Cliente", "client"),
        "worker": _worker(coop, "walter", "Walter", "Travailleur"),
        "other_worker": _worker(coop, "otto", "Otto", "Other"),
        "coordinator": _role(coop, "cora", "Cora", "Coordinator", "coordinator"),
        "board": testing.make_board(coop, "boris"),
        "foreign_coordinator": _role(other, "fred", "Fred", "Foreign", "coordinator"),
    }
    yield MarketWorld(coop=coop, other=other, users=users)
    cache.clear()


class Clock:
    """``django.utils.timezone.now`` under the test's control (the services read the time there),
    so a shift booked for tomorrow can be clocked in and out over HTTP at its real hours."""

    def __init__(self) -> None:
        self.moment: dt.datetime | None = None

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> Clock:
    real = timezone.now
    controlled = Clock()
    monkeypatch.setattr(timezone, "now", lambda: controlled.moment or real())
    return controlled


__all__ = [
    "ORSAY",
    "RIVOLI",
    "ROLES",
    "SECRETS",
    "Clock",
    "MarketWorld",
    "assert_refused",
    "clock_fixture",
    "counts",
    "market_fixture",
]
