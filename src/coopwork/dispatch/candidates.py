"""What a round of one zone works on, read from the marketplace: open jobs flagged for automatic
dispatch and available workers, as the arrays :func:`coopwork.dispatch.matching.match` takes.

Who is a candidate
------------------
A **job** is open (``status = open``), flagged ``auto_dispatch``, of kind ride, delivery or task,
in the zone, starts within :data:`HORIZON` from now (and not more than an hour ago: older ones are
expired by the marketplace), has no live offer (``offered`` and not past its deadline) and nobody
holding it.

A **worker** holds the worker role, has an active profile listing the zone, is available now by
their weekly plan (a date exception replaces the plan for that day: off, or other hours), has sent
a position within :data:`POSITION_FRESH` (``worker_position_update``), is not busy (holding a ride,
delivery or task that is under way or starts within :data:`BUSY_BEFORE`, or a shift that is under
way or starts within it) and has no live offer.

A pair is feasible exactly as the marketplace's claim checks it (``_check_fit``): the worker holds
every skill the job needs, drives the vehicle the job requires if it requires one, and carries the
parcel's weight; plus the governed search radius.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from coopwork.core.models import Cooperative, Role, RoleName
from coopwork.marketplace import lifecycle
from coopwork.marketplace.models import (
    Assignment,
    AssignmentStatus,
    Job,
    Offer,
    OfferStatus,
    Vehicle,
    WorkerProfile,
    Zone,
)

from .matching import ALL_VEHICLES, JobBatch, WorkerPool

HORIZON = dt.timedelta(hours=1)
"""Jobs starting further ahead wait: an ETA means nothing hours before the pick-up."""
POSITION_FRESH = dt.timedelta(minutes=15)
"""A worker whose last position is older is not offered work (we do not know where they are)."""
BUSY_BEFORE = dt.timedelta(hours=1)
"""A worker holding a job that starts within this is busy."""
FAIRNESS_WINDOW = dt.timedelta(days=30)
"""Work received and time available are counted over this window for the fairness term."""
DISPATCHED_KINDS = ("ride", "delivery", "task")
VEHICLES: tuple[str, ...] = tuple(Vehicle.values)
"""Vehicle kind → bit number in the matcher's masks."""


def live_offers(now: dt.datetime) -> Q:
    return Q(status=OfferStatus.OFFERED, expires_at__gt=now)


def is_available(
    local: dt.datetime,
    weekly: Iterable[tuple[int, dt.time, dt.time]],
    exception: tuple[bool, dt.time | None, dt.time | None] | None,
) -> bool:
    """Whether the weekly plan (or that day's exception, which replaces it) covers ``local``."""
    moment = local.time()
    if exception is not None:
        available, start, end = exception
        return bool(available and start is not None and end is not None and start <= moment < end)
    return any(day == local.weekday() and start <= moment < end for day, start, end in weekly)


def weekly_seconds(weekly: Iterable[tuple[int, dt.time, dt.time]]) -> float:
    def secs(t: dt.time) -> int:
        return t.hour * 3600 + t.minute * 60 + t.second

    return float(sum(max(0, secs(end) - secs(start)) for _day, start, end in weekly))


@dataclass
class RoundInput:
    """The jobs and workers of one round, with the arrays for the matcher and what to show."""

    jobs: list[Job]
    workers: list[WorkerProfile]
    batch: JobBatch
    pool: WorkerPool
    paused: set[tuple[int, int]] = field(default_factory=set)
    """(job id, worker user id) pairs not to offer again yet (a recent refusal or expiry)."""
    speeds_kmh: dict[str, Any] = field(default_factory=dict)

    def job_meta(self, i: int) -> dict[str, Any]:
        job = self.jobs[i]
        return {"job": job.pk, "ref": job.reference, "kind": job.kind}


def skill_bits(jobs: list[Job]) -> dict[str, int]:
    """One bit per skill some job of the round needs: the 64 most needed (the matcher's masks are
    64 bits wide; see :func:`mappable` for the jobs left out)."""
    counts: dict[str, int] = {}
    for job in jobs:
        for skill in set(job.skills):
            counts[skill] = counts.get(skill, 0) + 1
    names = sorted(counts, key=lambda name: (-counts[name], name))[:64]
    return {name: 1 << i for i, name in enumerate(sorted(names))}


def mappable(jobs: list[Job], bits: dict[str, int]) -> list[Job]:
    """Jobs whose every skill has a bit. A round with more than 64 different skills leaves the
    jobs needing the rarest ones open for the next round or for a coordinator."""
    return [job for job in jobs if all(skill in bits for skill in job.skills)]


def mask(skills: Iterable[str], bits: dict[str, int]) -> int:
    mask = 0
    for skill in skills:
        mask |= bits.get(skill, 0)
    return mask


def open_jobs(*, zone: Zone, now: dt.datetime) -> list[Job]:
    holding = Assignment.objects.filter(job=OuterRef("pk"), status=AssignmentStatus.ACTIVE)
    offered = Offer.objects.filter(live_offers(now), job=OuterRef("pk"))
    return list(
        Job.objects.filter(
            cooperative_id=zone.cooperative_id,
            zone=zone,
            status=lifecycle.OPEN,
            auto_dispatch=True,
            kind__in=DISPATCHED_KINDS,
            starts_at__lte=now + HORIZON,
            starts_at__gte=now - dt.timedelta(hours=1),
        )
        .exclude(Exists(holding))
        .exclude(Exists(offered))
        .select_related("delivery")
        .order_by("booked_at", "id")
    )


def available_workers(*, zone: Zone, now: dt.datetime) -> list[WorkerProfile]:
    soon = now + BUSY_BEFORE
    busy = Assignment.objects.filter(
        worker_id=OuterRef("user_id"),
        job__cooperative_id=zone.cooperative_id,
        status=AssignmentStatus.ACTIVE,
    ).filter(
        Q(job__kind__in=DISPATCHED_KINDS, job__status__in=[lifecycle.EN_ROUTE, lifecycle.STARTED])
        | Q(
            job__kind__in=DISPATCHED_KINDS, job__status=lifecycle.ASSIGNED, job__starts_at__lte=soon
        )
        # a shift under way, or starting within the hour
        | Q(
            job__kind="shift",
            job__status__in=[lifecycle.OPEN, lifecycle.ASSIGNED, lifecycle.STARTED],
            job__starts_at__lte=soon,
            job__ends_at__gte=now,
            clock_out_at__isnull=True,
        )
    )
    offered = Offer.objects.filter(live_offers(now), worker_id=OuterRef("user_id"))
    is_worker = Role.objects.filter(
        cooperative_id=zone.cooperative_id, user_id=OuterRef("user_id"), role=RoleName.WORKER
    )
    profiles = (
        WorkerProfile.objects.filter(
            cooperative_id=zone.cooperative_id,
            zones=zone,
            active=True,
            last_lat__isnull=False,
            last_lon__isnull=False,
            last_seen_at__gte=now - POSITION_FRESH,
        )
        .filter(Exists(is_worker))
        .exclude(Exists(busy))
        .exclude(Exists(offered))
        .select_related("user")
        .prefetch_related("weekly", "exceptions")
        .order_by("pk")
    )
    local = timezone.localtime(now)
    found = []
    for profile in profiles:
        weekly = [(s.weekday, s.start, s.end) for s in profile.weekly.all()]
        exception = next(
            (
                (e.available, e.start, e.end)
                for e in profile.exceptions.all()
                if e.date == local.date()
            ),
            None,
        )
        if is_available(local, weekly, exception):
            found.append(profile)
    return found


def _received(cooperative_id: int, user_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """Jobs each worker received in the fairness window, manual assignments left out."""
    rows = (
        Assignment.objects.filter(
            job__cooperative_id=cooperative_id,
            worker_id__in=user_ids,
            manual=False,
            status=AssignmentStatus.ACTIVE,
            assigned_at__gte=now - FAIRNESS_WINDOW,
        )
        .values("worker_id")
        .annotate(n=Count("id"))
    )
    return {row["worker_id"]: row["n"] for row in rows}


def paused_pairs(
    *, jobs: list[Job], workers: list[WorkerProfile], now: dt.datetime, pause_s: int
) -> set[tuple[int, int]]:
    if pause_s <= 0 or not jobs or not workers:
        return set()
    rows = Offer.objects.filter(
        job_id__in=[j.pk for j in jobs],
        worker_id__in=[w.user_id for w in workers],
        status__in=[OfferStatus.REFUSED, OfferStatus.EXPIRED],
        expires_at__gt=now - dt.timedelta(seconds=pause_s),
    ).values_list("job_id", "worker_id")
    return set(rows)


def job_vehicles(job: Job) -> int:
    if job.vehicle_required and job.vehicle_required in VEHICLES:
        return 1 << VEHICLES.index(job.vehicle_required)
    return ALL_VEHICLES


def job_load_kg(job: Job) -> float:
    if job.kind == "delivery":
        detail = getattr(job, "delivery", None)
        return detail.weight_g / 1000 if detail is not None else 0.0
    return 0.0


def round_input(
    *,
    cooperative: Cooperative,
    zone: Zone,
    now: dt.datetime,
    speeds_kmh: dict[str, Any],
    pause_s: int,
) -> RoundInput:
    jobs = open_jobs(zone=zone, now=now)
    workers = available_workers(zone=zone, now=now) if jobs else []
    bits = skill_bits(jobs)
    jobs = mappable(jobs, bits)
    waited = [
        max(0.0, (now - max(j.booked_at, j.starts_at - HORIZON)).total_seconds()) for j in jobs
    ]
    batch = JobBatch.create(
        [j.lon for j in jobs],
        [j.lat for j in jobs],
        skills=np.array([mask(j.skills, bits) for j in jobs], dtype=np.uint64),
        vehicles=np.array([job_vehicles(j) for j in jobs], dtype=np.uint64),
        load=[job_load_kg(j) for j in jobs],
        waited_s=waited,
    )
    received = _received(cooperative.pk, [w.user_id for w in workers], now)
    window_weeks = FAIRNESS_WINDOW.total_seconds() / (7 * 86400)
    pool = WorkerPool.create(
        [float(w.last_lon or 0) for w in workers],
        [float(w.last_lat or 0) for w in workers],
        speed_mps=np.array(
            [max(1.0, float(speeds_kmh.get(w.vehicle, 15))) / 3.6 for w in workers], dtype=float
        )
        if workers
        else np.zeros(0),
        skills=np.array([mask(w.skills, bits) for w in workers], dtype=np.uint64),
        vehicle=np.array([VEHICLES.index(w.vehicle) for w in workers], dtype=np.int64),
        capacity=[float(w.capacity_kg) for w in workers],
        received=[float(received.get(w.user_id, 0)) for w in workers],
        active_s=[
            weekly_seconds((s.weekday, s.start, s.end) for s in w.weekly.all()) * window_weeks
            for w in workers
        ],
    )
    paused = paused_pairs(jobs=jobs, workers=workers, now=now, pause_s=pause_s)
    return RoundInput(
        jobs=jobs, workers=workers, batch=batch, pool=pool, paused=paused, speeds_kmh=speeds_kmh
    )


def rounded(value: float | None, digits: int = 0) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(value) if digits == 0 else round(value, digits)
