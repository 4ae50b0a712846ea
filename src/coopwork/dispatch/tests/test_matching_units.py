"""Inputs, coordinates, adaptive k, edge cases and the synthetic cities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coopwork.dispatch import matching
from coopwork.dispatch.matching import (
    ALL_VEHICLES,
    EARTH_RADIUS_M,
    JobBatch,
    MatchOptions,
    Weights,
    WorkerPool,
    adaptive_k,
    adaptive_reverse_k,
    cost_matrix,
    match,
)
from coopwork.dispatch.synthetic import city, simulate_month
from coopwork.dispatch.tests import reference


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def lyon(n_jobs: int, n_workers: int, seed: int = 0) -> tuple[JobBatch, WorkerPool]:
    rng = np.random.default_rng(seed)
    jobs = JobBatch.create(4.83 + rng.normal(0, 0.03, n_jobs), 45.76 + rng.normal(0, 0.02, n_jobs))
    workers = WorkerPool.create(
        4.83 + rng.normal(0, 0.03, n_workers),
        45.76 + rng.normal(0, 0.02, n_workers),
        speed_mps=rng.uniform(4, 9, n_workers),
        received=rng.integers(0, 20, n_workers).astype(float),
        active_s=rng.uniform(3600, 36000, n_workers),
    )
    return jobs, workers


def test_lonlat_distances_are_great_circle() -> None:
    jobs, workers = lyon(30, 40)
    options = MatchOptions(coordinates="lonlat", radius_m=2500)
    result = match(jobs, workers, Weights(), options)
    assert result.assigned.any()
    for i, j in result.pairs():
        expected = haversine_m(jobs.y[i], jobs.x[i], workers.y[j], workers.x[j])
        assert result.distance_m[i] == pytest.approx(expected, rel=1e-9)
        assert result.distance_m[i] <= 2500
    C, U = cost_matrix(jobs, workers, Weights(), options)
    reference.check_valid(result, C, U)
    assert result.total_cost == pytest.approx(reference.exact_optimum(C, U), rel=1e-6)


def test_lonlat_and_a_local_plane_agree_at_city_scale() -> None:
    jobs, workers = lyon(60, 60, seed=2)
    lat0 = math.radians(45.76)

    def plane(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.radians(lon) * EARTH_RADIUS_M * math.cos(lat0),
            np.radians(lat) * EARTH_RADIUS_M,
        )

    jx, jy = plane(jobs.x, jobs.y)
    wx, wy = plane(workers.x, workers.y)
    planar_jobs = JobBatch.create(jx, jy)
    planar_workers = WorkerPool.create(
        wx, wy, speed_mps=workers.speed_mps, received=workers.received, active_s=workers.active_s
    )
    a = match(jobs, workers, options=MatchOptions(coordinates="lonlat"))
    b = match(planar_jobs, planar_workers)
    assert a.total_cost == pytest.approx(b.total_cost, rel=2e-3)


def test_lonlat_refuses_out_of_range() -> None:
    jobs = JobBatch.create([200.0], [0.0])
    workers = WorkerPool.create([0.0], [0.0], speed_mps=5.0)
    with pytest.raises(ValueError, match="lon/lat"):
        match(jobs, workers, options=MatchOptions(coordinates="lonlat"))


def test_empty_sides() -> None:
    jobs = JobBatch.create([0.0, 100.0], [0.0, 0.0])
    no_workers = WorkerPool.create([], [], speed_mps=[])
    result = match(jobs, no_workers)
    assert result.worker_of.tolist() == [-1, -1]
    assert result.total_cost == pytest.approx(2 * result.unassigned_cost)
    assert [ex.reason for ex in result.explanations()] == ["no_worker_worth_it"] * 2
    workers = WorkerPool.create([0.0], [0.0], speed_mps=5.0)
    empty = match(JobBatch.create([], []), workers)
    assert empty.worker_of.size == 0 and empty.total_cost == 0.0


def test_radius_skills_vehicle_and_capacity_are_respected() -> None:
    jobs = JobBatch.create(
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        skills=np.array([0b1, 0, 0, 0], dtype=np.uint64),
        vehicles=np.array([ALL_VEHICLES, 0b10, ALL_VEHICLES, ALL_VEHICLES], dtype=np.uint64),
        load=[0.0, 0.0, 3.0, 0.0],
    )
    # every worker is right there but each one fails one job's need; one is too far
    workers = WorkerPool.create(
        [0.0, 0.0, 0.0, 9000.0],
        [0.0, 0.0, 0.0, 0.0],
        speed_mps=5.0,
        skills=np.array([0, 0b1, 0b1, 0b1], dtype=np.uint64),
        vehicle=[0, 0, 1, 1],
        capacity=[1.0, 1.0, 1.0, 8.0],
    )
    result = match(jobs, workers, options=MatchOptions(radius_m=5000))
    pairs = dict(result.pairs())
    assert pairs.get(0) in (1, 2)  # needs skill 1
    assert pairs.get(1) == 2  # needs vehicle kind 1 within reach
    assert 2 not in pairs  # needs capacity 3: only the far worker has it
    assert 3 not in pairs.values()


def test_waiting_credit_wins_a_disputed_worker() -> None:
    jobs = JobBatch.create([0.0, 10.0], [0.0, 0.0], waited_s=[0.0, 300.0])
    workers = WorkerPool.create([0.0], [0.0], speed_mps=5.0)
    assert match(jobs, workers, Weights(waiting=0.0)).worker_of.tolist() == [0, -1]
    assert match(jobs, workers, Weights(waiting=0.5)).worker_of.tolist() == [-1, 0]


def test_fairness_moves_a_job_to_the_worker_who_got_less() -> None:
    jobs = JobBatch.create([0.0], [0.0])
    workers = WorkerPool.create(
        [100.0, 200.0], [0.0, 0.0], speed_mps=5.0, received=[20.0, 0.0], active_s=[36000.0] * 2
    )
    assert match(jobs, workers, Weights(fairness=0.0)).worker_of.tolist() == [0]
    assert match(jobs, workers, Weights(fairness=60.0)).worker_of.tolist() == [1]


def test_fairness_never_leaves_a_job_unassigned() -> None:
    jobs = JobBatch.create([0.0], [0.0])
    workers = WorkerPool.create([1000.0], [0.0], speed_mps=5.0, received=[50.0], active_s=[3600.0])
    result = match(jobs, workers, Weights(fairness=10_000.0))
    assert result.worker_of.tolist() == [0]


def test_adaptive_k_grows_with_the_batch() -> None:
    ks = [adaptive_k(n, n) for n in (10, 100, 1000, 2000, 10_000, 100_000)]
    assert ks == sorted(ks)
    assert ks[0] >= 8 and ks[-1] <= 64
    assert adaptive_k(0, 10) == 1


def test_crowding_lengthens_the_workers_lists_more_than_the_jobs() -> None:
    """In a crowd the workers' side carries the quality (see adaptive_reverse_k): crowding
    raises the reverse lists steeply, the jobs' own lists only for dense batches."""
    for n in (1000, 2000, 5000, 10_000):
        assert adaptive_reverse_k(n, n, 1.0) == adaptive_k(n, n, 1.0)
        crowded = adaptive_reverse_k(n, n, 3.0)
        assert crowded > adaptive_k(n, n, 3.0)
        assert crowded >= 3 * adaptive_reverse_k(n, n, 1.0)
    assert adaptive_k(2000, 2000, 3.0) < adaptive_k(10_000, 10_000, 3.0) / 2
    assert adaptive_reverse_k(0, 10) == 1
    assert adaptive_reverse_k(10**6, 10**6, 8.0) == 128


def test_a_short_budget_shortens_both_sides_alike() -> None:
    c = city(2000, 2000, demand="centre", seed=3)
    full = match(c.jobs, c.workers, Weights(), MatchOptions(radius_m=3000.0, time_budget_s=5.0))
    tight = match(c.jobs, c.workers, Weights(), MatchOptions(radius_m=3000.0, time_budget_s=0.25))
    assert full.reverse_k > full.k and full.k == full.k_rule
    assert 8 <= tight.k < full.k and 8 <= tight.reverse_k < full.reverse_k
    assert tight.reverse_k / full.reverse_k == pytest.approx(tight.k / full.k, abs=0.1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("radius_m", 0.0),
        ("unassigned_eta_s", -1.0),
        ("time_budget_s", -1.0),
        ("coordinates", "mercator"),
        ("k", 0),
        ("solver", "magic"),
        ("tile_jobs", 10),
    ],
)
def test_options_refuse_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValueError):
        MatchOptions(**{field: value})  # type: ignore[arg-type]


def test_weights_refuse_bad_values() -> None:
    with pytest.raises(ValueError):
        Weights(eta=0.0)
    with pytest.raises(ValueError):
        Weights(fairness=-1.0)
    with pytest.raises(ValueError):
        Weights(waiting=float("nan"))


def test_inputs_refuse_bad_arrays() -> None:
    with pytest.raises(ValueError):
        JobBatch.create([0.0, 1.0], [0.0])
    with pytest.raises(ValueError):
        JobBatch.create([0.0], [0.0], waited_s=[-1.0])
    with pytest.raises(ValueError):
        JobBatch.create([0.0], [0.0], skills=[-1])
    with pytest.raises(ValueError):
        WorkerPool.create([0.0], [0.0], speed_mps=0.0)
    with pytest.raises(ValueError):
        WorkerPool.create([0.0], [0.0], speed_mps=1.0, vehicle=[64])
    with pytest.raises(ValueError):
        WorkerPool.create([float("nan")], [0.0], speed_mps=1.0)


def test_synthetic_cities_are_reproducible() -> None:
    a, b = city(500, 400, demand="centre", seed=4), city(500, 400, demand="centre", seed=4)
    np.testing.assert_array_equal(a.jobs.x, b.jobs.x)
    np.testing.assert_array_equal(a.workers.skills, b.workers.skills)
    assert len(a.jobs) == 500 and len(a.workers) == 400
    assert a.jobs.x.min() >= 0 and a.jobs.x.max() <= 20_000
    other = city(500, 400, demand="uniform", seed=4)
    centre_share = np.mean(np.hypot(a.jobs.x - 10_000, a.jobs.y - 10_000) < 5000)
    uniform_share = np.mean(np.hypot(other.jobs.x - 10_000, other.jobs.y - 10_000) < 5000)
    assert centre_share > uniform_share + 0.2


def test_a_small_month_prices_fairness() -> None:
    plain = simulate_month(0.0, n_workers=60, days=2, rounds_per_day=8)
    fair = simulate_month(600.0, n_workers=60, days=2, rounds_per_day=8)
    assert plain.offered == fair.offered and plain.offered > 0
    assert plain.served > 0 and fair.served > 0
    assert plain.jobs.sum() == plain.served
    assert 0 <= fair.gini_rate <= 1 and 0 <= plain.gini_jobs <= 1


def test_list_widening_stops_at_the_fetch_cap_for_every_kind(monkeypatch) -> None:
    """A kind no job uses (width 1) must not hold the others' widening back past the cap."""
    monkeypatch.setattr(matching, "_MAX_FETCH", 64)
    widths: list[int] = []
    query = matching._query

    def recording(prob, g, jobs_idx, kf):  # type: ignore[no-untyped-def]
        widths.append(kf)
        return query(prob, g, jobs_idx, kf)

    monkeypatch.setattr(matching, "_query", recording)
    c = city(600, 600, demand="centre", seed=5)
    result = match(c.jobs, c.workers, Weights(), MatchOptions(radius_m=3000.0))
    assert widths and max(widths) <= 64
    taken = result.worker_of[result.worker_of >= 0]
    assert taken.size == np.unique(taken).size


def test_workers_who_can_take_no_job_fetch_none_on_the_reverse_side(monkeypatch) -> None:
    rng = np.random.default_rng(1)
    n = m = 400
    jobs = JobBatch.create(
        rng.uniform(0, 8000, n), rng.uniform(0, 8000, n), skills=np.full(n, 1, dtype=np.uint64)
    )
    skilled = np.zeros(m, dtype=np.uint64)
    skilled[:4] = 1  # 1 % of the workers have the skill every job needs
    workers = WorkerPool.create(
        rng.uniform(0, 8000, m), rng.uniform(0, 8000, m), speed_mps=5.0, skills=skilled
    )
    fetched: list[tuple[int, int]] = []

    class Tree(matching.cKDTree):  # type: ignore[misc]
        def query(self, x, k=1, **kwargs):  # type: ignore[no-untyped-def]
            fetched.append((len(np.atleast_2d(x)), k))
            return super().query(x, k=k, **kwargs)

    monkeypatch.setattr(matching, "cKDTree", Tree)
    prob = matching._prepare(jobs, workers, Weights(), MatchOptions(radius_m=3000.0))
    job_ids, worker_ids, _cost = matching._reverse_edges(prob, np.full(m, 16, dtype=np.int64))
    assert set(worker_ids.tolist()) <= {0, 1, 2, 3}
    assert sum(rows for rows, _k in fetched) == 4  # only the four who could take a job asked
    assert all(k <= matching._MAX_FETCH for _rows, k in fetched)
    assert job_ids.size > 0
