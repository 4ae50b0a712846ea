"""Review findings on online ballots, each pinned by a test that failed before its fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from coopwork import testing
from coopwork.governance import errors, services
from coopwork.governance.models.ballots import Ballot, Elector
from coopwork.governance.tests.conftest import refused
from coopwork.members.models import Member

pytestmark = pytest.mark.django_db


def test_scheduled_ballot_showing_its_live_count_has_a_page(coop, board_user):
    """A ballot set up to show its live count, not open yet, has no count to show: its page
    renders (it used to answer 403 ``ballot_results_hidden`` to every member)."""
    member = testing.make_member(coop, board=board_user, name="Ada")
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="motion",
        title="Later",
        opens_at=timezone.now() + dt.timedelta(hours=2),
        results_hidden=False,
    )
    client = Client()
    client.force_login(member.user)
    response = client.get(f"/c/alpha/governance/ballots/{ballot.pk}/")
    assert response.status_code == 200
    assert "Later" in response.content.decode()
    api = client.get(f"/api/v1/coops/alpha/ballots/{ballot.pk}/results")
    assert api.status_code == 403
    assert api.json()["code"] == "ballot_results_hidden"


def test_proposal_waits_for_the_vote_on_its_amendment(coop, board_user):
    """While an amendment is put to the members' vote, the proposal cannot go to its own vote:
    the amendment, adopted afterwards, was marked accepted but its text never reached the
    proposal already being voted on."""
    members = [testing.make_member(coop, board=board_user, name=f"M{i}") for i in range(3)]
    proposal = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Bikes", body="Buy bikes."
    )
    amendment = services.amendment_propose(
        cooperative=coop, proposal_id=proposal.pk, user=members[1].user, body="Buy 3 bikes."
    )
    ballot = services.amendment_put_to_vote(
        cooperative=coop, amendment_id=amendment.pk, user=board_user
    )
    exc = refused(
        "proposal_amendment_voting",
        services.proposal_put_to_vote,
        cooperative=coop,
        proposal_id=proposal.pk,
        user=board_user,
    )
    assert exc.status == 409
    with translation.override("fr"):
        french = str(exc.message)
    with translation.override("en"):
        assert french != str(exc.message)
    assert isinstance(exc, errors.ProposalAmendmentVoting)
    for m in members:
        services.vote_cast(
            cooperative=coop, ballot_id=ballot.pk, user=m.user, choice={"choice": "yes"}
        )
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    proposal.refresh_from_db()
    assert proposal.body == "Buy 3 bikes."
    vote = services.proposal_put_to_vote(cooperative=coop, proposal_id=proposal.pk, user=board_user)
    assert vote.description == "Buy 3 bikes."


def test_register_is_read_on_the_day_the_ballot_was_due_to_open(coop, board_user):
    """A ballot opened late (the tick ran a day after ``opens_at``) takes its electors from the
    register of its opening day: a member admitted since does not vote on it."""
    early = testing.make_member(coop, board=board_user, name="Early")
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="motion",
        title="Late tick",
        opens_at=timezone.now() + dt.timedelta(hours=1),
        closes_at=timezone.now() + dt.timedelta(days=5),
    )
    two_days_ago = timezone.localdate() - dt.timedelta(days=2)
    Member.objects.filter(pk=early.pk).update(admitted_on=two_days_ago)
    # The ballot was due yesterday; the member below joined today, after that day.
    Ballot.objects.filter(pk=ballot.pk).update(opens_at=timezone.now() - dt.timedelta(days=1))
    late = testing.make_member(coop, board=board_user, name="Late")
    assert late.admitted_on == timezone.localdate()
    assert services.ballots_run_due()["opened"] == 1
    electors = set(Elector.objects.filter(ballot=ballot).values_list("member_id", flat=True))
    assert electors == {early.pk}
    refused(
        "ballot_admitted_after_opening",
        services.vote_cast,
        cooperative=coop,
        ballot_id=ballot.pk,
        user=late.user,
        choice={"choice": "yes"},
    )


def test_a_ballot_set_to_open_in_the_past_opens_now_with_todays_register(coop, board_user):
    """Backdating ``opens_at`` cannot leave out the members admitted since: the ballot opens
    now, on today's register."""
    member = testing.make_member(coop, board=board_user, name="New")
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="motion",
        title="Backdated",
        opens_at=timezone.now() - dt.timedelta(days=30),
        closes_at=timezone.now() + dt.timedelta(days=2),
    )
    assert ballot.status == "open"
    assert ballot.opens_at >= timezone.now() - dt.timedelta(minutes=1)
    assert Elector.objects.filter(ballot=ballot, member=member).exists()
    services.vote_cast(
        cooperative=coop, ballot_id=ballot.pk, user=member.user, choice={"choice": "yes"}
    )


def test_a_vote_stays_open_at_least_24_hours(coop, board_user):
    """A supporter putting a parameter change to a one-minute vote (quorum 0) could adopt it
    alone before anyone else could vote; every ballot now stays open at least 24 hours, the
    time of its closing reminder."""
    author = testing.make_member(coop, board=board_user, name="Author")
    proposal = services.proposal_file(
        cooperative=coop,
        user=author.user,
        title="Lower commission",
        body="To 5 %.",
        parameter_key="commission_rate",
        parameter_value="5/100",
        effective_from=timezone.localdate() + dt.timedelta(days=2),
    )
    services.proposal_support(cooperative=coop, proposal_id=proposal.pk, user=author.user)
    soon = timezone.now() + dt.timedelta(minutes=1)
    with translation.override("fr"):
        exc = refused(
            "ballot_config_invalid",
            services.proposal_put_to_vote,
            cooperative=coop,
            proposal_id=proposal.pk,
            user=author.user,
            closes_at=soon,
        )
        assert "au moins 24 heures" in exc.render_message()
    refused(
        "ballot_config_invalid",
        services.ballot_create,
        cooperative=coop,
        actor=board_user,
        kind="motion",
        title="Quick",
        closes_at=timezone.now() + dt.timedelta(hours=23),
    )
    ballot = services.proposal_put_to_vote(
        cooperative=coop,
        proposal_id=proposal.pk,
        user=author.user,
        closes_at=timezone.now() + dt.timedelta(hours=25),
    )
    assert ballot.status == "open"
