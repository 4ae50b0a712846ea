"""Numbers posted to the governance and assembly forms that ``str.isdigit()`` accepts but
``int()`` refuses ("²", other scripts' digits, more than 4,300 digits) are refused with a 4xx
and write nothing; they used to raise ValueError (a 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from coopwork import testing
from coopwork.governance import services
from coopwork.governance.tests.assembly_world import snapshot as assembly_snapshot
from coopwork.governance.tests.conftest import snapshot as ballot_snapshot

pytestmark = pytest.mark.django_db

NOT_INTS = ["²", "1" * 5000]


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("rank", NOT_INTS, ids=["superscript", "5000-digits"])
def test_ranking_with_a_rank_that_is_not_a_number(coop, board_user, rank):
    member = testing.make_member(coop, board=board_user, name="Ada")
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="Chair",
        method="irv",
        candidates=[{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
    )
    before = ballot_snapshot()
    response = _client(member.user).post(
        f"/c/alpha/governance/ballots/{ballot.pk}/vote/", {"rank_a": rank, "rank_b": "2"}
    )
    assert response.status_code == 400
    assert ballot_snapshot() == before
    ok = _client(member.user).post(
        f"/c/alpha/governance/ballots/{ballot.pk}/vote/", {"rank_a": "2", "rank_b": "1"}
    )
    assert ok.status_code == 200
    assert ballot_snapshot() != before


@pytest.fixture
def assembly(coop, board_user):
    members = [testing.make_member(coop, board=board_user, name=f"M{i}") for i in range(3)]
    convened = services.assembly_convene(
        cooperative=coop,
        actor=board_user,
        kind="ordinary",
        title="AG",
        starts_at=timezone.now() + dt.timedelta(days=20),
        place="Lyon",
        remote_url="https://meet.example.org/ag",
        items=[services.ItemSpec(title="Accounts")],
    )
    return convened, members


@pytest.mark.parametrize("junk", NOT_INTS, ids=["superscript", "5000-digits"])
def test_assembly_forms_with_numbers_that_are_not_numbers(coop, board_user, assembly, junk):
    convened, members = assembly
    base = f"/c/alpha/assemblies/{convened.pk}/"
    member = _client(members[0].user)
    board = _client(board_user)
    posts = [
        (member, "proxy/", {"holder": junk}),
        (member, "postal/", {f"item-{junk}": "yes"}),
        (member, "items/1/vote/", {"choice": "yes", "on_behalf_of": junk}),
        (board, "attendance/", {"member": junk, "mode": "in_person"}),
        (
            board,
            "items/add/",
            {
                "item-title": "Rate",
                "item-kind": "ordinary",
                "item-parameter_key": "commission_rate",
                "item-parameter_value": junk,
                "item-effective_from": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            },
        ),
    ]
    for client, path, data in posts:
        before = assembly_snapshot()
        response = client.post(base + path, data)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert assembly_snapshot() == before, path


def test_a_proxy_vote_for_a_giver_that_is_not_a_number_is_not_a_vote_of_ones_own(
    coop, board_user, assembly
):
    """``on_behalf_of`` that is not an id is refused; it used to become a vote of one's own."""
    convened, members = assembly
    holder = members[0]
    services.assembly_open(
        cooperative=coop, assembly_id=convened.pk, actor=board_user, now=convened.starts_at
    )
    services.attendance_record(
        cooperative=coop, assembly_id=convened.pk, actor=board_user, member_id=holder.pk
    )
    services.assembly_quorum_check(cooperative=coop, assembly_id=convened.pk, actor=board_user)
    services.agenda_item_open(cooperative=coop, assembly_id=convened.pk, actor=board_user, number=1)
    before = assembly_snapshot()
    response = _client(holder.user).post(
        f"/c/alpha/assemblies/{convened.pk}/items/1/vote/", {"choice": "yes", "on_behalf_of": "x"}
    )
    assert 400 <= response.status_code < 500
    assert assembly_snapshot() == before


def test_outsiders_voting_learn_nothing_of_the_ballot(coop, other_coop, board_user):
    """Someone who may not read the co-op's ballots gets the same refusal whether the ballot
    exists or not, and whatever they post; a duplicate ranking used to be judged first (400,
    "two candidates have the same rank"), revealing a ranked ballot behind that id."""
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="Chair",
        method="irv",
        candidates=[{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
    )
    outsider = _client(testing.make_user("outsider"))
    other_board = _client(testing.make_board(other_coop, "beta-board"))
    for client in (outsider, other_board):
        answers = {
            client.post(
                f"/c/alpha/governance/ballots/{ballot_id}/vote/", {"rank_a": "1", "rank_b": "1"}
            ).status_code
            for ballot_id in (ballot.pk, ballot.pk + 1000)
        }
        assert answers == {403}
