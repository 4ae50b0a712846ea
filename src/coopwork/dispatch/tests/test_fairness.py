"""The fairness score (documented formula) and the Gini coefficient."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopwork.dispatch.fairness import fairness_scores, gini


def test_gini_of_known_distributions() -> None:
    assert gini([]) == 0.0
    assert gini([0, 0, 0]) == 0.0
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n − 1) / n
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_gini_is_the_mean_absolute_difference_over_twice_the_mean(values: list[float]) -> None:
    x = np.array(values)
    expected = (
        0.0 if x.sum() == 0 else np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    )
    assert gini(x) == pytest.approx(expected, abs=1e-9)
    assert 0.0 <= gini(x) < 1.0


def test_gini_refuses_negative_or_nan() -> None:
    with pytest.raises(ValueError):
        gini([1, -1])
    with pytest.raises(ValueError):
        gini([1, float("nan")])


def test_fairness_score_formula() -> None:
    # pool rate: 30 jobs over 30 h = 1 job/h; smoothing 1 h
    received = np.array([20.0, 10.0, 0.0])
    active = np.array([10.0, 10.0, 10.0]) * 3600
    scores = fairness_scores(received, active)
    # (20 − 10) / (1/h × 11 h) = 10/11; 0; −10/11
    assert scores == pytest.approx([10 / 11, 0.0, -10 / 11])


def test_fairness_scores_are_clipped_and_zero_before_anything_was_received() -> None:
    assert fairness_scores([100.0, 0.0], [3600.0, 360000.0]).tolist() == [
        1.0,
        pytest.approx(-1.0, abs=0.02),
    ]
    assert fairness_scores([0.0, 0.0], [10.0, 20.0]).tolist() == [0.0, 0.0]
    assert fairness_scores([], []).size == 0


def test_fairness_scores_in_proportion_to_active_time() -> None:
    # twice the time active, twice the jobs: both exactly on their share (up to smoothing 0)
    scores = fairness_scores([10.0, 20.0], [3600.0, 7200.0], smoothing_s=0.0)
    assert scores == pytest.approx([0.0, 0.0])


def test_reference_rate_overrides_the_pool() -> None:
    scores = fairness_scores([2.0], [3600.0], smoothing_s=0.0, reference_rate=1 / 3600)
    assert scores == pytest.approx([1.0])


@pytest.mark.parametrize(
    ("received", "active", "kwargs"),
    [
        ([1.0], [1.0, 2.0], {}),
        ([-1.0], [1.0], {}),
        ([1.0], [float("inf")], {}),
        ([1.0], [1.0], {"smoothing_s": -1.0}),
        ([1.0], [1.0], {"reference_rate": -1.0}),
    ],
)
def test_fairness_scores_refuse_bad_input(received, active, kwargs) -> None:
    with pytest.raises(ValueError):
        fairness_scores(received, active, **kwargs)
