"""The marketplace part of ``seed_demo``: a service zone over Lyon and Villeurbanne, worker
profiles, a business client with shifts, an open ride, a delivery on its way, settled jobs with
their receipts, and a coordinator.

Everything goes through the marketplace services, as in ``seed_demo``. Running it again changes
nothing: the zone, roles and profiles are created only when missing, and the jobs only when the
co-op has none yet. Dates are relative to today, so the demo always has something coming up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from coopwork.core.models import Cooperative
from coopwork.core.selectors import user_roles
from coopwork.core.services import role_grant
from coopwork.marketplace.booking import DeliveryRequest, Place, RideRequest, ShiftRequest
from coopwork.marketplace.errors import PositionTooFrequent
from coopwork.marketplace.models import Job, Zone
from coopwork.marketplace.services import (
    job_approve,
    job_book,
    job_claim,
    job_clock_in,
    job_clock_out,
    job_transition,
    worker_availability_set,
    worker_position_update,
    worker_profile_save,
    zone_create,
)

from .market_forms import KNOWN

ZONE_CODE = "lyon-villeurbanne"
# Lyon and Villeurbanne, roughly (lat, lon).
ZONE = [[45.705, 4.775], [45.705, 4.925], [45.800, 4.925], [45.800, 4.775]]


def _place(code: str) -> Place:
    p = KNOWN[code]
    return Place(p.label, p.lat, p.lon)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _role(coop: Cooperative, user: User, role: str) -> None:
    if role not in user_roles(user=user, cooperative=coop):
        role_grant(cooperative=coop, user=user, role=role, actor=None)


def seed_marketplace(
    coop: Cooperative, *, camille: User, ahmed: User, client: User, lea: User, coordinator: User
) -> None:
    if not Zone.objects.filter(cooperative=coop, code=ZONE_CODE).exists():
        zone_create(
            cooperative=coop, code=ZONE_CODE, name="Lyon & Villeurbanne", polygon=ZONE, actor=None
        )
    _role(coop, coordinator, "coordinator")
    _role(coop, client, "client")
    for worker in (camille, ahmed):
        _role(coop, worker, "worker")
    if not camille.worker_profiles.filter(cooperative=coop).exists():
        worker_profile_save(
            cooperative=coop,
            user=camille,
            skills=["delivery", "service", "sales"],
            vehicle="cargo_bike",
            capacity_kg=60,
            zone_codes=[ZONE_CODE],
        )
        worker_availability_set(
            cooperative=coop,
            user=camille,
            weekly=[(d, dt.time(6), dt.time(14)) for d in range(5)],
            exceptions=[
                (timezone.localdate() + dt.timedelta(days=10), False, None, None, "Congé"),
            ],
        )
    if not ahmed.worker_profiles.filter(cooperative=coop).exists():
        worker_profile_save(
            cooperative=coop,
            user=ahmed,
            skills=["driving", "service", "cleaning"],
            vehicle="car",
            capacity_kg=200,
            seats=4,
            zone_codes=[ZONE_CODE],
        )
        worker_availability_set(
            cooperative=coop,
            user=ahmed,
            weekly=[(d, dt.time(8), dt.time(20)) for d in (0, 2, 4, 5)],
        )
    if not Job.objects.filter(cooperative=coop).exists():
        _jobs(coop, camille=camille, ahmed=ahmed, client=client, lea=lea)


def _shift(
    day: dt.date, start: int, end: int, title: str, rate: str, positions: int = 1
) -> ShiftRequest:
    return ShiftRequest(
        title=title,
        site_name="Boulangerie du Coin",
        place=_place("croix-rousse"),
        starts_at=_at(day, start),
        ends_at=_at(day, end),
        hourly_rate_minor=int(Decimal(rate) * 100),
        positions=positions,
        break_minutes=30 if end - start > 5 else 0,
        skills=["service"],
        description="Tablier fourni. Demandez Mme Roux à l'arrivée.",
    )


def _settled_shift(
    coop: Cooperative, client: User, worker: User, days_ago: int, title: str, rate: str
) -> None:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    request = _shift(day, 8, 12, title, rate)
    job = job_book(
        cooperative=coop,
        client=client,
        request=request,
        business=True,
        now=request.starts_at - dt.timedelta(days=2),
    )
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(
        cooperative=coop,
        job_id=job.pk,
        worker=worker,
        code=job.clock_code,
        now=request.starts_at + dt.timedelta(minutes=2),
    )
    job_clock_out(
        cooperative=coop, job_id=job.pk, code=job.clock_code, worker=worker, now=request.ends_at
    )
    job_approve(cooperative=coop, job_id=job.pk, actor=client)


def _jobs(coop: Cooperative, *, camille: User, ahmed: User, client: User, lea: User) -> None:
    today = timezone.localdate()
    # Settled shifts with their receipts: one paid under the pay floor (topped up by the
    # solidarity fund), one above it.
    _settled_shift(coop, client, camille, 7, "Inventaire de fin de mois", "12.00")
    _settled_shift(coop, client, ahmed, 15, "Livraison des commandes de Noël", "18.50")
    # Two shifts coming up, one already half staffed.
    tomorrow = today + dt.timedelta(days=1)
    staffed = job_book(
        cooperative=coop,
        client=client,
        request=_shift(tomorrow, 6, 13, "Vente au comptoir", "16.50", positions=2),
        business=True,
    )
    job_claim(cooperative=coop, job_id=staffed.pk, worker=camille)
    job_book(
        cooperative=coop,
        client=client,
        request=_shift(today + dt.timedelta(days=3), 5, 11, "Aide au fournil", "17.00"),
        business=True,
    )
    # An open ride for a driver to take.
    job_book(
        cooperative=coop,
        client=lea,
        request=RideRequest(
            pickup=_place("part-dieu"),
            dropoff=_place("vieux-lyon"),
            starts_at=_at(tomorrow, 9, 30),
            passengers=2,
            vehicle="car",
            description="Deux valises.",
        ),
    )
    # A delivery on its way: picked up by Camille, who shares her position.
    now = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    delivery = job_book(
        cooperative=coop,
        client=client,
        request=DeliveryRequest(
            pickup=_place("croix-rousse"),
            dropoff=_place("confluence"),
            parcel_size="M",
            weight_g=6500,
            pickup_from=now,
            pickup_until=now + dt.timedelta(minutes=30),
            dropoff_from=now + dt.timedelta(minutes=20),
            dropoff_until=now + dt.timedelta(minutes=90),
            proof_kind="code",
            description="Trois plateaux de viennoiseries pour un séminaire.",
        ),
        business=True,
    )
    job_claim(cooperative=coop, job_id=delivery.pk, worker=camille)
    job_transition(cooperative=coop, job_id=delivery.pk, transition="depart", actor=camille)
    job_clock_in(cooperative=coop, job_id=delivery.pk, worker=camille)
    bellecour = KNOWN["bellecour"]
    with contextlib.suppress(PositionTooFrequent):  # one update per few seconds per worker
        worker_position_update(
            cooperative=coop, worker=camille, lat=bellecour.lat, lon=bellecour.lon
        )
