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
) -> City:
    """A reproducible synthetic city: the same arguments always give the same arrays."""
    rng = np.random.default_rng(seed)
    jobs = jobs_for(rng, n_jobs, demand=demand, size_m=size_m)
    workers = workers_for(rng, n_workers, size_m=size_m)
    return City(jobs=jobs, workers=workers, size_m=size_m)
