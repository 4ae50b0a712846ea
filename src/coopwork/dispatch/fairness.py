"""The fairness term of the dispatch cost, and the Gini coefficient used to measure its effect.

Pure numpy, no ORM.

Fairness score of a worker
--------------------------
For the workers available in a round, with ``received_j`` the work (job count, or earnings in
minor units: the caller chooses, and excludes manual assignments) that worker *j* received in the
fairness window and ``active_j`` the seconds *j* was active (logged in and available) in that
window::

    rate      = Σ received / Σ active                       (the pool's rate, per second active)
    expected_j = rate × active_j                             (j's fair share of what was handed out)
    score_j   = clip((received_j − expected_j) / (rate × (active_j + smoothing)), −1, +1)

``score_j`` is 0 for a worker who received exactly their share, positive for a worker who received
more, negative for one who received less; +1 is "about twice their share", −1 "nothing yet over a
long time". ``smoothing`` (default one hour) damps the score of workers who have only just
started, whose share is still mostly noise. When nothing has been received yet (``rate`` = 0)
every score is 0.

In the matching cost the term is ``fairness_weight × score_j`` (in the same unit as the rest of the
cost, seconds of pickup ETA when the ETA weight is 1): with a weight of 120, a worker who received
twice their share is offered jobs as if they were two minutes further away, one who received
nothing as if two minutes nearer. A weight of 0 is pure efficiency.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["DEFAULT_SMOOTHING_S", "fairness_scores", "gini"]

DEFAULT_SMOOTHING_S = 3600.0


def fairness_scores(
    received: ArrayLike,
    active_s: ArrayLike,
    *,
    smoothing_s: float = DEFAULT_SMOOTHING_S,
    reference_rate: float | None = None,
) -> NDArray[np.float64]:
    """Score each worker in [−1, 1]: above 0 received more than their share, below 0 less.

    ``reference_rate`` overrides the pool's rate (received per active second), e.g. to compare
    against the whole co-op rather than the workers available in this round.
    """
    got = np.asarray(received, dtype=np.float64)
    active = np.asarray(active_s, dtype=np.float64)
    if got.shape != active.shape or got.ndim != 1:
        raise ValueError("received and active_s must be 1-d arrays of the same length")
    if smoothing_s < 0 or not np.isfinite(smoothing_s):
        raise ValueError("smoothing_s must be a finite number ≥ 0")
    if np.any(~np.isfinite(got)) or np.any(~np.isfinite(active)):
        raise ValueError("received and active_s must be finite")
    if np.any(got < 0) or np.any(active < 0):
        raise ValueError("received and active_s must be ≥ 0")
    if got.size == 0:
        return np.zeros(0)
    if reference_rate is None:
        total_active = float(active.sum())
        rate = float(got.sum()) / total_active if total_active > 0 else 0.0
    else:
        if reference_rate < 0 or not np.isfinite(reference_rate):
            raise ValueError("reference_rate must be a finite number ≥ 0")
        rate = float(reference_rate)
    if rate <= 0:
        return np.zeros(got.shape)
    denominator = rate * (active + smoothing_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = (got - rate * active) / denominator
    # active + smoothing == 0 only with smoothing 0 and a worker never active: treat as on share
    # unless they received something, which is then "more than their share".
    raw = np.where(denominator > 0, raw, np.where(got > 0, 1.0, 0.0))
    return np.clip(raw, -1.0, 1.0)


def gini(values: ArrayLike) -> float:
    """Gini coefficient of non-negative values: 0 = all equal, → 1 = one holds everything.

    Uses the sorted form ``G = 2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n`` (i = 1…n), equal to the mean
    absolute difference over twice the mean. An empty or all-zero input gives 0.
    """
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if x.size == 0:
        return 0.0
    if np.any(~np.isfinite(x)) or x[0] < 0:
        raise ValueError("gini needs finite values ≥ 0")
    total = float(x.sum())
    if total <= 0:
        return 0.0
    n = x.size
    ranks = np.arange(1, n + 1, dtype=np.float64)
    value = float(2.0 * np.dot(ranks, x) / (n * total) - (n + 1) / n)
    return min(max(value, 0.0), 1.0)  # rounding can step a hair outside
