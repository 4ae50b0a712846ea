"""Proposals: filing, discussion, amendments, putting to a vote, and a resolution that changes
the commission rate from its effective date (jobs booked before keep the old rate)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.utils import timezone
from django.utils.translation import override

from coopwork import testing
from coopwork.core.models import AuditEntry
from coopwork.core.services import parameter_set
from coopwork.governance import services
from coopwork.governance.models.ballots import (
    AmendmentStatus,
    Ballot,
    Proposal,
    ProposalStatus,
    Resolution,
)
from coopwork.governance.selectors import proposal_detail, proposal_list
from coopwork.marketplace.services import job_book
from coopwork.marketplace.tests.helpers import at, task_request, weekday
from coopwork.members.models import MemberStatus

from .conftest import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(coop, board_user):
    return [testing.make_member(coop, board=board_user, name=f"P{i}") for i in range(12)]


def test_file_discuss_amend_and_accept(coop, board_user, members):
    author, other = members[0], members[1]
    proposal = services.proposal_file(
        cooperative=coop, user=author.user, title="Four-day week", body="We work four days."
    )
    assert proposal.number == 1 and proposal.status == ProposalStatus.DISCUSSION
    services.proposal_comment(
        cooperative=coop, proposal_id=proposal.pk, user=other.user, body="Good idea."
    )
    amendment = services.amendment_propose(
        cooperative=coop,
        proposal_id=proposal.pk,
        user=other.user,
        body="We work four days, paid five.",
        rationale="Same pay.",
    )
    refused(
        "proposal_not_author",
        services.amendment_decide,
        cooperative=coop,
        amendment_id=amendment.pk,
        user=other.user,
        accept=True,
    )
    services.amendment_decide(
        cooperative=coop, amendment_id=amendment.pk, user=author.user, accept=True
    )
    proposal.refresh_from_db()
    assert proposal.body == "We work four days, paid five."
    refused(
        "amendment_already_decided",
        services.amendment_decide,
        cooperative=coop,
        amendment_id=amendment.pk,
        user=author.user,
        accept=False,
    )
    view = proposal_detail(cooperative=coop, proposal_id=proposal.pk, user=author.user)
    assert len(view.comments) == 1 and view.amendments[0].status == AmendmentStatus.ACCEPTED


def test_members_put_to_vote_only_with_enough_support(coop, board_user, members):
    proposal = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Bike fund", body="Create a bike fund."
    )
    # 12 members: a tenth, rounded up, is 2 supporters.
    assert services.support_required(cooperative=coop) == 2
    exc = refused(
        "proposal_support_too_low",
        services.proposal_put_to_vote,
        cooperative=coop,
        proposal_id=proposal.pk,
        user=members[0].user,
    )
    with override("fr"):
        assert "conseil" in exc.render_message() and "2" in exc.render_message()
    services.proposal_support(cooperative=coop, proposal_id=proposal.pk, user=members[1].user)
    assert (
        services.proposal_support(cooperative=coop, proposal_id=proposal.pk, user=members[2].user)
        == 2
    )
    ballot = services.proposal_put_to_vote(
        cooperative=coop, proposal_id=proposal.pk, user=members[1].user
    )
    assert ballot.proposal_id == proposal.pk and ballot.kind == "motion"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VOTING
    refused(
        "proposal_closed",
        services.proposal_comment,
        cooperative=coop,
        proposal_id=proposal.pk,
        user=members[3].user,
        body="Too late",
    )


def test_support_threshold_is_the_governed_parameter_in_force(coop, board_user, members):
    """``proposal_support_share`` decides the threshold from its effective date; out of its
    bounds (1/100-1/2) a proposal to change it is refused and nothing is filed."""
    today = timezone.localdate()
    parameter_set(
        cooperative=coop,
        key="proposal_support_share",
        value="1/4",
        effective_from=today + dt.timedelta(days=30),
        source="resolution",
        source_ref="Resolution 2026-7",
        actor=None,
    )
    # 12 members: 1/10 today (2 supporters); 1/4 from its effective date (3 supporters).
    assert services.support_required(cooperative=coop) == 2
    assert services.support_required(cooperative=coop, on=today + dt.timedelta(days=30)) == 3
    parameter_set(
        cooperative=coop,
        key="proposal_support_share",
        value="1/4",
        effective_from=today,
        source="resolution",
        source_ref="Resolution 2026-8",
        actor=None,
    )
    assert services.support_required(cooperative=coop) == 3
    proposal = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Bike fund", body="Create a bike fund."
    )
    for supporter in members[1:3]:
        services.proposal_support(cooperative=coop, proposal_id=proposal.pk, user=supporter.user)
    exc = refused(
        "proposal_support_too_low",
        services.proposal_put_to_vote,
        cooperative=coop,
        proposal_id=proposal.pk,
        user=members[1].user,
    )
    assert "3" in exc.render_message()
    services.proposal_support(cooperative=coop, proposal_id=proposal.pk, user=members[3].user)
    ballot = services.proposal_put_to_vote(
        cooperative=coop, proposal_id=proposal.pk, user=members[1].user
    )
    assert ballot.proposal_id == proposal.pk
    filed = Proposal.objects.count()
    refused(
        "parameter_out_of_bounds",
        services.proposal_file,
        cooperative=coop,
        user=members[0].user,
        title="Majority to vote",
        body="Only a majority may call a vote.",
        parameter_key="proposal_support_share",
        parameter_value="3/4",
        effective_from=today + dt.timedelta(days=20),
    )
    assert Proposal.objects.count() == filed


def test_supporters_who_have_left_no_longer_count(coop, board_user, members):
    """12 active members need 2 supporters. P1 and P2 support, then P2 leaves the co-op: only
    P1 counts, so P1 cannot put it to a vote until P3 supports it too."""
    proposal = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Bike fund", body="Create a bike fund."
    )
    for supporter in members[1:3]:
        services.proposal_support(cooperative=coop, proposal_id=proposal.pk, user=supporter.user)
    leaver = members[2]
    leaver.status = MemberStatus.LEFT
    leaver.left_on = timezone.localdate()
    leaver.save(update_fields=["status", "left_on"])
    assert services.support_required(cooperative=coop) == 2
    view = proposal_detail(cooperative=coop, proposal_id=proposal.pk, user=members[1].user)
    assert (view.supports, view.can_put_to_vote) == (1, False)
    listed = proposal_list(cooperative=coop).get(pk=proposal.pk)
    assert listed.n_supports == 1
    before = Ballot.objects.count()
    refused(
        "proposal_support_too_low",
        services.proposal_put_to_vote,
        cooperative=coop,
        proposal_id=proposal.pk,
        user=members[1].user,
    )
    assert Ballot.objects.count() == before
    assert (
        services.proposal_support(cooperative=coop, proposal_id=proposal.pk, user=members[3].user)
        == 2
    )
    ballot = services.proposal_put_to_vote(
        cooperative=coop, proposal_id=proposal.pk, user=members[1].user
    )
    assert ballot.proposal_id == proposal.pk


def test_amendment_put_to_vote_and_adopted_changes_the_text(coop, board_user, members):
    proposal = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Hours", body="35 hours."
    )
    amendment = services.amendment_propose(
        cooperative=coop, proposal_id=proposal.pk, user=members[1].user, body="32 hours."
    )
    ballot = services.amendment_put_to_vote(
        cooperative=coop, amendment_id=amendment.pk, user=board_user
    )
    for m in members[:3]:
        services.vote_cast(
            cooperative=coop, ballot_id=ballot.pk, user=m.user, choice={"choice": "yes"}
        )
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    proposal.refresh_from_db()
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.ACCEPTED and proposal.body == "32 hours."
    assert proposal.status == ProposalStatus.DISCUSSION  # the proposal itself is still to vote
    assert not Resolution.objects.exists()


def test_a_proposal_cannot_be_withdrawn_while_an_amendment_is_voted_on(coop, board_user, members):
    """Withdrawing it then would let the amendment be accepted into a withdrawn text, never
    applied: refused (409), nothing written; once the amendment's vote is over it may go."""
    proposal = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Hours", body="35 hours."
    )
    amendment = services.amendment_propose(
        cooperative=coop, proposal_id=proposal.pk, user=members[1].user, body="32 hours."
    )
    ballot = services.amendment_put_to_vote(
        cooperative=coop, amendment_id=amendment.pk, user=board_user
    )
    exc = refused(
        "proposal_amendment_voting",
        services.proposal_withdraw,
        cooperative=coop,
        proposal_id=proposal.pk,
        user=members[0].user,
    )
    assert exc.status == 409
    assert "withdrawn" in exc.render_message()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISCUSSION
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    withdrawn = services.proposal_withdraw(
        cooperative=coop, proposal_id=proposal.pk, user=members[0].user
    )
    assert withdrawn.status == ProposalStatus.WITHDRAWN


def test_proposal_with_parameter_out_of_bounds_refused(coop, members):
    exc = refused(
        "parameter_out_of_bounds",
        services.proposal_file,
        cooperative=coop,
        user=members[0].user,
        title="Commission 80 %",
        body="More for the co-op.",
        parameter_key="commission_rate",
        parameter_value="80/100",
        effective_from=timezone.localdate() + dt.timedelta(days=5),
    )
    assert exc.status == 400
    with override("fr"):
        assert "doit" in exc.render_message()


def test_adopted_motion_changes_commission_from_its_effective_date(coop, board_user, members):
    """A motion lowers the commission from D: booked on D-1 keeps 12 %, on D+1 gets 8 %."""
    effective = weekday(10)
    proposal = services.proposal_file(
        cooperative=coop,
        user=members[0].user,
        title="Commission at 8 %",
        body="The co-op keeps 8 % of each job.",
        parameter_key="commission_rate",
        parameter_value="8/100",
        effective_from=effective,
    )
    ballot = services.proposal_put_to_vote(
        cooperative=coop, proposal_id=proposal.pk, user=board_user
    )
    for m, choice in zip(members[:5], ["yes", "yes", "yes", "no", "abstain"], strict=True):
        services.vote_cast(
            cooperative=coop, ballot_id=ballot.pk, user=m.user, choice={"choice": choice}
        )
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
    resolution = Resolution.objects.get(ballot=ballot)
    version = resolution.parameter_version
    assert version is not None and version.effective_from == effective
    assert version.source == "resolution" and version.source_ref.startswith("R1 ")
    entry = AuditEntry.objects.get(action="parameter.set")
    assert entry.data["effective_from"] == effective.isoformat()

    client = testing.make_user("client")
    before_day = effective - dt.timedelta(days=1)
    after_day = effective + dt.timedelta(days=1)
    job_before = job_book(
        cooperative=coop,
        client=client,
        request=task_request(at(weekday(20), 10)),
        now=at(before_day, 9),
    )
    job_after = job_book(
        cooperative=coop,
        client=client,
        request=task_request(at(weekday(20), 10)),
        now=at(after_day, 9),
    )
    old, new = job_before.terms["commission_rate"], job_after.terms["commission_rate"]
    assert Fraction(old["value"]) == Fraction(12, 100) and old["version"] is None
    assert Fraction(new["value"]) == Fraction(8, 100) and new["version"] == version.pk
    assert new["source"] == "resolution" and new["ref"] == version.source_ref
    assert Proposal.objects.filter(status=ProposalStatus.ADOPTED).count() == 1


def test_two_thirds_and_consent_majorities(coop, board_user, members):
    proposal = services.proposal_file(
        cooperative=coop,
        user=members[0].user,
        title="Commission at 20 %",
        body="More.",
        parameter_key="commission_rate",
        parameter_value="20/100",
        effective_from=timezone.localdate() + dt.timedelta(days=3),
    )
    ballot = services.proposal_put_to_vote(
        cooperative=coop, proposal_id=proposal.pk, user=board_user, majority="two_thirds"
    )
    for m, choice in zip(members[:3], ["yes", "yes", "no"], strict=True):
        services.vote_cast(
            cooperative=coop, ballot_id=ballot.pk, user=m.user, choice={"choice": choice}
        )
    closed = services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    assert closed.adopted is True  # 2/3 exactly is "at least two thirds"
    proposal2 = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Consent item", body="Quiet room."
    )
    b = services.proposal_put_to_vote(
        cooperative=coop, proposal_id=proposal2.pk, user=board_user, majority="consent"
    )
    for m, choice in zip(members[:3], ["yes", "abstain", "no"], strict=True):
        services.vote_cast(cooperative=coop, ballot_id=b.pk, user=m.user, choice={"choice": choice})
    closed = services.ballot_close(cooperative=coop, ballot_id=b.pk, actor=board_user)
    assert closed.adopted is False  # one objection blocks consent
    proposal2.refresh_from_db()
    assert proposal2.status == ProposalStatus.REJECTED
    assert not Resolution.objects.filter(ballot=b).exists()
