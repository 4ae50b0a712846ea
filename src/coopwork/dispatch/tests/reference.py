"""Brute-force references for the matching tests: dense costs, exact optimum, greedy, alternatives.

Independent of the solver's sparse machinery: everything here works on the full cost matrix from
``matching.cost_matrix`` (which the tests also check against a direct formula).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from coopwork.dispatch.matching import JobBatch, MatchResult, WorkerPool


def exact_optimum(C: np.ndarray, U: float) -> float:
    """Minimum total cost with a dummy "unassigned" column per job: dense LSA on n × (m + n)."""
    n, m = C.shape
    if n == 0:
        return 0.0
    full = np.full((n, m + n), np.inf)
    full[:, :m] = C
    full[np.arange(n), m + np.arange(n)] = U
    rows, cols = linear_sum_assignment(full)
    return float(full[rows, cols].sum())


def greedy(C: np.ndarray, U: float, waited: np.ndarray) -> tuple[np.ndarray, float]:
    """Longest-waiting job first (then lowest index) takes the cheapest free worker (lowest id on
    ties) if that costs less than U."""
    n, m = C.shape
    order = np.lexsort((np.arange(n), -waited))
    taken = np.zeros(m, dtype=bool)
    out = np.full(n, -1, dtype=np.int64)
    total = 0.0
    for i in order:
        row = np.where(taken, np.inf, C[i])
        j = int(np.argmin(row)) if m else -1
        if m and row[j] < U:
            out[i] = j
            taken[j] = True
            total += float(row[j])
        else:
            total += U
    return out, total


def assignment_cost(C: np.ndarray, U: float, worker_of: np.ndarray) -> float:
    jobs = np.flatnonzero(worker_of >= 0)
    return float(C[jobs, worker_of[jobs]].sum()) + U * int(np.count_nonzero(worker_of < 0))


def feasible(jobs: JobBatch, workers: WorkerPool, i: int, j: int) -> bool:
    need = int(jobs.skills[i])
    return (
        int(workers.skills[j]) & need == need
        and (int(jobs.vehicles[i]) >> int(workers.vehicle[j])) & 1 == 1
        and float(workers.capacity[j]) >= float(jobs.load[i])
    )


def considered_alternatives(
    C: np.ndarray, U: float, etas: np.ndarray, i: int, chosen: int
) -> list[float]:
    """ETAs of the two nearest (eta, then id) workers other than `chosen` whose pair costs < U."""
    ok = np.flatnonzero(C[i] < U)
    ok = ok[ok != chosen]
    ranked = ok[np.lexsort((ok, etas[i, ok]))]
    return [float(etas[i, j]) for j in ranked[:2]]


def check_valid(result: MatchResult, C: np.ndarray, U: float) -> None:
    """At most one job per worker; every pair feasible (finite cost: skills, vehicle, capacity,
    radius) and cheaper than leaving the job unassigned."""
    worker_of = result.worker_of
    used = worker_of[worker_of >= 0]
    assert used.size == np.unique(used).size, "a worker got two jobs"
    for i, j in result.pairs():
        assert np.isfinite(C[i, j]), f"infeasible pair {i}->{j}"
        assert C[i, j] < U, f"pair {i}->{j} costs more than leaving job {i} unassigned"
