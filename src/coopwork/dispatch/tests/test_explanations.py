"""Explanations: the terms add up to the cost, the alternatives are the next-nearest considered
workers by ETA and carry no identity, and everything is plain JSON."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from coopwork.dispatch.matching import Explanation, cost_matrix, match
from coopwork.dispatch.synthetic import city
from coopwork.dispatch.tests import reference
from coopwork.dispatch.tests.strategies import Instance, instances


def eta_matrix(inst: Instance) -> np.ndarray:
    P = np.column_stack((inst.jobs.x, inst.jobs.y))
    Q = np.column_stack((inst.workers.x, inst.workers.y))
    d = np.sqrt(((P[:, None, :] - Q[None, :, :]) ** 2).sum(-1))
    return d / inst.workers.speed_mps[None, :]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(max_jobs=10, max_workers=10))
def test_every_explanation_adds_up_and_lists_the_next_nearest_by_eta(inst: Instance) -> None:
    result = match(inst.jobs, inst.workers, inst.weights, inst.options)
    C, U = cost_matrix(inst.jobs, inst.workers, inst.weights, inst.options)
    etas = eta_matrix(inst)
    for i, ex in enumerate(result.explanations()):
        assert ex.job == i
        chosen = -1 if ex.worker is None else ex.worker
        expected = reference.considered_alternatives(C, U, etas, i, chosen)
        assert list(ex.alternatives_eta_s) == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert ex.unassigned_cost == pytest.approx(U)
        if ex.worker is None:
            assert ex.status == "unassigned" and ex.terms == () and ex.cost == pytest.approx(U)
            assert ex.reason in ("no_worker_worth_it", "taken_by_other_jobs")
            continue
        assert ex.status == "assigned"
        total = sum(t.contribution for t in ex.terms)
        assert total == pytest.approx(ex.cost, rel=1e-12, abs=1e-9)
        assert ex.cost == pytest.approx(C[i, ex.worker], rel=1e-12, abs=1e-9)
        for term in ex.terms:
            assert term.contribution == pytest.approx(term.weight * term.value, abs=1e-9)
        names = [t.name for t in ex.terms]
        assert names == ["eta", "waiting", "fairness"]
        weights = {t.name: t.weight for t in ex.terms}
        assert weights == {
            "eta": inst.weights.eta,
            "waiting": inst.weights.waiting,
            "fairness": inst.weights.fairness,
        }
        assert ex.eta_s == pytest.approx(etas[i, ex.worker])
        assert ex.distance_m == pytest.approx(
            etas[i, ex.worker] * inst.workers.speed_mps[ex.worker]
        )


def test_explanations_are_plain_json_without_identities_of_alternatives() -> None:
    c = city(300, 300, seed=3)
    result = match(c.jobs, c.workers)
    for ex in result.explanations():
        data = ex.as_dict()
        assert json.loads(json.dumps(data)) == data
        assert all(isinstance(a, float) for a in data["alternatives_eta_s"])
        assert len(data["alternatives_eta_s"]) <= 2
        assert data["alternatives_eta_s"] == sorted(data["alternatives_eta_s"])
        assert set(data) == {f.name for f in dataclasses.fields(Explanation)}
        if ex.eta_s is not None and data["alternatives_eta_s"]:
            assert all(math.isfinite(a) for a in data["alternatives_eta_s"])


def test_an_assigned_worker_sees_their_own_pair_and_two_other_etas() -> None:
    c = city(200, 400, seed=5)
    result = match(c.jobs, c.workers)
    assigned = [ex for ex in result.explanations() if ex.worker is not None]
    assert assigned
    with_two = [ex for ex in assigned if len(ex.alternatives_eta_s) == 2]
    assert len(with_two) > len(assigned) // 2
