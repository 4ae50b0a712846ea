"""Cross-checks of tallying.py against an independent implementation from PyPI, on thousands of
random elections generated with hypothesis.

Reference: ``pref_voting`` (test dependency), whose implementations share no code with ours:

- IRV: ``instant_runoff_tb`` (fixed tie-break order) and ``instant_runoff_put`` (parallel-universe
  tie-breaking: every candidate who wins under *some* tie-break);
- Scottish STV: ``proportional_methods.stv_scottish`` (SSI 2007/42, floats);
- Meek STV: ``proportional_methods.stv_meek`` (Hill-Wichmann-Woodall, floats);
- vote-for-N / approval: ``grade_methods.approval``; yes/no per candidate:
  ``grade_methods.dis_and_approval`` (grades -1/0/+1, i.e. net yes). These are single-winner
  rules; the tests build the committee by asking the reference for the best remaining
  candidates again and again.

How differences are handled (each is a documented tie-break, nothing else may differ):

- IRV, lot only: ours with ``use_previous_rounds=False`` and a lot order must equal
  ``instant_runoff_tb`` given the same order (least favoured first) on *every* election,
  ties included. With our default rule (previous rounds, then lot) the winner must be one of
  the PUT winners, and when we broke no tie, the PUT winner set must be exactly ours.
- Scottish STV: pref_voting draws its lots through ``rng.choice``; :class:`OurLot` answers those
  draws with our documented rule (narrow by the most recent stage where the tied candidates
  differed, then our lot order). The winner sets must then be equal on every election.
- Meek STV: ours uses 9-decimal fixed point with the quota just above the exact Droop share
  (+10^-9), the reference floats and ``>= quota``. Elections where, at one of our rounds, a
  hopeful candidate is within 10^-6 of the exact Droop share, or the lowest hopefuls differ by
  a non-zero amount of at most 10^-6, are precision ties: they are skipped (counted as
  ``hypothesis.event``; run pytest with ``--hypothesis-show-statistics`` to see how many).
  Exact ties are broken by the same order on both sides (``tie_break_key``).
- Approval / vote-for-N / yes-no: our winners must contain every candidate the reference ranks
  strictly above the cut and be completed from the reference's tied group at the cut.
"""

from __future__ import annotations

import os
import random
import sys
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from coopwork.governance.tallying import (
    RankedProfile,
    RoundAction,
    TieBreakKind,
    tally_approval,
    tally_irv,
    tally_stv_meek,
    tally_stv_scottish,
    tally_vote_for_n,
    tally_yes_no,
)

pref_voting = pytest.importorskip("pref_voting", reason="pref_voting is a test dependency")

from pref_voting.grade_methods import approval, dis_and_approval  # noqa: E402
from pref_voting.grade_profiles import GradeProfile  # noqa: E402
from pref_voting.iterative_methods import instant_runoff_put, instant_runoff_tb  # noqa: E402
from pref_voting.profiles_with_ties import ProfileWithTies  # noqa: E402
from pref_voting.proportional_methods import stv_meek, stv_scottish  # noqa: E402

pytestmark = pytest.mark.slow

# Example counts: "thousands of random elections". Fixed seeds (derandomize) keep CI
# reproducible; COOPWORK_HYPOTHESIS_RANDOM=1 draws new elections on each run.
IRV_EXAMPLES = 2000
SCOTTISH_EXAMPLES = 1000
MEEK_EXAMPLES = 1000
APPROVAL_EXAMPLES = 1000
YES_NO_EXAMPLES = 500
PROPERTY_EXAMPLES = 200

RANDOM = os.environ.get("COOPWORK_HYPOTHESIS_RANDOM") == "1"


def thousands(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


SCANI = {"workers": 40, "users": 25, "partners": 25, "supporters": 10}


@st.composite
def elections(
    draw: st.DrawFn, *, max_cands: int = 6, max_voters: int = 40, weighted: bool = False
) -> dict:
    """Random partial rankings, half of them around a shared favourite order (so that not
    everything ties). Hypothesis draws the sizes and a seed; the ballots come from that seed."""
    n = draw(st.integers(2, max_cands))
    voters = draw(st.integers(1, max_voters))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    cands = [f"c{i}" for i in range(n)]
    favourites = rng.sample(cands, n)
    ballots = []
    for _ in range(voters):
        if rng.random() < 0.5:
            ranking = rng.sample(cands, n)
        else:
            head = rng.sample(favourites[: max(2, n // 2)], max(2, n // 2))
            ranking = head + [c for c in favourites if c not in head]
        ballots.append(tuple(ranking[: rng.randint(1, n)]))
    colleges = None
    if weighted and rng.random() < 0.5:
        colleges = [rng.choice(sorted(SCANI)) for _ in ballots]
    return {
        "cands": cands,
        "ballots": ballots,
        "order": rng.sample(cands, n),
        "seats": draw(st.integers(1, n - 1)),
        "colleges": colleges,
    }


def ballot_weights(colleges: Sequence[str] | None, n: int) -> list[F]:
    """An independent restatement of the college rule: weight / ballots of that college."""
    if colleges is None:
        return [F(1)] * n
    sizes = Counter(colleges)
    return [F(SCANI[c]) / sizes[c] for c in colleges]


def reference_profile(cands, ballots, weights=None) -> ProfileWithTies:
    counts: dict[tuple, F] = {}
    for i, b in enumerate(ballots):
        counts[b] = counts.get(b, F(0)) + (F(1) if weights is None else weights[i])
    keys = sorted(counts)
    return ProfileWithTies(
        [{c: r + 1 for r, c in enumerate(k)} for k in keys],
        rcounts=[counts[k] for k in keys],
        candidates=cands,
    )


# --------------------------------------------------------------------------------------------
# IRV
# --------------------------------------------------------------------------------------------


@thousands(IRV_EXAMPLES)
@given(elections(max_cands=6, max_voters=40, weighted=True))
def test_irv_matches_pref_voting(e):
    cands, ballots, order = e["cands"], e["ballots"], e["order"]
    weights = ballot_weights(e["colleges"], len(ballots))
    colleges = e["colleges"]
    cw = SCANI if colleges else None
    prof = reference_profile(cands, ballots, weights)
    # 1. Lot order only: identical winner on every election.
    ours = tally_irv(
        ballots,
        cands,
        colleges=colleges,
        college_weights=cw,
        lot_order=order,
        use_previous_rounds=False,
    )
    ref = instant_runoff_tb(prof, tie_breaker=list(reversed(order)))
    assert list(ours.winners) == ref
    # 2. Default rule: one of the parallel-universe winners; exactly it when no tie was broken.
    default = tally_irv(ballots, cands, colleges=colleges, college_weights=cw)
    put = instant_runoff_put(prof)
    assert default.winners[0] in put
    if default.tie_breaks:
        event("IRV: tie broken (winner checked against PUT set)")
    else:
        assert put == list(default.winners)


# --------------------------------------------------------------------------------------------
# Scottish STV
# --------------------------------------------------------------------------------------------


class OurLot:
    """``rng`` for ``stv_scottish``: answers its "by lot" draws with our documented rule."""

    def __init__(self, order: Sequence[str]) -> None:
        self.rank = {c: i for i, c in enumerate(order)}
        self.draws = 0

    def choice(self, seq):
        self.draws += 1
        local = sys._getframe(1).f_locals  # stv_scottish's own frame
        history = local["history"]  # its end-of-stage totals, oldest first
        lowest = "lowest" in local and set(local["lowest"]) == set(seq)
        group = list(seq)
        for snap in reversed(history):
            values = [snap.get(c, 0.0) for c in group]
            extreme = min(values) if lowest else max(values)
            narrowed = [c for c, v in zip(group, values, strict=True) if abs(v - extreme) < 1e-9]
            group = narrowed
            if len(group) == 1:
                return group[0]
        ordered = sorted(group, key=self.rank.__getitem__)
        return ordered[-1] if lowest else ordered[0]


@thousands(SCOTTISH_EXAMPLES)
@given(elections(max_cands=6, max_voters=40))
def test_scottish_stv_matches_pref_voting(e):
    cands, ballots, order, seats = e["cands"], e["ballots"], e["order"], e["seats"]
    ours = tally_stv_scottish(ballots, cands, seats, lot_order=order)
    lot = OurLot(order)
    ref = stv_scottish(reference_profile(cands, ballots), num_seats=seats, rng=lot)
    assert sorted(ours.winners) == ref
    if ours.used_lot or lot.draws:
        event("Scottish: lot drawn")
    elif ours.tie_breaks:
        event("Scottish: tie broken by previous stages")


# --------------------------------------------------------------------------------------------
# Meek STV
# --------------------------------------------------------------------------------------------

NEAR = F(1, 10**6)


def precision_tie(result) -> bool:
    """A hopeful within 10^-6 of the exact Droop share, or lowest hopefuls 0 < gap <= 10^-6."""
    out: set[str] = set()
    elected: set[str] = set()
    for rnd in result.rounds:
        hopeful = [c for c in result.candidates if c not in elected and c not in out]
        exact = rnd.quota - F(1, 10**9)
        if any(abs(rnd.tallies[c] - exact) <= NEAR for c in hopeful):
            return True
        if rnd.eliminated:
            values = sorted(rnd.tallies[c] for c in hopeful)
            if len(values) > 1 and 0 < values[1] - values[0] <= NEAR:
                return True
        elected.update(rnd.elected)
        out.update(rnd.eliminated)
    return False


@thousands(MEEK_EXAMPLES)
@given(elections(max_cands=6, max_voters=40, weighted=True))
def test_meek_stv_matches_pref_voting(e):
    cands, ballots, order, seats = e["cands"], e["ballots"], e["order"], e["seats"]
    colleges = e["colleges"]
    weights = ballot_weights(colleges, len(ballots))
    ours = tally_stv_meek(
        ballots,
        cands,
        seats,
        colleges=colleges,
        college_weights=SCANI if colleges else None,
        lot_order=order,
        use_previous_rounds=False,
    )
    if precision_tie(ours):
        event("Meek: precision tie, skipped")
        return
    # Same scaling as ours (weights add up to the number of ballots); exact ties by our order.
    factor = F(len(ballots)) / sum(weights)
    prof = reference_profile(cands, ballots, [w * factor for w in weights])
    ref = stv_meek(prof, num_seats=seats, tie_break_key=order.index)
    assert sorted(ours.winners) == ref
    event("Meek: compared")


# --------------------------------------------------------------------------------------------
# Approval, vote-for-N, yes/no per candidate
# --------------------------------------------------------------------------------------------


def check_committee(winners, reference_best, remaining, seats):
    """Our winners = everyone the reference puts above the cut + some of its tied group."""
    winners = set(winners)
    sure: set[str] = set()
    while remaining and len(sure) < seats:
        top = set(reference_best(sorted(remaining)))
        if len(sure) + len(top) <= seats:
            sure |= top
            remaining = remaining - top
        else:
            assert sure <= winners and winners - sure <= top
            assert len(winners) == seats
            return "cut"
    assert winners == sure
    return "clear"


@st.composite
def mark_elections(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 7))
    voters = draw(st.integers(0, 40))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    cands = [f"c{i}" for i in range(n)]
    popular = rng.random()
    ballots = [
        {c for i, c in enumerate(cands) if rng.random() < popular / (i + 1)} for _ in range(voters)
    ]
    colleges = None
    if ballots and rng.random() < 0.5:
        colleges = [rng.choice(sorted(SCANI)) for _ in ballots]
    return {
        "cands": cands,
        "ballots": ballots,
        "seats": draw(st.integers(1, n)),
        "colleges": colleges,
        "order": rng.sample(cands, n),
    }


@thousands(APPROVAL_EXAMPLES)
@given(mark_elections())
def test_approval_and_vote_for_n_match_pref_voting(e):
    cands, ballots, seats, colleges = e["cands"], e["ballots"], e["seats"], e["colleges"]
    cw = SCANI if colleges else None
    ours = tally_approval(
        ballots, cands, seats, colleges=colleges, college_weights=cw, lot_order=e["order"]
    )
    weights = ballot_weights(colleges, len(ballots))
    marked = [(b, w) for b, w in zip(ballots, weights, strict=True) if b]
    if not marked:
        assert ours.winners == ()
        return
    gp = GradeProfile(
        [dict.fromkeys(b, 1) for b, _ in marked],
        [0, 1],
        gcounts=[w for _, w in marked],
        candidates=cands,
    )
    for c in cands:  # the counts themselves
        assert ours.rounds[0].tallies[c] == (gp.sum(c) if gp.has_grade(c) else 0)
    approved = {c for c in cands if gp.has_grade(c) and gp.sum(c) > 0}
    outcome = check_committee(ours.winners, lambda cc: approval(gp, curr_cands=cc), approved, seats)
    event(f"approval: {outcome}")
    limited = [b for b in ballots if len(b) <= seats]
    if len(limited) == len(ballots):  # valid vote-for-N ballots: same count, same winners
        vfn = tally_vote_for_n(
            ballots, cands, seats, colleges=colleges, college_weights=cw, lot_order=e["order"]
        )
        assert vfn.winners == ours.winners


@thousands(YES_NO_EXAMPLES)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.just([f"c{i}" for i in range(n)]),
            st.lists(
                st.dictionaries(
                    st.sampled_from([f"c{i}" for i in range(n)]),
                    st.sampled_from(["yes", "no", "abstain"]),
                ),
                max_size=30,
            ),
            st.integers(1, n),
        )
    )
)
def test_yes_no_matches_pref_voting_dis_and_approval(args):
    cands, ballots, seats = args
    ours = tally_yes_no(ballots, cands, seats)
    grade = {"yes": 1, "no": -1, "abstain": 0}
    graded = [{c: grade[m] for c, m in b.items()} for b in ballots if b]
    if not graded:
        assert ours.winners == ()
        return
    gp = GradeProfile(graded, [-1, 0, 1], candidates=cands)
    net = {c: gp.sum(c) if gp.has_grade(c) else 0 for c in cands}
    assert {c: int(v) for c, v in ours.rounds[0].tallies.items()} == net
    positive = {c for c in cands if net[c] > 0}
    outcome = check_committee(
        ours.winners, lambda cc: dis_and_approval(gp, curr_cands=cc), positive, seats
    )
    if outcome == "cut":  # within a tied net group, more yes first
        yes = {c: sum(1 for b in ballots if b.get(c) == "yes") for c in cands}
        losers = positive - set(ours.winners)
        for w in ours.winners:
            for lo in losers:
                if net[lo] == net[w]:
                    assert yes[w] >= yes[lo]
    event(f"yes/no: {outcome}")


# --------------------------------------------------------------------------------------------
# Internal consistency
# --------------------------------------------------------------------------------------------


@thousands(PROPERTY_EXAMPLES)
@given(elections(max_cands=6, max_voters=30))
def test_weights_proportional_to_college_sizes_change_nothing(e):
    """If every college's weight is its share of the ballots, weighting is one member, one vote."""
    cands, ballots, seats = e["cands"], e["ballots"], e["seats"]
    # 10 ballots in 4 colleges of sizes 4, 2, 2, 2 -> weights 40, 20, 20, 20 (sum 100, each 10-50).
    base = ballots * 10
    base = base[:10] if len(base) >= 10 else base
    if len(base) < 10:
        return
    colleges = ["a"] * 4 + ["b"] * 2 + ["c"] * 2 + ["d"] * 2
    weights = {"a": 40, "b": 20, "c": 20, "d": 20}
    for fn, kw in (
        (tally_irv, {}),
        (tally_stv_scottish, {"seats": seats}),
        (tally_stv_meek, {"seats": seats}),
    ):
        plain = fn(base, cands, lot_order=e["order"], **kw)
        weighted = fn(
            base, cands, colleges=colleges, college_weights=weights, lot_order=e["order"], **kw
        )
        assert weighted.winners == plain.winners
        scale = 10 if fn is tally_irv else 1  # every ballot weighs 10; STV rescales to 1
        assert [{c: v / scale for c, v in r.tallies.items()} for r in weighted.rounds] == [
            r.tallies for r in plain.rounds
        ]


@thousands(PROPERTY_EXAMPLES)
@given(elections(max_cands=7, max_voters=60))
def test_array_profiles_count_like_ballot_lists(e):
    cands, ballots, seats, order = e["cands"], e["ballots"], e["seats"], e["order"]
    arr = np.full((len(ballots), len(cands)), -1, dtype=np.int16)
    for i, b in enumerate(ballots):
        arr[i, : len(b)] = [cands.index(c) for c in b]
    profile = RankedProfile.from_array(cands, arr)
    for fn, kw in (
        (tally_irv, {}),
        (tally_stv_scottish, {"seats": seats}),
        (tally_stv_meek, {"seats": seats}),
    ):
        a = fn(profile, lot_order=order, **kw)
        b = fn(ballots, cands, lot_order=order, **kw)
        assert a.winners == b.winners
        assert [(r.action, r.tallies) for r in a.rounds] == [
            (r.action, r.tallies) for r in b.rounds
        ]
    # The default lot seed does not depend on the ballots' order or representation.
    shuffled = list(reversed(ballots))
    assert profile.fingerprint() == RankedProfile.from_ballots(cands, shuffled).fingerprint()


def test_rounds_are_consistent_for_charts():
    """Every round's tallies plus exhausted/lost votes add up to the valid total (Scottish)."""
    ballots = [("A", "B", "C")] * 9 + [("B", "D")] * 4 + [("C",)] * 3 + [("D",)] * 2
    result = tally_stv_scottish(ballots, "ABCD", 2)
    for rnd in result.rounds:
        assert sum(rnd.tallies.values()) + rnd.exhausted_total == result.valid_weight
    assert result.rounds[0].action is RoundAction.COUNT
    assert all(t.kind in TieBreakKind for t in result.tie_breaks)
