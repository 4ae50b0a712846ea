"""Replay a month of a co-op's demand through the matcher at several fairness weights: the
trade-off curve members look at before they vote on ``dispatch_fairness_weight``.

Pure numpy, no ORM (``selectors.fairness_curve`` reads the month from the database).

The month is cut into slots (15 minutes). Each job joins the round of the slot it starts in; a job
not served waits one more slot, then is counted as missed. Each worker is on in the slots their
weekly plan (and date exceptions) covers, waits near their home (their last known position,
±300 m, the same jitter for every weight) when free, and is busy for the slots a job takes. The
fairness state is the work received so far in the month (jobs) and the time on (seconds), as in
the live rounds. Every weight replays the very same demand and availability, so the points differ
only by the weight:

- *extra distance*: total pick-up distance against the replay at weight 0, in %;
- *Gini of earnings*: of the worker's part of each job's price, per hour on, among the workers who
  were on at some point (what the fairness term evens out);
- *Gini of jobs per hour*, for reference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .fairness import gini
from .matching import JobBatch, MatchOptions, Weights, WorkerPool, match

SLOT_S = 900.0
CURVE_WEIGHTS = (0, 135, 270, 540, 1080, 2160)
_METRE_DEG = 1 / 111_195.0


@dataclass(frozen=True, eq=False)
class Demand:
    slot: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    skills: NDArray[np.uint64]
    vehicles: NDArray[np.uint64]
    load: NDArray[np.float64]
    busy_slots: NDArray[np.int64]
    earning: NDArray[np.float64]
    """The worker's part of the price (minor units)."""

    def __len__(self) -> int:
        return int(self.slot.size)


@dataclass(frozen=True, eq=False)
class Supply:
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    speed_mps: NDArray[np.float64]
    skills: NDArray[np.uint64]
    vehicle: NDArray[np.int64]
    capacity: NDArray[np.float64]
    on: NDArray[np.bool_]
    """(slots, workers): whether each worker is available in each slot."""

    def __len__(self) -> int:
        return int(self.lon.size)


@dataclass(frozen=True)
class CurvePoint:
    weight: int
    pickup_m: float
    served: int
    missed: int
    extra_distance_pct: float
    gini_earnings: float
    gini_jobs: float
    gini_change_pct: float


def replay(
    demand: Demand,
    supply: Supply,
    *,
    fairness_weight: float,
    waiting_weight: float,
    radius_m: float,
    seed: int = 0,
) -> tuple[float, int, NDArray[np.float64], NDArray[np.float64]]:
    """One month at one weight: (pick-up metres, jobs served, earnings and jobs per worker)."""
    m = len(supply)
    earnings = np.zeros(m)
    jobs_got = np.zeros(m)
    active_s = np.zeros(m)
    busy_until = np.zeros(m, dtype=np.int64)
    pickup = 0.0
    served = 0
    if not len(demand) or not m:
        return pickup, served, earnings, jobs_got
    weights = Weights(eta=1.0, waiting=waiting_weight, fairness=fairness_weight)
    options = MatchOptions(
        radius_m=radius_m,
        unassigned_eta_s=max(900.0, radius_m / float(supply.speed_mps.min()) + 60.0),
        time_budget_s=1.0,
        coordinates="lonlat",
    )
    n_slots = supply.on.shape[0]
    rng = np.random.default_rng(seed)
    jitter = rng.normal(0.0, 300.0, size=(n_slots, m, 2)) * _METRE_DEG
    cos_lat = math.cos(math.radians(float(np.mean(supply.lat))))
    order = np.argsort(demand.slot, kind="stable")
    slots = demand.slot[order]
    pending = np.zeros(0, dtype=np.int64)
    pending_age = np.zeros(0, dtype=np.int64)
    start = 0
    for s in range(n_slots):
        active_s[supply.on[s]] += SLOT_S
        end = int(np.searchsorted(slots, s, side="right"))
        fresh = order[start:end]
        start = end
        jobs = np.concatenate([pending, fresh])
        age = np.concatenate([pending_age, np.zeros(fresh.size, dtype=np.int64)])
        if jobs.size == 0:
            continue
        free = np.flatnonzero(supply.on[s] & (busy_until <= s))
        if free.size == 0:
            keep = age < 1
            pending, pending_age = jobs[keep], age[keep] + 1
            continue
        batch = JobBatch.create(
            demand.lon[jobs],
            demand.lat[jobs],
            skills=demand.skills[jobs],
            vehicles=demand.vehicles[jobs],
            load=demand.load[jobs],
            waited_s=age * SLOT_S,
        )
        pool = WorkerPool.create(
            supply.lon[free] + jitter[s, free, 0] / cos_lat,
            supply.lat[free] + jitter[s, free, 1],
            speed_mps=supply.speed_mps[free],
            skills=supply.skills[free],
            vehicle=supply.vehicle[free],
            capacity=supply.capacity[free],
            received=jobs_got[free],
            active_s=active_s[free],
        )
        result = match(batch, pool, weights, options)
        got = result.worker_of >= 0
        chosen = free[result.worker_of[got]]
        jobs_got[chosen] += 1
        earnings[chosen] += demand.earning[jobs[got]]
        busy_until[chosen] = s + demand.busy_slots[jobs[got]]
        pickup += float(np.nansum(result.distance_m))
        served += int(got.sum())
        keep = ~got & (age < 1)
        pending, pending_age = jobs[keep], age[keep] + 1
    return pickup, served, earnings, jobs_got


def curve(
    demand: Demand,
    supply: Supply,
    *,
    weights: Sequence[int] = CURVE_WEIGHTS,
    waiting_weight: float = 0.5,
    radius_m: float = 5000.0,
) -> list[CurvePoint]:
    """The trade-off at each weight (ascending), against weight 0 (always replayed)."""
    ordered = sorted({0, *(int(w) for w in weights)})
    hours = supply.on.sum(axis=0) * SLOT_S / 3600.0
    on = hours > 0
    raw = []
    for w in ordered:
        pickup, served, earnings, jobs_got = replay(
            demand,
            supply,
            fairness_weight=float(w),
            waiting_weight=waiting_weight,
            radius_m=radius_m,
        )
        per_hour = earnings[on] / hours[on] if on.any() else np.zeros(0)
        jobs_per_hour = jobs_got[on] / hours[on] if on.any() else np.zeros(0)
        raw.append((w, pickup, served, gini(per_hour), gini(jobs_per_hour)))
    _w0, base_pickup, base_served, base_gini, _gj = raw[0]
    base_per_job = base_pickup / base_served if base_served else 0.0
    points = []
    for w, pickup, served, g_earn, g_jobs in raw:
        per_job = pickup / served if served else 0.0
        extra = (per_job / base_per_job - 1) * 100 if base_per_job > 0 else 0.0
        change = (g_earn / base_gini - 1) * 100 if base_gini > 0 else 0.0
        points.append(
            CurvePoint(
                weight=w,
                pickup_m=pickup,
                served=served,
                missed=len(demand) - served,
                extra_distance_pct=extra,
                gini_earnings=g_earn,
                gini_jobs=g_jobs,
                gini_change_pct=change,
            )
        )
    return points
