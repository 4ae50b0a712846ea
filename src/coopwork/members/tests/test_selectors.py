"""members.selectors: holdings, the registers, and reads that must never cross co-ops."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import pytest
from django.contrib.auth.models import AnonymousUser

from coopwork import testing
from coopwork.core.errors import CoopError
from coopwork.core.money import Money
from coopwork.core.services import parameter_set
from coopwork.members import selectors, services

TODAY = dt.date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _fixed_today():
    with patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


@pytest.fixture
def story(coop, board, beta, beta_board, zero_delay):
    """Coop A: Ada (workers, 5 shares, then 2 transferred to Bob), Bob (users, 3), Cleo (sponsors,
    10, who left by redeeming everything), a pending application from Dan and a pending purchase
    by Bob. Coop B: one member."""
    ada = testing.make_member(coop, board=board, shares=5, name="Ada")
    bob = testing.make_member(coop, board=board, college="users", shares=3, name="Bob")
    cleo = testing.make_member(coop, board=board, college="sponsors", shares=10, name="Cleo")
    services.share_transfer(
        cooperative=coop,
        from_register_number=1,
        to_register_number=2,
        quantity=2,
        actor=board,
        reference="ACT-9",
    )
    redemption = services.share_redemption_request(cooperative=coop, user=cleo.user, quantity=10)
    services.share_redemption_pay(
        cooperative=coop,
        request_id=redemption.pk,
        actor=board,
        payment_method="bank_transfer",
        payment_reference="OUT-3",
    )
    dan_user = testing.make_user("dan")
    dan = services.application_submit(
        cooperative=coop, user=dan_user, college_code="users", shares=1, display_name="Dan"
    )
    purchase = services.share_purchase_request(cooperative=coop, user=bob.user, quantity=4)
    foreign = testing.make_member(beta, board=beta_board, college="partners", name="Fay")
    for m in (ada, bob, cleo):
        m.refresh_from_db()
    return {
        "ada": ada,
        "bob": bob,
        "cleo": cleo,
        "dan": dan,
        "purchase": purchase,
        "redemption": redemption,
        "foreign": foreign,
    }


def test_holdings_and_pending_redemptions(story):
    ada, bob, cleo = story["ada"], story["bob"], story["cleo"]
    assert [selectors.holding(member=m) for m in (ada, bob, cleo)] == [3, 5, 0]
    assert selectors.shares_pending_redemption(member=ada) == 0
    services.share_redemption_request(cooperative=ada.cooperative, user=ada.user, quantity=2)
    assert selectors.shares_pending_redemption(member=ada) == 2


def test_member_register_rows(coop, story):
    rows = selectors.member_register(cooperative=coop)
    assert [
        (r.register_number, r.name, r.college_code, r.status, r.left_on, r.shares, r.capital)
        for r in rows
    ] == [
        (1, "Ada", "workers", "active", None, 3, Money(6000, "EUR")),
        (2, "Bob", "users", "active", None, 5, Money(10000, "EUR")),
        (3, "Cleo", "sponsors", "left", TODAY, 0, Money(0, "EUR")),
    ]
    assert {r.admitted_on for r in rows} == {TODAY}
    assert [r.college_name for r in rows] == [
        "Worker members",
        "Users and clients",
        "Sponsor co-ops",
    ]


def test_member_register_college_names_follow_the_language(coop, story):
    from django.utils import translation

    with translation.override("fr"):
        names = [r.college_name for r in selectors.member_register(cooperative=coop)]
    assert names == ["Sociétaires salariés", "Usagers et clients", "Coopératives partenaires"]


def test_capital_register_lists_every_movement_in_order(coop, story):
    rows = [
        (mv.member.register_number, mv.kind, mv.quantity, mv.reference)
        for mv in selectors.capital_register(cooperative=coop)
    ]
    assert rows == [
        (1, "subscription", 5, "VIR-{}".format(story["ada"].application.pk)),
        (2, "subscription", 3, "VIR-{}".format(story["bob"].application.pk)),
        (3, "subscription", 10, "VIR-{}".format(story["cleo"].application.pk)),
        (1, "transfer_out", -2, "ACT-9"),
        (2, "transfer_in", 2, "ACT-9"),
        (3, "redemption", -10, "OUT-3"),
    ]


def test_capital_total_and_member_count(coop, beta, story):
    assert selectors.capital_total(cooperative=coop) == Money(16000, "EUR")
    assert selectors.member_count(cooperative=coop) == 2
    assert selectors.capital_total(cooperative=beta) == Money(2000, "EUR")
    assert selectors.member_count(cooperative=beta) == 1


def test_colleges_count_active_members(coop, story):
    assert [(c.code, c.active_members) for c in selectors.colleges(cooperative=coop)] == [
        ("workers", 1),
        ("users", 1),
        ("sponsors", 0),
    ]
    assert [s.code for s in selectors.share_classes(cooperative=coop)] == ["a"]


def test_applications_and_requests(coop, story):
    assert [a.display_name for a in selectors.applications(cooperative=coop)] == [
        "Ada",
        "Bob",
        "Cleo",
        "Dan",
    ]
    assert [a.display_name for a in selectors.applications(cooperative=coop, status="pending")] == [
        "Dan"
    ]
    assert selectors.pending_application_count(cooperative=coop) == 1
    assert selectors.application_for_user(cooperative=coop, user=story["dan"].user) == story["dan"]
    assert selectors.application_for_user(cooperative=coop, user=AnonymousUser()) is None
    assert selectors.share_requests(cooperative=coop) == [story["redemption"], story["purchase"]]
    assert selectors.share_requests(cooperative=coop, status="pending") == [story["purchase"]]
    assert selectors.share_requests(cooperative=coop, member=story["ada"]) == []


def test_member_movements(story):
    assert [(m.kind, m.quantity) for m in selectors.member_movements(member=story["bob"])] == [
        ("subscription", 3),
        ("transfer_in", 2),
    ]


def test_lookups_never_cross_cooperatives(coop, beta, story):
    ada, foreign = story["ada"], story["foreign"]
    assert selectors.member_get(cooperative=coop, member_id=ada.pk) == ada
    with pytest.raises(CoopError) as exc:
        selectors.member_get(cooperative=coop, member_id=foreign.pk)
    assert (exc.value.code, exc.value.status) == ("member_not_found", 404)
    assert selectors.member_for_user(cooperative=coop, user=foreign.user) is None
    assert selectors.member_for_user(cooperative=beta, user=foreign.user) == foreign
    assert selectors.member_for_user(cooperative=coop, user=AnonymousUser()) is None
    assert selectors.member_by_register_number(cooperative=coop, register_number=1) == ada
    assert selectors.member_by_register_number(cooperative=beta, register_number=1) == foreign
    assert selectors.member_by_register_number(cooperative=beta, register_number=2) is None
    assert [m.display_name for m in selectors.active_members(cooperative=coop)] == ["Ada", "Bob"]
    assert [a.display_name for a in selectors.applications(cooperative=beta)] == ["Fay"]
    assert selectors.share_requests(cooperative=beta) == []
    assert [mv.member for mv in selectors.capital_register(cooperative=beta)] == [foreign]


def test_application_for_viewer(coop, board, beta_board, story):
    dan = story["dan"]
    for viewer in (dan.user, board):
        assert (
            selectors.application_for_viewer(cooperative=coop, application_id=dan.pk, viewer=viewer)
            == dan
        )
    for viewer in (story["ada"].user, beta_board, AnonymousUser()):
        with pytest.raises(CoopError) as exc:
            selectors.application_for_viewer(cooperative=coop, application_id=dan.pk, viewer=viewer)
        assert exc.value.code == "application_not_found"
    # Coop B's board asking in its own co-op for coop A's application: not found either.
    with pytest.raises(CoopError):
        selectors.application_for_viewer(
            cooperative=story["foreign"].cooperative, application_id=dan.pk, viewer=beta_board
        )


def test_current_member_and_overview(coop, story):
    ada, cleo, dan = story["ada"], story["cleo"], story["dan"]
    assert selectors.current_member(cooperative=coop, user=ada.user) == ada
    for user in (cleo.user, dan.user, story["foreign"].user, AnonymousUser()):
        with pytest.raises(CoopError) as exc:
            selectors.current_member(cooperative=coop, user=user)
        assert exc.value.code == "not_a_member"

    overview = selectors.membership_overview(cooperative=coop, user=story["bob"].user)
    assert (overview.member, overview.shares, overview.capital) == (
        story["bob"],
        5,
        Money(10000, "EUR"),
    )
    assert [mv.kind for mv in overview.movements] == ["subscription", "transfer_in"]
    assert overview.share_requests == [story["purchase"]]
    assert overview.application.status == "admitted"

    applicant = selectors.membership_overview(cooperative=coop, user=dan.user)
    assert (applicant.member, applicant.shares, applicant.capital, applicant.application) == (
        None,
        0,
        Money(0, "EUR"),
        dan,
    )
    former = selectors.membership_overview(cooperative=coop, user=cleo.user)
    assert (former.member.status, former.shares) == ("left", 0)
    with pytest.raises(CoopError) as exc:
        selectors.membership_overview(cooperative=coop, user=story["foreign"].user)
    assert exc.value.code == "not_a_member"


def test_public_profile(coop, story):
    profile = selectors.public_profile(cooperative=coop)
    assert (profile.colleges_weighted, profile.admission_body, profile.member_count) == (
        True,
        "board",
        2,
    )
    assert [c.code for c in profile.colleges] == ["workers", "users", "sponsors"]
    parameter_set(
        cooperative=coop,
        key="admission_body",
        value="assembly",
        effective_from=TODAY,
        source="statutes",
        source_ref="Statutes",
        actor=None,
    )
    assert selectors.public_profile(cooperative=coop).admission_body == "assembly"
