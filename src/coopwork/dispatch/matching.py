"""Batched matching of open jobs to available workers: near-optimal, fair and explainable.

Pure numpy/scipy (and OR-Tools' min-cost flow when it is installed); no ORM, no I/O. The Django
side (rounds, offers, locks, governed parameters) calls :func:`match` with arrays and stores the
explanations it returns.

Coordinates
-----------
``MatchOptions.coordinates`` is ``"planar"`` (x east and y north in metres on a local grid, what the
synthetic cities use) or ``"lonlat"`` (x = longitude and y = latitude in degrees; distances are
great-circle, the spatial index works on points of the sphere, whose chord length orders pairs
exactly as the great-circle distance does). Pickup distance is the straight-line distance and the
ETA is distance ÷ the worker's speed (m/s).

Cost of giving job *i* to worker *j*
-------------------------------------
::

    cost(i, j) = w_eta · eta_ij  +  w_wait · (−waited_i)  +  w_fair · score_j

``score_j`` is the fairness score of :mod:`coopwork.dispatch.fairness` (−1 … +1). Leaving job *i*
for the next round costs ``U = w_eta · unassigned_eta_s + w_fair``: as much as a pickup of
``unassigned_eta_s`` seconds by a worker of the highest fairness score, so the fairness term can
move a job from one worker to another but never leaves it unassigned. The waiting term is a credit
that a pair gets and the "unassigned" option does not, so a job that has waited longer wins a
disputed worker and may be sent a farther one.

A pair is feasible when the worker holds every skill the job needs (bitmasks), drives a vehicle
kind the job accepts (bit *v* of the job's mask for kind *v*), has the capacity the job needs and
is within ``radius_m``; a feasible pair costing ≥ U is never worth taking. Jobs with the same
needs and workers with the same means form classes, and feasibility is read from a table of class
pairs (checked pair by pair when there would be more than 2²⁰ class pairs).

Algorithm
---------
1. **Candidate graph.** One ``cKDTree`` per vehicle kind. For each job, its *k* cheapest feasible
   workers, found exactly: each kind the job accepts is queried for its k + 8 nearest, and the
   query widens (×4) until the k-th cheapest cost is below the lowest cost an unseen worker could
   have (distance ÷ the kind's top speed, plus the kind's best fairness term); only the kinds
   whose unseen workers could still enter the list are queried again (usually the fastest). The
   same fetch yields the three nearest "considered" workers by ETA (feasible, cheaper than U) for
   the explanations, and up to max(2k, 48) entries for the greedy. Then each worker adds its
   *kr* cheapest feasible jobs: each vehicle kind queries a kd-tree of the jobs that accept it,
   for about kr ÷ (the share of those jobs the worker's class could take) of them; with a
   waiting credit, twice as many are fetched and the kr cheapest kept (a job that has waited
   longer is cheaper to serve). This reverse side is what lets the optimum move workers across a
   local shortage, and it carries most of the quality per edge in a crowd. *k* and *kr* come
   from :func:`adaptive_k` and :func:`adaptive_reverse_k` (batch size and crowding), lowered
   alike if the time budget needs it.
2. **Greedy.** Jobs in priority order (longest waiting first) each take the cheapest free feasible
   worker, exactly (past the candidate list, a kd-tree of the free workers of the job's
   feasibility class is searched; in a tree of up to 4,096 workers, or when the nearest are taken
   and the radius holds about 512 workers or fewer, one query of everyone within the radius
   settles at once the common case of a crowd where all of them are taken), or stay unassigned
   when nothing costs less than U.
   This is the fallback, and its pairs join the graph, so the optimum on the graph is never worse.
3. **Min-cost assignment with "leave unassigned".** A min-cost flow (OR-Tools, integer costs at
   10⁻⁶ of the cost range) or LAPJVsp (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``)
   on the sparse graph, where every job also has an arc to "unassigned" at cost U, so the problem
   is always feasible. Measured on the synthetic cities, the min-cost flow is 1.3× (2,000 jobs) to
   7× (10,000 jobs) faster for the same optimum, so it is used when installed. Batches above
   ``tile_jobs`` (25,000) are cut into rectangles of equal job counts: a first pass solves each
   from scratch with only the free workers inside it, a second pass on rectangles shifted by half
   re-solves across the seams. Tiles cost 1–4 % of quality on a balanced city (reassignment chains
   cross them), so they are kept for batches too big to solve whole within a round's budget. If
   the tiled result is worse than the greedy, the greedy is returned.
4. **Time budget.** k is fitted to ``time_budget_s`` first; then before each solve the expected
   time is estimated from its size, and if it would overrun, the greedy (or, in the second tile
   pass, the partly re-optimised) assignment is returned. The candidate lists and the greedy
   always run (they are the fallback), so a budget shorter than they take is overrun by them.
   ``MatchResult.path`` says which: ``exact`` (optimal on the candidate graph), ``tiled``,
   ``partial`` (budget ran out between tiles), ``greedy`` (with ``reason``).

Explanations (:class:`Explanation`) give, per job: the worker (or none and why), distance, ETA,
each cost term as weight × value (they sum to the cost), U, and the ETAs of the two nearest other
feasible workers — never their identities.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from coopwork.dispatch.fairness import DEFAULT_SMOOTHING_S, fairness_scores

__all__ = [
    "ALL_VEHICLES",
    "EARTH_RADIUS_M",
    "CostTerm",
    "Explanation",
    "JobBatch",
    "MatchOptions",
    "MatchResult",
    "Weights",
    "WorkerPool",
    "adaptive_k",
    "adaptive_reverse_k",
    "cost_matrix",
    "match",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
UIntArray = NDArray[np.uint64]
BoolArray = NDArray[np.bool_]

EARTH_RADIUS_M = 6_371_008.8
ALL_VEHICLES = (1 << 64) - 1
"""Vehicle mask accepting every vehicle kind."""

Coordinates = Literal["planar", "lonlat"]
Solver = Literal["auto", "ortools", "scipy", "greedy"]
Path = Literal["exact", "tiled", "partial", "greedy"]

_ALT = (
    3  # nearest-by-ETA workers kept per job: the assigned one may be among them, two others shown
)
_MAX_FETCH = (
    4096  # widest kd-tree query per job and vehicle kind before settling for what was found
)


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


def _float_array(name: str, value: ArrayLike | None, n: int, default: float) -> FloatArray:
    if value is None:
        return np.full(n, default, dtype=np.float64)
    arr = np.ascontiguousarray(value, dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), not {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _uint_array(name: str, value: ArrayLike | int | None, n: int, default: int) -> UIntArray:
    if value is None:
        return np.full(n, default, dtype=np.uint64)
    if isinstance(value, int):
        if not 0 <= value < 1 << 64:
            raise ValueError(f"{name} must fit in 64 bits")
        return np.full(n, value, dtype=np.uint64)
    raw = np.asarray(value)
    if raw.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), not {raw.shape}")
    if raw.dtype.kind == "i" and raw.size and int(raw.min()) < 0:
        raise ValueError(f"{name} must be ≥ 0")
    if raw.dtype.kind not in "iub":
        raise ValueError(f"{name} must be integers (bitmasks)")
    return np.ascontiguousarray(raw, dtype=np.uint64)


def _check_coordinates(x: FloatArray, y: FloatArray) -> None:
    if x.shape != y.shape:
        raise ValueError("x and y must have the same shape")


@dataclass(frozen=True, slots=True, eq=False)
class JobBatch:
    """The open jobs of a round, as parallel arrays (index = job number in the results)."""

    x: FloatArray
    y: FloatArray
    skills: UIntArray
    """Skills the job needs, one bit per skill."""
    vehicles: UIntArray
    """Vehicle kinds the job accepts: bit v set = kind v accepted."""
    load: FloatArray
    """Capacity the job needs (seats, kg, …: the same unit as the workers' capacity)."""
    waited_s: FloatArray
    """Seconds the job has already waited (refusals and expiries put it back with its wait)."""

    @classmethod
    def create(
        cls,
        x: ArrayLike,
        y: ArrayLike,
        *,
        skills: ArrayLike | int | None = None,
        vehicles: ArrayLike | int | None = None,
        load: ArrayLike | None = None,
        waited_s: ArrayLike | None = None,
    ) -> JobBatch:
        xs = np.ascontiguousarray(x, dtype=np.float64).ravel()
        n = xs.size
        xs = _float_array("x", xs, n, 0.0)
        ys = _float_array("y", y, n, 0.0)
        waited = _float_array("waited_s", waited_s, n, 0.0)
        loads = _float_array("load", load, n, 0.0)
        if np.any(waited < 0) or np.any(loads < 0):
            raise ValueError("waited_s and load must be ≥ 0")
        return cls(
            x=xs,
            y=ys,
            skills=_uint_array("skills", skills, n, 0),
            vehicles=_uint_array("vehicles", vehicles, n, ALL_VEHICLES),
            load=loads,
            waited_s=waited,
        )

    def __len__(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True, slots=True, eq=False)
class WorkerPool:
    """The workers available in a round, as parallel arrays (index = worker number in results)."""

    x: FloatArray
    y: FloatArray
    skills: UIntArray
    """Skills held, one bit per skill."""
    vehicle: IntArray
    """Vehicle kind, 0…63."""
    capacity: FloatArray
    speed_mps: FloatArray
    received: FloatArray
    """Work received in the fairness window (jobs or earnings; manual assignments excluded)."""
    active_s: FloatArray
    """Seconds active in the fairness window."""

    @classmethod
    def create(
        cls,
        x: ArrayLike,
        y: ArrayLike,
        *,
        speed_mps: ArrayLike | float,
        skills: ArrayLike | int | None = None,
        vehicle: ArrayLike | int | None = None,
        capacity: ArrayLike | None = None,
        received: ArrayLike | None = None,
        active_s: ArrayLike | None = None,
    ) -> WorkerPool:
        xs = np.ascontiguousarray(x, dtype=np.float64).ravel()
        n = xs.size
        xs = _float_array("x", xs, n, 0.0)
        ys = _float_array("y", y, n, 0.0)
        if isinstance(speed_mps, int | float):
            speed = np.full(n, float(speed_mps))
        else:
            speed = _float_array("speed_mps", speed_mps, n, 0.0)
        if np.any(speed <= 0):
            raise ValueError("speed_mps must be > 0")
        kinds = _uint_array("vehicle", vehicle, n, 0)
        if kinds.size and int(kinds.max()) > 63:
            raise ValueError("vehicle kinds are 0…63")
        cap = _float_array("capacity", capacity, n, math.inf if capacity is None else 0.0)
        got = _float_array("received", received, n, 0.0)
        act = _float_array("active_s", active_s, n, 0.0)
        if np.any(cap < 0) or np.any(got < 0) or np.any(act < 0):
            raise ValueError("capacity, received and active_s must be ≥ 0")
        return cls(
            x=xs,
            y=ys,
            skills=_uint_array("skills", skills, n, 0),
            vehicle=kinds.astype(np.int64),
            capacity=cap,
            speed_mps=speed,
            received=got,
            active_s=act,
        )

    def __len__(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the cost terms (governed parameters). Cost unit: seconds of ETA when eta = 1."""

    eta: float = 1.0
    waiting: float = 0.0
    fairness: float = 0.0

    def __post_init__(self) -> None:
        for name in ("eta", "waiting", "fairness"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {name} must be a finite number ≥ 0")
        if self.eta <= 0:
            raise ValueError("the ETA weight must be > 0")


@dataclass(frozen=True, slots=True)
class MatchOptions:
    radius_m: float = 5000.0
    """No pickup farther than this."""
    unassigned_eta_s: float = 900.0
    """Leaving a job for the next round costs as much as a pickup this long (see module doc)."""
    time_budget_s: float = 1.0
    coordinates: Coordinates = "planar"
    k: int | None = None
    """Candidates per job; None = :func:`adaptive_k`, lowered if needed to fit the budget."""
    reverse_k: int | None = None
    """Cheapest feasible jobs per worker added to the graph; None = :func:`adaptive_reverse_k`
    (or ``k`` when ``k`` is given)."""
    smoothing_s: float = DEFAULT_SMOOTHING_S
    reference_rate: float | None = None
    """Fairness reference rate (received per active second); None = the pool's own."""
    solver: Solver = "auto"
    tile_jobs: int = 25_000
    """Batches with more jobs are solved in tiles of about this many jobs (see the module doc)."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.radius_m) and self.radius_m > 0):
            raise ValueError("radius_m must be > 0")
        if not (math.isfinite(self.unassigned_eta_s) and self.unassigned_eta_s > 0):
            raise ValueError("unassigned_eta_s must be > 0")
        if not self.time_budget_s >= 0:
            raise ValueError("time_budget_s must be ≥ 0")
        if self.coordinates not in ("planar", "lonlat"):
            raise ValueError("coordinates must be 'planar' or 'lonlat'")
        if self.k is not None and self.k < 1:
            raise ValueError("k must be ≥ 1")
        if self.reverse_k is not None and self.reverse_k < 0:
            raise ValueError("reverse_k must be ≥ 0")
        if self.solver not in ("auto", "ortools", "scipy", "greedy"):
            raise ValueError("unknown solver")
        if self.tile_jobs < 100:
            raise ValueError("tile_jobs must be ≥ 100")


def _base_k(n_jobs: int) -> float:
    return max(8.0, 7.0 * math.log(max(n_jobs, 2)) - 37.0)


def adaptive_k(n_jobs: int, n_workers: int, imbalance: float = 1.0) -> int:
    """Candidates per job: ⌈(7 · ln n_jobs − 37) · imbalance^(¾ · min(1, n_jobs / 10,000))⌉,
    between 8 and 96.

    A fixed k loses quality as the batch grows: in a random batch the optimal partner of a job
    sits further down its list the larger the batch (the optimal matching is longer than the
    nearest-neighbour one by a factor growing like √log n, and with the radius and the price of
    "unassigned" fixed, a denser batch makes long reassignment chains worth more). On the
    synthetic 20 × 20 km city with uniform demand, a fixed k = 16 left 0.04 %, 0.10 %, 0.31 %
    and 0.32 % above the exact optimum at 1,000, 2,000, 5,000 and 10,000 jobs, and the k that
    keeps the gap near 0.1 % was 16, 16, 24 and 24–30; the rule's base gives 12, 17, 23 and 28
    (and 44 for 100,000, where the time budget usually lowers it).

    ``imbalance`` (jobs per worker around the average job, from :func:`_local_ratios`: about 1
    when demand and supply are spread alike, about 3 for the centre-heavy city) stands for
    crowding. Where jobs crowd, the optimum moves workers in from further away. Small batches
    get that mostly from the workers' side (:func:`adaptive_reverse_k`): on the centre-heavy
    city at 2,000 jobs (mean of 4 seeds, reverse lists of 64) job lists of 8, 12, 16 and 20
    left 0.034 %, 0.029 %, 0.025 % and 0.023 %, where 42 on both sides left 0.084 %. Denser
    batches need the job side too: at 10,000 jobs, job lists of 20, 40 and 66 with reverse
    lists of about 100 left 0.55 %, 0.48 % and 0.36 %. Hence the exponent growing with the batch
    up to ¾ at 10,000 jobs.
    """
    if n_jobs <= 0 or n_workers <= 0:
        return 1
    exponent = 0.75 * min(1.0, n_jobs / 10_000)
    k = _base_k(n_jobs) * max(imbalance, 1.0) ** exponent
    return int(min(96, max(8, math.ceil(k))))


def adaptive_reverse_k(n_jobs: int, n_workers: int, imbalance: float = 1.0) -> int:
    """Cheapest feasible jobs per worker (the graph's reverse side): ⌈(7 · ln n_jobs − 37) ·
    imbalance^1.2⌉, between 8 and 128.

    The workers' side is what lets the optimum bring a worker from a quiet area to the edge of a
    crowd, and slow vehicles to the jobs next to them (a job's own list, by ETA, favours fast
    vehicles from further away). On the centre-heavy city (imbalance about 3.1) the reverse side
    carried most of the quality per edge: at 2,000 jobs, 12 per job and 64 per worker (80,500
    edges) left 0.029 % above the optimum, 42 on both sides (95,000 edges) 0.084 %; at 5,000
    jobs, 23 and 90 left 0.25 %, 52 on both sides 0.30 %.
    """
    if n_jobs <= 0 or n_workers <= 0:
        return 1
    k = _base_k(n_jobs) * max(imbalance, 1.0) ** 1.2
    return int(min(128, max(8, math.ceil(k))))


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CostTerm:
    name: str
    """``eta`` (seconds), ``waiting`` (−seconds waited) or ``fairness`` (score −1…+1)."""
    weight: float
    value: float
    contribution: float
    """weight × value; the contributions of a pair sum to its cost."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a job went to a worker, or to nobody. Plain data: ``as_dict()`` is JSON-ready."""

    job: int
    worker: int | None
    status: Literal["assigned", "unassigned"]
    reason: str
    """``best_option`` | ``no_feasible_worker`` | ``not_worth_it`` | ``taken_by_other_jobs``"""
    distance_m: float | None
    eta_s: float | None
    cost: float
    """The pair's cost, or U for an unassigned job."""
    terms: tuple[CostTerm, ...]
    unassigned_cost: float
    alternatives_eta_s: tuple[float, ...]
    """ETAs of the (up to) two nearest other feasible workers, nearest first; no identities."""
    path: Path

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["terms"] = [asdict(t) for t in self.terms]
        data["alternatives_eta_s"] = list(self.alternatives_eta_s)
        return data


@dataclass(eq=False)
class MatchResult:
    """The assignment (``worker_of[i]`` = worker of job i, −1 = unassigned) and its explanation."""

    worker_of: IntArray
    path: Path
    reason: str
    total_cost: float
    greedy_cost: float
    unassigned_cost: float
    k: int
    n_edges: int
    timings: dict[str, float]
    weights: Weights
    distance_m: FloatArray
    eta_s: FloatArray
    eta_term: FloatArray
    waiting_term: FloatArray
    fairness_term: FloatArray
    fairness_score: FloatArray
    cost: FloatArray
    alternatives_eta_s: FloatArray
    """(n_jobs, 2) ETAs of the two nearest other feasible workers, NaN when fewer exist."""
    waited_s: FloatArray
    unassigned_reason: list[str] = field(default_factory=list)
    k_rule: int = 0
    """k from :func:`adaptive_k` before the budget lowered it (``k`` is what was used)."""
    imbalance: float = 1.0
    reverse_k: int = 0
    """Cheapest feasible jobs per worker added to the graph (see :func:`adaptive_reverse_k`)."""

    @property
    def assigned(self) -> BoolArray:
        return self.worker_of >= 0

    def pairs(self) -> list[tuple[int, int]]:
        jobs = np.flatnonzero(self.worker_of >= 0)
        return list(zip(jobs.tolist(), self.worker_of[jobs].tolist(), strict=True))

    def explain(self, job: int) -> Explanation:
        worker = int(self.worker_of[job])
        alts = tuple(float(a) for a in self.alternatives_eta_s[job] if not math.isnan(a))
        w = self.weights
        if worker < 0:
            return Explanation(
                job=job,
                worker=None,
                status="unassigned",
                reason=self.unassigned_reason[job],
                distance_m=None,
                eta_s=None,
                cost=self.unassigned_cost,
                terms=(),
                unassigned_cost=self.unassigned_cost,
                alternatives_eta_s=alts,
                path=self.path,
            )
        eta = float(self.eta_s[job])
        terms = (
            CostTerm("eta", w.eta, eta, float(self.eta_term[job])),
            CostTerm(
                "waiting", w.waiting, -float(self.waited_s[job]), float(self.waiting_term[job])
            ),
            CostTerm(
                "fairness",
                w.fairness,
                float(self.fairness_score[worker]),
                float(self.fairness_term[job]),
            ),
        )
        return Explanation(
            job=job,
            worker=worker,
            status="assigned",
            reason="best_option",
            distance_m=float(self.distance_m[job]),
            eta_s=eta,
            cost=float(self.cost[job]),
            terms=terms,
            unassigned_cost=self.unassigned_cost,
            alternatives_eta_s=alts,
            path=self.path,
        )

    def explanations(self) -> list[Explanation]:
        return [self.explain(i) for i in range(self.worker_of.size)]


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------


def _points(x: FloatArray, y: FloatArray, coordinates: Coordinates) -> FloatArray:
    """Points for the spatial index: planar (x, y), or lon/lat on a sphere of the Earth's radius."""
    if coordinates == "planar":
        return np.column_stack((x, y))
    if np.any(np.abs(y) > 90) or np.any(np.abs(x) > 180):
        raise ValueError("lon/lat out of range")
    lon, lat = np.radians(x), np.radians(y)
    cos_lat = np.cos(lat)
    return EARTH_RADIUS_M * np.column_stack(
        (cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat))
    )


def _to_index_distance(metres: float, coordinates: Coordinates) -> float:
    if coordinates == "planar":
        return metres
    half_angle = min(math.pi / 2, metres / (2 * EARTH_RADIUS_M))
    return 2 * EARTH_RADIUS_M * math.sin(half_angle)


def _from_index_distance(d: FloatArray, coordinates: Coordinates) -> FloatArray:
    if coordinates == "planar":
        return d
    ratio = np.clip(d / (2 * EARTH_RADIUS_M), 0.0, 1.0)
    return 2 * EARTH_RADIUS_M * np.arcsin(ratio)


def _distances(a: FloatArray, b: FloatArray, coordinates: Coordinates) -> FloatArray:
    """Metres between rows of a and rows of b (same shapes, or broadcastable)."""
    diff = a - b
    chord = np.sqrt(np.sum(diff * diff, axis=-1))
    return _from_index_distance(chord, coordinates)


# ---------------------------------------------------------------------------------------------
# The problem, prepared
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Group:
    kind: int
    ids: IntArray
    tree: Any
    vmax: float
    wc_min: float
    cap_max: float
    skills_any: int


@dataclass(eq=False)
class _Problem:
    jobs: JobBatch
    workers: WorkerPool
    weights: Weights
    options: MatchOptions
    P: FloatArray
    Q: FloatArray
    fair: FloatArray
    jc: FloatArray  # per-job constant: −w_wait · waited
    wc: FloatArray  # per-worker constant: w_fair · score
    U: float
    radius_index: float
    groups: list[_Group]
    classes: tuple[IntArray, IntArray, BoolArray, int] | None = None
    """(class of each job, class of each worker, flat compatibility table, worker classes)."""

    @property
    def n(self) -> int:
        return len(self.jobs)

    @property
    def m(self) -> int:
        return len(self.workers)

    def feasible(self, i: IntArray, j: IntArray) -> BoolArray:
        """Skills, vehicle and capacity (not the radius) for broadcastable index arrays."""
        if self.classes is not None:  # one lookup in the table of class pairs
            job_class, worker_class, table, n_wc = self.classes
            found: BoolArray = table[job_class[i] * n_wc + worker_class[j]]
            return found
        jobs, workers = self.jobs, self.workers
        need = jobs.skills[i]
        ok: BoolArray = (workers.skills[j] & need) == need
        ok &= ((jobs.vehicles[i] >> workers.vehicle[j].astype(np.uint64)) & np.uint64(1)) == 1
        ok &= workers.capacity[j] >= jobs.load[i]
        return ok

    def pair_at(
        self, i: IntArray, j: IntArray, index_distance: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``pair`` for pairs whose spatial-index distance is known (from a kd-tree query)."""
        d = _from_index_distance(index_distance, self.options.coordinates)
        eta = d / self.workers.speed_mps[j]
        cost = self.weights.eta * eta + self.jc[i] + self.wc[j]
        return d, eta, cost

    def pair(self, i: IntArray, j: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(distance, eta, cost) of broadcastable index arrays."""
        d = _distances(self.P[i], self.Q[j], self.options.coordinates)
        eta = d / self.workers.speed_mps[j]
        cost = self.weights.eta * eta + self.jc[i] + self.wc[j]
        return d, eta, cost


def _prepare(
    jobs: JobBatch, workers: WorkerPool, weights: Weights, options: MatchOptions
) -> _Problem:
    coords = options.coordinates
    P = _points(jobs.x, jobs.y, coords)
    Q = _points(workers.x, workers.y, coords)
    fair = fairness_scores(
        workers.received,
        workers.active_s,
        smoothing_s=options.smoothing_s,
        reference_rate=options.reference_rate,
    )
    jc = -weights.waiting * jobs.waited_s
    wc = weights.fairness * fair
    U = weights.eta * options.unassigned_eta_s + weights.fairness
    groups: list[_Group] = []
    if len(workers):
        order = np.argsort(workers.vehicle, kind="stable")
        kinds, starts = np.unique(workers.vehicle[order], return_index=True)
        bounds = [*starts.tolist(), order.size]
        for g, kind in enumerate(kinds.tolist()):
            ids = np.sort(order[bounds[g] : bounds[g + 1]]).astype(np.int64)
            skills_any = int(np.bitwise_or.reduce(workers.skills[ids]))
            groups.append(
                _Group(
                    kind=int(kind),
                    ids=ids,
                    tree=cKDTree(Q[ids]),
                    vmax=float(workers.speed_mps[ids].max()),
                    wc_min=float(wc[ids].min()),
                    cap_max=float(workers.capacity[ids].max()),
                    skills_any=skills_any,
                )
            )
    radius_index = _to_index_distance(options.radius_m, coords) * (1 + 1e-9) + 1e-9
    return _Problem(
        jobs,
        workers,
        weights,
        options,
        P,
        Q,
        fair,
        jc,
        wc,
        U,
        radius_index,
        groups,
        _feasibility_classes(jobs, workers),
    )


_MAX_CLASS_PAIRS = 1 << 20


def _feasibility_classes(
    jobs: JobBatch, workers: WorkerPool
) -> tuple[IntArray, IntArray, BoolArray, int] | None:
    """Jobs with the same needs (skills, vehicle kinds, load) and workers with the same means
    (skills, vehicle, capacity) form classes; a table of class pairs then answers feasibility
    with one lookup. None when there are too many class pairs (then each pair is checked)."""
    n, m = len(jobs), len(workers)
    if n == 0 or m == 0:
        return None
    j_class, j_rep = _classes((jobs.skills, jobs.vehicles, jobs.load))
    w_class, w_rep = _classes((workers.skills, workers.vehicle, workers.capacity))
    if j_rep.size * w_rep.size > _MAX_CLASS_PAIRS:
        return None
    need = jobs.skills[j_rep][:, None]
    table = (workers.skills[w_rep][None, :] & need) == need
    accepts = jobs.vehicles[j_rep][:, None]
    table &= ((accepts >> workers.vehicle[w_rep].astype(np.uint64)[None, :]) & np.uint64(1)) == 1
    table &= workers.capacity[w_rep][None, :] >= jobs.load[j_rep][:, None]
    return j_class, w_class, np.ascontiguousarray(table).ravel(), int(w_rep.size)


def _classes(columns: tuple[NDArray[Any], ...]) -> tuple[IntArray, IntArray]:
    """Class of each row (rows equal in every column share one) and one row of each class."""
    order = np.lexsort(columns[::-1])
    change = np.zeros(order.size, dtype=bool)
    change[0] = True
    for col in columns:
        ordered = col[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    out = np.empty(order.size, dtype=np.int64)
    out[order] = np.cumsum(change) - 1
    return out, order[change].astype(np.int64)


def _threads(results: int) -> int:
    """kd-tree query threads: all cores for big batches, one when starting threads costs more."""
    return -1 if results >= 200_000 else 1


def _group_uses(prob: _Problem, g: _Group) -> BoolArray:
    """Jobs that might have a feasible worker in group g (vehicle accepted, some skill/capacity)."""
    jobs = prob.jobs
    ok: BoolArray = ((jobs.vehicles >> np.uint64(g.kind)) & np.uint64(1)) == 1
    ok &= (jobs.skills & ~np.uint64(g.skills_any)) == 0
    ok &= jobs.load <= g.cap_max
    return ok


def _query(
    prob: _Problem, g: _Group, jobs_idx: IntArray, kf: int
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """kf nearest of group g for each job: (worker ids, distance, eta, cost, frontier distance).

    Infeasible or out-of-radius entries get worker −1 and inf; the frontier is the distance (in
    metres) below which every worker of the group was seen (inf when the group was exhausted).
    """
    kf = min(kf, g.ids.size)
    dist_idx, loc = g.tree.query(
        prob.P[jobs_idx],
        k=kf,
        distance_upper_bound=prob.radius_index,
        workers=_threads(jobs_idx.size * kf),
    )
    dist_idx = np.asarray(dist_idx, dtype=np.float64).reshape(jobs_idx.size, kf)
    loc = np.asarray(loc, dtype=np.int64).reshape(jobs_idx.size, kf)
    found = loc < g.ids.size
    full = found[:, -1] & (kf < g.ids.size)
    frontier = np.where(
        full,
        _from_index_distance(dist_idx[:, -1], prob.options.coordinates) * (1 - 1e-12),
        np.inf,
    )
    w = np.where(found, g.ids[np.minimum(loc, g.ids.size - 1)], 0)
    rows = jobs_idx[:, None]
    # the tree's distances are the pairs' (same formula): no need to gather and recompute them
    d, eta, cost = prob.pair_at(rows, w, dist_idx)
    ok = found & prob.feasible(rows, w) & (d <= prob.options.radius_m)
    w = np.where(ok, w, -1)
    d = np.where(ok, d, np.inf)
    eta = np.where(ok, eta, np.inf)
    cost = np.where(ok & (cost < prob.U), cost, np.inf)
    return w, d, eta, cost, frontier


def _smallest(key: FloatArray, ids: IntArray, k: int) -> tuple[IntArray, FloatArray]:
    """Per row, the k smallest (key, id) pairs in lexicographic order; −1 / inf padded.

    One full row sort when the selection is a good part of the row (at the widths used here, a
    few hundred, it is cheaper than a partition followed by a sort of the selection); a partition
    first when it is short (the three nearest). Either way ties show up next to each other.
    """
    rows, width = key.shape
    if width < k:
        key = np.concatenate([key, np.full((rows, k - width), np.inf)], axis=1)
        ids = np.concatenate([ids, np.full((rows, k - width), -1, dtype=np.int64)], axis=1)
        width = k
    if 4 * (k + 1) < width:  # a short selection from a wide row: partition, then sort it
        part = np.argpartition(key, k, axis=1)[:, : k + 1]
        order = np.take_along_axis(part, np.argsort(np.take_along_axis(key, part, 1), axis=1), 1)
    else:
        order = np.argsort(key, axis=1)
    # the first k + 1 sorted keys: equal neighbours among them (a tie inside the selection or
    # across its edge) mean the order by id must be checked
    span_key = np.take_along_axis(key, order[:, : min(width, k + 1)], 1)
    out_key = span_key[:, :k]
    out_ids = np.take_along_axis(ids, order[:, :k], 1)
    tied = np.any((span_key[:, 1:] == span_key[:, :-1]) & np.isfinite(span_key[:, 1:]), axis=1)
    if np.any(tied):  # rare with real coordinates
        t = np.flatnonzero(tied)
        exact = np.lexsort((ids[t], key[t]), axis=-1)[:, :k]
        out_key[t] = np.take_along_axis(key[t], exact, 1)
        out_ids[t] = np.take_along_axis(ids[t], exact, 1)
    return np.where(np.isfinite(out_key), out_ids, -1), out_key


@dataclass(eq=False)
class _Bucket:
    """Jobs sharing one list length: k candidates for the graph, max(2k, 48) kept for the greedy."""

    jobs: IntArray
    k: int
    worker: IntArray  # (rows, L = max(2k, 48)) feasible workers by (cost, id), −1 padded
    cost: FloatArray  # (rows, L)


@dataclass(eq=False)
class _Candidates:
    buckets: list[_Bucket]
    bound: FloatArray  # (n,) every worker not listed costs ≥ bound (inf: none below U unlisted)
    alt_worker: IntArray  # (n, _ALT) nearest considered workers by (eta, id)
    alt_eta: FloatArray  # (n, _ALT)
    bucket_of: IntArray  # (n,)
    row_of: IntArray  # (n,)
    inexact: int  # jobs whose lists were cut at _MAX_FETCH per kind

    def first_k(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The graph's edges from the job side: each job's k cheapest feasible workers."""
        jobs, workers, costs = [], [], []
        for b in self.buckets:
            listed = b.worker[:, : b.k]
            valid = listed >= 0
            jobs.append(np.repeat(b.jobs, b.k)[valid.ravel()])
            workers.append(listed[valid])
            costs.append(b.cost[:, : b.k][valid])
        if not jobs:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(jobs), np.concatenate(workers), np.concatenate(costs)

    def kth(self) -> tuple[FloatArray, IntArray, BoolArray]:
        """Each job's k-th entry (cost, worker) and whether its list has k entries."""
        n = self.bound.size
        cost, worker = np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        for b in self.buckets:
            cost[b.jobs], worker[b.jobs] = b.cost[:, b.k - 1], b.worker[:, b.k - 1]
        return cost, worker, worker >= 0

    def has_options(self) -> BoolArray:
        out = np.zeros(self.bound.size, dtype=bool)
        for b in self.buckets:
            out[b.jobs] = b.worker[:, 0] >= 0
        return out


_CHUNK_ROWS = 8192
_CHUNK_ENTRIES = 1 << 20  # (rows × fetched) per reverse query, to bound memory
_GREEDY_LIST = 48  # entries kept per job for the greedy, at least (2k when longer)
_REUSE_ENTRIES = 2_000_000  # fetched entries kept from one pass of _fill for the next


@dataclass(eq=False)
class _Fetched:
    """A pass of _fill over the rows it left pending, for the next pass to reuse."""

    local: IntArray  # rows of the bucket, increasing
    kfs: tuple[int, ...]  # fetch width per vehicle kind (columns laid out kind after kind)
    w: IntArray
    cost: FloatArray
    eta: FloatArray
    lbc: FloatArray  # (rows, kinds)
    lbe: FloatArray
    kth_cost: FloatArray
    alt_eta: FloatArray

    @staticmethod
    def concat(parts: list[_Fetched]) -> _Fetched:
        if len(parts) == 1:
            return parts[0]
        return _Fetched(
            np.concatenate([p.local for p in parts]),
            parts[0].kfs,
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in ("w", "cost", "eta", "lbc", "lbe", "kth_cost", "alt_eta")
            ),
        )


def _candidates(prob: _Problem, k_of_job: IntArray) -> _Candidates:
    """Each job's cheapest feasible workers with cost < U, exactly (see _fill), grouped by k."""
    n = prob.n
    cand = _Candidates(
        buckets=[],
        bound=np.full(n, np.inf),
        alt_worker=np.full((n, _ALT), -1, dtype=np.int64),
        alt_eta=np.full((n, _ALT), np.inf),
        bucket_of=np.zeros(n, dtype=np.int64),
        row_of=np.zeros(n, dtype=np.int64),
        inexact=0,
    )
    for k in np.unique(k_of_job).tolist():
        jobs = np.flatnonzero(k_of_job == k).astype(np.int64)
        cand.bucket_of[jobs] = len(cand.buckets)
        cand.row_of[jobs] = np.arange(jobs.size)
        cand.buckets.append(_fill(prob, cand, jobs, int(k)))
    return cand


def _fill(prob: _Problem, cand: _Candidates, jobs: IntArray, k: int) -> _Bucket:
    """The k cheapest feasible workers with cost < U of each job, exactly, and up to
    L = max(2k, 48).

    Each vehicle kind the job accepts is queried for its kf nearest workers; the union is sorted
    by (cost, id). The k-th cost must be below the lowest cost an unseen worker could have
    (distance to the farthest fetched worker of a kind ÷ that kind's top speed, plus the kind's
    best fairness term), and so must the third-nearest ETA: otherwise kf grows ×4 for that job.
    Entries costing less than ``bound`` (unseen workers and fetched ones past L cost at least
    that) are exact too, which the greedy uses before it has to search.
    """
    L = max(2 * k, _GREEDY_LIST)
    n_groups = len(prob.groups)
    out_w = np.full((jobs.size, L), -1, dtype=np.int64)
    out_c = np.full((jobs.size, L), np.inf)
    if jobs.size == 0 or n_groups == 0:
        return _Bucket(jobs, k, out_w, out_c)
    uses = np.stack([_group_uses(prob, g) for g in prob.groups])  # (groups, n)
    w_eta, U = prob.weights.eta, prob.U
    pending = np.arange(jobs.size, dtype=np.int64)  # rows of this bucket
    kfs = _fetch_widths(prob, jobs, uses, k)
    prev: _Fetched | None = None
    prev_offsets: list[int] = []
    caps = [min(g.ids.size, _MAX_FETCH) for g in prob.groups]
    while pending.size:
        # the last pass: every kind the pending jobs accept is fetched as wide as it goes
        used = [bool(u) for u in np.any(uses[:, jobs[pending]], axis=1)]
        capped = all(kf >= cap for kf, cap, u in zip(kfs, caps, used, strict=True) if u)
        offsets = np.concatenate([[0], np.cumsum(kfs)]).tolist()
        width_all = offsets[-1]
        still: list[IntArray] = []
        kept: list[_Fetched] = []
        for a in range(0, pending.size, _CHUNK_ROWS):
            local = pending[a : a + _CHUNK_ROWS]
            rows = jobs[local]
            r = rows.size
            w = np.full((r, width_all), -1, dtype=np.int64)
            cost = np.full((r, width_all), np.inf)
            eta = np.full((r, width_all), np.inf)
            lbc = np.full((r, n_groups), np.inf)  # per kind: unseen workers cost at least this
            lbe = np.full((r, n_groups), np.inf)  # and are at least this far in ETA
            at = None if prev is None else np.searchsorted(prev.local, local)
            for gi, g in enumerate(prob.groups):
                sel = np.flatnonzero(uses[gi, rows])
                if sel.size == 0:
                    continue
                if prev is not None and at is not None:
                    # a kind whose unseen workers could not enter the list nor the nearest
                    # considered ones keeps what it gave last time: no wider query for it
                    old = at[sel]
                    settled = (prev.lbc[old, gi] >= U) | (
                        (prev.lbc[old, gi] > prev.kth_cost[old])
                        & (prev.lbe[old, gi] > prev.alt_eta[old])
                    )
                    if np.any(settled):
                        rs, os_ = sel[settled], old[settled]
                        was = prev.kfs[gi]
                        src = slice(prev_offsets[gi], prev_offsets[gi] + was)
                        dst = slice(offsets[gi], offsets[gi] + was)
                        w[rs, dst], cost[rs, dst] = prev.w[os_, src], prev.cost[os_, src]
                        eta[rs, dst] = prev.eta[os_, src]
                        lbc[rs, gi], lbe[rs, gi] = prev.lbc[os_, gi], prev.lbe[os_, gi]
                        sel = sel[~settled]
                        if sel.size == 0:
                            continue
                gw, _gd, geta, gcost, frontier = _query(prob, g, rows[sel], kfs[gi])
                width = gw.shape[1]
                block = slice(offsets[gi], offsets[gi] + width)
                w[sel, block], cost[sel, block] = gw, gcost
                eta[sel, block] = np.where(np.isfinite(gcost), geta, np.inf)
                lbc[sel, gi] = w_eta * frontier / g.vmax + g.wc_min + prob.jc[rows[sel]]
                lbe[sel, gi] = frontier / g.vmax
            lb_cost, lb_eta = lbc.min(axis=1), lbe.min(axis=1)
            cw, cc = _smallest(cost, w, L + 1)
            aw, ae = _smallest(eta, w, _ALT)
            no_more = lb_cost >= U
            exact = no_more | ((cc[:, k - 1] < lb_cost) & (ae[:, -1] < lb_eta))
            if capped:
                cand.inexact += int(np.count_nonzero(~exact))
                exact[:] = True
            done = local[exact]
            out_w[done], out_c[done] = cw[exact, :L], cc[exact, :L]
            cand.alt_worker[jobs[done]], cand.alt_eta[jobs[done]] = aw[exact], ae[exact]
            # unlisted: unseen workers (≥ lb_cost unless none is worth it) and fetched ones past L
            unseen = np.where(no_more[exact], np.inf, lb_cost[exact])
            cand.bound[jobs[done]] = np.minimum(unseen, cc[exact, L])
            still.append(local[~exact])
            if not exact.all():
                again = ~exact
                kept.append(
                    _Fetched(
                        local[again],
                        kfs,
                        w[again],
                        cost[again],
                        eta[again],
                        lbc[again],
                        lbe[again],
                        cc[again, k - 1],
                        ae[again, -1],
                    )
                )
        pending = np.concatenate(still)
        # what the next, wider pass may reuse (bounded: big batches query every kind again)
        prev = None
        if kept and pending.size * width_all <= _REUSE_ENTRIES:
            prev = _Fetched.concat(kept)
            prev_offsets = offsets
        kfs = tuple(min(4 * kf, max(kf, cap)) for kf, cap in zip(kfs, caps, strict=True))
    return _Bucket(jobs, k, out_w, out_c)


_FETCH_SPARE = 4


def _fetch_widths(prob: _Problem, jobs: IntArray, uses: BoolArray, k: int) -> tuple[int, ...]:
    """How many of each vehicle kind a job's first query fetches, for about k + 8 in all.

    A kind's share of a job's cheapest workers is about its share of (workers × top speed²)
    among the kinds the job accepts (a pickup costing at most c reaches c × speed away): the
    fast kinds fill most of the list, the slow ones only their own neighbourhood. Each kind gets
    1.25 × the largest share it has among the jobs (+ a spare of 4, at most k + 8); a list the
    first fetch leaves inexact is widened anyway.
    """
    weight = np.array([g.ids.size * g.vmax**2 for g in prob.groups])
    used = uses[:, jobs]  # (kinds, jobs)
    totals = (weight[:, None] * used).sum(axis=0)
    share = np.where(used, weight[:, None] / np.maximum(totals, 1e-300)[None, :], 0.0)
    top = share.max(axis=1) if jobs.size else np.zeros(len(prob.groups))
    base = k + 8
    return tuple(
        int(min(base, math.ceil(1.25 * base * float(x)) + _FETCH_SPARE)) if x > 0 else 1
        for x in top.tolist()
    )


_REVERSE_OVERFETCH = 2
_REVERSE_SPARE = 2  # fetched past kr without a waiting credit: skills or capacity may rule some out
_DENSITY_WORKERS_PER_CELL = 8
_DENSITY_SCALES = (1, 2, 4)


def _local_ratios(prob: _Problem) -> tuple[FloatArray, FloatArray]:
    """Jobs per worker around each job and around each worker.

    Counts on a grid whose cells hold about 8 workers on average, summed over the 3 × 3 block
    of cells around each point (≈ 72 workers: a neighbourhood a few candidate lists wide).
    """
    n, m = prob.n, prob.m
    if n == 0 or m == 0:
        return np.ones(n), np.ones(m)
    if prob.options.coordinates == "planar":
        jx, jy, wx, wy = prob.jobs.x, prob.jobs.y, prob.workers.x, prob.workers.y
    else:  # degrees, with longitude shrunk by cos(latitude): fine for a ratio of counts
        scale = math.cos(math.radians(float(np.median(prob.workers.y))))
        jx, jy = prob.jobs.x * scale, prob.jobs.y
        wx, wy = prob.workers.x * scale, prob.workers.y
    x0, y0 = min(jx.min(), wx.min()), min(jy.min(), wy.min())
    width = max(jx.max(), wx.max()) - x0
    height = max(jy.max(), wy.max()) - y0
    area = max(width * height, 1e-12)
    side = max(math.sqrt(area * _DENSITY_WORKERS_PER_CELL / m), 1e-9)
    nx = min(int(width / side) + 1, 4096)
    ny = min(int(height / side) + 1, 4096)

    def cells(x: FloatArray, y: FloatArray) -> tuple[IntArray, IntArray]:
        cx = np.minimum(((x - x0) / side).astype(np.int64), nx - 1)
        cy = np.minimum(((y - y0) / side).astype(np.int64), ny - 1)
        return cx, cy

    def block_counts(cx: IntArray, cy: IntArray) -> FloatArray:
        flat = (cx + 1) * (ny + 2) + (cy + 1)
        grid = np.bincount(flat, minlength=(nx + 2) * (ny + 2)).reshape(nx + 2, ny + 2)
        out = np.zeros((nx, ny))
        for dx in range(3):  # 3 × 3 block sums
            for dy in range(3):
                out += grid[dx : dx + nx, dy : dy + ny]
        return out

    jcx, jcy = cells(jx, jy)
    wcx, wcy = cells(wx, wy)
    jobs_near = block_counts(jcx, jcy)
    workers_near = block_counts(wcx, wcy)
    ratio = jobs_near / np.maximum(workers_near, 1.0)
    return ratio[jcx, jcy], ratio[wcx, wcy]


def _feasible_share(prob: _Problem, g: _Group, jobs_g: IntArray) -> FloatArray:
    """For each worker of group g, the share of the jobs jobs_g it could take (skills, vehicle,
    load; 0 for none). Without feasibility classes, the group's workers share one guess (½)."""
    if prob.classes is None:
        return np.full(g.ids.size, 0.5)
    job_class, worker_class, table, n_wc = prob.classes
    counts = np.bincount(job_class[jobs_g], minlength=table.size // n_wc)
    per_class = counts @ table.reshape(-1, n_wc) / jobs_g.size  # (worker classes,)
    share: FloatArray = per_class[worker_class[g.ids]]
    return share


def _reverse_edges(prob: _Problem, kr_of_worker: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """For each worker, its kr cheapest feasible jobs (cost < U) among the nearest it could take.

    Each vehicle kind searches a kd-tree of the jobs that accept it (and that some worker of the
    kind could carry and has the skills for). A worker fetches (kr + 2) ÷ the share of those jobs
    its feasibility class could take, so that about kr of them are feasible. Without a waiting
    credit (all jobs' constant equal), a worker's cost grows with distance, so its nearest
    feasible jobs are its cheapest. With one, twice as many are fetched and the kr cheapest kept:
    a job that has waited longer is cheaper to serve, which is what pulls workers from a quiet
    area towards a busy one.
    """
    parts_j: list[IntArray] = [np.zeros(0, np.int64)]
    parts_w: list[IntArray] = [np.zeros(0, np.int64)]
    parts_c: list[FloatArray] = [np.zeros(0)]
    if prob.n == 0 or prob.m == 0:
        return parts_j[0], parts_w[0], parts_c[0]
    credit = bool(prob.jc.size) and float(prob.jc.max() - prob.jc.min()) > 0
    for g in prob.groups:
        jobs_g = np.flatnonzero(_group_uses(prob, g)).astype(np.int64)
        kr_g = kr_of_worker[g.ids]
        if jobs_g.size == 0 or not np.any(kr_g > 0):
            continue
        tree = cKDTree(prob.P[jobs_g])
        # how many to fetch for kr feasible ones: kr ÷ the share of the tree's jobs the worker
        # could take (from the feasibility classes), rounded up to a multiple of 8 so that
        # workers share queries
        # (a worker who can take none of them fetches nothing; nobody fetches past _MAX_FETCH)
        share = _feasible_share(prob, g, jobs_g)
        kr_g = np.where(share > 0, kr_g, 0)
        want = (
            (_REVERSE_OVERFETCH if credit else 1)
            * (kr_g + _REVERSE_SPARE)
            / np.maximum(share, 1e-9)
        )
        kq_g = np.minimum(np.ceil(want / 8) * 8, min(jobs_g.size, _MAX_FETCH)).astype(np.int64)
        for kq, kr in {(a, b) for a, b in zip(kq_g.tolist(), kr_g.tolist(), strict=True)}:
            if kr <= 0:
                continue
            bucket = g.ids[(kr_g == kr) & (kq_g == kq)]
            rows_per_chunk = max(1, _CHUNK_ENTRIES // kq)
            for a in range(0, bucket.size, rows_per_chunk):
                wk_idx = bucket[a : a + rows_per_chunk]
                dist, loc = tree.query(
                    prob.Q[wk_idx],
                    k=kq,
                    distance_upper_bound=prob.radius_index,
                    workers=_threads(wk_idx.size * kq),
                )
                loc = np.asarray(loc, dtype=np.int64).reshape(wk_idx.size, kq)
                hit = loc < jobs_g.size
                jobs = jobs_g[np.where(hit, loc, 0)]
                wk = np.broadcast_to(wk_idx[:, None], jobs.shape)
                dist = np.asarray(dist, dtype=np.float64).reshape(wk_idx.size, kq)
                d, _eta, cost = prob.pair_at(jobs, wk, dist)
                ok = hit & prob.feasible(jobs, wk) & (d <= prob.options.radius_m)
                cost = np.where(ok & (cost < prob.U), cost, np.inf)
                if kq > kr:
                    keep = np.argpartition(cost, kr - 1, axis=1)[:, :kr]
                    jobs = np.take_along_axis(jobs, keep, 1)
                    cost = np.take_along_axis(cost, keep, 1)
                    wk = np.broadcast_to(wk_idx[:, None], jobs.shape)
                ok = np.isfinite(cost)
                parts_j.append(jobs[ok])
                parts_w.append(wk[ok])
                parts_c.append(cost[ok])
    return (
        np.concatenate(parts_j).astype(np.int64),
        np.concatenate(parts_w).astype(np.int64),
        np.concatenate(parts_c),
    )


# ---------------------------------------------------------------------------------------------
# Greedy
# ---------------------------------------------------------------------------------------------


_MAX_CLASSES = 64  # feasibility classes with their own free-worker tree; others share one
_BALL_TREE = 4096  # free-worker trees up to this size are searched by one radius query
_BALL_MAX = 512  # in bigger ones, when the nearest are taken and the radius holds about this many


@dataclass(eq=False)
class _FreeTree:
    tree: Any
    ids: IntArray  # workers in the tree (free and, for a class tree, feasible when built)
    vmax: float
    wc_min: float
    in_radius: float = math.inf
    """About how many of its workers a radius around a point holds (uniform spread)."""
    id_list: list[int] | None = None
    """``ids`` as a Python list, made when first needed."""
    stale: int = 0
    """Taken workers the radius queries have come across since the tree was built."""


class _FreeIndex:
    """kd-trees over the workers still free, for the greedy's searches past a job's list.

    Jobs needing the same skills, vehicle kinds and load form a feasibility class; each class
    (up to 64) gets a tree of its free feasible workers, so a search only wades through workers
    it could use, and a job with nobody left in reach finds out in one query. A tree is rebuilt
    when a query finds more taken workers than free ones among those it fetched.
    """

    def __init__(self, prob: _Problem, taken: bytearray) -> None:
        self.prob = prob
        self.taken = taken
        self.taken_view = np.frombuffer(taken, dtype=np.uint8)
        self.trees: dict[tuple[int, int, float] | None, _FreeTree] = {}
        self.attrs: tuple[list[float], ...] | None = None
        self.int_attrs: tuple[list[int], list[int]] | None = None
        self.job_keys: list[tuple[int, int, float]] = []
        self.job_xy: list[list[float]] = []
        self.job_jc: list[float] = []

    def _build(self, key: tuple[int, int, float] | None) -> _FreeTree:
        prob = self.prob
        w = prob.workers
        ok = np.frombuffer(self.taken, dtype=np.uint8) == 0
        if key is not None:
            accepts, need, load = key
            ok &= (w.skills & np.uint64(need)) == np.uint64(need)
            ok &= ((np.uint64(accepts) >> w.vehicle.astype(np.uint64)) & np.uint64(1)) == 1
            ok &= w.capacity >= load
        ids = np.flatnonzero(ok).astype(np.int64)
        if ids.size == 0:
            tree = _FreeTree(None, ids, 1.0, 0.0)
        else:
            points = prob.Q[ids]
            # the area the workers spread over: the two widest sides of their bounding box
            sides = np.sort(points.max(axis=0) - points.min(axis=0))[-2:]
            area = max(float(sides[0] * sides[1]), math.pi * prob.radius_index**2)
            tree = _FreeTree(
                cKDTree(points),
                ids,
                float(w.speed_mps[ids].max()),
                float(prob.wc[ids].min()),
                ids.size * math.pi * prob.radius_index**2 / area,
            )
        self.trees[key] = tree
        return tree

    def _python_lists(self) -> None:
        prob = self.prob
        w, j = prob.workers, prob.jobs
        self.attrs = (
            prob.Q[:, 0].tolist(),
            prob.Q[:, 1].tolist(),
            w.speed_mps.tolist(),
            prob.wc.tolist(),
            w.capacity.tolist(),
        )
        self.int_attrs = (w.skills.tolist(), w.vehicle.tolist())
        self.job_keys = list(
            zip(j.vehicles.tolist(), j.skills.tolist(), j.load.tolist(), strict=True)
        )
        self.job_xy = prob.P[:, :2].tolist()
        self.job_jc = prob.jc.tolist()

    def _mostly_taken(self, ft: _FreeTree) -> bool:
        taken = np.frombuffer(self.taken, dtype=np.uint8)[ft.ids]
        return 2 * int(np.count_nonzero(taken)) > ft.ids.size

    def cheapest_free(self, i: int) -> int:
        """The free feasible worker with the lowest (cost, id) and cost < U, exactly; or −1."""
        prob = self.prob
        if self.attrs is None:
            self._python_lists()
        key: tuple[int, int, float] | None = self.job_keys[i]
        if key not in self.trees and len(self.trees) >= _MAX_CLASSES:
            key = None
        ft = self.trees.get(key) or self._build(key)
        planar = prob.options.coordinates == "planar"
        point = prob.P[i]
        if ft.tree is not None and ft.ids.size <= _BALL_TREE:
            found = self._in_radius(i, ft, point)  # a small tree: everyone within the radius
            if ft.stale > ft.ids.size // 2:
                ft.stale = 0
                if self._mostly_taken(ft):
                    self._build(key)  # queries wade through taken workers: a tree of free ones
            return found
        best_w, best_c = -1, math.inf
        kf = 16
        while ft.tree is not None:
            ids = ft.ids
            kq = min(kf, ids.size)
            dist, loc = ft.tree.query(point, k=kq, distance_upper_bound=prob.radius_index)
            dist = np.asarray(dist, dtype=np.float64).reshape(kq)
            loc = np.asarray(loc, dtype=np.int64).reshape(kq)
            hit = loc < ids.size
            fetched = ids[loc[hit]]
            if planar and fetched.size <= 160:  # a Python loop beats numpy's call overhead
                best_w, best_c, n_taken = self._scan(i, fetched.tolist(), best_w, best_c)
            else:
                best_w, best_c, n_taken = self._scan_numpy(i, fetched, best_w, best_c)
            if 2 * n_taken > fetched.size and kf == 16 and self._mostly_taken(ft):
                ft = self._build(key)  # mostly taken: rebuild over the free ones, start over
                best_w, best_c = -1, math.inf
                kf = 32  # (a fresh tree is not rebuilt again for this job)
                continue
            last = float(dist[-1])
            if not (last < math.inf and kq < ids.size):
                return best_w  # every free worker within the radius has been seen
            frontier = last if planar else float(_from_index_distance(dist[-1:], "lonlat")[0])
            lb = prob.weights.eta * frontier * (1 - 1e-12) / ft.vmax + ft.wc_min + self.job_jc[i]
            if best_c < lb or lb >= prob.U:
                return best_w
            if ft.in_radius <= _BALL_MAX:
                # the nearest ones were taken: a crowd, where one query of everyone within the
                # radius usually finds them all taken, instead of ever wider nearest queries
                return self._in_radius(i, ft, point)
            kf *= 4
        return best_w

    def _in_radius(self, i: int, ft: _FreeTree, point: FloatArray) -> int:
        """The cheapest free feasible worker of the tree within the radius (exact), or −1."""
        found = ft.tree.query_ball_point(point, r=self.prob.radius_index)
        if len(found) <= 160 and self.prob.options.coordinates == "planar":
            # a crowd's usual answer is "all of them taken": plain Python beats numpy's overhead
            if ft.id_list is None:
                ft.id_list = ft.ids.tolist()
            ids, taken = ft.id_list, self.taken
            free = [ids[x] for x in found if not taken[ids[x]]]
            ft.stale += len(found) - len(free)
            if not free:
                return -1
            return self._scan(i, free, -1, math.inf)[0]
        near = ft.ids[np.asarray(found, dtype=np.int64)]
        free_near = near[self.taken_view[near] == 0]
        ft.stale += near.size - free_near.size
        near = free_near
        if near.size == 0:
            return -1
        best_w, _best_c, _n_taken = self._scan_numpy(i, near, -1, math.inf)
        return best_w

    def _scan(
        self, i: int, workers: list[int], best_w: int, best_c: float
    ) -> tuple[int, float, int]:
        """Pure-Python pass over a few workers (same arithmetic as _Problem.pair, planar)."""
        assert self.attrs is not None and self.int_attrs is not None
        qx, qy, speed, wc, capacity = self.attrs
        skills, vehicle = self.int_attrs
        prob, taken = self.prob, self.taken
        px, py = self.job_xy[i]
        accepts, need, load = self.job_keys[i]
        jc = self.job_jc[i]
        w_eta, U, radius = prob.weights.eta, prob.U, prob.options.radius_m
        n_taken = 0
        for w in workers:
            if taken[w]:
                n_taken += 1
                continue
            if skills[w] & need != need or not (accepts >> vehicle[w]) & 1 or capacity[w] < load:
                continue
            dx, dy = px - qx[w], py - qy[w]
            d = math.sqrt(dx * dx + dy * dy)
            if d > radius:
                continue
            c = w_eta * (d / speed[w]) + jc + wc[w]
            if c < U and (c < best_c or (c == best_c and w < best_w)):
                best_c, best_w = c, w
        return best_w, best_c, n_taken

    def _scan_numpy(
        self, i: int, workers: IntArray, best_w: int, best_c: float
    ) -> tuple[int, float, int]:
        prob = self.prob
        row = np.full(workers.size, i, dtype=np.int64)
        d, _eta, cost = prob.pair(row, workers)
        free = np.frombuffer(self.taken, dtype=np.uint8)[workers] == 0
        ok = free & prob.feasible(row, workers) & (d <= prob.options.radius_m) & (cost < prob.U)
        n_taken = int(workers.size - np.count_nonzero(free))
        if np.any(ok):
            c_ok, w_ok = cost[ok], workers[ok]
            pick = int(np.lexsort((w_ok, c_ok))[0])
            c, w = float(c_ok[pick]), int(w_ok[pick])
            if c < best_c or (c == best_c and w < best_w):
                return w, c, n_taken
        return best_w, best_c, n_taken


def _greedy(prob: _Problem, cand: _Candidates) -> IntArray:
    """Jobs by priority (longest wait, then index) each take their cheapest free feasible worker."""
    n = prob.n
    if n == 0 or prob.m == 0:
        return np.full(n, -1, dtype=np.int64)
    order = np.lexsort((np.arange(n), -prob.jobs.waited_s)).tolist()
    # entries cheaper than the bound are exactly the cheapest workers, in order
    usable = np.zeros(n, dtype=np.int64)
    for b in cand.buckets:
        usable[b.jobs] = np.sum(b.cost < cand.bound[b.jobs, None], axis=1)
    usable_list = usable.tolist()
    searchable = np.isfinite(cand.bound).tolist()
    lists = [b.worker for b in cand.buckets]
    bucket_of, row_of = cand.bucket_of.tolist(), cand.row_of.tolist()
    taken = bytearray(prob.m)
    free_index = _FreeIndex(prob, taken)
    out = [-1] * n
    for i in order:
        chosen = -1
        for w in lists[bucket_of[i]][row_of[i], : usable_list[i]].tolist():
            if not taken[w]:
                chosen = w
                break
        else:
            if searchable[i]:
                chosen = free_index.cheapest_free(i)
        if chosen >= 0:
            taken[chosen] = 1
            out[i] = chosen
    return np.asarray(out, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Min-cost assignment with a "leave unassigned" arc per job
# ---------------------------------------------------------------------------------------------

_COST_RESOLUTION = 1_000_000  # integer steps across the cost range for the min-cost flow
# Time model, CPU seconds measured on the synthetic cities with one core (see the benchmark):
# a solve takes about _SOLVE_UNIT × edges × √nodes (tiles: per tile); the stages before it
# about _STAGE_FIXED per job plus _STAGE_UNIT per (job × k); a graph has ~1.5 edges per (job × k).
_SOLVE_UNIT = {"ortools": 8e-9, "scipy": 5e-8}
_STAGE_FIXED = 2.5e-5
_STAGE_UNIT = 2.5e-6
_SOLVE_SAFETY = 1.5


def _solve_estimate(backend: str, edges: int, nodes: int) -> float:
    unit = _SOLVE_UNIT.get(backend, _SOLVE_UNIT["scipy"])
    return _SOLVE_SAFETY * (0.002 + unit * edges * math.sqrt(nodes))


def _fit_k(
    k: int, kr: int, n: int, m: int, budget: float, solver: str, tile_jobs: int
) -> tuple[int, int]:
    """The largest (k, kr), both scaled down alike from the rule's, whose expected run fits 80 %
    of the budget (each at least 8). The time model counts their mean, (k + kr) / 2."""
    if n == 0 or m == 0:
        return k, kr
    backend = "scipy" if solver == "scipy" else "ortools"
    size = max(n, m)
    tile = min(n, tile_jobs)
    tiles = 1 if n <= tile_jobs else 2 * math.ceil(n / tile_jobs) + 1
    per_k = _STAGE_UNIT * size + tiles * _SOLVE_SAFETY * _SOLVE_UNIT[backend] * 1.5 * tile * (
        math.sqrt(tile * (1 + m / n))
    )
    room = 0.8 * budget - _STAGE_FIXED * size - tiles * _SOLVE_SAFETY * 0.002
    mean = (k + kr) / 2
    scale = min(1.0, max(0.0, room / per_k) / mean) if mean > 0 else 1.0
    return max(8, min(k, math.floor(k * scale))), max(8, min(kr, math.floor(kr * scale)))


def _ortools_available() -> bool:
    try:
        from ortools.graph.python import min_cost_flow  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the installation
        return False
    return True


def _solve_ortools(
    nj: int, nw: int, rows: IntArray, cols: IntArray, costs: FloatArray, U: float
) -> IntArray:
    from ortools.graph.python import min_cost_flow

    e = rows.size
    sink = nj + nw
    job_costs = np.concatenate([costs, np.full(nj, U)])
    low = float(job_costs.min())
    span = float(job_costs.max()) - low
    scale = _COST_RESOLUTION / span if span > 0 else 1.0
    unit = np.concatenate([np.rint((job_costs - low) * scale), np.zeros(nw)]).astype(np.int64)
    tails = np.concatenate([rows, np.arange(nj), nj + np.arange(nw)]).astype(np.int32)
    heads = np.concatenate([nj + cols, np.full(nj, sink), np.full(nw, sink)]).astype(np.int32)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, np.ones(tails.size, np.int64), unit)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:nj] = 1
    supplies[sink] = -nj
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow status {status}")
    used = np.asarray(flow.flows(np.arange(e, dtype=np.int32))) > 0
    col_of_row = np.full(nj, -1, dtype=np.int64)
    col_of_row[rows[used]] = cols[used]
    return col_of_row


def _solve_scipy(
    nj: int, nw: int, rows: IntArray, cols: IntArray, costs: FloatArray, U: float
) -> IntArray:
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    low = min(float(costs.min()) if costs.size else U, U)
    values = np.concatenate([costs, np.full(nj, U)]) - low + 1.0  # LAPJVsp needs non-zero weights
    r = np.concatenate([rows, np.arange(nj)])
    c = np.concatenate([cols, nw + np.arange(nj)])
    graph = csr_array((values, (r, c)), shape=(nj, nw + nj))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    col_of_row = np.full(nj, -1, dtype=np.int64)
    real = col_ind < nw
    col_of_row[row_ind[real]] = col_ind[real]
    return col_of_row


def _tiles(prob: _Problem, size: int, shifted: bool) -> tuple[list[IntArray], IntArray]:
    """Rectangles of about `size` jobs each (equal-count cuts on x, then on y within each strip),
    offset by half a rectangle when `shifted`. Returns the jobs of each rectangle and the
    rectangle of each worker (workers are split by the same cuts, so tiles never share one)."""
    jx, jy, wx, wy = prob.jobs.x, prob.jobs.y, prob.workers.x, prob.workers.y
    n = jx.size
    nx = math.ceil(math.sqrt(n / size))

    def cut_values(values: FloatArray, parts: int) -> FloatArray:
        ordered = np.sort(values)
        steps = np.arange(parts) + 0.5 if shifted else np.arange(1, parts)
        picks = np.clip(
            np.round(ordered.size * steps / parts).astype(np.int64), 0, ordered.size - 1
        )
        return ordered[picks]

    x_cuts = cut_values(jx, nx)
    job_strip = np.searchsorted(x_cuts, jx, side="right")
    worker_strip = np.searchsorted(x_cuts, wx, side="right")
    tiles: list[IntArray] = []
    worker_tile = np.full(wx.size, -1, dtype=np.int64)
    for strip in range(x_cuts.size + 1):
        in_strip = np.flatnonzero(job_strip == strip)
        if in_strip.size == 0:
            continue
        ny = max(1, math.ceil(in_strip.size / size))
        y_cuts = cut_values(jy[in_strip], ny)
        job_cell = np.searchsorted(y_cuts, jy[in_strip], side="right")
        workers_here = np.flatnonzero(worker_strip == strip)
        worker_cell = np.searchsorted(y_cuts, wy[workers_here], side="right")
        for cell in range(y_cuts.size + 1):
            jobs = in_strip[job_cell == cell].astype(np.int64)
            if jobs.size:
                worker_tile[workers_here[worker_cell == cell]] = len(tiles)
                tiles.append(jobs)
    return tiles, worker_tile


@dataclass(eq=False)
class _Graph:
    job: IntArray  # sorted by job
    worker: IntArray
    cost: FloatArray
    indptr: IntArray

    def edges_of(self, jobs: IntArray) -> IntArray:
        starts, ends = self.indptr[jobs], self.indptr[jobs + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
        return offsets + np.arange(total)


def _build_graph(
    prob: _Problem,
    cand: _Candidates,
    reverse: tuple[IntArray, IntArray, FloatArray],
    greedy_of: IntArray,
    *,
    by_job: bool,
) -> _Graph:
    """The candidate graph: job-side lists, reverse edges not already in them, greedy pairs.

    Costs come with the lists (from the kd-tree distances); only the greedy's pairs from past
    its lists are priced here. Edges are sorted by job (``indptr``) only when ``by_job`` (tiles).
    """
    n = prob.n
    f_job, f_worker, f_cost = cand.first_k()
    kth_cost, kth_worker, full = cand.kth()

    def in_list(job: IntArray, worker: IntArray) -> BoolArray:
        """Whether each (job, worker) is in the job's list, by comparing with the list."""
        found = np.zeros(job.size, dtype=bool)
        for bi, b in enumerate(cand.buckets):
            here = np.flatnonzero(cand.bucket_of[job] == bi)
            if here.size:
                rows = b.worker[cand.row_of[job[here]], : b.k]
                found[here] = np.any(rows == worker[here, None], axis=1)
        return found

    r_job, r_worker, r_cost = reverse
    if r_job.size:
        if cand.inexact == 0:
            # the lists are exact: the pair is listed iff it comes before the job's k-th entry
            # in (cost, worker) order, or the job has fewer than k (then every pair is listed)
            kc, kw = kth_cost[r_job], kth_worker[r_job]
            dup = ~full[r_job] | (r_cost < kc) | ((r_cost == kc) & (r_worker <= kw))
        else:
            dup = in_list(r_job, r_worker)
        r_job, r_worker, r_cost = r_job[~dup], r_worker[~dup], r_cost[~dup]
    parts_j, parts_w, parts_c = [f_job, r_job], [f_worker, r_worker], [f_cost, r_cost]
    # the greedy's pairs join the graph, so the optimum on it is never worse than the greedy
    g_job = np.flatnonzero(greedy_of >= 0)
    g_worker = greedy_of[g_job]
    outside = ~in_list(g_job, g_worker)
    g_job, g_worker = g_job[outside], g_worker[outside]
    if g_job.size:
        mark = np.zeros(n, dtype=bool)
        mark[g_job] = True
        near = mark[r_job]
        seen = set(zip(r_job[near].tolist(), r_worker[near].tolist(), strict=True))
        fresh = [
            (j, w)
            for j, w in zip(g_job.tolist(), g_worker.tolist(), strict=True)
            if (j, w) not in seen
        ]
        if fresh:
            fj = np.array([j for j, _ in fresh], dtype=np.int64)
            fw = np.array([w for _, w in fresh], dtype=np.int64)
            parts_j.append(fj)
            parts_w.append(fw)
            parts_c.append(prob.pair(fj, fw)[2])
    job = np.concatenate(parts_j)
    worker = np.concatenate(parts_w)
    cost = np.concatenate(parts_c)
    indptr = np.zeros(n + 1, dtype=np.int64)
    if by_job:
        order = np.argsort(job, kind="stable")
        job, worker, cost = job[order], worker[order], cost[order]
        np.cumsum(np.bincount(job, minlength=n), out=indptr[1:])
    return _Graph(job, worker, cost, indptr)


def _total_cost(prob: _Problem, worker_of: IntArray) -> float:
    jobs = np.flatnonzero(worker_of >= 0)
    _d, _eta, cost = prob.pair(jobs, worker_of[jobs])
    return float(cost.sum()) + prob.U * (prob.n - jobs.size)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def match(
    jobs: JobBatch,
    workers: WorkerPool,
    weights: Weights | None = None,
    options: MatchOptions | None = None,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> MatchResult:
    """Assign jobs to workers (at most one job per worker); see the module docstring."""
    weights = weights or Weights()
    options = options or MatchOptions()
    start = clock()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = clock()
        timings[name] = now - since
        return now

    prob = _prepare(jobs, workers, weights, options)
    n, m = prob.n, prob.m
    imbalance = 1.0
    if options.k is not None:
        k_rule = k = options.k
        kr = options.reverse_k if options.reverse_k is not None else k
    else:
        if n and m:
            at_jobs, _at_workers = _local_ratios(prob)
            imbalance = float(np.clip(at_jobs, 1.0, 8.0).mean())
        k_rule = adaptive_k(n, m, imbalance)
        k, kr = _fit_k(
            k_rule,
            options.reverse_k
            if options.reverse_k is not None
            else adaptive_reverse_k(n, m, imbalance),
            n,
            m,
            options.time_budget_s,
            options.solver,
            options.tile_jobs,
        )
        if options.reverse_k is not None:
            kr = options.reverse_k
    k_of_job = np.full(n, k, dtype=np.int64)
    kr_of_worker = np.full(m, kr, dtype=np.int64)
    t = lap("prepare", start)
    cand = _candidates(prob, k_of_job)
    t = lap("candidates", t)
    greedy_of = _greedy(prob, cand)
    t = lap("greedy", t)
    greedy_cost = _total_cost(prob, greedy_of)
    worker_of = greedy_of.copy()
    path: Path = "greedy"
    reason = "no open jobs or no available workers" if not (n and m) else ""
    n_edges = 0

    backend = options.solver
    if backend == "auto":
        backend = "ortools" if _ortools_available() else "scipy"
    if n and m and backend == "greedy":
        reason = "greedy requested"
    elif n and m and clock() - start >= options.time_budget_s:
        reason = "time budget: spent before the graph was built"
    elif n and m:
        graph = _build_graph(
            prob,
            cand,
            _reverse_edges(prob, kr_of_worker),
            greedy_of,
            by_job=n > options.tile_jobs,
        )
        n_edges = int(graph.job.size)
        t = lap("graph", t)
        worker_of, path, reason = _optimise(prob, graph, worker_of, backend, start, clock)
        t = lap("solve", t)
        final_cost = _total_cost(prob, worker_of)
        if final_cost > greedy_cost:  # cannot happen beyond rounding; keep the promise anyway
            worker_of, path, reason = greedy_of.copy(), "greedy", "greedy was cheaper"
    result = _result(prob, cand, worker_of, path, reason, greedy_cost, k, n_edges, timings)
    result.k_rule, result.imbalance, result.reverse_k = k_rule, imbalance, kr
    lap("explain", t)
    timings["total"] = clock() - start
    return result


def _optimise(
    prob: _Problem,
    graph: _Graph,
    worker_of: IntArray,
    backend: str,
    start: float,
    clock: Callable[[], float],
) -> tuple[IntArray, Path, str]:
    n, m = prob.n, prob.m
    budget = prob.options.time_budget_s
    solve = _solve_ortools if backend == "ortools" else _solve_scipy
    size = prob.options.tile_jobs
    tiled = n > size
    greedy_of = worker_of
    # a tiled first pass starts from nothing: the greedy's pairs cross tiles everywhere and
    # would lock each tile out of the workers next door
    worker_of = np.full(n, -1, dtype=np.int64) if tiled else worker_of.copy()
    job_of = np.full(m, -1, dtype=np.int64)
    assigned = np.flatnonzero(worker_of >= 0)
    job_of[worker_of[assigned]] = assigned
    all_jobs = np.arange(n, dtype=np.int64)
    passes = (
        [_tiles(prob, size, shifted) for shifted in (False, True)]
        if tiled
        else [([all_jobs], np.zeros(m, dtype=np.int64))]
    )
    in_tile = np.zeros(n, dtype=bool)
    local = np.full(max(n, m), -1, dtype=np.int64)
    solved = planned = 0
    for tiles, _worker_tile in passes:
        planned += len(tiles)
    failure = ""
    for pass_no, (tiles, worker_tile) in enumerate(passes):
        for tile_no, tile in enumerate(tiles):
            in_tile[tile] = True
            e = graph.edges_of(tile) if tiled else np.arange(graph.job.size)
            owner = job_of[graph.worker[e]]
            # a tile uses its own jobs' workers and free workers: in the first pass only those
            # inside its rectangle (so that no tile grabs its neighbours'), later any
            free_ok = worker_tile[graph.worker[e]] == tile_no if pass_no == 0 else owner < 0
            keep = np.where(owner < 0, free_ok, in_tile[np.maximum(owner, 0)])
            e = e[keep]
            ej, ew, ec = graph.job[e], graph.worker[e], graph.cost[e]
            local[tile] = np.arange(tile.size)
            rows = local[ej]
            local[tile] = -1
            uniq_w = np.flatnonzero(np.bincount(ew, minlength=m))
            local[uniq_w] = np.arange(uniq_w.size)
            cols = local[ew]
            local[uniq_w] = -1
            in_tile[tile] = False
            if e.size == 0:  # nothing to decide: no job of the tile has a worker left
                solved += 1
                continue
            nodes = tile.size + uniq_w.size
            estimate = _solve_estimate(backend, e.size, nodes)
            if clock() - start + estimate > budget:
                reason = (
                    f"time budget: {solved} of {planned} solves done, next one estimated "
                    f"{estimate:.3f}s"
                )
                if tiled and solved < len(passes[0][0]):  # first pass unfinished: keep greedy
                    return greedy_of, "greedy", reason
                return worker_of, _path(solved, planned, tiled), reason
            try:
                col_of_row = solve(tile.size, uniq_w.size, rows, cols, ec, prob.U)
            except (RuntimeError, ValueError) as exc:  # keep the valid assignment we have
                failure = f"solver failed: {exc}"
                continue
            old = worker_of[tile]
            job_of[old[old >= 0]] = -1
            new = np.where(col_of_row >= 0, uniq_w[np.maximum(col_of_row, 0)], -1)
            worker_of[tile] = new
            job_of[new[new >= 0]] = tile[new >= 0]
            solved += 1
    path = _path(solved, planned, tiled)
    return worker_of, path, failure or ("optimal on the candidate graph" if not tiled else "")


def _path(solved: int, planned: int, tiled: bool) -> Path:
    if solved == 0:
        return "greedy"
    if solved < planned:
        return "partial"
    return "tiled" if tiled else "exact"


def _result(
    prob: _Problem,
    cand: _Candidates,
    worker_of: IntArray,
    path: Path,
    reason: str,
    greedy_cost: float,
    k: int,
    n_edges: int,
    timings: dict[str, float],
) -> MatchResult:
    n = prob.n
    w = prob.weights
    jobs = np.flatnonzero(worker_of >= 0)
    wk = worker_of[jobs]
    d, eta, cost = prob.pair(jobs, wk)

    def spread(values: FloatArray) -> FloatArray:
        out = np.full(n, np.nan)
        out[jobs] = values
        return out

    full_cost = np.full(n, prob.U)
    full_cost[jobs] = cost
    # the two nearest considered workers other than the one chosen, by (eta, id)
    others = (cand.alt_worker >= 0) & (cand.alt_worker != worker_of[:, None])
    rank = np.where(others, np.arange(_ALT)[None, :], _ALT)
    first_two = np.sort(rank, axis=1)[:, :2]
    alt_eta = np.where(
        first_two < _ALT,
        np.take_along_axis(cand.alt_eta, np.minimum(first_two, _ALT - 1), 1),
        np.nan,
    )
    had_options = cand.has_options()
    reasons = [
        "best_option"
        if worker_of[i] >= 0
        else ("taken_by_other_jobs" if had_options[i] else "no_worker_worth_it")
        for i in range(n)
    ]
    return MatchResult(
        worker_of=worker_of,
        path=path,
        reason=reason,
        total_cost=float(full_cost.sum()),
        greedy_cost=greedy_cost,
        unassigned_cost=prob.U,
        k=k,
        n_edges=n_edges,
        timings=timings,
        weights=w,
        distance_m=spread(d),
        eta_s=spread(eta),
        eta_term=spread(w.eta * eta),
        waiting_term=spread(prob.jc[jobs]),
        fairness_term=spread(prob.wc[wk]),
        fairness_score=prob.fair,
        cost=full_cost,
        alternatives_eta_s=alt_eta,
        waited_s=prob.jobs.waited_s,
        unassigned_reason=reasons,
    )


def cost_matrix(
    jobs: JobBatch,
    workers: WorkerPool,
    weights: Weights | None = None,
    options: MatchOptions | None = None,
    *,
    chunk_rows: int = 512,
) -> tuple[FloatArray, float]:
    """The dense (n_jobs × n_workers) cost matrix, +inf where infeasible, and the cost U.

    The same cost as :func:`match`, for exact baselines and tests (O(n·m) memory and time).
    """
    prob = _prepare(jobs, workers, weights or Weights(), options or MatchOptions())
    n, m = prob.n, prob.m
    out = np.empty((n, m))
    cols = np.arange(m, dtype=np.int64)[None, :]
    for a in range(0, n, chunk_rows):
        rows = np.arange(a, min(n, a + chunk_rows), dtype=np.int64)[:, None]
        d, _eta, cost = prob.pair(rows, cols)
        ok = prob.feasible(rows, cols) & (d <= prob.options.radius_m)
        out[a : a + rows.shape[0]] = np.where(ok, cost, np.inf)
    return out, prob.U
