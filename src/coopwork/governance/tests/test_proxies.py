"""Proxies: the legal cap (pure rule and at the caps in the database), who may give and hold one,
revocation, and how a proxy interacts with postal votes and attendance."""

from __future__ import annotations

import pytest

from coopwork import testing
from coopwork.governance import services
from coopwork.governance.assembly_rules import proxy_cap
from coopwork.governance.models import Proxy
from coopwork.governance.selectors import assembly_attendance_summary, my_assembly

from .assembly_world import at, convene, refused, world


@pytest.mark.parametrize(
    ("members", "cap"),
    [
        (0, 1),
        (1, 1),
        (2, 1),
        (19, 1),
        (20, 1),
        (39, 1),
        (40, 2),
        (59, 2),
        (60, 3),
        (100, 5),
        (1000, 50),
    ],
)
def test_proxy_cap_worked_examples(members: int, cap: int) -> None:
    assert proxy_cap(members) == cap


def test_proxy_cap_refuses_nonsense() -> None:
    for bad in (-1, True, 2.5):
        with pytest.raises(ValueError):
            proxy_cap(bad)  # type: ignore[arg-type]


def _give(w, a, giver: int, holder: int):
    return services.proxy_give(
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(giver),
        holder_member_id=w.members[holder].pk,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("members", "cap"), [(19, 1), (20, 1), (40, 2)])
def test_a_holder_takes_proxies_up_to_the_cap_and_not_one_more(members: int, cap: int) -> None:
    w = world(members)
    a = convene(w)
    for giver in range(1, cap + 1):
        _give(w, a, giver, 0)
    exc = refused(
        "proxy_cap_exceeded",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(cap + 1),
        holder_member_id=w.members[0].pk,
    )
    assert exc.status == 409 and exc.params == {"cap": cap, "members": members}
    assert Proxy.objects.filter(assembly=a, holder=w.members[0]).count() == cap
    # Another holder still can take one.
    _give(w, a, cap + 1, cap + 2)


@pytest.mark.django_db
def test_a_proxy_goes_to_another_member_only() -> None:
    w = world(3)
    a = convene(w)
    other = world(1, slug="beta")
    stranger = other.members[0]
    refused(
        "proxy_holder_not_member",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        holder_member_id=stranger.pk,
    )
    refused(
        "proxy_holder_not_member",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        holder_member_id=w.members[0].pk,
    )
    refused(
        "proxy_holder_not_member",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        holder_member_id=999_999,
    )
    # A non-member cannot give one.
    refused(
        "assembly_not_eligible",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=testing.make_user("outsider"),
        holder_member_id=w.members[1].pk,
    )
    refused(
        "not_authenticated",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=None,
        holder_member_id=w.members[1].pk,
    )


@pytest.mark.django_db
def test_no_chains_no_double_proxy_and_postal_votes_exclude_a_proxy() -> None:
    w = world(6)
    a = convene(w)
    _give(w, a, 1, 0)
    refused(
        "proxy_already_given",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(1),
        holder_member_id=w.members[2].pk,
    )
    # The holder cannot pass theirs on; nobody can give to a giver.
    refused(
        "proxy_chain",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        holder_member_id=w.members[2].pk,
    )
    refused(
        "proxy_chain",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(3),
        holder_member_id=w.members[1].pk,
    )
    # A giver cannot vote by post; a postal voter cannot give a proxy.
    refused(
        "proxy_given",
        services.postal_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(1),
        choices={1: "yes"},
        now=at(a, -2000),
    )
    services.postal_vote_cast(
        cooperative=w.coop, assembly_id=a.pk, user=w.user(4), choices={1: "no"}, now=at(a, -2000)
    )
    refused(
        "voted_by_post",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(4),
        holder_member_id=w.members[5].pk,
    )
    # Revoked, the giver may vote by post after all.
    services.proxy_revoke(cooperative=w.coop, assembly_id=a.pk, user=w.user(1))
    refused(
        "proxy_not_found",
        services.proxy_revoke,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(1),
    )
    services.postal_vote_cast(
        cooperative=w.coop, assembly_id=a.pk, user=w.user(1), choices={1: "yes"}, now=at(a, -2000)
    )


@pytest.mark.django_db
def test_proxies_are_frozen_once_the_assembly_opens_and_lapse_if_the_giver_attends() -> None:
    w = world(5)
    a = convene(w, items=[services.ItemSpec(title="One"), services.ItemSpec(title="Two")])
    _give(w, a, 1, 0)
    _give(w, a, 2, 3)
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    refused(
        "assembly_wrong_state",
        services.proxy_revoke,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(1),
    )
    refused(
        "assembly_wrong_state",
        services.proxy_give,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(4),
        holder_member_id=w.members[0].pk,
    )
    services.attendance_record(
        cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=w.members[0].pk
    )
    # Member 3 holds member 2's proxy but is absent: member 2 is not represented.
    summary = assembly_attendance_summary(assembly=a)
    assert (summary.in_person, summary.represented, summary.present) == (1, 1, 2)
    services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    vote = services.assembly_vote_cast(
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(0),
        choice="no",
        on_behalf_of=w.members[1].pk,
    )
    assert (vote.member_id, vote.cast_by_id, vote.channel) == (
        w.members[1].pk,
        w.members[0].pk,
        "proxy",
    )
    mine = my_assembly(assembly=a, user=w.user(0))
    assert [p.giver_id for p in mine.proxies_held] == [w.members[1].pk]
    assert mine.voted_for == {w.members[1].pk: {1}}
    services.agenda_item_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    # The giver turns up: the proxy lapses, and they vote on item 2 themselves.
    services.assembly_check_in(cooperative=w.coop, assembly_id=a.pk, user=w.user(1))
    proxy = Proxy.objects.get(assembly=a, giver=w.members[1])
    assert proxy.revoked_reason == "attended"
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=2)
    refused(
        "assembly_no_proxy",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=2,
        user=w.user(0),
        choice="yes",
        on_behalf_of=w.members[1].pk,
    )
    services.assembly_vote_cast(
        cooperative=w.coop, assembly_id=a.pk, number=2, user=w.user(1), choice="yes"
    )
