"""Shared pieces of the counting code: errors, result types, ranked profiles and tie-breaking.

Everything here is pure (no Django, no I/O) and exact: vote totals are integers in a fixed unit and
are handed out as :class:`fractions.Fraction`. Import the public names from
:mod:`coopwork.governance.tallying`; this module is an implementation detail.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, ClassVar, cast

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

# Exact float64 sums stop at 2**53; int64 products must stay below 2**63.
_FLOAT_EXACT = 2**53
_INT64_SAFE = 2**62


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class TallyError(Exception):
    """A counting input that breaks a rule. ``code`` is stable (the API maps it to a 4xx)."""

    code: ClassVar[str] = "tally_invalid"

    def __init__(self, message: str = "", **details: Any) -> None:
        self.message = message or self.code
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": dict(self.details)}


class BallotError(TallyError):
    """A ballot that breaks its method's rules. ``details`` carries ``ballot`` (its index)."""

    code = "ballot_invalid"


class BallotTooManyChoices(BallotError):
    code = "ballot_too_many_choices"


class BallotDuplicateChoice(BallotError):
    code = "ballot_duplicate_choice"


class BallotDuplicateRanking(BallotError):
    code = "ballot_duplicate_ranking"


class BallotUnknownCandidate(BallotError):
    code = "ballot_unknown_candidate"


class BallotEmpty(BallotError):
    """Only raised when the caller refuses blank ballots (``allow_blank=False``)."""

    code = "ballot_empty"


class BallotInvalidChoice(BallotError):
    """A motion or yes/no mark that is not one of the allowed choices."""

    code = "ballot_invalid_choice"


class CollegeError(TallyError):
    code = "college_invalid"


class CollegeWeightOutOfBounds(CollegeError):
    code = "college_weight_out_of_bounds"


class CollegeWeightsNotHundred(CollegeError):
    code = "college_weights_not_100"


class CollegeUnknown(CollegeError):
    """A ballot names a college that has no weight (or no college when colleges are weighted)."""

    code = "college_unknown"


class ElectionConfigError(TallyError):
    code = "election_invalid"


class InvalidSeats(ElectionConfigError):
    code = "election_invalid_seats"


class InvalidCandidates(ElectionConfigError):
    code = "election_invalid_candidates"


class InvalidLotOrder(ElectionConfigError):
    code = "election_invalid_lot_order"


class MotionConfigError(TallyError):
    code = "motion_invalid"


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------


class ElectionMethod(StrEnum):
    VOTE_FOR_N = "vote_for_n"
    APPROVAL = "approval"
    YES_NO = "yes_no"
    IRV = "irv"
    STV_SCOTTISH = "stv_scottish"
    STV_MEEK = "stv_meek"


class RoundAction(StrEnum):
    COUNT = "count"  # first count (or the only count of a one-round method)
    SURPLUS = "surplus"  # transfer of an elected candidate's surplus (Scottish STV)
    EXCLUSION = "exclusion"  # a candidate excluded and their papers transferred
    ELECT_REMAINING = "elect_remaining"  # as many continuing candidates as seats left: all elected
    ELECTION = "election"  # Meek: candidates reached the quota during the iteration


class TieBreakKind(StrEnum):
    PREVIOUS_ROUNDS = "previous_rounds"
    LOT = "lot"
    MORE_YES = "more_yes"


@dataclass(frozen=True)
class TieBreak:
    """One tie and how it was broken, for the published result."""

    round: int
    purpose: str  # "exclude", "elect_order", "surplus_order", "last_seat"
    among: tuple[str, ...]
    chosen: str
    kind: TieBreakKind
    stage: int | None = None  # the round whose totals decided it (previous_rounds only)

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "purpose": self.purpose,
            "among": list(self.among),
            "chosen": self.chosen,
            "kind": str(self.kind),
            "stage": self.stage,
        }


def _fstr(value: Fraction) -> str:
    return str(value)


@dataclass(frozen=True)
class Round:
    """What happened in one round (one "stage" in the Scottish rules), with every figure.

    ``tallies`` holds every candidate's total at the end of the round (an elected candidate
    whose surplus went on keeps the quota, an excluded one has 0). ``transfers`` is what each
    candidate received in the round; ``exhausted`` the value that left the count in the round
    (papers with no further preference); ``lost_to_fractions`` the part of a surplus that
    truncation of transfer values dropped (Scottish STV). Meek rounds also give ``keep_values``
    and the number of ``iterations`` since the previous round.
    """

    number: int
    action: RoundAction
    tallies: Mapping[str, Fraction]
    subject: str | None = None
    quota: Fraction | None = None
    elected: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    transfers: Mapping[str, Fraction] = field(default_factory=dict)
    exhausted: Fraction = Fraction(0)
    lost_to_fractions: Fraction = Fraction(0)
    exhausted_total: Fraction = Fraction(0)
    keep_values: Mapping[str, Fraction] = field(default_factory=dict)
    iterations: int = 0
    tie_break: TieBreak | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "action": str(self.action),
            "subject": self.subject,
            "quota": None if self.quota is None else _fstr(self.quota),
            "tallies": {c: _fstr(v) for c, v in self.tallies.items()},
            "elected": list(self.elected),
            "eliminated": list(self.eliminated),
            "transfers": {c: _fstr(v) for c, v in self.transfers.items()},
            "exhausted": _fstr(self.exhausted),
            "lost_to_fractions": _fstr(self.lost_to_fractions),
            "exhausted_total": _fstr(self.exhausted_total),
            "keep_values": {c: _fstr(v) for c, v in self.keep_values.items()},
            "iterations": self.iterations,
            "tie_break": None if self.tie_break is None else self.tie_break.as_dict(),
        }


@dataclass(frozen=True)
class ElectionResult:
    """Winners (in the order they were elected) and the full round-by-round detail."""

    method: ElectionMethod
    seats: int
    candidates: tuple[str, ...]
    winners: tuple[str, ...]
    rounds: tuple[Round, ...]
    ballots: int  # ballots cast, blank ones included
    blank: int  # ballots that expressed no choice
    valid_weight: Fraction  # total weight of the non-blank ballots (= their number if unweighted)
    quota: Fraction | None = None  # fixed quota (Scottish) or the last quota (Meek)
    tie_breaks: tuple[TieBreak, ...] = ()
    lot_seed: str | None = None  # hex seed of the lot, when the lot order came from the ballots
    lot_order: tuple[str, ...] | None = None  # the order the lot used, when a lot was drawn
    marks: Mapping[str, Mapping[str, Fraction]] = field(default_factory=dict)  # yes/no only

    @property
    def used_lot(self) -> bool:
        return any(t.kind is TieBreakKind.LOT for t in self.tie_breaks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": str(self.method),
            "seats": self.seats,
            "candidates": list(self.candidates),
            "winners": list(self.winners),
            "ballots": self.ballots,
            "blank": self.blank,
            "valid_weight": _fstr(self.valid_weight),
            "quota": None if self.quota is None else _fstr(self.quota),
            "tie_breaks": [t.as_dict() for t in self.tie_breaks],
            "lot_seed": self.lot_seed,
            "lot_order": None if self.lot_order is None else list(self.lot_order),
            "rounds": [r.as_dict() for r in self.rounds],
            "marks": {c: {k: _fstr(v) for k, v in m.items()} for c, m in self.marks.items()},
        }


# --------------------------------------------------------------------------------------------
# Candidates, lots and tie-breaking
# --------------------------------------------------------------------------------------------


def check_candidates(candidates: Sequence[str]) -> tuple[str, ...]:
    cands = tuple(candidates)
    if not cands:
        raise InvalidCandidates("An election needs at least one candidate.")
    if len(set(cands)) != len(cands):
        raise InvalidCandidates("Candidates must be unique.")
    for c in cands:
        if not isinstance(c, str) or not c:
            raise InvalidCandidates("Candidates are non-empty strings.", candidate=repr(c))
    return cands


def check_seats(seats: int) -> int:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise InvalidSeats("Seats must be a positive integer.", seats=repr(seats))
    return seats


def lot_order(candidates: Sequence[str], seed: bytes | str) -> tuple[str, ...]:
    """The order a seeded lot draws: candidates sorted by SHA-256(seed, NUL, candidate).

    The first candidate of the order is the most favoured: in a tie decided by lot it survives
    an exclusion, is elected first and has its surplus transferred first.
    """
    raw = seed.encode() if isinstance(seed, str) else seed
    return tuple(
        sorted(candidates, key=lambda c: hashlib.sha256(raw + b"\x00" + c.encode()).digest())
    )


class TieBreaker:
    """Breaks ties between candidate indexes, and records each decision.

    Rule, in order:

    1. *Previous rounds* (``use_previous_rounds``): look back from the most recent round at
       which the tied candidates had unequal totals. When excluding, the one with the fewest
       votes there goes; when ordering elections or surpluses, the one with the most goes first.
       With three or more tied, the field is narrowed at each round looked at and the search
       goes on further back among those still tied (Scottish rules 49(2) and 51(2)).
    2. *Lot*: the caller's ``lot_order`` (for example drawn in public at the assembly), or else
       the seeded order of :func:`lot_order`, with the seed derived lazily from the hash of the
       whole ballot set (so the same ballots always give the same draw, and the draw cannot be
       known before the ballots are). The first candidate of the order is the most favoured.
    """

    def __init__(
        self,
        candidates: tuple[str, ...],
        *,
        lot: Sequence[str] | None,
        seed: Callable[[], str],
        use_previous_rounds: bool = True,
    ) -> None:
        self.candidates = candidates
        self.use_previous_rounds = use_previous_rounds
        self._seed_fn = seed
        self.seed: str | None = None
        self._lot: tuple[str, ...] | None = None
        if lot is not None:
            order = tuple(lot)
            if sorted(order) != sorted(candidates):
                raise InvalidLotOrder("The lot order must list every candidate exactly once.")
            self._lot = order
        self.records: list[TieBreak] = []
        self.lot_used = False

    def lot(self) -> tuple[str, ...]:
        if self._lot is None:
            self.seed = self._seed_fn()
            self._lot = lot_order(self.candidates, self.seed)
        return self._lot

    def lot_rank(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.lot())}

    def pick(
        self,
        tied: Sequence[int],
        *,
        lowest: bool,
        history: Sequence[Sequence[int]],
        round_no: int,
        purpose: str,
    ) -> int:
        """Choose one of ``tied``: the loser if ``lowest`` else the most favoured."""
        group = sorted(set(tied))
        if len(group) == 1:
            return group[0]
        among = tuple(self.candidates[i] for i in group)
        if self.use_previous_rounds:
            stage = len(history)
            for snap in reversed(history):
                values = [snap[i] for i in group]
                extreme = min(values) if lowest else max(values)
                narrowed = [i for i, v in zip(group, values, strict=True) if v == extreme]
                if len(narrowed) < len(group):
                    group = narrowed
                    if len(group) == 1:
                        self.records.append(
                            TieBreak(
                                round=round_no,
                                purpose=purpose,
                                among=among,
                                chosen=self.candidates[group[0]],
                                kind=TieBreakKind.PREVIOUS_ROUNDS,
                                stage=stage,
                            )
                        )
                        return group[0]
                stage -= 1
        rank = self.lot_rank()
        ordered = sorted(group, key=lambda i: rank[self.candidates[i]])
        chosen = ordered[-1] if lowest else ordered[0]
        self.lot_used = True
        self.records.append(
            TieBreak(
                round=round_no,
                purpose=purpose,
                among=among,
                chosen=self.candidates[chosen],
                kind=TieBreakKind.LOT,
            )
        )
        return chosen

    def order(
        self,
        items: Sequence[int],
        values: Sequence[int],
        *,
        history: Sequence[Sequence[int]],
        round_no: int,
        purpose: str,
    ) -> list[int]:
        """``items`` by decreasing value; equal values ordered by :meth:`pick`."""
        rest = list(items)
        out: list[int] = []
        while rest:
            best = max(values[i] for i in rest)
            top = [i for i in rest if values[i] == best]
            chosen = self.pick(
                top, lowest=False, history=history, round_no=round_no, purpose=purpose
            )
            out.append(chosen)
            rest.remove(chosen)
        return out


# --------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------


def common_denominator(weights: Iterable[Fraction]) -> int:
    d = 1
    for w in weights:
        d = math.lcm(d, w.denominator)
    return d


# --------------------------------------------------------------------------------------------
# Ranked profiles
# --------------------------------------------------------------------------------------------


class RankedProfile:
    """Ranked ballots as integer arrays, ready for vectorised counting.

    ``rankings`` is an ``(m, k + 1)`` int array of candidate indexes, each row a ranking padded
    with -1 (the last column is always -1). Row ``i`` stands for ``counts[i]`` papers of
    ``units[i] / denominator`` vote each (``counts``/``units`` are ``None`` for "all ones").
    Blank ballots are not rows; they are counted in ``blank``.

    Build one with :meth:`from_ballots` (validates, aggregates identical ballots) or with
    :meth:`from_array` (an already valid int array, for very large counts).
    """

    def __init__(
        self,
        candidates: tuple[str, ...],
        rankings: npt.NDArray[np.integer[Any]],
        *,
        counts: IntArray | None,
        units: IntArray | None,
        denominator: int,
        ballots: int,
        blank: int,
        blank_units: int,
    ) -> None:
        self.candidates = candidates
        self.rankings = rankings
        self.counts = counts
        self.units = units
        self.denominator = denominator
        self.ballots = ballots
        self.blank = blank
        self.blank_units = blank_units
        self._fingerprint: str | None = None

    @property
    def rows(self) -> int:
        return int(self.rankings.shape[0])

    def row_weights(self) -> IntArray | None:
        """Each row's total weight in units of ``1/denominator`` (``None``: one each)."""
        if self.counts is None and self.units is None:
            return None
        counts = self.counts if self.counts is not None else np.ones(self.rows, dtype=np.int64)
        if self.units is None:
            return counts
        return counts * self.units

    def valid_units(self) -> int:
        w = self.row_weights()
        return self.rows if w is None else int(sum(w.tolist()))

    @classmethod
    def from_ballots(
        cls,
        candidates: Sequence[str],
        ballots: Iterable[Sequence[str]],
        *,
        weights: Sequence[Fraction] | None = None,
        max_rank: int | None = None,
        allow_blank: bool = True,
    ) -> RankedProfile:
        """Validate each ranking and aggregate identical (ranking, weight) pairs.

        Raises :class:`BallotDuplicateRanking`, :class:`BallotUnknownCandidate`,
        :class:`BallotTooManyChoices` (more than ``max_rank`` preferences) or, with
        ``allow_blank=False``, :class:`BallotEmpty`.
        """
        cands = check_candidates(candidates)
        index = {c: i for i, c in enumerate(cands)}
        items = [tuple(b) for b in ballots]
        one = Fraction(1)
        tally: Iterable[tuple[tuple[tuple[str, ...], Fraction | None], int]]
        if weights is None:  # fast path: no Fraction hashing per ballot
            tally = (((r, None), c) for r, c in Counter(items).items())
        else:
            weight_list = list(weights)
            if len(weight_list) != len(items):
                raise ElectionConfigError("There must be one weight per ballot.")
            tally = Counter(zip(items, weight_list, strict=True)).items()
        n = len(items)
        blank = 0
        blank_weight = Fraction(0)
        groups: dict[tuple[tuple[int, ...], Fraction | None], int] = {}
        # Identical ballots are validated once; an error names the first ballot that has it.
        for (ranking, w), count in tally:
            if not ranking:
                if not allow_blank:
                    raise BallotEmpty("The ballot ranks no candidate.", ballot=items.index(ranking))
                blank += count
                blank_weight += (one if w is None else w) * count
                continue
            unknown = [c for c in ranking if c not in index]
            if unknown:
                raise BallotUnknownCandidate(
                    "The ballot ranks an unknown candidate.",
                    ballot=items.index(ranking),
                    candidate=str(unknown[0]),
                )
            idx = tuple(index[c] for c in ranking)
            if len(set(idx)) != len(idx):
                raise BallotDuplicateRanking(
                    "The ballot ranks a candidate more than once.", ballot=items.index(ranking)
                )
            if max_rank is not None and len(idx) > max_rank:
                raise BallotTooManyChoices(
                    "The ballot ranks too many candidates.",
                    ballot=items.index(ranking),
                    limit=max_rank,
                )
            key = (idx, w)
            groups[key] = groups.get(key, 0) + count
        return cls._from_groups(
            cands,
            groups,
            ballots=n,
            blank=blank,
            blank_weight=blank_weight,
            unweighted=weights is None,
        )

    @classmethod
    def _from_groups(
        cls,
        cands: tuple[str, ...],
        groups: Mapping[tuple[tuple[int, ...], Fraction | None], int],
        *,
        ballots: int,
        blank: int,
        blank_weight: Fraction,
        unweighted: bool,
    ) -> RankedProfile:
        keys = sorted(groups)
        width = max((len(r) for r, _ in keys), default=0) + 1
        pad = (-1,) * width
        dtype16 = np.int16 if len(cands) < 32000 else np.int32
        arr = cast(
            "npt.NDArray[np.integer[Any]]",
            np.array([r + pad[len(r) :] for r, _ in keys], dtype=dtype16).reshape(-1, width),
        )
        counts = np.array([groups[k] for k in keys], dtype=np.int64)
        if unweighted:
            denom, unit_values, all_one = 1, [], True
        else:
            weight_values = [Fraction(1) if w is None else w for _, w in keys]
            denom = common_denominator([*weight_values, blank_weight])
            unit_values = [int(w * denom) for w in weight_values]
            all_one = denom == 1 and all(u == 1 for u in unit_values)
        units: IntArray | None = None
        if not all_one:
            total = sum(u * c for u, c in zip(unit_values, counts.tolist(), strict=True))
            dtype: Any = np.int64 if total < _INT64_SAFE // 10**9 else object
            units = np.array(unit_values, dtype=dtype)
            if dtype is object:
                counts = counts.astype(object)
        return cls(
            cands,
            arr,
            counts=counts,
            units=units,
            denominator=denom,
            ballots=ballots,
            blank=blank,
            blank_units=int(blank_weight * denom),
        )

    @classmethod
    def from_array(
        cls,
        candidates: Sequence[str],
        rankings: npt.ArrayLike,
        *,
        counts: npt.ArrayLike | None = None,
        blank: int = 0,
    ) -> RankedProfile:
        """Unweighted ballots from an int array: row = ranking of candidate indexes, -1 padded.

        Checks vectorised: indexes in range, no duplicate in a row, nothing after a -1, no
        empty row (count blanks with ``blank``). ``counts`` gives each row's multiplicity.
        """
        cands = check_candidates(candidates)
        arr = np.asarray(rankings)
        if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
            raise ElectionConfigError("Rankings must be a 2-D integer array.")
        arr = arr.astype(np.int16 if len(cands) < 32000 else np.int32, copy=False)
        m, k = arr.shape
        if m:
            if int(arr.min()) < -1 or int(arr.max()) >= len(cands):
                bad = int(np.flatnonzero(((arr < -1) | (arr >= len(cands))).any(axis=1))[0])
                raise BallotUnknownCandidate("A ballot ranks an unknown candidate.", ballot=bad)
            if k == 0 or (arr[:, 0] < 0).any():
                bad = 0 if k == 0 else int(np.flatnonzero(arr[:, 0] < 0)[0])
                raise BallotEmpty("A ballot ranks no candidate.", ballot=bad)
            filled = arr >= 0
            if k > 1 and (~filled[:, :-1] & filled[:, 1:]).any():
                bad = int(np.flatnonzero((~filled[:, :-1] & filled[:, 1:]).any(axis=1))[0])
                raise BallotError("A ranking continues after a gap.", ballot=bad)
            srt = np.sort(arr, axis=1)
            dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
            if dup.any():
                bad = int(np.flatnonzero(dup.any(axis=1))[0])
                raise BallotDuplicateRanking("A ballot ranks a candidate twice.", ballot=bad)
        padded = np.full((m, k + 1), -1, dtype=arr.dtype)
        padded[:, :k] = arr
        cnt: IntArray | None = None
        n = m
        if counts is not None:
            cnt = np.asarray(counts, dtype=np.int64)
            if cnt.shape != (m,) or (m and int(cnt.min()) < 1):
                raise ElectionConfigError("Counts must be positive, one per row.")
            n = int(cnt.sum())
        return cls(
            cands,
            padded,
            counts=cnt,
            units=None,
            denominator=1,
            ballots=n + blank,
            blank=blank,
            blank_units=blank,
        )

    def aggregated(self) -> RankedProfile:
        """The same ballots with identical rows merged (same papers, fewer rows)."""
        if self.units is not None or self.rows == 0:
            return self  # from_ballots already merged identical (ranking, weight) pairs
        rankings = self.rankings
        base = len(self.candidates) + 1
        width = rankings.shape[1]
        if base**width < 2**63:
            # One integer per ranking (digits = candidate + 1), then a 1-D unique: fast.
            keys = np.zeros(self.rows, dtype=np.int64)
            for j in range(width - 1, -1, -1):
                keys *= base
                keys += rankings[:, j].astype(np.int64) + 1
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        else:
            order = np.lexsort(rankings.T[::-1])
            srt = rankings[order]
            new = np.ones(self.rows, dtype=bool)
            new[1:] = (srt[1:] != srt[:-1]).any(axis=1)
            group = np.cumsum(new) - 1
            inverse = np.empty(self.rows, dtype=np.int64)
            inverse[order] = group
            first = order[new]
        weights = np.ones(self.rows, dtype=np.int64) if self.counts is None else self.counts
        counts = np.bincount(inverse.ravel(), weights=weights, minlength=len(first))
        return RankedProfile(
            self.candidates,
            rankings[first],
            counts=np.rint(counts).astype(np.int64),
            units=None,
            denominator=1,
            ballots=self.ballots,
            blank=self.blank,
            blank_units=self.blank_units,
        )

    def fingerprint(self) -> str:
        """SHA-256 of the ballot set, independent of ballot order (the lot's default seed)."""
        if self._fingerprint is None:
            agg = self.aggregated()
            h = hashlib.sha256()
            h.update(repr(self.candidates).encode())
            counts = agg.counts.tolist() if agg.counts is not None else [1] * agg.rows
            units = agg.units.tolist() if agg.units is not None else [1] * agg.rows
            lines = []
            for row, c, u in zip(agg.rankings.tolist(), counts, units, strict=True):
                ids = tuple(self.candidates[i] for i in row if i >= 0)
                lines.append(repr((ids, str(Fraction(u, agg.denominator)), c)))
            for line in sorted(lines):
                h.update(line.encode())
                h.update(b"\n")
            h.update(f"blank={self.blank}:{Fraction(self.blank_units, self.denominator)}".encode())
            self._fingerprint = h.hexdigest()
        return self._fingerprint


def sum_by(index: npt.NDArray[Any], weights: IntArray | None, size: int) -> list[int]:
    """Exact integer sums of ``weights`` grouped by ``index`` (0..size-1), as Python ints."""
    if weights is None:
        return [int(x) for x in np.bincount(index, minlength=size).tolist()]
    if weights.dtype == object:
        out = [0] * size
        for i, w in zip(index.tolist(), weights.tolist(), strict=True):
            out[i] += w
        return out
    if weights.size and int(weights.max()) * weights.size >= _FLOAT_EXACT:
        acc = np.zeros(size, dtype=np.int64)
        np.add.at(acc, index, weights)
        return [int(x) for x in acc.tolist()]
    sums = np.bincount(index, weights=weights, minlength=size)
    return [int(x) for x in np.rint(sums).astype(np.int64).tolist()]


def next_preferences(
    rankings: npt.NDArray[np.integer[Any]],
    pos: IntArray,
    rows: IntArray,
    stop: npt.NDArray[np.bool_],
) -> IntArray:
    """Advance each of ``rows`` to its next continuing candidate and return it (-1: exhausted).

    Same convention as :func:`advance`; ``pos`` is updated in place.
    """
    out = np.empty(rows.size, dtype=np.int64)
    pending = np.arange(rows.size)
    while pending.size:
        r = rows[pending]
        p = pos[r] + 1
        pos[r] = p
        c = rankings[r, p]
        done = stop[c + 1]
        out[pending[done]] = c[done]
        pending = pending[~done]
    return out


def advance(
    rankings: npt.NDArray[np.integer[Any]],
    pos: IntArray,
    cur: IntArray,
    rows: IntArray,
    stop: npt.NDArray[np.bool_],
) -> None:
    """Move each of ``rows`` to its next preference for a continuing candidate.

    ``stop[c + 1]`` is True for continuing candidates ``c`` and for -1 (end of ballot, so
    ``stop[0]`` must be True). ``cur`` ends as the candidate reached, or -1 (exhausted).
    """
    while rows.size:
        pos[rows] += 1
        c = rankings[rows, pos[rows]]
        done = stop[c + 1]
        cur[rows[done]] = c[done]
        rows = rows[~done]
