"""Random sequences of votes and changes, open and secret: the stored votes and the published
count always equal each member's last accepted choice, one vote per member, one paper and one
receipt per voter, and every voter's receipt is in the tally."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopwork import testing
from coopwork.core.errors import CoopError
from coopwork.governance import services
from coopwork.governance.models.ballots import Paper, Receipt, Vote
from coopwork.governance.selectors import ballot_results, receipt_check

pytestmark = pytest.mark.django_db

MEMBERS = 6
CANDIDATES = ["ada", "bob", "cy", "dee"]


@pytest.fixture
def world(coop, board_user):
    return coop, board_user, [testing.make_member(coop, board=board_user) for _ in range(MEMBERS)]


motion_vote = st.tuples(
    st.integers(0, MEMBERS - 1), st.sampled_from(["yes", "no", "abstain", "maybe"])
)
approval_vote = st.tuples(
    st.integers(0, MEMBERS - 1), st.lists(st.sampled_from([*CANDIDATES, "zed"]), max_size=4)
)


@settings(
    max_examples=int(os.environ.get("COOPWORK_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    secret=st.booleans(),
    election=st.booleans(),
    motion_ops=st.lists(motion_vote, max_size=14),
    approval_ops=st.lists(approval_vote, max_size=14),
)
def test_counts_follow_the_last_accepted_choice(world, secret, election, motion_ops, approval_ops):
    coop, board, members = world
    with transaction.atomic():
        if election:
            ballot = services.ballot_create(
                cooperative=coop,
                actor=board,
                kind="election",
                title="Random",
                method="approval",
                seats=2,
                max_choices=3,
                secret=secret,
                candidates=[{"key": k, "name": k} for k in CANDIDATES],
            )
            ops = [(i, {"choices": c}) for i, c in approval_ops]
        else:
            ballot = services.ballot_create(
                cooperative=coop, actor=board, kind="motion", title="Random", secret=secret
            )
            ops = [(i, {"choice": c}) for i, c in motion_ops]
        last: dict[int, dict] = {}
        receipts: dict[int, str] = {}
        for i, choice in ops:
            try:
                answer = services.vote_cast(
                    cooperative=coop, ballot_id=ballot.pk, user=members[i].user, choice=choice
                )
            except CoopError as exc:
                assert exc.status in (400, 409), exc.code
                if exc.code == "ballot_already_voted":
                    assert secret and i in last
                continue
            assert answer.changed == (i in last)
            if answer.receipt:
                receipts[i] = answer.receipt
            if election:
                last[i] = {"choices": sorted(choice["choices"])}
            else:
                last[i] = choice
        assert Vote.objects.filter(ballot=ballot).count() == len(last)
        assert Receipt.objects.filter(ballot=ballot).count() == len(last)
        assert Paper.objects.filter(ballot=ballot).count() == (len(last) if secret else 0)
        services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board)
        result = ballot_results(cooperative=coop, ballot_id=ballot.pk)
        assert result["voters"] == len(last)
        if election:
            marks = Counter(k for c in last.values() for k in c["choices"])
            first = result["election"]["rounds"][0]["tallies"]
            assert {k: int(v) for k, v in first.items() if int(v)} == dict(marks)
        else:
            heads = Counter(c["choice"] for c in last.values())
            assert {k: v for k, v in result["motion"]["heads"].items() if v} == dict(heads)
        for code in receipts.values():
            assert receipt_check(cooperative=coop, ballot_id=ballot.pk, code=code).counted
        transaction.set_rollback(True)
