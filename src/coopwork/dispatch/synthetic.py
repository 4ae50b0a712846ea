"""Synthetic cities for the matching tests and benchmark: reproducible (fixed seeds), planar metres.

A city is a square (20 × 20 km by default) with uniform supply and either uniform or centre-heavy
demand. Jobs are deliveries (60 %: bike, scooter or car; some need a food-hygiene certificate),
rides (30 %: car or van, 1–4 seats, a few need a child seat) and tasks (10 %: any vehicle, need
lifting or assembly skills). Workers ride bikes, scooters, cars or vans at their kind's speed ±10 %,
hold skills at fixed rates and carry a fairness history (jobs received over hours active).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from coopwork.dispatch.matching import JobBatch, WorkerPool

__all__ = [
    "BIKE",
    "CAR",
    "KIND_NAMES",
    "SCOOTER",
    "SKILL_ASSEMBLY",
    "SKILL_CHILD_SEAT",
    "SKILL_FOOD",
    "SKILL_LIFTING",
    "VAN",
    "City",
    "city",
    "vehicle_mask",
]

BIKE, SCOOTER, CAR, VAN = 0, 1, 2, 3
KIND_NAMES = ("bike", "scooter", "car", "van")
SPEED_MPS = np.array([4.2, 5.6, 8.3, 7.5])  # 15, 20, 30 and 27 km/h in town
CAPACITY = np.array([1.0, 1.0, 4.0, 8.0])
KIND_SHARE = np.array([0.35, 0.20, 0.38, 0.07])

SKILL_FOOD = 1 << 0
SKILL_LIFTING = 1 << 1
SKILL_CHILD_SEAT = 1 << 2
SKILL_ASSEMBLY = 1 << 3

Demand = Literal["uniform", "centre"]


def vehicle_mask(*kinds: int) -> int:
    mask = 0
    for kind in kinds:
        mask |= 1 << kind
    return mask


@dataclass(frozen=True, eq=False)
class City:
    jobs: JobBatch
    workers: WorkerPool
    size_m: float


def job_positions(
    rng: np.random.Generator, n: int, demand: Demand, size_m: float
) -> tuple[np.ndarray, np.ndarray]:
    if demand == "uniform":
        return rng.uniform(0, size_m, n), rng.uniform(0, size_m, n)
    if demand != "centre":
        raise ValueError("demand is 'uniform' or 'centre'")
    centre = rng.random(n) < 0.7
    x = np.where(centre, rng.normal(size_m / 2, size_m / 8, n), rng.uniform(0, size_m, n))
    y = np.where(centre, rng.normal(size_m / 2, size_m / 8, n), rng.uniform(0, size_m, n))
    return np.clip(x, 0, size_m), np.clip(y, 0, size_m)


def jobs_for(
    rng: np.random.Generator,
    n: int,
    *,
    demand: Demand = "uniform",
    size_m: float = 20_000.0,
    max_wait_s: float = 120.0,
) -> JobBatch:
    x, y = job_positions(rng, n, demand, size_m)
    kind = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])  # delivery, ride, task
    vehicles = np.select(
        [kind == 0, kind == 1],
        [vehicle_mask(BIKE, SCOOTER, CAR), vehicle_mask(CAR, VAN)],
        vehicle_mask(BIKE, SCOOTER, CAR, VAN),
    ).astype(np.uint64)
    seats = rng.choice([1.0, 2.0, 3.0, 4.0], size=n, p=[0.6, 0.25, 0.1, 0.05])
    load = np.select([kind == 0, kind == 1], [np.ones(n), seats], np.zeros(n))
    task_skill = np.where(rng.random(n) < 0.6, SKILL_LIFTING, SKILL_ASSEMBLY)
    skills = np.select(
        [kind == 0, kind == 1],
        [
            np.where(rng.random(n) < 0.25, SKILL_FOOD, 0),
            np.where(rng.random(n) < 0.05, SKILL_CHILD_SEAT, 0),
        ],
        task_skill,
    ).astype(np.uint64)
    return JobBatch.create(
        x, y, skills=skills, vehicles=vehicles, load=load, waited_s=rng.uniform(0, max_wait_s, n)
    )


def workers_for(rng: np.random.Generator, n: int, *, size_m: float = 20_000.0) -> WorkerPool:
    kind = rng.choice(4, size=n, p=KIND_SHARE)
    speed = SPEED_MPS[kind] * rng.uniform(0.9, 1.1, n)
    motor = (kind == CAR) | (kind == VAN)
    skills = (
        np.where(rng.random(n) < 0.5, SKILL_FOOD, 0)
        | np.where(rng.random(n) < 0.25, SKILL_LIFTING, 0)
        | np.where(motor & (rng.random(n) < 0.2), SKILL_CHILD_SEAT, 0)
        | np.where(rng.random(n) < 0.15, SKILL_ASSEMBLY, 0)
    ).astype(np.uint64)
    active_h = rng.uniform(2, 160, n)
    received = rng.poisson(1.5 * active_h * rng.lognormal(0, 0.4, n)).astype(np.float64)
    return WorkerPool.create(
        rng.uniform(0, size_m, n),
        rng.uniform(0, size_m, n),
        speed_mps=speed,
        skills=skills,
        vehicle=kind,
        capacity=CAPACITY[kind],
        received=received,
        active_s=active_h * 3600,
    )


def city(
    n_jobs: int,
    n_workers: int,
    *,
    demand: Demand = "uniform",
    seed: int = 0,
    size_m: float = 20_000.0,
    fleet: Literal["mixed", "cars"] = "mixed",
) -> City:
    """A reproducible synthetic city: the same arguments always give the same arrays.

    ``fleet="cars"`` is the textbook balanced city: identical cars (30 km/h ± 10 %) and plain
    rides any of them can take, so the pickup ETA is the pickup distance at one speed.
    """
    rng = np.random.default_rng(seed)
    if fleet == "cars":
        x, y = job_positions(rng, n_jobs, demand, size_m)
        jobs = JobBatch.create(x, y, load=np.ones(n_jobs), waited_s=rng.uniform(0, 120, n_jobs))
        workers = WorkerPool.create(
            rng.uniform(0, size_m, n_workers),
            rng.uniform(0, size_m, n_workers),
            speed_mps=SPEED_MPS[CAR] * rng.uniform(0.9, 1.1, n_workers),
            vehicle=np.full(n_workers, CAR),
            capacity=np.full(n_workers, CAPACITY[CAR]),
            received=rng.poisson(30, n_workers).astype(np.float64),
            active_s=np.full(n_workers, 20 * 3600.0),
        )
        return City(jobs=jobs, workers=workers, size_m=size_m)
    if fleet != "mixed":
        raise ValueError("fleet is 'mixed' or 'cars'")
    jobs = jobs_for(rng, n_jobs, demand=demand, size_m=size_m)
    workers = workers_for(rng, n_workers, size_m=size_m)
    return City(jobs=jobs, workers=workers, size_m=size_m)


@dataclass(frozen=True, eq=False)
class MonthResult:
    """What a month of simulated rounds gave under one fairness weight."""

    fairness_weight: float
    pickup_m: float
    """Total pickup distance of the jobs served."""
    served: int
    offered: int
    """Jobs that arrived (served, or expired after waiting too long)."""
    jobs: np.ndarray
    """Jobs each worker got."""
    active_h: np.ndarray
    """Hours each worker was on shift."""

    @property
    def pickup_per_job_m(self) -> float:
        return self.pickup_m / max(self.served, 1)

    @property
    def gini_jobs(self) -> float:
        from coopwork.dispatch.fairness import gini

        return gini(self.jobs)

    @property
    def gini_rate(self) -> float:
        """Gini of jobs per active hour (what the fairness term evens out)."""
        from coopwork.dispatch.fairness import gini

        on = self.active_h > 0
        return gini(self.jobs[on] / self.active_h[on])


def simulate_month(
    fairness_weight: float,
    *,
    n_workers: int = 400,
    days: int = 30,
    rounds_per_day: int = 32,
    round_s: float = 900.0,
    demand_per_worker: float = 0.35,
    seed: int = 0,
    size_m: float = 20_000.0,
    radius_m: float = 3000.0,
    waiting_weight: float = 0.5,
) -> MonthResult:
    """A month of dispatch rounds in a synthetic city, to price a fairness weight.

    Workers live at fixed homes (uniform over the city) and wait near home (±500 m) when free;
    demand is centre-heavy, so under pure efficiency those living near the centre get more work.
    Each worker works a fixed shift (4, 6 or 8 hours) on about 70 % of the days, at a random time
    of the day. A served job keeps its worker busy for the next round; an unserved job waits for
    the next round (with its waiting time) and expires after two. The fairness state fed to the
    matcher is the jobs received and the time on shift so far this month. The same seed gives
    the same demand and shifts for every weight, so runs differ only by the weight.
    """
    from coopwork.dispatch.matching import MatchOptions, Weights, match

    rng = np.random.default_rng(seed)
    pool = workers_for(rng, n_workers, size_m=size_m)
    home_x, home_y = pool.x.copy(), pool.y.copy()
    shift_rounds = rng.choice([16, 24, 32], size=n_workers) * rounds_per_day // 32
    works_on = rng.random((days, n_workers)) < 0.7
    starts = rng.integers(0, rounds_per_day - shift_rounds + 1, size=(days, n_workers))
    demand_rng = np.random.default_rng(seed + 1)
    jitter_rng = np.random.default_rng(seed + 2)
    weights = Weights(eta=1.0, waiting=waiting_weight, fairness=fairness_weight)
    options = MatchOptions(radius_m=radius_m, unassigned_eta_s=900.0, time_budget_s=5.0)
    received = np.zeros(n_workers)
    active_s = np.zeros(n_workers)
    busy_until = np.zeros(n_workers, dtype=np.int64)
    pending: JobBatch | None = None
    pending_age = np.zeros(0, dtype=np.int64)
    pickup = 0.0
    served = offered = 0
    for day in range(days):
        for r in range(rounds_per_day):
            now = day * rounds_per_day + r
            on = works_on[day] & (r >= starts[day]) & (r < starts[day] + shift_rounds)
            active_s[on] += round_s
            free = np.flatnonzero(on & (busy_until <= now))
            n_new = demand_rng.poisson(demand_per_worker * max(int(on.sum()), 1))
            offered += n_new
            fresh = jobs_for(demand_rng, n_new, demand="centre", size_m=size_m, max_wait_s=0.0)
            if pending is not None and pending_age.size:
                jobs = _concat_jobs(pending, fresh)
                age = np.concatenate([pending_age, np.zeros(n_new, dtype=np.int64)])
            else:
                jobs, age = fresh, np.zeros(n_new, dtype=np.int64)
            if len(jobs) == 0:
                continue
            wx = np.clip(home_x[free] + jitter_rng.normal(0, 500, free.size), 0, size_m)
            wy = np.clip(home_y[free] + jitter_rng.normal(0, 500, free.size), 0, size_m)
            workers = WorkerPool.create(
                wx,
                wy,
                speed_mps=pool.speed_mps[free],
                skills=pool.skills[free],
                vehicle=pool.vehicle[free],
                capacity=pool.capacity[free],
                received=received[free],
                active_s=active_s[free],
            )
            result = match(jobs, workers, weights, options)
            got = result.worker_of >= 0
            chosen = free[result.worker_of[got]]
            received[chosen] += 1
            busy_until[chosen] = now + 2
            pickup += float(np.nansum(result.distance_m))
            served += int(got.sum())
            keep = ~got & (age < 2)
            pending = _take_jobs(jobs, keep, round_s)
            pending_age = age[keep] + 1
    return MonthResult(
        fairness_weight=fairness_weight,
        pickup_m=pickup,
        served=served,
        offered=offered,
        jobs=received,
        active_h=active_s / 3600,
    )


def _concat_jobs(a: JobBatch, b: JobBatch) -> JobBatch:
    return JobBatch.create(
        np.concatenate([a.x, b.x]),
        np.concatenate([a.y, b.y]),
        skills=np.concatenate([a.skills, b.skills]),
        vehicles=np.concatenate([a.vehicles, b.vehicles]),
        load=np.concatenate([a.load, b.load]),
        waited_s=np.concatenate([a.waited_s, b.waited_s]),
    )


def _take_jobs(jobs: JobBatch, keep: np.ndarray, extra_wait_s: float) -> JobBatch:
    return JobBatch.create(
        jobs.x[keep],
        jobs.y[keep],
        skills=jobs.skills[keep],
        vehicles=jobs.vehicles[keep],
        load=jobs.load[keep],
        waited_s=jobs.waited_s[keep] + extra_wait_s,
    )
