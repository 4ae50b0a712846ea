"""General assemblies: notice, convocations, quorum, votes, resolutions and their effect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone

from coopwork import testing
from coopwork.core.selectors import parameter_value
from coopwork.core.services import parameter_set
from coopwork.governance import services
from coopwork.governance.minutes import item_figures, minutes_context, minutes_pdf
from coopwork.governance.models import AgendaItem, AssemblyVote, Proxy, Resolution
from coopwork.governance.selectors import assembly_attendance_summary
from coopwork.marketplace.models import Notification
from coopwork.marketplace.services import job_book
from coopwork.marketplace.tests.helpers import task_request
from coopwork.members.services import college_weights_set
from coopwork.web.tests.pdf import assert_pdf_contains

from .assembly_world import World, at, convene, refused, world

pytestmark = pytest.mark.django_db


def spec(title: str, **kw: object) -> services.ItemSpec:
    return services.ItemSpec(title=title, **kw)  # type: ignore[arg-type]


# --- Notice -------------------------------------------------------------------------------------


def test_an_assembly_convened_with_less_than_the_notice_is_refused() -> None:
    w = world(3)
    now = timezone.now()
    exc = refused(
        "assembly_notice_too_short",
        services.assembly_convene,
        cooperative=w.coop,
        actor=w.board,
        kind="ordinary",
        title="Too soon",
        starts_at=now + dt.timedelta(days=14),
        place="Lyon",
        items=[spec("Accounts")],
        now=now,
    )
    assert exc.status == 400
    assert exc.params["days"] == 15
    # Exactly the notice (15 days) is enough.
    convene(w, days=15, now=now)


def test_a_coop_that_raised_the_notice_gets_its_own_minimum() -> None:
    w = world(2, slug="gamma")
    parameter_set(
        cooperative=w.coop,
        key="assembly_notice_days",
        value=30,
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="Statutes art. 20",
        actor=None,
    )
    refused("assembly_notice_too_short", convene, w=w, days=20)
    convene(w, days=31)


def test_the_notice_goes_to_every_member_in_app_and_by_email_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    w = world(4)
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assembly = convene(
            w, items=[spec("Approve the accounts"), spec("Elect the board", text="Three seats")]
        )
    notes = Notification.objects.filter(kind="assembly.convened")
    assert notes.count() - 0 == 4 and Notification.objects.count() - before == 4
    assert {n.user_id for n in notes} == {m.user_id for m in w.members}
    assert all(n.job_id is None for n in notes)
    assert len(mail.outbox) == 4
    body = mail.outbox[0].body
    assert "Approve the accounts" in body and "Elect the board" in body and "Three seats" in body
    assert assembly.title in mail.outbox[0].subject


def test_bad_agenda_items_are_refused() -> None:
    w = world(2)
    refused(
        "agenda_statute_change_in_ordinary",
        convene,
        w=w,
        items=[spec("Change the statutes", kind="extraordinary")],
    )
    day = timezone.localdate() + dt.timedelta(days=20)
    refused(
        "parameter_out_of_bounds",
        convene,
        w=w,
        items=[
            spec("Rate", parameter_key="commission_rate", parameter_value="3/4", effective_from=day)
        ],
    )
    refused(
        "parameter_unknown",
        convene,
        w=w,
        items=[spec("?", parameter_key="no_such_thing", parameter_value=1, effective_from=day)],
    )
    refused(
        "agenda_item_invalid",
        convene,
        w=w,
        items=[spec("Rate", parameter_key="commission_rate", parameter_value="1/10")],
    )
    refused("assembly_invalid", convene, w=w, items=[])
    refused(
        "permission_denied",
        services.assembly_convene,
        cooperative=w.coop,
        actor=w.user(0),
        kind="ordinary",
        title="x",
        starts_at=timezone.now() + dt.timedelta(days=20),
        place="here",
        items=[spec("a")],
    )


# --- Convocations and quorum --------------------------------------------------------------------


def test_first_convocation_fails_its_quorum_the_second_sits_and_the_minutes_say_so(
    django_capture_on_commit_callbacks,
) -> None:
    """10 members, ordinary assembly: the first convocation needs 1/5 = 2 heads and gets 1; the
    second needs none, sits with 3 present or represented, adopts item 1 and rejects item 2."""
    w = world(10)
    first = convene(w, items=[spec("Approve the accounts"), spec("Buy a van")])
    services.assembly_open(cooperative=w.coop, assembly_id=first.pk, actor=w.board, now=at(first))
    services.attendance_record(
        cooperative=w.coop,
        assembly_id=first.pk,
        actor=w.board,
        member_id=w.members[0].pk,
        now=at(first, 5),
    )
    first = services.assembly_quorum_check(
        cooperative=w.coop, assembly_id=first.pk, actor=w.board, now=at(first, 10)
    )
    assert (first.status, first.quorum, first.quorum_required, first.present) == (
        "failed",
        "1/5",
        2,
        1,
    )
    assert first.quorum_reached is False
    # A failed assembly takes no votes.
    refused(
        "assembly_wrong_state",
        services.agenda_item_open,
        cooperative=w.coop,
        assembly_id=first.pk,
        actor=w.board,
        number=1,
    )
    # The second convocation links to the first and takes its agenda.
    with django_capture_on_commit_callbacks(execute=True):
        second = convene(w, first=first, items=[], now=at(first, 30))
    assert (second.convocation, second.first_convocation_id) == (2, first.pk)
    assert list(second.items.values_list("number", "title")) == [
        (1, "Approve the accounts"),
        (2, "Buy a van"),
    ]
    refused("second_convocation_invalid", convene, w=w, first=first, items=[], now=at(first, 40))
    # Before it: member 1 votes by post, member 2 gives a proxy to member 3.
    services.postal_vote_cast(
        cooperative=w.coop,
        assembly_id=second.pk,
        user=w.user(1),
        choices={1: "yes", 2: "no"},
        now=at(first, 60),
    )
    services.proxy_give(
        cooperative=w.coop,
        assembly_id=second.pk,
        user=w.user(2),
        holder_member_id=w.members[3].pk,
        now=at(first, 61),
    )
    services.assembly_open(cooperative=w.coop, assembly_id=second.pk, actor=w.board, now=at(second))
    services.attendance_record(
        cooperative=w.coop,
        assembly_id=second.pk,
        actor=w.board,
        member_id=w.members[3].pk,
        now=at(second, 1),
    )
    second = services.assembly_quorum_check(
        cooperative=w.coop, assembly_id=second.pk, actor=w.board, now=at(second, 2)
    )
    assert (second.status, second.quorum, second.quorum_required, second.present) == (
        "sitting",
        "0/1",
        0,
        3,
    )
    assert second.quorum_detail == {
        "eligible": 10,
        "in_person": 1,
        "remote": 0,
        "represented": 1,
        "postal": 1,
        "present": 3,
    }
    for number, own, proxied in ((1, "yes", "abstain"), (2, "no", "yes")):
        services.agenda_item_open(
            cooperative=w.coop, assembly_id=second.pk, actor=w.board, number=number
        )
        services.assembly_vote_cast(
            cooperative=w.coop, assembly_id=second.pk, number=number, user=w.user(3), choice=own
        )
        services.assembly_vote_cast(
            cooperative=w.coop,
            assembly_id=second.pk,
            number=number,
            user=w.user(3),
            choice=proxied,
            on_behalf_of=w.members[2].pk,
        )
        services.agenda_item_close(
            cooperative=w.coop, assembly_id=second.pk, actor=w.board, number=number
        )
    one, two = AgendaItem.objects.filter(assembly=second).order_by("number")
    # Item 1: yes 2 (postal, in person), abstain 1 (proxy): adopted. Item 2: no 2, yes 1.
    assert (one.adopted, one.result["yes"], one.result["no"], one.result["abstain"]) == (
        True,
        "2",
        "0",
        "1",
    )
    assert one.result["channels"] == {"postal": 1, "in_person": 1, "proxy": 1}
    assert (two.adopted, two.result["yes"], two.result["no"]) == (False, "1", "2")
    resolution = Resolution.objects.get(reference=f"assembly:{second.pk}/item:1")
    assert (resolution.source, resolution.title) == ("assembly", "Approve the accounts")
    assert not Resolution.objects.filter(reference=f"assembly:{second.pk}/item:2").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.assembly_close(cooperative=w.coop, assembly_id=second.pk, actor=w.board)
    pdf = minutes_pdf(cooperative=w.coop, assembly_id=second.pk, viewer=w.board, language="en")
    assert_pdf_contains(
        pdf,
        "Minutes",
        "second convocation",
        "Approve the accounts",
        "Adopted",
        "Buy a van",
        "Rejected",
        "Member 03",
        "Member 02",
    )
    failed_pdf = minutes_pdf(
        cooperative=w.coop, assembly_id=first.pk, viewer=w.user(0), language="fr"
    )
    assert_pdf_contains(failed_pdf, "Procès-verbal", "quorum n'a pas été atteint")


def test_an_extraordinary_assembly_needs_a_quarter_then_a_fifth_and_two_thirds() -> None:
    """Worked example, 10 members. First convocation: quorum 1/4 -> 3 heads; 2 present: failed.
    Second: 1/5 -> 2 heads; 3 present. Item 1: 2 yes, 1 no = exactly 2/3 of the expressed votes,
    adopted. Item 2: 2 yes, 1 no... and one blank from nobody: 2 yes 1 no again but item 2 is
    ordinary (simple majority) -> adopted; item 3: 1 yes, 1 no, 1 abstain -> 1/3 of the votes
    present or represented (the default base) < 2/3, rejected."""
    w = world(10)
    items = [
        spec("Amend article 12", kind="extraordinary"),
        spec("Approve the accounts"),
        spec("Amend article 14", kind="extraordinary"),
    ]
    first = convene(w, kind="extraordinary", items=items)
    services.assembly_open(cooperative=w.coop, assembly_id=first.pk, actor=w.board, now=at(first))
    for i in (0, 1):
        services.attendance_record(
            cooperative=w.coop, assembly_id=first.pk, actor=w.board, member_id=w.members[i].pk
        )
    first = services.assembly_quorum_check(cooperative=w.coop, assembly_id=first.pk, actor=w.board)
    assert (first.status, first.quorum, first.quorum_required) == ("failed", "1/4", 3)
    second = convene(w, kind="extraordinary", first=first, items=[], now=at(first, 60))
    services.assembly_open(cooperative=w.coop, assembly_id=second.pk, actor=w.board, now=at(second))
    for i in (0, 1, 2):
        services.attendance_record(
            cooperative=w.coop, assembly_id=second.pk, actor=w.board, member_id=w.members[i].pk
        )
    second = services.assembly_quorum_check(
        cooperative=w.coop, assembly_id=second.pk, actor=w.board
    )
    assert (second.status, second.quorum, second.quorum_required, second.present) == (
        "sitting",
        "1/5",
        2,
        3,
    )
    for number, choices in ((1, "yes yes no"), (2, "yes yes no"), (3, "yes no abstain")):
        services.agenda_item_open(
            cooperative=w.coop, assembly_id=second.pk, actor=w.board, number=number
        )
        for i, choice in enumerate(choices.split()):
            services.assembly_vote_cast(
                cooperative=w.coop,
                assembly_id=second.pk,
                number=number,
                user=w.user(i),
                choice=choice,
            )
        services.agenda_item_close(
            cooperative=w.coop, assembly_id=second.pk, actor=w.board, number=number
        )
    items_by_number = {i.number: i for i in AgendaItem.objects.filter(assembly=second)}
    assert items_by_number[1].adopted is True
    assert items_by_number[1].result["threshold"] == "2/3"
    assert items_by_number[2].adopted is True
    assert items_by_number[2].result["majority"] == "simple"
    assert items_by_number[3].adopted is False
    assert items_by_number[3].result["expressed"] == "2"
    assert items_by_number[3].result["base"] == "3"


def _statute_change_of_ten(basis: str | None, choices: list[str]):
    """An extraordinary assembly of 10 members, all present, one statute change (item 1) voted
    with ``choices`` by the first members; the co-op's majority base set to ``basis`` if given."""
    w = world(10)
    if basis is not None:
        parameter_set(
            cooperative=w.coop,
            key="majority_extraordinary_base",
            value=basis,
            effective_from=timezone.localdate(),
            source="statutes",
            source_ref="Statutes art. 22",
            actor=None,
        )
    a = convene(w, kind="extraordinary", items=[spec("Amend article 3", kind="extraordinary")])
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    for i in range(10):
        services.attendance_record(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=w.members[i].pk
        )
    services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    for i, choice in enumerate(choices):
        services.assembly_vote_cast(
            cooperative=w.coop, assembly_id=a.pk, number=1, user=w.user(i), choice=choice
        )
    item = services.agenda_item_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    return w, a, item


@pytest.mark.parametrize(
    ("basis", "adopted", "base", "wording"),
    [
        (None, False, "10", "of the votes present or represented"),
        ("present_or_represented", False, "10", "of the votes present or represented"),
        ("expressed", True, "7", "of the expressed votes"),
    ],
)
def test_the_statute_majority_base_is_a_governed_choice(
    basis: str | None, adopted: bool, base: str, wording: str
) -> None:
    """Worked example: 10 present, 6 yes, 1 no, 3 abstain on a statute change. Counted on the
    votes present or represented (the default, loi 78-763 art. 11) 6/10 < 2/3: rejected; on the
    expressed votes (L225-96, a co-op that chose it) 6/7 >= 2/3: adopted. The minutes say which."""
    w, a, item = _statute_change_of_ten(basis, ["yes"] * 6 + ["no"] + ["abstain"] * 3)
    assert item.adopted is adopted
    assert item.result["base"] == base
    assert item.result["majority_base"] == (basis or "present_or_represented")
    assert item.result["expressed"] == "7"
    context = minutes_context(cooperative=w.coop, assembly_id=a.pk, viewer=w.board)
    html = render_to_string("governance/minutes.html", {**context, "LANGUAGE_CODE": "en"})
    assert f"at least 2/3 {wording}" in " ".join(html.split())


@pytest.mark.parametrize(
    ("basis", "adopted", "base"), [(None, False, "10"), ("expressed", True, "7")]
)
def test_members_present_who_cast_nothing_count_in_the_present_base(
    basis: str | None, adopted: bool, base: str
) -> None:
    """10 present, 6 yes, 1 no and 3 who cast nothing: on the votes present or represented the
    silent three count against (6/10 < 2/3, rejected); on the expressed votes 6/7 is adopted."""
    _w, _a, item = _statute_change_of_ten(basis, ["yes"] * 6 + ["no"])
    assert item.adopted is adopted
    assert item.result["base"] == base
    assert item.result.get("silent", 0) == (3 if basis is None else 0)


def test_a_coop_that_raised_the_majority_to_three_quarters_applies_it() -> None:
    w = world(4)
    parameter_set(
        cooperative=w.coop,
        key="majority_extraordinary",
        value="3/4",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="Statutes art. 22",
        actor=None,
    )
    a = convene(w, kind="extraordinary", items=[spec("Amend article 3", kind="extraordinary")])
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    for i in range(3):
        services.attendance_record(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=w.members[i].pk
        )
    services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    for i, choice in enumerate(("yes", "yes", "no")):
        services.assembly_vote_cast(
            cooperative=w.coop, assembly_id=a.pk, number=1, user=w.user(i), choice=choice
        )
    item = services.agenda_item_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    assert item.result["threshold"] == "3/4"
    assert item.adopted is False  # 2/3 < 3/4


def test_votes_are_weighted_by_college_when_the_coop_weights_them() -> None:
    """Worked example: colleges workers 50 %, users 40 %, sponsors 10 % (two workers, one user,
    one sponsor, all present).

    - Item 1: workers yes + no, user yes, sponsor no. Each worker weighs 50/2 = 25:
      yes = 25 + 40 = 65, no = 25 + 10 = 35 -> adopted (one member, one vote: 2-2, rejected).
    - Item 2: workers yes + yes, user no, sponsor no: yes = 50, no = 40 + 10 = 50 -> a tie is not
      a majority, rejected.
    """
    coop = testing.make_coop("scic1", legal_form="scic")
    board = testing.make_board(coop, "scic-board")
    workers = [testing.make_member(coop, board=board, college="workers") for _ in range(2)]
    user = testing.make_member(coop, board=board, college="users")
    sponsor = testing.make_member(coop, board=board, college="sponsors", shares=10)
    college_weights_set(
        cooperative=coop,
        weights={"workers": Decimal(50), "users": Decimal(40), "sponsors": Decimal(10)},
        actor=None,
    )
    w = World(coop, board, [*workers, user, sponsor])
    a = convene(w, items=[spec("Open a second city"), spec("Buy electric bikes")])
    services.assembly_open(cooperative=coop, assembly_id=a.pk, actor=board, now=at(a))
    for m in w.members:
        services.attendance_record(cooperative=coop, assembly_id=a.pk, actor=board, member_id=m.pk)
    services.assembly_quorum_check(cooperative=coop, assembly_id=a.pk, actor=board)
    results = {}
    for number, choices in ((1, ("yes", "no", "yes", "no")), (2, ("yes", "yes", "no", "no"))):
        services.agenda_item_open(cooperative=coop, assembly_id=a.pk, actor=board, number=number)
        for m, choice in zip(w.members, choices, strict=True):
            services.assembly_vote_cast(
                cooperative=coop, assembly_id=a.pk, number=number, user=m.user, choice=choice
            )
        results[number] = services.agenda_item_close(
            cooperative=coop, assembly_id=a.pk, actor=board, number=number
        )
    one, two = results[1], results[2]
    assert one.result["weighted"] is True
    assert (Fraction(one.result["yes"]), Fraction(one.result["no"])) == (65, 35)
    assert one.result["heads"]["yes"] == 2 and one.result["heads"]["no"] == 2
    assert one.result["by_college"]["workers"] == {"yes": 1, "no": 1, "abstain": 0, "blank": 0}
    assert one.adopted is True
    assert (Fraction(two.result["yes"]), Fraction(two.result["no"])) == (50, 50)
    assert two.adopted is False
    # Shown as shares of the votes cast, in %.
    assert item_figures(one)["yes"] == "65" and item_figures(two)["no"] == "50"
    services.assembly_close(cooperative=coop, assembly_id=a.pk, actor=board)
    pdf = minutes_pdf(cooperative=coop, assembly_id=a.pk, viewer=board, language="en")
    assert_pdf_contains(pdf, "Votes weighted by college", "workers", "Adopted", "Rejected")


# --- Votes --------------------------------------------------------------------------------------


def _sitting(n: int = 5):
    w = world(n)
    a = convene(w, items=[spec("First"), spec("Second")])
    return w, a


def test_vote_refusals_write_nothing() -> None:
    w, a = _sitting()
    # Postal votes: unknown item, bad choice, then one vote and a second on the same item.
    refused(
        "agenda_item_not_found",
        services.postal_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        choices={9: "yes"},
        now=at(a, -2000),
    )
    refused(
        "assembly_vote_invalid",
        services.postal_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        choices={1: "maybe"},
        now=at(a, -2000),
    )
    services.postal_vote_cast(
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        choices={1: "yes"},
        now=at(a, -2000),
    )
    refused(
        "assembly_already_voted",
        services.postal_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(0),
        choices={1: "no"},
        now=at(a, -2000),
    )
    # After the cut-off (the day before by default), no postal vote.
    refused(
        "postal_voting_closed",
        services.postal_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(1),
        choices={1: "no"},
        now=at(a, -60),
    )
    # The board member is not a member: no vote.
    refused(
        "assembly_not_eligible",
        services.postal_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.board,
        choices={1: "no"},
        now=at(a, -2000),
    )
    refused(
        "assembly_not_yet",
        services.assembly_open,
        cooperative=w.coop,
        assembly_id=a.pk,
        actor=w.board,
        now=at(a, -61),
    )
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a, -60))
    services.assembly_check_in(cooperative=w.coop, assembly_id=a.pk, user=w.user(0))
    services.assembly_check_in(cooperative=w.coop, assembly_id=a.pk, user=w.user(1))
    refused(
        "assembly_already_checked_in",
        services.assembly_check_in,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=w.user(1),
    )
    # Not sitting yet (quorum not checked): no vote.
    refused(
        "assembly_wrong_state",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(1),
        choice="yes",
    )
    services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    # Item 1 is not open yet.
    refused(
        "agenda_item_not_open",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(1),
        choice="yes",
    )
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    refused(
        "agenda_item_still_open",
        services.agenda_item_open,
        cooperative=w.coop,
        assembly_id=a.pk,
        actor=w.board,
        number=2,
    )
    services.assembly_vote_cast(
        cooperative=w.coop, assembly_id=a.pk, number=1, user=w.user(1), choice="yes"
    )
    # Double vote; the postal voter voting again on the same item; a member not checked in;
    # a vote for someone whose proxy one does not hold.
    refused(
        "assembly_already_voted",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(1),
        choice="no",
    )
    refused(
        "assembly_already_voted",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(0),
        choice="no",
    )
    refused(
        "assembly_not_checked_in",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(2),
        choice="no",
    )
    refused(
        "assembly_no_proxy",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(1),
        choice="no",
        on_behalf_of=w.members[2].pk,
    )
    refused(
        "agenda_item_still_open",
        services.assembly_close,
        cooperative=w.coop,
        assembly_id=a.pk,
        actor=w.board,
    )
    # Members cannot chair.
    refused(
        "permission_denied",
        services.agenda_item_close,
        cooperative=w.coop,
        assembly_id=a.pk,
        actor=w.user(1),
        number=1,
    )
    item = services.agenda_item_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    assert item.adopted is True
    refused(
        "agenda_item_not_open",
        services.assembly_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        number=1,
        user=w.user(1),
        choice="no",
    )
    # The postal voter votes on item 2 in the session (they did not vote on it by post).
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=2)
    vote = services.assembly_vote_cast(
        cooperative=w.coop, assembly_id=a.pk, number=2, user=w.user(0), choice="no"
    )
    assert vote.channel == "remote"
    assert AssemblyVote.objects.filter(item__assembly=a).count() == 3


def test_a_member_admitted_after_the_convocation_does_not_take_part() -> None:
    w, a = _sitting(3)
    late = testing.make_member(w.coop, board=w.board, name="Late Comer")
    Member = type(late)
    Member.objects.filter(pk=late.pk).update(
        admitted_on=timezone.localdate() + dt.timedelta(days=1)
    )
    refused(
        "assembly_not_eligible",
        services.postal_vote_cast,
        cooperative=w.coop,
        assembly_id=a.pk,
        user=late.user,
        choices={1: "yes"},
        now=at(a, -2000),
    )
    assert assembly_attendance_summary(assembly=a).eligible == 3


def test_the_agenda_can_change_only_while_the_notice_can_still_be_given() -> None:
    w = world(3)
    a = convene(w, days=20, items=[spec("One"), spec("Two"), spec("Three")])
    services.agenda_item_remove(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=2)
    assert list(a.items.order_by("number").values_list("number", "title")) == [
        (1, "One"),
        (2, "Three"),
    ]
    services.agenda_item_add(cooperative=w.coop, assembly_id=a.pk, actor=w.board, item=spec("Four"))
    assert a.items.count() == 3
    refused(
        "agenda_locked",
        services.agenda_item_add,
        cooperative=w.coop,
        assembly_id=a.pk,
        actor=w.board,
        item=spec("Too late"),
        now=a.starts_at - dt.timedelta(days=10),
    )


def test_an_adopted_commission_rate_applies_from_its_effective_date_only() -> None:
    """The assembly sets commission_rate to 8 % from a date; a job booked after that date is
    priced at 8 %, one booked before keeps 12 %."""
    w = world(3)
    effective = timezone.localdate() + dt.timedelta(days=30)
    a = convene(
        w,
        items=[
            spec(
                "Lower the commission to 8 %",
                parameter_key="commission_rate",
                parameter_value="8/100",
                effective_from=effective,
            )
        ],
    )
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    for m in w.members:
        services.attendance_record(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=m.pk
        )
    services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    for m in w.members:
        services.assembly_vote_cast(
            cooperative=w.coop, assembly_id=a.pk, number=1, user=m.user, choice="yes"
        )
    item = services.agenda_item_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    assert item.adopted is True
    resolution = Resolution.objects.get(reference=item.reference)
    assert resolution.parameter_version is not None
    assert resolution.parameter_version.source == "resolution"
    assert parameter_value(cooperative=w.coop, key="commission_rate") == Fraction(12, 100)
    assert parameter_value(cooperative=w.coop, key="commission_rate", on=effective) == Fraction(
        8, 100
    )
    client = testing.make_user("client-1")

    def book(when: dt.datetime):
        return job_book(
            cooperative=w.coop,
            client=client,
            request=task_request(when + dt.timedelta(days=2)),
            now=when,
        )

    before = book(timezone.now())
    after = book(
        timezone.make_aware(dt.datetime.combine(effective, dt.time(9, 0))) + dt.timedelta(days=1)
    )
    assert before.terms["commission_rate"]["value"] == "3/25"
    assert after.terms["commission_rate"]["value"] == "2/25"
    assert after.terms["commission_rate"]["source"] == "resolution"
    assert before.quote["split"]["coop"] > after.quote["split"]["coop"]


def test_proxy_model_keeps_one_active_proxy_per_giver() -> None:
    w, a = _sitting(4)
    services.proxy_give(
        cooperative=w.coop, assembly_id=a.pk, user=w.user(0), holder_member_id=w.members[1].pk
    )
    services.proxy_revoke(cooperative=w.coop, assembly_id=a.pk, user=w.user(0))
    services.proxy_give(
        cooperative=w.coop, assembly_id=a.pk, user=w.user(0), holder_member_id=w.members[2].pk
    )
    assert Proxy.objects.filter(assembly=a, giver=w.members[0]).count() == 2
    assert (
        Proxy.objects.filter(assembly=a, giver=w.members[0], revoked_at__isnull=True).get().holder
        == w.members[2]
    )


def test_the_database_itself_refuses_a_second_vote_of_a_member_on_an_item() -> None:
    """The service checks first, but the unique (item, member) constraint is the last word."""
    from django.db import IntegrityError, transaction

    w, a = _sitting(2)
    services.postal_vote_cast(
        cooperative=w.coop, assembly_id=a.pk, user=w.user(0), choices={1: "yes"}, now=at(a, -2000)
    )
    vote = AssemblyVote.objects.get(item__assembly=a, member=w.members[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        AssemblyVote.objects.create(
            item=vote.item,
            member=vote.member,
            cast_by=w.members[1],
            channel="proxy",
            choice="no",
            college=vote.college,
            created_at=vote.created_at,
        )
    assert AssemblyVote.objects.filter(item=vote.item).count() == 1


def test_a_postal_vote_counts_for_the_quorum_of_the_items_it_covers_only() -> None:
    """10 members, ordinary first convocation (quorum 2). Member 0 attends; member 1 voted by
    post on item 1 only. The assembly sits (2 heads), item 1 is adopted with 2 yes; on item 2
    only member 0 counts, 1 < 2: not adopted, and the minutes say why."""
    w = world(10)
    a = convene(w, items=[spec("One"), spec("Two")])
    services.postal_vote_cast(
        cooperative=w.coop, assembly_id=a.pk, user=w.user(1), choices={1: "yes"}, now=at(a, -2000)
    )
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    services.attendance_record(
        cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=w.members[0].pk
    )
    sitting = services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    assert (sitting.status, sitting.present, sitting.quorum_required) == ("sitting", 2, 2)
    for number in (1, 2):
        services.agenda_item_open(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=number
        )
        services.assembly_vote_cast(
            cooperative=w.coop, assembly_id=a.pk, number=number, user=w.user(0), choice="yes"
        )
        services.agenda_item_close(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=number
        )
    one, two = AgendaItem.objects.filter(assembly=a).order_by("number")
    assert (one.adopted, one.result["present"], one.result["quorum_reached"]) == (True, 2, True)
    assert (two.adopted, two.result["present"], two.result["quorum_reached"]) == (False, 1, False)
    services.assembly_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    pdf = minutes_pdf(cooperative=w.coop, assembly_id=a.pk, viewer=w.board, language="en")
    assert_pdf_contains(pdf, "did not reach the quorum")


def test_members_are_reminded_once_a_day_before_postal_votes_close(
    django_capture_on_commit_callbacks,
) -> None:
    w = world(3)
    a = convene(w)
    cutoff = a.postal_cutoff
    assert services.assemblies_remind_due(now=cutoff - dt.timedelta(hours=25)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.assemblies_remind_due(now=cutoff - dt.timedelta(hours=23)) == 1
    reminders = Notification.objects.filter(kind="assembly.reminder")
    assert {n.user_id for n in reminders} == {m.user_id for m in w.members}
    assert [m.subject.startswith("Reminder") for m in mail.outbox[-3:]] == [True] * 3
    assert services.assemblies_remind_due(now=cutoff - dt.timedelta(hours=1)) == 0
    assert reminders.count() == 3


def test_a_coop_that_raised_its_quorum_needs_more_heads() -> None:
    """Statutes raise the ordinary first-convocation quorum to 1/2: 10 members need 5; with 4
    present it fails, although the legal 1/5 (2) would have been met."""
    w = world(10)
    parameter_set(
        cooperative=w.coop,
        key="quorum_ordinary_first",
        value="1/2",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="Statutes art. 21",
        actor=None,
    )
    a = convene(w)
    services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
    for m in w.members[:4]:
        services.attendance_record(
            cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=m.pk
        )
    a = services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
    assert (a.status, a.quorum, a.quorum_required, a.present) == ("failed", "1/2", 5, 4)
    refused(
        "parameter_out_of_bounds",
        parameter_set,
        cooperative=w.coop,
        key="quorum_ordinary_first",
        value="1/10",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="below the legal floor",
        actor=None,
    )


def test_every_step_is_audited_and_announced_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    from coopwork.core import events
    from coopwork.core.models import AuditEntry

    seen: list[events.Event] = []
    events.subscribe(seen.append)
    try:
        w = world(3)
        with django_capture_on_commit_callbacks(execute=False) as pending:
            a = convene(w)
        assert not any(e.name.startswith("assembly.") for e in seen)  # nothing before commit
        for callback in pending:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            services.proxy_give(
                cooperative=w.coop,
                assembly_id=a.pk,
                user=w.user(1),
                holder_member_id=w.members[0].pk,
            )
    finally:
        events._handlers.remove(seen.append)
    names = [e.name for e in seen]
    assert "assembly.convened" in names and "assembly.proxy_given" in names
    convened = next(e for e in seen if e.name == "assembly.convened" and "status" in e.payload)
    assert f"coop-{w.coop.pk}-member" in convened.audiences
    notices = [e for e in seen if e.name == "assembly.convened" and "text" in e.payload]
    assert {e.audiences for e in notices} == {(f"user-{m.user_id}",) for m in w.members}
    actions = set(AuditEntry.objects.filter(cooperative=w.coop).values_list("action", flat=True))
    assert {"assembly.convened", "assembly.proxy_given"} <= actions
