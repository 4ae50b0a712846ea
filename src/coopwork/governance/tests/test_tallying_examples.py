"""Worked examples, computed by hand in the comments, for every counting rule of tallying.py.

Plain pytest, no database. Fractions are exact: ``F(67857, 25000)`` is 2.71428.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction as F

import numpy as np
import pytest

from coopwork.governance.tallying import (
    ERROR_CODES,
    AssemblyKind,
    BallotDuplicateChoice,
    BallotDuplicateRanking,
    BallotEmpty,
    BallotInvalidChoice,
    BallotTooManyChoices,
    BallotUnknownCandidate,
    Choice,
    CollegeUnknown,
    CollegeWeightOutOfBounds,
    CollegeWeightsNotHundred,
    InvalidLotOrder,
    InvalidQuorum,
    InvalidSeats,
    Majority,
    MajorityBasis,
    MajorityRule,
    MotionBallot,
    MotionBallotsExceedPresent,
    MotionPresentExceedsEligible,
    RankedProfile,
    RoundAction,
    TieBreakKind,
    assembly_rule,
    check_college_weights,
    college_ballot_weights,
    lot_order,
    quorum_required,
    tally_approval,
    tally_election,
    tally_irv,
    tally_motion,
    tally_stv_meek,
    tally_stv_scottish,
    tally_vote_for_n,
    tally_yes_no,
)

SCANI = {"workers": 40, "users": 25, "partners": 25, "supporters": 10}


def motion(college: str, choice: str) -> MotionBallot:
    return MotionBallot(choice=choice, college=college)


# --------------------------------------------------------------------------------------------
# College weighting
# --------------------------------------------------------------------------------------------


def test_scani_weights_are_valid_and_bounds_are_enforced():
    assert check_college_weights(SCANI) == {k: F(v) for k, v in SCANI.items()}
    with pytest.raises(CollegeWeightOutOfBounds) as err:
        check_college_weights({"workers": 60, "users": 40})  # 60 > 50
    assert err.value.code == "college_weight_out_of_bounds"
    with pytest.raises(CollegeWeightOutOfBounds):
        check_college_weights({"a": 50, "b": 45, "c": 5})  # 5 < 10
    with pytest.raises(CollegeWeightsNotHundred) as err2:
        check_college_weights({"a": 40, "b": 25, "c": 25})  # 90
    assert err2.value.code == "college_weights_not_100"
    with pytest.raises(Exception, match="exact"):
        check_college_weights({"a": 50.0, "b": 50})  # floats are refused


def test_per_ballot_weight_is_college_weight_over_its_ballots():
    # workers 4 ballots: 40/4 = 10 each; users 5: 25/5 = 5; partners 2: 12.5; supporters 1: 10.
    colleges = ["workers"] * 4 + ["users"] * 5 + ["partners"] * 2 + ["supporters"]
    weights = college_ballot_weights(colleges, SCANI)
    assert weights == [F(10)] * 4 + [F(5)] * 5 + [F(25, 2)] * 2 + [F(10)]
    assert sum(weights) == 100
    assert college_ballot_weights(colleges, None) == [F(1)] * 12  # one member, one vote
    with pytest.raises(CollegeUnknown) as err:
        college_ballot_weights(["workers", "founders"], SCANI)
    assert err.value.code == "college_unknown"
    assert err.value.details["ballot"] == 1


def test_weighted_motion_scani_40_25_25_10_flips_a_head_count_majority():
    # workers (40 %, 4 ballots, 10 each): 4 no        -> no 40
    # users (25 %, 5 ballots, 5 each): 5 yes          -> yes 25
    # partners (25 %, 2 ballots, 12.5 each): 2 yes    -> yes 25
    # supporters (10 %, 1 ballot, 10): 1 no           -> no 10
    # Weighted: yes 50, no 50 -> a tie is not "more yes than no": rejected.
    # Heads: yes 7, no 5 -> adopted when unweighted.
    ballots = (
        [motion("workers", "no")] * 4
        + [motion("users", "yes")] * 5
        + [motion("partners", "yes")] * 2
        + [motion("supporters", "no")]
    )
    weighted = tally_motion(ballots, eligible=20, present=12, college_weights=SCANI)
    assert (weighted.yes, weighted.no, weighted.expressed) == (F(50), F(50), F(100))
    assert weighted.heads == {"yes": 7, "no": 5, "abstain": 0, "blank": 0}
    assert weighted.by_college["workers"]["no"] == 4
    assert weighted.weighted and not weighted.adopted
    heads = tally_motion(ballots, eligible=20, present=12)
    assert (heads.yes, heads.no) == (F(7), F(5))
    assert heads.adopted and not heads.weighted


def test_weighted_motion_with_abstentions_cast_or_expressed_basis():
    # workers 40 %: 2 yes, 2 abstain. Cast basis: 10 each -> yes 20, abstain 20.
    #                                 Expressed basis: 40/2 = 20 each yes -> yes 40, abstain 0.
    # users 25 %: 1 no -> no 25.  partners 25 %: 1 no -> no 25.  supporters 10 %: 1 yes -> 10.
    # Cast: yes 30 < no 50 -> rejected.  Expressed: yes 50 = no 50 -> rejected (tie).
    ballots = [
        motion("workers", "yes"),
        motion("workers", "yes"),
        motion("workers", "abstain"),
        motion("workers", "abstain"),
        motion("users", "no"),
        motion("partners", "no"),
        motion("supporters", "yes"),
    ]
    cast = tally_motion(ballots, eligible=30, present=7, college_weights=SCANI)
    assert (cast.yes, cast.no, cast.abstain) == (F(30), F(50), F(20))
    assert not cast.adopted
    expressed = tally_motion(
        ballots, eligible=30, present=7, college_weights=SCANI, weight_basis="expressed"
    )
    assert (expressed.yes, expressed.no, expressed.abstain) == (F(50), F(50), F(0))
    assert not expressed.adopted
    # One more supporter voting yes: supporters' 10 % shared by 2 -> still 10 in total.
    more = tally_motion(
        [*ballots, motion("supporters", "yes")],
        eligible=30,
        present=8,
        college_weights=SCANI,
        weight_basis="expressed",
    )
    assert (more.yes, more.no) == (F(50), F(50))


# --------------------------------------------------------------------------------------------
# Quorum and majority
# --------------------------------------------------------------------------------------------


def test_quorum_required_is_a_ceiling_of_heads():
    assert quorum_required(103, F(1, 5)) == 21  # 20.6 -> 21
    assert quorum_required(100, F(1, 5)) == 20  # exactly 20 suffices
    assert quorum_required(103, F(1, 4)) == 26  # 25.75 -> 26
    assert quorum_required(103, 0) == 0
    with pytest.raises(InvalidQuorum):
        quorum_required(10, F(3, 2))


def test_ordinary_assembly_first_then_second_convocation():
    rule1 = assembly_rule(AssemblyKind.ORDINARY, 1)
    rule2 = assembly_rule("ordinary", 2)
    assert rule1.quorum == F(1, 5) and rule2.quorum == 0
    assert rule1.majority.kind is Majority.SIMPLE
    # 103 members, 20 present or represented: 20 < ceil(103/5) = 21 -> no quorum on the first
    # convocation, even though yes (12) > no (5); on the second there is no quorum to reach.
    votes = ["yes"] * 12 + ["no"] * 5 + ["abstain"] * 2 + ["blank"]
    first = tally_motion(
        votes, eligible=103, present=20, quorum=rule1.quorum, majority=rule1.majority
    )
    assert (first.quorum_required, first.quorum_reached, first.adopted) == (21, False, False)
    second = tally_motion(
        votes, eligible=103, present=20, quorum=rule2.quorum, majority=rule2.majority
    )
    assert (second.quorum_required, second.quorum_reached, second.adopted) == (0, True, True)
    # Blank votes and abstentions are not expressed: the base is 12 + 5 = 17.
    assert (second.expressed, second.base, second.threshold) == (F(17), F(17), F(1, 2))
    assert (second.abstain, second.blank) == (F(2), F(1))


def test_extraordinary_assembly_quarter_then_fifth_and_two_thirds():
    rule1 = assembly_rule(AssemblyKind.EXTRAORDINARY, 1)
    rule2 = assembly_rule(AssemblyKind.EXTRAORDINARY, 2)
    assert (rule1.quorum, rule2.quorum) == (F(1, 4), F(1, 5))
    assert rule2.majority.kind is Majority.TWO_THIRDS
    # 103 members, 25 present: 25 < ceil(103/4) = 26 fails the first convocation,
    # 25 >= ceil(103/5) = 21 passes the second.
    exactly = ["yes"] * 16 + ["no"] * 8 + ["abstain"]  # 16 / 24 = 2/3 exactly: adopted
    r1 = tally_motion(
        exactly, eligible=103, present=25, quorum=rule1.quorum, majority=rule1.majority
    )
    assert (r1.quorum_required, r1.quorum_reached, r1.adopted) == (26, False, False)
    r2 = tally_motion(
        exactly, eligible=103, present=25, quorum=rule2.quorum, majority=rule2.majority
    )
    assert (r2.quorum_required, r2.quorum_reached, r2.adopted) == (21, True, True)
    assert r2.threshold == F(2, 3) and r2.base == 24
    short = ["yes"] * 15 + ["no"] * 8 + ["abstain"] * 2  # 15 / 23 < 2/3: rejected
    r3 = tally_motion(short, eligible=103, present=25, quorum=rule2.quorum, majority=rule2.majority)
    assert r3.quorum_reached and not r3.adopted
    # Statutes counting two thirds of the members present or represented: 16 / 25 < 2/3.
    present_rule = MajorityRule(Majority.TWO_THIRDS, MajorityBasis.PRESENT)
    r4 = tally_motion(exactly, eligible=103, present=25, quorum=F(1, 5), majority=present_rule)
    assert r4.base == 25 and not r4.adopted
    # Statutes may raise the quorum: half on the first convocation.
    raised = assembly_rule("extraordinary", 1, quorum=[F(1, 2), F(1, 4)])
    assert raised.quorum == F(1, 2)


def test_consent_passes_unless_objections_exceed_the_limit():
    consent = MajorityRule(Majority.CONSENT)
    assert tally_motion(
        ["yes"] * 10 + ["abstain"] * 5, eligible=15, present=15, majority=consent
    ).adopted
    one_objection = ["yes"] * 10 + ["no"]
    assert not tally_motion(one_objection, eligible=15, present=15, majority=consent).adopted
    # Limit 1/10 of expressed votes: 1 objection of 11 expressed (1.1 allowed) passes,
    # 2 objections of 12 expressed (1.2 allowed) block.
    tolerant = MajorityRule(Majority.CONSENT, objection_limit=F(1, 10))
    assert tally_motion(one_objection, eligible=15, present=15, majority=tolerant).adopted
    two = ["yes"] * 10 + ["no"] * 2
    result = tally_motion(two, eligible=15, present=15, majority=tolerant)
    assert not result.adopted and result.threshold == F(1, 10)
    # Everybody abstains, nobody objects: consent is given.
    assert tally_motion(["abstain"] * 3, eligible=5, present=3, majority=consent).adopted


def test_motion_input_errors_have_stable_codes():
    with pytest.raises(BallotInvalidChoice) as err:
        tally_motion(["yes", "maybe"], eligible=5, present=5)
    assert err.value.code == "ballot_invalid_choice" and err.value.details["ballot"] == 1
    with pytest.raises(MotionPresentExceedsEligible):
        tally_motion([], eligible=5, present=6)
    with pytest.raises(MotionBallotsExceedPresent) as err2:
        tally_motion(["yes"] * 4, eligible=5, present=3)
    assert err2.value.code == "motion_ballots_exceed_present"
    with pytest.raises(InvalidQuorum):
        assembly_rule("ordinary", 3)
    result = tally_motion([Choice.YES, "no", "yes"], eligible=5, present=3)
    assert json.loads(json.dumps(result.as_dict()))["yes"] == "2"


# --------------------------------------------------------------------------------------------
# Vote-for-N, approval, yes/no
# --------------------------------------------------------------------------------------------


def test_vote_for_n_counts_marks_and_refuses_bad_ballots():
    # 2 seats. A: 4 marks, B: 3, C: 3, D: 1. B and C tie for the second seat: the lot decides.
    ballots = [{"A", "B"}, {"A", "C"}, {"A", "B"}, {"A", "C"}, {"B", "C"}, {"D"}, set()]
    order = ["C", "B", "A", "D"]  # C is favoured over B
    result = tally_vote_for_n(ballots, "ABCD", 2, lot_order=order)
    assert result.winners == ("A", "C")
    assert result.rounds[0].tallies == {"A": 4, "B": 3, "C": 3, "D": 1}
    assert (result.ballots, result.blank, result.valid_weight) == (7, 1, 6)
    (tie,) = result.tie_breaks
    assert (tie.kind, tie.among, tie.chosen) == (TieBreakKind.LOT, ("B", "C"), "C")
    assert result.lot_seed is None and result.lot_order == tuple(order)
    with pytest.raises(BallotTooManyChoices) as err:
        tally_vote_for_n([{"A", "B", "C"}], "ABCD", 2)
    assert err.value.code == "ballot_too_many_choices"
    with pytest.raises(BallotDuplicateChoice):
        tally_vote_for_n([["A", "A"]], "ABCD", 2)
    with pytest.raises(BallotUnknownCandidate) as err2:
        tally_vote_for_n([{"Z"}], "ABCD", 2)
    assert err2.value.details["candidate"] == "Z"
    with pytest.raises(BallotEmpty):
        tally_vote_for_n([set()], "ABCD", 2, allow_blank=False)
    with pytest.raises(InvalidSeats):
        tally_vote_for_n([], "ABCD", 0)


def test_lot_is_seeded_by_the_ballot_set_and_independent_of_ballot_order():
    ballots = [{"A"}, {"B"}, {"C"}, {"A"}, {"B"}]
    first = tally_vote_for_n(ballots, "ABC", 1)
    again = tally_vote_for_n(list(reversed(ballots)), "ABC", 1)
    assert first.winners == again.winners and first.lot_seed == again.lot_seed
    assert first.used_lot and first.lot_seed is not None
    assert first.lot_order == lot_order("ABC", first.lot_seed)
    favoured = next(c for c in first.lot_order if c in "AB")  # A and B tie with 2 votes
    assert first.winners == (favoured,)
    # A different ballot set gives a different seed.
    other = tally_vote_for_n([*ballots, {"C"}, {"C"}], "ABC", 2)
    assert other.lot_seed != first.lot_seed
    with pytest.raises(InvalidLotOrder):
        tally_vote_for_n(ballots, "ABC", 1, lot_order=["A", "B"])


def test_weighted_approval_scani():
    # 2 seats. workers 40 % (2 ballots, 20 each): {A, B}, {A}    -> A 40, B 20
    # users 25 % (1 ballot): {C}                                 -> C 25
    # partners 25 % (5 ballots, 5 each): {B, C} x 4, {D}          -> B 20, C 20, D 5
    # supporters 10 % (1 ballot): {B}                            -> B 10
    # Totals: A 40, B 50, C 45, D 5 -> B and C. (Heads: A 2, B 6, C 5, D 1 -> B, C too.)
    ballots = [{"A", "B"}, {"A"}, {"C"}, *[{"B", "C"}] * 4, {"D"}, {"B"}]
    colleges = ["workers"] * 2 + ["users"] + ["partners"] * 5 + ["supporters"]
    result = tally_approval(ballots, "ABCD", 2, colleges=colleges, college_weights=SCANI)
    assert result.rounds[0].tallies == {"A": 40, "B": 50, "C": 45, "D": 5}
    assert result.winners == ("B", "C")
    with pytest.raises(BallotTooManyChoices):
        tally_approval([{"A", "B", "C"}], "ABCD", 1, max_approvals=2)


def test_yes_no_per_candidate_needs_more_yes_than_no_then_net():
    # 2 seats, 5 ballots.            A        B        C        D
    #  yes/no/abstain          A: 4/1/0  B: 3/0/2  C: 2/3/0  D: 3/0/2
    # net                          3        3       -1        3
    # C has fewer yes than no: never elected. A, B, D tie on net 3; A has more yes (4): A first;
    # B and D have 3 yes each: the lot (B favoured) gives B the second seat.
    ballots = [
        {"A": "yes", "B": "yes", "C": "no", "D": "yes"},
        {"A": "yes", "B": "yes", "C": "no", "D": "yes"},
        {"A": "yes", "B": "yes", "C": "yes"},
        {"A": "yes", "C": "yes", "D": "yes"},
        {"A": "no", "C": "no", "B": "abstain"},
        {},  # blank
    ]
    result = tally_yes_no(ballots, "ABCD", 2, lot_order=["B", "D", "A", "C"])
    assert result.winners == ("A", "B")
    assert result.rounds[0].tallies == {"A": 3, "B": 3, "C": -1, "D": 3}
    assert result.marks["C"] == {"yes": 2, "no": 3, "abstain": 0}
    assert result.marks["B"]["abstain"] == 2
    kinds = [t.kind for t in result.tie_breaks]
    assert TieBreakKind.MORE_YES in kinds and TieBreakKind.LOT in kinds
    assert result.blank == 1
    with pytest.raises(BallotInvalidChoice):
        tally_yes_no([{"A": "perhaps"}], "ABCD", 1)
    # Nobody with more yes than no: nobody elected.
    assert tally_yes_no([{"A": "no"}], "AB", 1).winners == ()


# --------------------------------------------------------------------------------------------
# IRV
# --------------------------------------------------------------------------------------------

TENNESSEE = (
    [("Memphis", "Nashville", "Chattanooga", "Knoxville")] * 42
    + [("Nashville", "Chattanooga", "Knoxville", "Memphis")] * 26
    + [("Chattanooga", "Knoxville", "Nashville", "Memphis")] * 15
    + [("Knoxville", "Chattanooga", "Nashville", "Memphis")] * 17
)
CITIES = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]


def test_irv_tennessee_capital():
    # Round 1: M 42, N 26, C 15, K 17 -> C excluded, its 15 go to K (32).
    # Round 2: M 42, N 26, K 32 -> N excluded; N's next is C (out) then K: K 58 > 50 wins.
    result = tally_irv(TENNESSEE, CITIES)
    assert result.winners == ("Knoxville",)
    r1, r2, r3 = result.rounds
    assert r1.tallies == {"Memphis": 42, "Nashville": 26, "Chattanooga": 15, "Knoxville": 17}
    assert (r2.eliminated, r2.transfers) == (("Chattanooga",), {"Knoxville": 15})
    assert r3.eliminated == ("Nashville",) and r3.tallies["Knoxville"] == 58
    assert r3.elected == ("Knoxville",) and not result.tie_breaks


def test_irv_exhausted_ballots_and_previous_round_tie_break():
    # A 3, B 2, C 2 (C's voters rank only C), D 1 (D, B).
    # Round 2: D out -> B 3. Round 3: B 3, C 2 -> C out, its ballots exhaust (2).
    # Then A 3 vs B 3 of 6 active: no majority; tie for last: equal at rounds 3 and 2, but at
    # round 1 A 3 > B 2 -> B excluded (the most recent round at which they differed).
    ballots = [("A",)] * 3 + [("B",)] * 2 + [("C",)] * 2 + [("D", "B")]
    result = tally_irv(ballots, "ABCD")
    assert result.winners == ("A",)
    assert result.rounds[2].exhausted == 2 and result.rounds[2].exhausted_total == 2
    tie = result.tie_breaks[-1]
    assert (tie.kind, tie.chosen, tie.stage) == (TieBreakKind.PREVIOUS_ROUNDS, "B", 1)


def test_irv_from_array_matches_from_ballots_and_validates():
    rng = random.Random(5)
    cands = ["a", "b", "c", "d", "e"]
    ballots = [tuple(rng.sample(cands, rng.randint(1, 5))) for _ in range(300)]
    width = 5
    arr = np.full((len(ballots), width), -1, dtype=np.int16)
    for i, b in enumerate(ballots):
        arr[i, : len(b)] = [cands.index(c) for c in b]
    a = tally_irv(RankedProfile.from_array(cands, arr))
    b = tally_irv(ballots, cands)
    assert a.winners == b.winners and [r.tallies for r in a.rounds] == [r.tallies for r in b.rounds]
    with pytest.raises(BallotDuplicateRanking):
        RankedProfile.from_array(cands, [[0, 0, -1]])
    with pytest.raises(BallotUnknownCandidate):
        RankedProfile.from_array(cands, [[0, 7, -1]])
    with pytest.raises(BallotEmpty):
        RankedProfile.from_array(cands, [[-1, -1]])


def test_ranked_ballot_errors():
    with pytest.raises(BallotDuplicateRanking) as err:
        tally_irv([("A", "B", "A")], "AB")
    assert err.value.code == "ballot_duplicate_ranking"
    with pytest.raises(BallotUnknownCandidate):
        tally_stv_scottish([("A", "Q")], "AB", 1)
    with pytest.raises(BallotTooManyChoices):
        tally_stv_meek([("A", "B")], "AB", 1, max_rank=1)
    with pytest.raises(BallotEmpty):
        tally_irv([()], "AB", allow_blank=False)
    assert tally_irv([()], "AB").winners == ()  # no valid ballot, nobody elected
    with pytest.raises(InvalidSeats):
        tally_election("irv", [("A",)], "AB", seats=2)
    assert set(ERROR_CODES) >= {
        "ballot_too_many_choices",
        "ballot_duplicate_ranking",
        "ballot_duplicate_choice",
        "ballot_unknown_candidate",
        "ballot_empty",
        "ballot_invalid_choice",
        "college_weight_out_of_bounds",
        "college_weights_not_100",
        "college_unknown",
        "election_invalid_seats",
        "election_invalid_lot_order",
        "motion_present_exceeds_eligible",
        "motion_ballots_exceed_present",
        "motion_invalid_quorum",
    }


# --------------------------------------------------------------------------------------------
# STV
# --------------------------------------------------------------------------------------------

FOOD = (
    [("Orange",)] * 4
    + [("Pear", "Orange")] * 2
    + [("Chocolate", "Strawberry")] * 8
    + [("Chocolate", "Bonbon")] * 4
    + [("Strawberry",)]
    + [("Bonbon",)]
)
FOODS = ["Orange", "Pear", "Chocolate", "Strawberry", "Bonbon"]


def test_scottish_stv_food_election():
    # 20 ballots, 3 seats: quota = floor(20/4) + 1 = 6.
    # Stage 1: Chocolate 12 elected. Stage 2: surplus 6, transfer value 6 x 1 / 12 = 0.5:
    #   Strawberry 1 + 8 x 0.5 = 5, Bonbon 1 + 4 x 0.5 = 3.
    # Stage 3: Pear (2) excluded -> Orange 6, elected (no surplus).
    # Stage 4: Bonbon (3) excluded; its papers have no further preference: 3 exhausted.
    # Stage 5: one continuing candidate for one seat: Strawberry elected (rule 52).
    result = tally_stv_scottish(FOOD, FOODS, 3)
    assert result.winners == ("Chocolate", "Orange", "Strawberry")
    assert result.quota == 6
    actions = [r.action for r in result.rounds]
    assert actions == [
        RoundAction.COUNT,
        RoundAction.SURPLUS,
        RoundAction.EXCLUSION,
        RoundAction.EXCLUSION,
        RoundAction.ELECT_REMAINING,
    ]
    s = result.rounds[1]
    assert s.subject == "Chocolate" and s.transfers == {"Strawberry": 4, "Bonbon": 2}
    assert s.tallies["Chocolate"] == 6 and s.lost_to_fractions == 0
    assert result.rounds[2].elected == ("Orange",)
    assert result.rounds[3].exhausted == 3 and result.rounds[3].exhausted_total == 3
    data = json.loads(json.dumps(result.as_dict()))
    assert data["rounds"][1]["tallies"]["Strawberry"] == "5"


def test_scottish_stv_truncates_transfer_values_to_five_decimals():
    # 10 ballots, 2 seats: quota = floor(10/3) + 1 = 4.
    # (A,B) x4, (A,C) x2, (A) x1, (B), (C), (D).  Stage 1: A 7 elected, surplus 3.
    # Transfer value = 3 x 1 / 7 = 0.428571... truncated to 0.42857 per paper:
    #   B 1 + 4 x 0.42857 = 2.71428;  C 1 + 2 x 0.42857 = 1.85714;
    #   the (A) paper is non-transferable: 0.42857 exhausted;
    #   lost to fractions: 3 - 1.71428 - 0.85714 - 0.42857 = 0.00001.
    # Stage 3: D (1) excluded, exhausted. Stage 4: C (1.85714) excluded. B elected (rule 52).
    ballots = [("A", "B")] * 4 + [("A", "C")] * 2 + [("A",), ("B",), ("C",), ("D",)]
    result = tally_stv_scottish(ballots, "ABCD", 2)
    assert result.winners == ("A", "B") and result.quota == 4
    s = result.rounds[1]
    assert s.tallies["B"] == F(271428, 100000) and s.tallies["C"] == F(185714, 100000)
    assert s.transfers == {"B": F(171428, 100000), "C": F(85714, 100000)}
    assert s.exhausted == F(42857, 100000) and s.lost_to_fractions == F(1, 100000)


def test_scottish_stv_transfers_at_the_value_when_received():
    # 20 ballots, 3 seats, quota 6. (A,B,C) x9, (B,D) x4, (C) x3, (D) x2, (E) x2.
    # Stage 2: A's surplus 3: TV = trunc5(3/9) = 0.33333; B 4 + 9 x 0.33333 = 6.99997, elected;
    #   lost 3 - 2.99997 = 0.00003.
    # Stage 3: B's surplus 0.99997 over 6.99997 votes:
    #   B's own 4 papers (value 1):        trunc5(0.99997 x 1 / 6.99997)       = 0.14285 -> D
    #   the 9 papers from A (0.33333):     trunc5(0.99997 x 0.33333 / 6.99997) = 0.04761 -> C
    #   D 2 + 4 x 0.14285 = 2.5714; C 3 + 9 x 0.04761 = 3.42849;
    #   lost 0.99997 - 0.5714 - 0.42849 = 0.00008.
    # Stages 4-5: E (2) then D (2.5714) excluded, all exhausted; C elected (rule 52).
    ballots = [("A", "B", "C")] * 9 + [("B", "D")] * 4 + [("C",)] * 3 + [("D",)] * 2 + [("E",)] * 2
    result = tally_stv_scottish(ballots, "ABCDE", 3)
    assert result.winners == ("A", "B", "C")
    r2, r3 = result.rounds[1], result.rounds[2]
    assert r2.tallies["B"] == F(699997, 100000) and r2.elected == ("B",)
    assert r2.lost_to_fractions == F(3, 100000)
    assert r3.subject == "B"
    assert r3.transfers == {"C": F(42849, 100000), "D": F(57140, 100000)}
    assert r3.lost_to_fractions == F(8, 100000)
    assert result.rounds[-1].action is RoundAction.ELECT_REMAINING


def test_meek_food_election_and_where_meek_differs_from_scottish():
    meek = tally_stv_meek(FOOD, FOODS, 3)
    assert set(meek.winners) == {"Chocolate", "Orange", "Strawberry"}
    # 12 ballots, 2 seats: (A,B) x6, (C) x3, (B) x1, (D) x2.
    # Scottish: quota floor(12/3) + 1 = 5; A's surplus 1 at trunc5(1/6) = 0.16666 gives B
    #   1 + 6 x 0.16666 = 1.99996 < D 2: B is excluded first, then D; C wins the second seat.
    # Meek: quota 12/3 = 4 (+1e-9); A keeps 4/6 of each vote and passes 1/3: B ~3, C 3, D 2.
    #   D (2) excluded: its 2 votes exhaust, the quota falls to 10/3; A keeps 5/9 and passes
    #   4/9: B = 1 + 6 x 4/9 = 3.666... >= 3.333...: B elected.
    ballots = [("A", "B")] * 6 + [("C",)] * 3 + [("B",)] + [("D",)] * 2
    scottish = tally_stv_scottish(ballots, "ABCD", 2)
    assert scottish.winners == ("A", "C")
    assert scottish.rounds[1].tallies["B"] == F(199996, 100000)
    meek = tally_stv_meek(ballots, "ABCD", 2)
    assert meek.winners == ("A", "B")
    first, exclusion, election = meek.rounds
    assert first.quota == F(4000000001, 10**9) and first.elected == ("A",)
    assert exclusion.eliminated == ("D",) and exclusion.keep_values["A"] == F(666666667, 10**9)
    assert election.elected == ("B",) and election.quota == F(3333333334, 10**9)
    assert abs(election.tallies["B"] - F(11, 3)) < F(1, 10**8)
    assert election.keep_values["A"] == F(555555556, 10**9)


def test_weighted_stv_is_normalised_to_the_number_of_ballots():
    # 4 workers (40 %) and 6 users (25 %) and 1 partner (25 %) and 1 supporter (10 %) vote.
    # Normalised: the 12 ballots weigh 12 in all, so the quota is floor(12/3) + 1 = 5.
    # Each worker weighs 40/4 x 12/100 = 1.2, each user 25/6 x 12/100 = 0.5, the partner 3,
    # the supporter 1.2. First preferences: A (workers) 4.8, B (users) 3, C (partner) 3,
    # D (supporter) 1.2 -> nobody reaches 5.
    ballots = [("A",)] * 4 + [("B",)] * 6 + [("C",), ("D", "A")]
    colleges = ["workers"] * 4 + ["users"] * 6 + ["partners", "supporters"]
    result = tally_stv_scottish(ballots, "ABCD", 2, colleges=colleges, college_weights=SCANI)
    assert result.valid_weight == 12 and result.quota == 5
    assert result.rounds[0].tallies == {"A": F(24, 5), "B": 3, "C": 3, "D": F(6, 5)}
    # D excluded: A 4.8 + 1.2 = 6 >= 5, elected. B and C tie at 3 at every stage: the lot.
    assert result.winners[0] == "A" and result.winners[1] in {"B", "C"}
    assert result.used_lot and result.lot_seed is not None
    meek = tally_stv_meek(ballots, "ABCD", 2, colleges=colleges, college_weights=SCANI)
    assert meek.winners[0] == "A"


def test_every_candidate_elected_when_seats_are_not_fewer_than_candidates():
    for fn in (tally_stv_scottish, tally_stv_meek):
        result = fn([("A",), ("B",), ("A", "B")], "AB", 2)
        assert set(result.winners) == {"A", "B"}


def test_tally_election_dispatches_every_method():
    ranked = [("A", "B"), ("B",), ("A",)]
    assert tally_election("irv", ranked, "AB").winners == ("A",)
    assert tally_election("stv_scottish", ranked, "AB", 1).winners == ("A",)
    assert tally_election("stv_meek", ranked, "AB", 1).winners == ("A",)
    assert tally_election("vote_for_n", [{"A"}, {"B"}, {"A"}], "AB", 1).winners == ("A",)
    assert tally_election("approval", [{"A", "B"}, {"B"}], "AB", 1).winners == ("B",)
    assert tally_election("yes_no", [{"A": "yes", "B": "no"}], "AB", 1).winners == ("A",)
    with pytest.raises(ValueError):
        tally_election("borda", ranked, "AB")
