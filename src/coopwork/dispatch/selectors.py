"""Reads of dispatch: rounds for the coordinators, an offer's explanation for its worker, and the
fairness trade-off curve for every member."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from coopwork.core.models import Cooperative, Role, RoleName
from coopwork.core.permissions import require_role
from coopwork.marketplace import errors as market_errors
from coopwork.marketplace.models import Job, Offer, WorkerProfile

from . import errors
from .candidates import (
    DISPATCHED_KINDS,
    VEHICLES,
    job_load_kg,
    job_vehicles,
    mappable,
    mask,
    skill_bits,
)
from .models import DispatchRound
from .replay import CURVE_WEIGHTS, SLOT_S, CurvePoint, Demand, Supply, curve
from .services import DispatchSettings, dispatch_settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

ROUND_READERS = frozenset({RoleName.COORDINATOR, RoleName.BOARD, RoleName.ADMIN})
CURVE_DAYS = 30
CURVE_CACHE_S = 6 * 3600


def rounds_for(
    *,
    cooperative: Cooperative,
    user: User | AnonymousUser | None,
    zone_code: str | None = None,
    limit: int = 50,
) -> QuerySet[DispatchRound]:
    """The co-op's latest rounds, newest first (coordinators, the board and admins)."""
    require_role(user=user, cooperative=cooperative, roles=ROUND_READERS)
    rounds = DispatchRound.objects.filter(cooperative=cooperative).select_related("zone")
    if zone_code:
        rounds = rounds.filter(zone__code=zone_code)
    return rounds.order_by("-clock_at", "-id")[: max(1, min(limit, 200))]


def round_get(
    *, cooperative: Cooperative, user: User | AnonymousUser | None, round_id: int
) -> DispatchRound:
    require_role(user=user, cooperative=cooperative, roles=ROUND_READERS)
    found = (
        DispatchRound.objects.filter(cooperative=cooperative, pk=round_id)
        .select_related("zone")
        .first()
    )
    if found is None:
        raise errors.RoundNotFound()
    return found


def offer_for_worker(
    *, cooperative: Cooperative, user: User | AnonymousUser | None, offer_id: int
) -> Offer:
    """One of the worker's own offers (open or answered), with its explanation."""
    if user is None or not user.is_authenticated:
        from coopwork.core.errors import NotAuthenticated

        raise NotAuthenticated()
    offer = (
        Offer.objects.filter(pk=offer_id, worker_id=user.pk, job__cooperative=cooperative)
        .select_related("job", "job__zone")
        .first()
    )
    if offer is None:
        raise market_errors.OfferNotFound()
    return offer


def settings_in_force(
    *, cooperative: Cooperative, user: User | AnonymousUser | None
) -> DispatchSettings:
    require_role(user=user, cooperative=cooperative, roles=RoleName.values)
    return dispatch_settings(cooperative=cooperative)


# --- The trade-off curve ------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    points: list[CurvePoint]
    jobs: int
    workers: int
    since: dt.datetime
    until: dt.datetime
    current_weight: int

    @property
    def enough(self) -> bool:
        return self.jobs >= 10 and self.workers >= 2

    def point(self, weight: int) -> CurvePoint | None:
        return next((p for p in self.points if p.weight == weight), None)


def _month(
    cooperative: Cooperative, since: dt.datetime, until: dt.datetime, speeds: dict[str, Any]
) -> tuple[Demand, Supply]:
    n_slots = math.ceil((until - since).total_seconds() / SLOT_S)
    jobs = list(
        Job.objects.filter(
            cooperative=cooperative,
            kind__in=DISPATCHED_KINDS,
            starts_at__gte=since,
            starts_at__lt=until,
        )
        .exclude(cancelled_by="client")
        .select_related("delivery")
        .order_by("starts_at", "id")
    )
    bits = skill_bits(jobs)
    jobs = mappable(jobs, bits)
    demand = Demand(
        slot=np.array(
            [int((j.starts_at - since).total_seconds() // SLOT_S) for j in jobs], dtype=np.int64
        ),
        lon=np.array([j.lon for j in jobs], dtype=float),
        lat=np.array([j.lat for j in jobs], dtype=float),
        skills=np.array([mask(j.skills, bits) for j in jobs], dtype=np.uint64),
        vehicles=np.array([job_vehicles(j) for j in jobs], dtype=np.uint64),
        load=np.array([job_load_kg(j) for j in jobs], dtype=float),
        busy_slots=np.array(
            [
                max(1, math.ceil((max(j.duration_s, 0) + 600) / SLOT_S))
                if j.kind != "task"
                else max(1, math.ceil((j.ends_at - j.starts_at).total_seconds() / SLOT_S))
                for j in jobs
            ],
            dtype=np.int64,
        ),
        earning=np.array(
            [float((j.quote or {}).get("split", {}).get("worker", 0)) for j in jobs], dtype=float
        ),
    )
    workers = list(
        WorkerProfile.objects.filter(
            cooperative=cooperative,
            active=True,
            last_lat__isnull=False,
            last_lon__isnull=False,
            user_id__in=Role.objects.filter(cooperative=cooperative, role=RoleName.WORKER).values(
                "user_id"
            ),
        )
        .prefetch_related("weekly", "exceptions")
        .order_by("pk")
    )
    # Local weekday, date and time of each slot's start.
    starts = [timezone.localtime(since + dt.timedelta(seconds=SLOT_S * s)) for s in range(n_slots)]
    weekday = np.array([t.weekday() for t in starts])
    seconds = np.array([t.hour * 3600 + t.minute * 60 for t in starts])
    dates = [t.date() for t in starts]
    on = np.zeros((n_slots, len(workers)), dtype=bool)
    for w, profile in enumerate(workers):
        col = np.zeros(n_slots, dtype=bool)
        for slot in profile.weekly.all():
            a = slot.start.hour * 3600 + slot.start.minute * 60
            b = slot.end.hour * 3600 + slot.end.minute * 60 + slot.end.second
            col |= (weekday == slot.weekday) & (seconds >= a) & (seconds < b)
        for ex in profile.exceptions.all():
            day = np.array([d == ex.date for d in dates])
            if not day.any():
                continue
            col[day] = False
            if ex.available and ex.start is not None and ex.end is not None:
                a = ex.start.hour * 3600 + ex.start.minute * 60
                b = ex.end.hour * 3600 + ex.end.minute * 60
                col[day & (seconds >= a) & (seconds < b)] = True
        on[:, w] = col
    return demand, Supply(
        lon=np.array([float(w.last_lon or 0) for w in workers], dtype=float),
        lat=np.array([float(w.last_lat or 0) for w in workers], dtype=float),
        speed_mps=np.array(
            [max(1.0, float(speeds.get(w.vehicle, 15))) / 3.6 for w in workers], dtype=float
        ),
        skills=np.array([mask(w.skills, bits) for w in workers], dtype=np.uint64),
        vehicle=np.array([VEHICLES.index(w.vehicle) for w in workers], dtype=np.int64),
        capacity=np.array([float(w.capacity_kg) for w in workers], dtype=float),
        on=on,
    )


def fairness_curve(
    *,
    cooperative: Cooperative,
    user: User | AnonymousUser | None,
    now: dt.datetime | None = None,
    weights: tuple[int, ...] = CURVE_WEIGHTS,
) -> Curve:
    """Extra pick-up distance against the Gini of earnings, at several fairness weights, for this
    co-op's last 30 days (see :mod:`coopwork.dispatch.replay`). Any role holder may read it.
    Cached for a few hours per co-op, day and parameter versions."""
    require_role(user=user, cooperative=cooperative, roles=RoleName.values)
    now = now or timezone.now()
    until = now.replace(minute=0, second=0, microsecond=0)
    since = until - dt.timedelta(days=CURVE_DAYS)
    conf = dispatch_settings(cooperative=cooperative)
    current = int(conf.weights.fairness)
    all_weights = tuple(sorted({*weights, current}))
    fingerprint = hashlib.blake2b(
        repr((sorted(conf.versions.items()), all_weights)).encode(), digest_size=8
    ).hexdigest()
    key = f"dispatch:curve:{cooperative.pk}:{until:%Y%m%d%H}:{fingerprint}"
    cached = cache.get(key)
    if isinstance(cached, Curve):
        return cached
    demand, supply = _month(cooperative, since, until, conf.speeds_kmh)
    points = (
        curve(
            demand,
            supply,
            weights=all_weights,
            waiting_weight=conf.weights.waiting,
            radius_m=float(conf.radius_m),
        )
        if len(demand) and len(supply)
        else []
    )
    result = Curve(
        points=points,
        jobs=len(demand),
        workers=len(supply),
        since=since,
        until=until,
        current_weight=current,
    )
    cache.set(key, result, CURVE_CACHE_S)
    return result
