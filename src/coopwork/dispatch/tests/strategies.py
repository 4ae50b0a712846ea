"""Hypothesis strategies for small matching instances, with ties, infeasible pairs and dummies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from coopwork.dispatch.matching import JobBatch, MatchOptions, Weights, WorkerPool


@dataclass(frozen=True)
class Instance:
    jobs: JobBatch
    workers: WorkerPool
    weights: Weights
    options: MatchOptions


@st.composite
def instances(
    draw: st.DrawFn,
    *,
    max_jobs: int = 8,
    max_workers: int = 8,
    min_jobs: int = 0,
    grid_m: int = 3000,
    k: st.SearchStrategy[int | None] | None = None,
    reverse_k: st.SearchStrategy[int | None] | None = None,
    tile_jobs: int = 12_000,
) -> Instance:
    n = draw(st.integers(min_jobs, max_jobs))
    m = draw(st.integers(0, max_workers))
    # coarse coordinates on purpose: equal distances and equal costs happen
    coord = st.integers(0, grid_m // 100).map(lambda v: float(v * 100))

    def arr(strategy: st.SearchStrategy, size: int) -> list:
        return draw(st.lists(strategy, min_size=size, max_size=size))

    jobs = JobBatch.create(
        arr(coord, n),
        arr(coord, n),
        skills=np.array(arr(st.integers(0, 3), n), dtype=np.uint64),
        vehicles=np.array(arr(st.integers(1, 7), n), dtype=np.uint64),
        load=arr(st.sampled_from([0.0, 1.0, 2.0, 4.0]), n),
        waited_s=arr(st.sampled_from([0.0, 0.0, 30.0, 120.0, 600.0]), n),
    )
    workers = WorkerPool.create(
        arr(coord, m),
        arr(coord, m),
        speed_mps=arr(st.sampled_from([3.0, 5.0, 8.0]), m),
        skills=np.array(arr(st.integers(0, 3), m), dtype=np.uint64),
        vehicle=np.array(arr(st.integers(0, 2), m), dtype=np.int64),
        capacity=arr(st.sampled_from([1.0, 2.0, 4.0, 8.0]), m),
        received=arr(st.integers(0, 40).map(float), m),
        active_s=arr(st.sampled_from([0.0, 3600.0, 36000.0, 144000.0]), m),
    )
    weights = Weights(
        eta=draw(st.sampled_from([0.5, 1.0, 2.0])),
        waiting=draw(st.sampled_from([0.0, 0.5, 1.0])),
        fairness=draw(st.sampled_from([0.0, 60.0, 300.0])),
    )
    options = MatchOptions(
        radius_m=draw(st.sampled_from([500.0, 1500.0, 5000.0])),
        unassigned_eta_s=draw(st.sampled_from([60.0, 300.0, 900.0])),
        time_budget_s=60.0,
        k=draw(k) if k is not None else None,
        reverse_k=draw(reverse_k) if reverse_k is not None else None,
        tile_jobs=tile_jobs,
    )
    return Instance(jobs, workers, weights, options)
