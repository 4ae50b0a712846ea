"""The fast paths of the matching give the same answers as the plain ones they replace.

- Feasibility is answered from a table of (job class, worker class) pairs: it must agree with
  the skills / vehicle / capacity rules checked pair by pair in plain Python.
- The greedy searches a small free-worker tree with one radius query; with that shortcut off
  (the path big batches take) it must still be the reference greedy.
- Candidate lists are cut by one row sort: ties in cost are broken by worker id, as before.
"""

from __future__ import annotations

import dataclasses
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopwork.dispatch import matching
from coopwork.dispatch.matching import cost_matrix, match
from coopwork.dispatch.tests import reference
from coopwork.dispatch.tests.strategies import Instance, instances

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plain_feasible(inst: Instance) -> np.ndarray:
    jobs, workers = inst.jobs, inst.workers
    out = np.zeros((len(jobs), len(workers)), dtype=bool)
    for i in range(len(jobs)):
        need, accepts, load = int(jobs.skills[i]), int(jobs.vehicles[i]), float(jobs.load[i])
        for j in range(len(workers)):
            out[i, j] = (
                int(workers.skills[j]) & need == need
                and (accepts >> int(workers.vehicle[j])) & 1 == 1
                and float(workers.capacity[j]) >= load
            )
    return out


@PROPERTY
@given(inst=instances(max_jobs=25, max_workers=25))
def test_feasibility_table_agrees_with_the_rules(inst: Instance) -> None:
    prob = matching._prepare(inst.jobs, inst.workers, inst.weights, inst.options)
    n, m = len(inst.jobs), len(inst.workers)
    if n and m:
        assert prob.classes is not None
    rows = np.arange(n, dtype=np.int64)[:, None]
    cols = np.arange(m, dtype=np.int64)[None, :]
    expected = plain_feasible(inst)
    np.testing.assert_array_equal(prob.feasible(rows, cols), expected)
    # and the pair-by-pair path used when there are too many classes
    plain = dataclasses.replace(prob, classes=None)
    np.testing.assert_array_equal(plain.feasible(rows, cols), expected)


@PROPERTY
@given(inst=instances(max_jobs=40, max_workers=40, grid_m=4000, k=st.integers(1, 4)))
def test_greedy_without_the_radius_query_is_the_reference_greedy(inst: Instance) -> None:
    options = dataclasses.replace(inst.options, solver="greedy")
    C, U = cost_matrix(inst.jobs, inst.workers, inst.weights, options)
    greedy_of, _total = reference.greedy(C, U, inst.jobs.waited_s)
    with mock.patch.object(matching, "_BALL_TREE", 0), mock.patch.object(matching, "_BALL_MAX", 0):
        result = match(inst.jobs, inst.workers, inst.weights, options)
    np.testing.assert_array_equal(result.worker_of, greedy_of)


@PROPERTY
@given(
    keys=st.lists(
        st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0, np.inf]), min_size=1, max_size=12),
        min_size=1,
        max_size=6,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1),
    k=st.integers(1, 14),
    seed=st.integers(0, 1000),
)
def test_smallest_orders_by_cost_then_worker(keys: list[list[float]], k: int, seed: int) -> None:
    key = np.array(keys)
    ids = np.random.default_rng(seed).permutation(key.size * 3)[: key.size].reshape(key.shape)
    out_ids, out_key = matching._smallest(key, ids.astype(np.int64), k)
    for r in range(key.shape[0]):
        pairs = sorted((v, int(w)) for v, w in zip(key[r], ids[r], strict=True) if v < np.inf)
        pairs = pairs[:k]
        want_ids = [w for _v, w in pairs] + [-1] * (k - len(pairs))
        want_key = [v for v, _w in pairs] + [np.inf] * (k - len(pairs))
        assert out_ids[r].tolist() == want_ids
        assert out_key[r].tolist() == want_key


@PROPERTY
@given(
    inst=instances(
        max_jobs=60, max_workers=80, grid_m=5000, k=st.integers(1, 4), reverse_k=st.integers(0, 2)
    )
)
def test_a_wider_fetch_reusing_the_settled_kinds_changes_nothing(inst: Instance) -> None:
    """A job whose list is not provably exact is fetched again, wider, only from the vehicle
    kinds that could still change it; querying every kind again must give the same result."""
    reused = match(inst.jobs, inst.workers, inst.weights, inst.options)
    with mock.patch.object(matching, "_REUSE_ENTRIES", 0):
        fresh = match(inst.jobs, inst.workers, inst.weights, inst.options)
    np.testing.assert_array_equal(reused.worker_of, fresh.worker_of)
    np.testing.assert_array_equal(reused.alternatives_eta_s, fresh.alternatives_eta_s)
    assert reused.total_cost == fresh.total_cost
    assert reused.greedy_cost == fresh.greedy_cost
    assert reused.n_edges == fresh.n_edges
