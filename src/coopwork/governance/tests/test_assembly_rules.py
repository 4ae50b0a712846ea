"""The pure assembly rules: who counts for the quorum (worked examples and a property test
against a member-by-member restatement), and the majority of statute changes."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopwork.governance.assembly_rules import (
    count_heads,
    extraordinary_adopted,
    present_members,
    statute_majority_base,
)
from coopwork.governance.tallying import quorum_required


def test_worked_example_of_heads() -> None:
    """10 members. 1 and 2 in the room, 3 remote; 4 gave a proxy to 1 (present: represented),
    5 gave one to 9 (absent: not represented); 6 voted by post, and so did 1 (counted once);
    99 is not a member. Present = {1, 2, 3, 4, 6} = 5, which meets an ordinary first
    convocation's quorum of 1/5 x 10 = 2 and an extraordinary one's 1/4 x 10 -> 3."""
    heads = count_heads(
        eligible=range(1, 11),
        attending={1: "in_person", 2: "in_person", 3: "remote", 99: "in_person"},
        proxies=[(4, 1), (5, 9)],
        postal=[6, 1, 99],
    )
    assert (heads.in_person, heads.remote, heads.represented, heads.postal) == (2, 1, 1, 1)
    assert (heads.present, heads.eligible) == (5, 10)
    assert quorum_required(10, Fraction(1, 5)) == 2
    assert quorum_required(10, Fraction(1, 4)) == 3


def test_worked_example_of_the_statute_majority() -> None:
    # 2 yes, 1 no: exactly two thirds of the base.
    assert extraordinary_adopted(yes=Fraction(2), base=Fraction(3), majority=Fraction(2, 3))
    assert not extraordinary_adopted(yes=Fraction(1), base=Fraction(2), majority=Fraction(2, 3))
    assert not extraordinary_adopted(yes=Fraction(2), base=Fraction(3), majority=Fraction(3, 4))
    assert not extraordinary_adopted(yes=Fraction(0), base=Fraction(0), majority=Fraction(2, 3))


def test_the_statute_majority_base_counts_abstentions_only_when_present_or_represented() -> None:
    """10 present: 6 yes, 1 no, 3 abstain. Expressed (L225-96): 6/7 >= 2/3, adopted. Present or
    represented (loi 78-763 art. 11, the default): 6/10 < 2/3, rejected."""
    votes = {"yes": Fraction(6), "no": Fraction(1), "abstain": Fraction(3), "blank": Fraction(0)}
    expressed = statute_majority_base(basis="expressed", **votes)
    present = statute_majority_base(basis="present_or_represented", **votes)
    assert (expressed, present) == (7, 10)
    assert extraordinary_adopted(yes=Fraction(6), base=expressed, majority=Fraction(2, 3))
    assert not extraordinary_adopted(yes=Fraction(6), base=present, majority=Fraction(2, 3))
    # Blank votes count against too.
    blank = {**votes, "abstain": Fraction(0), "blank": Fraction(3)}
    assert statute_majority_base(basis="present_or_represented", **blank) == 10
    with pytest.raises(ValueError):
        statute_majority_base(basis="heads", **votes)


members = st.integers(min_value=1, max_value=30)


@settings(max_examples=500)
@given(
    eligible=st.sets(members, max_size=25),
    attending=st.dictionaries(members, st.sampled_from(["in_person", "remote"]), max_size=20),
    proxies=st.lists(st.tuples(members, members), max_size=20),
    postal=st.sets(members, max_size=20),
)
def test_each_member_counts_once_and_only_when_present_or_represented(
    eligible: set[int],
    attending: dict[int, str],
    proxies: list[tuple[int, int]],
    postal: set[int],
) -> None:
    heads = count_heads(eligible=eligible, attending=attending, proxies=proxies, postal=postal)

    def counts(m: int) -> bool:  # restated member by member
        if m not in eligible:
            return False
        if m in attending or m in postal:
            return True
        return any(g == m and h in attending and h in eligible for g, h in proxies)

    expected = sum(1 for m in range(1, 31) if counts(m))
    assert heads.present == expected
    assert heads.present <= heads.eligible == len(eligible)
    assert heads.in_person + heads.remote + heads.represented + heads.postal == heads.present


@given(
    eligible=st.sets(st.integers(1, 30), max_size=30),
    attending=st.dictionaries(st.integers(1, 35), st.sampled_from(["in_person", "remote"])),
    proxies=st.lists(st.tuples(st.integers(1, 35), st.integers(1, 35)), max_size=15),
    postal=st.sets(st.integers(1, 35), max_size=15),
)
def test_present_members_are_the_heads_count_heads_counts(eligible, attending, proxies, postal):
    kwargs = {"eligible": eligible, "attending": attending, "proxies": proxies, "postal": postal}
    ids = present_members(**kwargs)
    assert ids <= eligible
    assert len(ids) == count_heads(**kwargs).present
