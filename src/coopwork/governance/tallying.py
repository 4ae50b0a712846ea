"""Every counting rule of coopwork's governance, as pure functions (no Django, no database).

What is here
============
- **College weighting** (:func:`check_college_weights`, :func:`college_ballot_weights`).
  In a SCIC each college weighs between 10 % and 50 % of the votes and capital is never a weight
  (loi n° 47-1775 du 10 septembre 1947, art. 19 octies; SCANI uses 40/25/25/10). A college's
  ballots together count for its weight: each ballot weighs ``college weight / number of that
  college's members who cast a ballot`` (blank and abstaining ballots included, unless
  ``weight_basis="expressed"``). Without weights: one member, one vote.
- **Motions** (:func:`tally_motion`): quorum in heads (present or represented, postal votes and
  proxies included) against the members eligible, then the majority as exact fractions of the
  expressed votes (yes + no; blank votes and abstentions are not expressed).
  :func:`assembly_rule` gives the French defaults per convocation (Code de commerce
  L. 225-98 for ordinary, L. 225-96 for extraordinary assemblies, which co-ops apply through
  their legal form; statutes may raise them).
- **Elections**: vote-for-N (plurality at large), approval, yes/no per candidate, IRV for one
  seat, STV with the Droop quota in two variants, Scottish (SSI 2007/42) and Meek. Each returns
  an :class:`ElectionResult` with the winners and every round's figures.
- **Ballot validation** with typed errors carrying stable codes (see ``ERROR_CODES``).

Tie-breaks (deterministic and published in ``ElectionResult.tie_breaks``)
========================================================================
- Ranked methods first look back at previous rounds: the most recent round at which the tied
  candidates' totals differed decides (fewest is excluded, most goes first), as the Scottish
  rules 49(2) and 51(2) say. Pass ``use_previous_rounds=False`` to skip this step.
- Then, and for the one-round methods directly, a **lot**. The lot is an order of the
  candidates, first = most favoured (survives an exclusion, is elected or transferred first):
  either ``lot_order`` given by the caller (e.g. drawn in public and recorded in the minutes),
  or else the order of SHA-256(seed, candidate) where the seed is computed from the hash of the
  whole ballot set (method, seats, candidates and the aggregated ballots, independent of their
  order). The same ballots therefore always give the same result, and nobody can know the draw
  before the ballots are in. ``ElectionResult.lot_seed`` publishes the seed when it was used.
- Yes/no per candidate: more net yes (yes - no) first, then more yes, then the lot.

All figures are exact :class:`fractions.Fraction`; nothing is rounded except where a rule says
so (Scottish STV truncates transfer values to 5 decimals, Meek works to 9 decimals).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal

from ._core import (
    BallotDuplicateChoice,
    BallotDuplicateRanking,
    BallotEmpty,
    BallotError,
    BallotInvalidChoice,
    BallotTooManyChoices,
    BallotUnknownCandidate,
    CollegeError,
    CollegeUnknown,
    CollegeWeightOutOfBounds,
    CollegeWeightsNotHundred,
    ElectionConfigError,
    ElectionMethod,
    ElectionResult,
    InvalidCandidates,
    InvalidLotOrder,
    InvalidSeats,
    MotionConfigError,
    RankedProfile,
    Round,
    RoundAction,
    TallyError,
    TieBreak,
    TieBreaker,
    TieBreakKind,
    check_candidates,
    check_seats,
    lot_order,
)
from .ranked import (
    MEEK_OMEGA,
    count_irv,
    count_meek_stv,
    count_scottish_stv,
)

__all__ = [
    "COLLEGE_WEIGHT_MAX",
    "COLLEGE_WEIGHT_MIN",
    "ERROR_CODES",
    "AssemblyKind",
    "AssemblyRule",
    "BallotDuplicateChoice",
    "BallotDuplicateRanking",
    "BallotEmpty",
    "BallotError",
    "BallotInvalidChoice",
    "BallotTooManyChoices",
    "BallotUnknownCandidate",
    "Choice",
    "CollegeError",
    "CollegeUnknown",
    "CollegeWeightOutOfBounds",
    "CollegeWeightsNotHundred",
    "ElectionConfigError",
    "ElectionMethod",
    "ElectionResult",
    "InvalidCandidates",
    "InvalidLotOrder",
    "InvalidQuorum",
    "InvalidSeats",
    "Majority",
    "MajorityBasis",
    "MajorityRule",
    "MotionBallot",
    "MotionBallotsExceedPresent",
    "MotionConfigError",
    "MotionPresentExceedsEligible",
    "MotionResult",
    "RankedProfile",
    "Round",
    "RoundAction",
    "TallyError",
    "TieBreak",
    "TieBreakKind",
    "assembly_rule",
    "check_college_weights",
    "college_ballot_weights",
    "lot_order",
    "quorum_required",
    "ranked_profile",
    "tally_approval",
    "tally_election",
    "tally_irv",
    "tally_motion",
    "tally_stv_meek",
    "tally_stv_scottish",
    "tally_vote_for_n",
    "tally_yes_no",
]

COLLEGE_WEIGHT_MIN = Fraction(10)
COLLEGE_WEIGHT_MAX = Fraction(50)


class MotionPresentExceedsEligible(MotionConfigError):
    code = "motion_present_exceeds_eligible"


class MotionBallotsExceedPresent(MotionConfigError):
    code = "motion_ballots_exceed_present"


class InvalidQuorum(MotionConfigError):
    code = "motion_invalid_quorum"


ERROR_CODES: dict[str, type[TallyError]] = {
    cls.code: cls
    for cls in (
        TallyError,
        BallotError,
        BallotTooManyChoices,
        BallotDuplicateChoice,
        BallotDuplicateRanking,
        BallotUnknownCandidate,
        BallotEmpty,
        BallotInvalidChoice,
        CollegeError,
        CollegeWeightOutOfBounds,
        CollegeWeightsNotHundred,
        CollegeUnknown,
        ElectionConfigError,
        InvalidSeats,
        InvalidCandidates,
        InvalidLotOrder,
        MotionConfigError,
        MotionPresentExceedsEligible,
        MotionBallotsExceedPresent,
        InvalidQuorum,
    )
}
"""Every stable error code and its exception class."""


def _fraction(value: Fraction | int | str, what: str) -> Fraction:
    if isinstance(value, bool | float):
        raise TallyError(f"{what} must be exact (int, Fraction or 'p/q'), not {value!r}.")
    try:
        return Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise TallyError(f"{what} is not a number: {value!r}.") from None


# --------------------------------------------------------------------------------------------
# College weighting
# --------------------------------------------------------------------------------------------


def check_college_weights(weights: Mapping[str, Fraction | int | str]) -> dict[str, Fraction]:
    """Validate SCIC college weights: each 10-50 (percent of the votes), together 100.

    Raises :class:`CollegeWeightOutOfBounds` or :class:`CollegeWeightsNotHundred`.
    """
    out: dict[str, Fraction] = {}
    for college, raw in weights.items():
        w = _fraction(raw, "A college weight")
        if not COLLEGE_WEIGHT_MIN <= w <= COLLEGE_WEIGHT_MAX:
            raise CollegeWeightOutOfBounds(
                "Each college weighs between 10 % and 50 % of the votes.",
                college=str(college),
                weight=str(w),
            )
        out[str(college)] = w
    if sum(out.values(), Fraction(0)) != 100:
        raise CollegeWeightsNotHundred(
            "College weights must add up to 100 %.", total=str(sum(out.values(), Fraction(0)))
        )
    return out


def college_ballot_weights(
    colleges: Sequence[str | None],
    weights: Mapping[str, Fraction | int | str] | None,
    *,
    counted: Sequence[bool] | None = None,
) -> list[Fraction]:
    """Each ballot's weight: its college's weight shared equally by that college's ballots.

    ``colleges[i]`` is the college of ballot ``i``. Without ``weights`` every ballot weighs 1.
    ``counted[i] = False`` leaves ballot ``i`` out of the sharing (weight 0); by default every
    ballot cast shares its college's weight. A college with no ballot simply carries no weight,
    so the weighted total is the sum of the weights of the colleges that voted.

    Raises :class:`CollegeUnknown` for a ballot without a college, or in a college that has no
    weight, and the errors of :func:`check_college_weights`.
    """
    if weights is None:
        return [Fraction(1)] * len(colleges)
    table = check_college_weights(weights)
    flags = [True] * len(colleges) if counted is None else list(counted)
    sizes: dict[str, int] = {}
    for i, (college, flag) in enumerate(zip(colleges, flags, strict=True)):
        if college is None or college not in table:
            raise CollegeUnknown(
                "The ballot's college has no weight.", ballot=i, college=str(college)
            )
        if flag:
            sizes[college] = sizes.get(college, 0) + 1
    return [
        table[c] / sizes[c] if flag else Fraction(0)  # type: ignore[index]
        for c, flag in zip(colleges, flags, strict=True)
    ]


# --------------------------------------------------------------------------------------------
# Motions: quorum and majority
# --------------------------------------------------------------------------------------------


class Choice(StrEnum):
    YES = "yes"
    NO = "no"  # under consent, a "no" is an objection
    ABSTAIN = "abstain"
    BLANK = "blank"


class Majority(StrEnum):
    SIMPLE = "simple"  # more yes than no
    TWO_THIRDS = "two_thirds"  # yes at least two thirds of the base
    CONSENT = "consent"  # passes unless objections exceed the objection limit


class MajorityBasis(StrEnum):
    EXPRESSED = "expressed"  # yes + no: blank votes and abstentions are not expressed
    PRESENT = "present"  # every member present or represented (heads; unweighted only)


@dataclass(frozen=True)
class MajorityRule:
    """How many votes a motion needs, as exact fractions of a base.

    - ``SIMPLE``: adopted when yes > 1/2 of the base (with the expressed base: more yes than no).
    - ``TWO_THIRDS``: adopted when yes >= 2/3 of the base ("at least two thirds").
    - ``CONSENT``: adopted unless the objections (``no``) exceed ``objection_limit`` x base.
      With the default limit 0, a single objection blocks; abstentions and blanks never do.
      A motion with no objection is adopted even if every ballot abstains.
    """

    kind: Majority = Majority.SIMPLE
    basis: MajorityBasis = MajorityBasis.EXPRESSED
    objection_limit: Fraction = Fraction(0)

    @property
    def threshold(self) -> Fraction:
        if self.kind is Majority.SIMPLE:
            return Fraction(1, 2)
        if self.kind is Majority.TWO_THIRDS:
            return Fraction(2, 3)
        return Fraction(self.objection_limit)


class AssemblyKind(StrEnum):
    ORDINARY = "ordinary"
    EXTRAORDINARY = "extraordinary"


@dataclass(frozen=True)
class AssemblyRule:
    quorum: Fraction
    majority: MajorityRule


ORDINARY_QUORUM = (Fraction(1, 5), Fraction(0))
EXTRAORDINARY_QUORUM = (Fraction(1, 4), Fraction(1, 5))


def assembly_rule(
    kind: AssemblyKind | str,
    convocation: int,
    *,
    quorum: Sequence[Fraction | int | str] | None = None,
    majority: MajorityRule | None = None,
) -> AssemblyRule:
    """The quorum and majority of a general assembly at its first or second convocation.

    Defaults (statute parameters; statutes may raise them):

    - ordinary: quorum 1/5 of the members on the first convocation, none on the second
      (Code de commerce L. 225-98); simple majority of the expressed votes;
    - extraordinary (statute changes): quorum 1/4, then 1/5 (L. 225-96); two-thirds majority of
      the expressed votes (blank votes and abstentions are not expressed). Statutes that count
      two thirds "of the votes present or represented" use ``MajorityBasis.PRESENT``.

    ``quorum`` overrides the pair (first, second); ``majority`` overrides the rule.
    """
    kind = AssemblyKind(kind)
    if convocation not in (1, 2):
        raise InvalidQuorum("An assembly is held on its first or second convocation.")
    default = ORDINARY_QUORUM if kind is AssemblyKind.ORDINARY else EXTRAORDINARY_QUORUM
    pair = default if quorum is None else tuple(_fraction(q, "A quorum") for q in quorum)
    if len(pair) != 2:
        raise InvalidQuorum("Give the quorum of the first and of the second convocation.")
    rule = majority or MajorityRule(
        Majority.SIMPLE if kind is AssemblyKind.ORDINARY else Majority.TWO_THIRDS
    )
    return AssemblyRule(quorum=pair[convocation - 1], majority=rule)


def quorum_required(eligible: int, fraction: Fraction | int | str) -> int:
    """Members who must be present or represented: ``ceil(eligible x fraction)`` heads."""
    f = _fraction(fraction, "A quorum")
    if not 0 <= f <= 1:
        raise InvalidQuorum("A quorum is a fraction between 0 and 1.", quorum=str(f))
    return math.ceil(eligible * f)


@dataclass(frozen=True)
class MotionBallot:
    choice: Choice | str
    college: str | None = None


@dataclass(frozen=True)
class MotionResult:
    """Every figure of a motion's count. Vote figures are weighted (heads when unweighted)."""

    eligible: int
    present: int  # present or represented: in the room, remote, postal votes, proxies
    quorum: Fraction
    quorum_required: int
    quorum_reached: bool
    ballots: int
    yes: Fraction
    no: Fraction
    abstain: Fraction
    blank: Fraction
    heads: Mapping[str, int]  # ballots per choice, unweighted
    expressed: Fraction  # yes + no
    majority: MajorityRule
    threshold: Fraction  # 1/2, 2/3 or the objection limit
    base: Fraction  # what the threshold applies to: expressed votes or members present
    adopted: bool
    weighted: bool
    by_college: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    college_weights: Mapping[str, Fraction] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "present": self.present,
            "quorum": str(self.quorum),
            "quorum_required": self.quorum_required,
            "quorum_reached": self.quorum_reached,
            "ballots": self.ballots,
            "yes": str(self.yes),
            "no": str(self.no),
            "abstain": str(self.abstain),
            "blank": str(self.blank),
            "heads": dict(self.heads),
            "expressed": str(self.expressed),
            "majority": str(self.majority.kind),
            "basis": str(self.majority.basis),
            "threshold": str(self.threshold),
            "base": str(self.base),
            "adopted": self.adopted,
            "weighted": self.weighted,
            "by_college": {c: dict(v) for c, v in self.by_college.items()},
            "college_weights": {c: str(w) for c, w in self.college_weights.items()},
        }


def _choice(value: Choice | str, index: int) -> Choice:
    try:
        return Choice(value)
    except ValueError:
        raise BallotInvalidChoice(
            "The choice must be yes, no, abstain or blank.", ballot=index, choice=str(value)
        ) from None


def tally_motion(
    ballots: Iterable[MotionBallot | Choice | str],
    *,
    eligible: int,
    present: int,
    quorum: Fraction | int | str = 0,
    majority: MajorityRule | Majority | str = Majority.SIMPLE,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    weight_basis: Literal["cast", "expressed"] = "cast",
) -> MotionResult:
    """Count a motion: quorum in heads, then the majority on (weighted) votes.

    - Quorum: reached when ``present >= ceil(eligible x quorum)``; ``present`` counts heads present
      or represented (postal votes and proxies included). Without quorum nothing is adopted.
    - Votes: yes/no/abstain/blank, weighted by college when ``college_weights`` is given (see
      :func:`college_ballot_weights`; ``weight_basis="expressed"`` shares a college's weight among
      its yes/no ballots only, so that its abstainers do not dilute it).
    - Majority: see :class:`MajorityRule`. ``MajorityBasis.PRESENT`` uses ``present`` heads as the
      base and is only allowed unweighted.

    Raises :class:`BallotInvalidChoice`, college errors, :class:`MotionPresentExceedsEligible`,
    :class:`MotionBallotsExceedPresent` or :class:`InvalidQuorum`.
    """
    rule = majority if isinstance(majority, MajorityRule) else MajorityRule(Majority(majority))
    if isinstance(eligible, bool) or eligible < 0 or present < 0:
        raise MotionConfigError("Eligible and present are counts of members.")
    if present > eligible:
        raise MotionPresentExceedsEligible(
            "More members present than eligible.", present=present, eligible=eligible
        )
    q = _fraction(quorum, "A quorum")
    required = quorum_required(eligible, q)
    items: list[tuple[Choice, str | None]] = []
    for i, b in enumerate(ballots):
        if isinstance(b, MotionBallot):
            items.append((_choice(b.choice, i), b.college))
        else:
            items.append((_choice(b, i), None))
    if len(items) > present:
        raise MotionBallotsExceedPresent(
            "More ballots than members present or represented.", ballots=len(items)
        )
    weighted = college_weights is not None
    if weighted and rule.basis is MajorityBasis.PRESENT:
        raise MotionConfigError("A majority of members present is counted in heads, unweighted.")
    counted = None
    if weight_basis == "expressed":
        counted = [c in (Choice.YES, Choice.NO) for c, _ in items]
    weights = college_ballot_weights([c for _, c in items], college_weights, counted=counted)
    sums = dict.fromkeys(Choice, Fraction(0))
    heads = dict.fromkeys((str(c) for c in Choice), 0)
    by_college: dict[str, dict[str, int]] = {}
    for (choice, college), w in zip(items, weights, strict=True):
        sums[choice] += w
        heads[str(choice)] += 1
        if college is not None:
            per = by_college.setdefault(college, dict.fromkeys((str(c) for c in Choice), 0))
            per[str(choice)] += 1
    yes, no = sums[Choice.YES], sums[Choice.NO]
    expressed = yes + no
    base = expressed if rule.basis is MajorityBasis.EXPRESSED else Fraction(present)
    if rule.kind is Majority.SIMPLE:
        passes = yes > base / 2
    elif rule.kind is Majority.TWO_THIRDS:
        passes = base > 0 and 3 * yes >= 2 * base
    else:
        passes = no <= rule.threshold * base
    reached = present >= required
    return MotionResult(
        eligible=eligible,
        present=present,
        quorum=q,
        quorum_required=required,
        quorum_reached=reached,
        ballots=len(items),
        yes=yes,
        no=no,
        abstain=sums[Choice.ABSTAIN],
        blank=sums[Choice.BLANK],
        heads=heads,
        expressed=expressed,
        majority=rule,
        threshold=rule.threshold,
        base=base,
        adopted=reached and passes,
        weighted=weighted,
        by_college=by_college,
        college_weights=check_college_weights(college_weights) if college_weights else {},
    )


# --------------------------------------------------------------------------------------------
# One-round elections: vote-for-N, approval, yes/no per candidate
# --------------------------------------------------------------------------------------------


def _ballot_weights(
    n: int,
    colleges: Sequence[str | None] | None,
    college_weights: Mapping[str, Fraction | int | str] | None,
) -> list[Fraction]:
    if college_weights is None:
        return [Fraction(1)] * n
    if colleges is None or len(colleges) != n:
        raise CollegeUnknown("Weighted ballots need one college per ballot.")
    return college_ballot_weights(colleges, college_weights)


def _seed(kind: str, seats: int, candidates: tuple[str, ...], lines: Iterable[str]) -> str:
    h = hashlib.sha256(f"{kind}|{seats}|{candidates!r}".encode())
    for line in sorted(lines):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def _cut(
    order_key: Mapping[int, tuple[Fraction, ...]],
    seats: int,
    tb: TieBreaker,
    purpose: str,
) -> list[int]:
    """The ``seats`` best by ``order_key`` (descending); a tie across the cut goes to the lot."""
    ranked = sorted(order_key, key=lambda c: order_key[c], reverse=True)
    if len(ranked) <= seats:
        return ranked
    edge = order_key[ranked[seats - 1]]
    above = [c for c in ranked if order_key[c] > edge]
    tied = [c for c in ranked if order_key[c] == edge]
    chosen = list(above)
    while len(chosen) < seats:
        pick = tb.pick(tied, lowest=False, history=[], round_no=1, purpose=purpose)
        chosen.append(pick)
        tied.remove(pick)
    return chosen


def _marks_result(
    method: ElectionMethod,
    cands: tuple[str, ...],
    seats: int,
    winners: list[int],
    totals: dict[int, Fraction],
    tb: TieBreaker,
    *,
    ballots: int,
    blank: int,
    valid: Fraction,
) -> ElectionResult:
    rnd = Round(
        number=1,
        action=RoundAction.COUNT,
        tallies={cands[c]: totals[c] for c in range(len(cands))},
        elected=tuple(cands[c] for c in winners),
    )
    return ElectionResult(
        method=method,
        seats=seats,
        candidates=cands,
        winners=tuple(cands[c] for c in winners),
        rounds=(rnd,),
        ballots=ballots,
        blank=blank,
        valid_weight=valid,
        tie_breaks=tuple(tb.records),
        lot_seed=tb.seed if tb.lot_used else None,
        lot_order=tb.lot() if tb.lot_used else None,
    )


def _tally_marks(
    method: ElectionMethod,
    ballots: Iterable[Collection[str]],
    candidates: Sequence[str],
    seats: int,
    limit: int | None,
    *,
    colleges: Sequence[str | None] | None,
    college_weights: Mapping[str, Fraction | int | str] | None,
    lot: Sequence[str] | None,
    allow_blank: bool,
) -> ElectionResult:
    cands = check_candidates(candidates)
    seats = check_seats(seats)
    index = {c: i for i, c in enumerate(cands)}
    marks: list[tuple[int, ...]] = []
    for i, ballot in enumerate(ballots):
        chosen = list(ballot)
        for name in chosen:
            if name not in index:
                raise BallotUnknownCandidate(
                    "The ballot marks an unknown candidate.", ballot=i, candidate=str(name)
                )
        if len(set(chosen)) != len(chosen):
            raise BallotDuplicateChoice("The ballot marks a candidate twice.", ballot=i)
        if limit is not None and len(chosen) > limit:
            raise BallotTooManyChoices(
                "The ballot marks too many candidates.", ballot=i, limit=limit
            )
        if not chosen and not allow_blank:
            raise BallotEmpty("The ballot marks no candidate.", ballot=i)
        marks.append(tuple(sorted(index[name] for name in chosen)))
    weights = _ballot_weights(len(marks), colleges, college_weights)
    totals = dict.fromkeys(range(len(cands)), Fraction(0))
    blank = 0
    valid = Fraction(0)
    for chosen_idx, w in zip(marks, weights, strict=True):
        if not chosen_idx:
            blank += 1
            continue
        valid += w
        for c in chosen_idx:
            totals[c] += w
    lines = [f"{[cands[c] for c in m]!r}:{w}" for m, w in zip(marks, weights, strict=True)]
    tb = TieBreaker(
        cands,
        lot=lot,
        seed=lambda: _seed(str(method), seats, cands, lines),
        use_previous_rounds=False,
    )
    keys = {c: (t,) for c, t in totals.items() if t > 0}
    winners = _cut(keys, seats, tb, "last_seat")
    return _marks_result(
        method, cands, seats, winners, totals, tb, ballots=len(marks), blank=blank, valid=valid
    )


def tally_vote_for_n(
    ballots: Iterable[Collection[str]],
    candidates: Sequence[str],
    seats: int,
    *,
    colleges: Sequence[str | None] | None = None,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    lot_order: Sequence[str] | None = None,
    allow_blank: bool = True,
) -> ElectionResult:
    """Plurality at large: each ballot marks at most ``seats`` candidates, once each.

    The ``seats`` candidates with the most (weighted) marks win; a candidate needs at least one
    mark to be elected. A tie for the last seat(s) is decided by the lot. An empty ballot is a
    blank vote (``allow_blank=False`` refuses it). Errors: ``ballot_too_many_choices``,
    ``ballot_duplicate_choice``, ``ballot_unknown_candidate``, ``ballot_empty``.
    """
    return _tally_marks(
        ElectionMethod.VOTE_FOR_N,
        ballots,
        candidates,
        seats,
        seats,
        colleges=colleges,
        college_weights=college_weights,
        lot=lot_order,
        allow_blank=allow_blank,
    )


def tally_approval(
    ballots: Iterable[Collection[str]],
    candidates: Sequence[str],
    seats: int,
    *,
    max_approvals: int | None = None,
    colleges: Sequence[str | None] | None = None,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    lot_order: Sequence[str] | None = None,
    allow_blank: bool = True,
) -> ElectionResult:
    """Approval: each ballot approves any number of candidates (at most ``max_approvals``).

    The ``seats`` most approved candidates win (at least one approval needed); ties for the
    last seat(s) go to the lot. Same errors as :func:`tally_vote_for_n`.
    """
    return _tally_marks(
        ElectionMethod.APPROVAL,
        ballots,
        candidates,
        seats,
        max_approvals,
        colleges=colleges,
        college_weights=college_weights,
        lot=lot_order,
        allow_blank=allow_blank,
    )


def tally_yes_no(
    ballots: Iterable[Mapping[str, Choice | str]],
    candidates: Sequence[str],
    seats: int,
    *,
    colleges: Sequence[str | None] | None = None,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    lot_order: Sequence[str] | None = None,
    allow_blank: bool = True,
) -> ElectionResult:
    """Yes/no per candidate: each ballot marks each candidate yes, no or abstain.

    A candidate not marked counts as an abstention. To be elected a candidate needs more yes than
    no. Among those, the ``seats`` with the most net yes (yes - no) win; equal net: more yes;
    still equal: the lot. ``Round.tallies`` holds the net yes and ``ElectionResult.marks`` the
    yes/no/abstain of each candidate. A ballot with no yes and no no is blank.
    """
    cands = check_candidates(candidates)
    seats = check_seats(seats)
    index = {c: i for i, c in enumerate(cands)}
    parsed: list[dict[int, Choice]] = []
    for i, ballot in enumerate(ballots):
        row: dict[int, Choice] = {}
        for name, mark in ballot.items():
            if name not in index:
                raise BallotUnknownCandidate(
                    "The ballot marks an unknown candidate.", ballot=i, candidate=str(name)
                )
            choice = _choice(mark, i)
            if choice is Choice.BLANK:
                choice = Choice.ABSTAIN
            row[index[name]] = choice
        if not any(v in (Choice.YES, Choice.NO) for v in row.values()) and not allow_blank:
            raise BallotEmpty("The ballot marks no candidate yes or no.", ballot=i)
        parsed.append(row)
    weights = _ballot_weights(len(parsed), colleges, college_weights)
    tallies = {c: dict.fromkeys(Choice, Fraction(0)) for c in range(len(cands))}
    blank = 0
    valid = Fraction(0)
    for row, w in zip(parsed, weights, strict=True):
        if not any(v in (Choice.YES, Choice.NO) for v in row.values()):
            blank += 1
            continue
        valid += w
        for c in range(len(cands)):
            tallies[c][row.get(c, Choice.ABSTAIN)] += w
    lines = [
        f"{sorted((cands[c], str(v)) for c, v in row.items())!r}:{w}"
        for row, w in zip(parsed, weights, strict=True)
    ]
    tb = TieBreaker(
        cands,
        lot=lot_order,
        seed=lambda: _seed("yes_no", seats, cands, lines),
        use_previous_rounds=False,
    )
    net = {c: t[Choice.YES] - t[Choice.NO] for c, t in tallies.items()}
    keys = {c: (net[c], tallies[c][Choice.YES]) for c in net if net[c] > 0}
    winners = _cut(keys, seats, tb, "last_seat")
    # Record where "more yes" separated equal net totals around the cut.
    chosen = set(winners)
    for c in winners:
        beaten = [
            o for o in keys if o not in chosen and net[o] == net[c] and keys[o][1] < keys[c][1]
        ]
        if beaten:
            tb.records.insert(
                0,
                TieBreak(
                    round=1,
                    purpose="last_seat",
                    among=tuple(cands[x] for x in sorted([c, *beaten])),
                    chosen=cands[c],
                    kind=TieBreakKind.MORE_YES,
                ),
            )
    result = _marks_result(
        ElectionMethod.YES_NO,
        cands,
        seats,
        winners,
        net,
        tb,
        ballots=len(parsed),
        blank=blank,
        valid=valid,
    )
    marks = {
        cands[c]: {str(k): v for k, v in t.items() if k is not Choice.BLANK}
        for c, t in tallies.items()
    }
    return replace(result, marks=marks)


# --------------------------------------------------------------------------------------------
# Ranked elections
# --------------------------------------------------------------------------------------------


def ranked_profile(
    ballots: Iterable[Sequence[str]],
    candidates: Sequence[str],
    *,
    colleges: Sequence[str | None] | None = None,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    max_rank: int | None = None,
    allow_blank: bool = True,
    normalise: bool = False,
) -> RankedProfile:
    """Validate ranked ballots (``ballot_duplicate_ranking``, ``ballot_unknown_candidate``,
    ``ballot_too_many_choices`` beyond ``max_rank``, ``ballot_empty`` if blanks are refused) and
    aggregate identical ones. With ``normalise``, college weights are scaled so that the cast
    ballots weigh their number in total (the Droop quota's "+1" is then one vote).
    """
    items = [tuple(b) for b in ballots]
    weights: list[Fraction] | None = None
    if college_weights is not None:
        weights = _ballot_weights(len(items), colleges, college_weights)
        if normalise and items:
            factor = Fraction(len(items)) / sum(weights, Fraction(0))
            weights = [w * factor for w in weights]
    return RankedProfile.from_ballots(
        candidates, items, weights=weights, max_rank=max_rank, allow_blank=allow_blank
    )


def _profile(
    ballots: Iterable[Sequence[str]] | RankedProfile,
    candidates: Sequence[str] | None,
    colleges: Sequence[str | None] | None,
    college_weights: Mapping[str, Fraction | int | str] | None,
    max_rank: int | None,
    allow_blank: bool,
    normalise: bool,
) -> RankedProfile:
    if isinstance(ballots, RankedProfile):
        if college_weights is not None:
            raise ElectionConfigError("Weight the ballots when building the profile.")
        return ballots
    if candidates is None:
        raise InvalidCandidates("The candidates are needed to read the ballots.")
    return ranked_profile(
        ballots,
        candidates,
        colleges=colleges,
        college_weights=college_weights,
        max_rank=max_rank,
        allow_blank=allow_blank,
        normalise=normalise,
    )


def _tiebreaker(
    profile: RankedProfile,
    method: ElectionMethod,
    seats: int,
    lot: Sequence[str] | None,
    use_previous_rounds: bool,
) -> TieBreaker:
    return TieBreaker(
        profile.candidates,
        lot=lot,
        seed=lambda: hashlib.sha256(
            f"{method}|{seats}|{profile.fingerprint()}".encode()
        ).hexdigest(),
        use_previous_rounds=use_previous_rounds,
    )


def tally_irv(
    ballots: Iterable[Sequence[str]] | RankedProfile,
    candidates: Sequence[str] | None = None,
    *,
    colleges: Sequence[str | None] | None = None,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    lot_order: Sequence[str] | None = None,
    use_previous_rounds: bool = True,
    max_rank: int | None = None,
    allow_blank: bool = True,
) -> ElectionResult:
    """Instant-runoff voting for one seat (see :func:`coopwork.governance.ranked.count_irv`).

    ``ballots`` are rankings (sequences of candidate ids, most preferred first; partial rankings
    allowed) or a prepared :class:`RankedProfile` (e.g. ``RankedProfile.from_array`` for a
    million ballots). Ties for exclusion: previous rounds, then the lot (module docstring).
    """
    profile = _profile(ballots, candidates, colleges, college_weights, max_rank, allow_blank, False)
    tb = _tiebreaker(profile, ElectionMethod.IRV, 1, lot_order, use_previous_rounds)
    return count_irv(profile, tb)


def tally_stv_scottish(
    ballots: Iterable[Sequence[str]] | RankedProfile,
    candidates: Sequence[str] | None = None,
    seats: int = 1,
    *,
    colleges: Sequence[str | None] | None = None,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    lot_order: Sequence[str] | None = None,
    use_previous_rounds: bool = True,
    max_rank: int | None = None,
    allow_blank: bool = True,
) -> ElectionResult:
    """STV, Scottish rules (SSI 2007/42), Droop quota; see ``ranked.count_scottish_stv``.

    Weighted ballots are rescaled so that the ballots cast weigh their number (the statute's
    "one vote" and the quota's "+1" keep their meaning); every ratio between colleges is kept.
    """
    seats = check_seats(seats)
    profile = _profile(ballots, candidates, colleges, college_weights, max_rank, allow_blank, True)
    tb = _tiebreaker(profile, ElectionMethod.STV_SCOTTISH, seats, lot_order, use_previous_rounds)
    return count_scottish_stv(profile, seats, tb)


def tally_stv_meek(
    ballots: Iterable[Sequence[str]] | RankedProfile,
    candidates: Sequence[str] | None = None,
    seats: int = 1,
    *,
    colleges: Sequence[str | None] | None = None,
    college_weights: Mapping[str, Fraction | int | str] | None = None,
    lot_order: Sequence[str] | None = None,
    use_previous_rounds: bool = True,
    max_rank: int | None = None,
    allow_blank: bool = True,
    omega: Fraction = MEEK_OMEGA,
) -> ElectionResult:
    """STV by Meek's method, Droop quota recomputed each iteration; see ``ranked.count_meek_stv``.

    Weighted ballots are rescaled as in :func:`tally_stv_scottish`.
    """
    seats = check_seats(seats)
    profile = _profile(ballots, candidates, colleges, college_weights, max_rank, allow_blank, True)
    tb = _tiebreaker(profile, ElectionMethod.STV_MEEK, seats, lot_order, use_previous_rounds)
    return count_meek_stv(profile, seats, tb, omega=omega)


def tally_election(
    method: ElectionMethod | str,
    ballots: Iterable[Any],
    candidates: Sequence[str],
    seats: int = 1,
    **options: Any,
) -> ElectionResult:
    """Dispatch to the counting function of ``method`` (options are passed through).

    Ballots by method: vote-for-N and approval take collections of candidate ids, yes/no takes
    mappings candidate -> yes/no/abstain, IRV and STV take rankings.
    """
    m = ElectionMethod(method)
    if m is ElectionMethod.VOTE_FOR_N:
        return tally_vote_for_n(ballots, candidates, seats, **options)
    if m is ElectionMethod.APPROVAL:
        return tally_approval(ballots, candidates, seats, **options)
    if m is ElectionMethod.YES_NO:
        return tally_yes_no(ballots, candidates, seats, **options)
    if m is ElectionMethod.IRV:
        if seats != 1:
            raise InvalidSeats("IRV fills one seat; use STV for several.", seats=seats)
        return tally_irv(ballots, candidates, **options)
    if m is ElectionMethod.STV_SCOTTISH:
        return tally_stv_scottish(ballots, candidates, seats, **options)
    return tally_stv_meek(ballots, candidates, seats, **options)
