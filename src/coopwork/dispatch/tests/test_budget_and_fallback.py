"""Time budget, greedy fallback and solver failure: the result is always a valid assignment and
says which path produced it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from coopwork.dispatch import matching
from coopwork.dispatch.matching import MatchOptions, Weights, cost_matrix, match
from coopwork.dispatch.synthetic import city
from coopwork.dispatch.tests import reference

WEIGHTS = Weights(eta=1.0, waiting=0.5, fairness=60.0)


@pytest.fixture(scope="module")
def town():
    return city(400, 350, seed=21)


def check(result, town, options) -> None:
    C, U = cost_matrix(town.jobs, town.workers, WEIGHTS, options)
    reference.check_valid(result, C, U)
    assert result.total_cost == pytest.approx(reference.assignment_cost(C, U, result.worker_of))


def test_a_tiny_budget_falls_back_to_the_greedy(town) -> None:
    options = MatchOptions(time_budget_s=0.0)
    result = match(town.jobs, town.workers, WEIGHTS, options)
    assert result.path == "greedy"
    assert result.reason.startswith("time budget")
    check(result, town, options)
    C, U = cost_matrix(town.jobs, town.workers, WEIGHTS, options)
    greedy_of, _ = reference.greedy(C, U, town.jobs.waited_s)
    np.testing.assert_array_equal(result.worker_of, greedy_of)
    assert result.total_cost == pytest.approx(result.greedy_cost)


def test_a_generous_budget_solves_exactly_and_beats_the_greedy(town) -> None:
    options = MatchOptions(time_budget_s=60.0)
    result = match(town.jobs, town.workers, WEIGHTS, options)
    assert result.path == "exact"
    check(result, town, options)
    assert result.total_cost < result.greedy_cost


def test_budget_running_out_between_tiles_keeps_the_tiles_already_solved(town, monkeypatch) -> None:
    """A clock that jumps past the budget right after the first pass."""
    now = [0.0]
    original = matching._solve_ortools
    calls = [0]

    def solve_then_jump(*args, **kwargs):
        calls[0] += 1
        out = original(*args, **kwargs)
        if calls[0] == n_first_pass:
            now[0] = 1e9
        return out

    options = MatchOptions(time_budget_s=10.0, tile_jobs=100, solver="ortools")
    prob = matching._prepare(town.jobs, town.workers, WEIGHTS, options)
    n_first_pass = len(matching._tiles(prob, 100, shifted=False)[0])
    monkeypatch.setattr(matching, "_solve_ortools", solve_then_jump)
    result = match(town.jobs, town.workers, WEIGHTS, options, clock=lambda: now[0])
    assert result.path == "partial"
    assert result.reason.startswith("time budget")
    check(result, town, options)
    assert result.total_cost <= result.greedy_cost


def test_budget_running_out_in_the_first_pass_returns_the_greedy(town, monkeypatch) -> None:
    now = [0.0]
    original = matching._solve_ortools

    def solve_then_jump(*args, **kwargs):
        now[0] = 1e9
        return original(*args, **kwargs)

    options = MatchOptions(time_budget_s=10.0, tile_jobs=100, solver="ortools")
    monkeypatch.setattr(matching, "_solve_ortools", solve_then_jump)
    result = match(town.jobs, town.workers, WEIGHTS, options, clock=lambda: now[0])
    assert result.path == "greedy"
    check(result, town, options)


@pytest.mark.parametrize("solver", ["ortools", "scipy"])
def test_a_failing_solver_falls_back_to_the_greedy(town, monkeypatch, solver) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(matching, f"_solve_{solver}", broken)
    options = MatchOptions(solver=solver)
    result = match(town.jobs, town.workers, WEIGHTS, options)
    assert result.path == "greedy"
    assert "solver failed: boom" in result.reason
    check(result, town, options)
    assert result.total_cost == pytest.approx(result.greedy_cost)


def test_both_solvers_agree(town) -> None:
    a = match(town.jobs, town.workers, WEIGHTS, MatchOptions(solver="ortools"))
    b = match(town.jobs, town.workers, WEIGHTS, MatchOptions(solver="scipy"))
    assert a.total_cost == pytest.approx(b.total_cost, rel=1e-6)


def test_tiled_solve_is_valid_and_not_worse_than_greedy(town) -> None:
    options = MatchOptions(tile_jobs=100)
    result = match(town.jobs, town.workers, WEIGHTS, options)
    assert result.path == "tiled"
    check(result, town, options)
    assert result.total_cost <= result.greedy_cost
    exact = match(town.jobs, town.workers, WEIGHTS, dataclasses.replace(options, tile_jobs=10_000))
    assert exact.total_cost <= result.total_cost + 1e-6
