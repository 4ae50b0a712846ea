"""Online ballots through the services: motions, elections, eligibility, secrecy, scheduling.

Every refusal is checked with its stable code, a French message and nothing written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import override

from coopwork import testing
from coopwork.core.models import AuditEntry, Cooperative
from coopwork.core.services import parameter_set
from coopwork.governance import services
from coopwork.governance.models.ballots import (
    Ballot,
    BallotStatus,
    Elector,
    Paper,
    Receipt,
    Resolution,
    Vote,
)
from coopwork.governance.selectors import ballot_results, receipt_check, results_csv
from coopwork.marketplace.models import Notification
from coopwork.members.services import college_weights_set

from .conftest import refused

pytestmark = pytest.mark.django_db


def election(coop, board, *, method="approval", seats=2, secret=False, **kw):
    return services.ballot_create(
        cooperative=coop,
        actor=board,
        kind="election",
        title="Board election",
        method=method,
        seats=seats,
        secret=secret,
        candidates=[
            {"key": "ada", "name": "Ada"},
            {"key": "bob", "name": "Bob"},
            {"key": "cy", "name": "Cy"},
        ],
        **kw,
    )


def motion(coop, board, **kw):
    return services.ballot_create(
        cooperative=coop, actor=board, kind="motion", title="Buy a cargo bike", **kw
    )


@pytest.fixture
def members(coop, board_user):
    return [
        testing.make_member(coop, board=board_user, college=college, name=f"M{i}")
        for i, college in enumerate(["workers", "workers", "workers", "users", "users"])
    ]


def vote(coop, ballot, member, choice):
    return services.vote_cast(
        cooperative=coop, ballot_id=ballot.pk, user=member.user, choice=choice
    )


def test_motion_open_vote_change_and_close(coop, board_user, members):
    ballot = motion(coop, board_user)
    assert ballot.status == BallotStatus.OPEN
    assert Elector.objects.filter(ballot=ballot).count() == 5
    first = vote(coop, ballot, members[0], {"choice": "no"})
    assert first.receipt and not first.changed
    again = vote(coop, ballot, members[0], {"choice": "yes"})
    assert again.changed and again.receipt is None
    assert Vote.objects.get(ballot=ballot, member=members[0]).choice == {"choice": "yes"}
    vote(coop, ballot, members[1], {"choice": "yes"})
    vote(coop, ballot, members[2], {"choice": "abstain"})
    closed = services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    assert closed.status == BallotStatus.CLOSED and closed.adopted is True
    result = ballot_results(cooperative=coop, ballot_id=ballot.pk)
    assert result["motion"]["yes"] == "2" and result["motion"]["abstain"] == "1"
    assert result["voters"] == 3 and len(result["receipts"]) == 3
    assert Resolution.objects.get(ballot=ballot).number == 1
    actions = list(
        AuditEntry.objects.filter(object_id=str(ballot.pk), object_type__endswith="ballot")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "ballot.created",
        "ballot.opened",
        "vote.cast",
        "vote.changed",
        "vote.cast",
        "vote.cast",
        "ballot.closed",
    ]
    csv_text = results_csv(result=result)
    assert "yes,2,2" in csv_text


def test_results_hidden_until_close_unless_set_up_open(coop, board_user, members):
    hidden = motion(coop, board_user)
    vote(coop, hidden, members[0], {"choice": "yes"})
    exc = refused("ballot_results_hidden", ballot_results, cooperative=coop, ballot_id=hidden.pk)
    assert exc.status == 403
    visible = motion(coop, board_user, results_hidden=False)
    vote(coop, visible, members[0], {"choice": "yes"})
    live = ballot_results(cooperative=coop, ballot_id=visible.pk)
    assert live["final"] is False and live["motion"]["yes"] == "1" and "receipts" not in live


def test_vote_on_closed_and_not_yet_open_ballots_refused(coop, board_user, members):
    later = motion(coop, board_user, opens_at=timezone.now() + dt.timedelta(days=1))
    assert later.status == BallotStatus.SCHEDULED
    exc = refused(
        "ballot_not_open",
        services.vote_cast,
        cooperative=coop,
        ballot_id=later.pk,
        user=members[0].user,
        choice={"choice": "yes"},
    )
    assert exc.status == 409
    with override("fr"):
        assert "pas encore ouvert" in exc.render_message()
    done = motion(coop, board_user)
    services.ballot_close(cooperative=coop, ballot_id=done.pk, actor=board_user)
    exc = refused(
        "ballot_closed",
        services.vote_cast,
        cooperative=coop,
        ballot_id=done.pk,
        user=members[0].user,
        choice={"choice": "yes"},
    )
    with override("fr"):
        assert "clos" in exc.render_message()


def test_non_member_and_member_admitted_after_opening_refused(coop, board_user, members):
    ballot = motion(coop, board_user)
    outsider = testing.make_user("outsider")
    exc = refused(
        "ballot_not_member",
        services.vote_cast,
        cooperative=coop,
        ballot_id=ballot.pk,
        user=outsider,
        choice={"choice": "yes"},
    )
    assert exc.status == 403
    with override("fr"):
        assert "membres" in exc.render_message()
    newcomer = testing.make_member(coop, board=board_user, name="Newcomer")
    exc = refused(
        "ballot_admitted_after_opening",
        services.vote_cast,
        cooperative=coop,
        ballot_id=ballot.pk,
        user=newcomer.user,
        choice={"choice": "yes"},
    )
    assert exc.status == 403
    with override("fr"):
        assert "registre" in exc.render_message()
    # The next ballot includes them.
    nxt = motion(coop, board_user)
    assert vote(coop, nxt, newcomer, {"choice": "yes"}).receipt


@pytest.mark.parametrize(
    ("method", "choice", "code", "fr_word"),
    [
        ("approval", {"choices": ["ada", "bob", "cy"]}, "ballot_too_many_choices", "plus"),
        ("vote_for_n", {"choices": ["ada", "bob", "cy"]}, "ballot_too_many_choices", "plus"),
        ("approval", {"choices": ["ada", "zed"]}, "ballot_unknown_candidate", "candidat"),
        ("stv_scottish", {"ranking": ["ada", "bob", "ada"]}, "ballot_duplicate_ranking", "fois"),
        ("stv_meek", {"ranking": ["zed"]}, "ballot_unknown_candidate", "candidat"),
        ("vote_for_n", {"choices": ["ada", "ada"]}, "ballot_duplicate_choice", "deux fois"),
        ("yes_no", {"marks": {"ada": "maybe"}}, "ballot_invalid_choice", "oui"),
    ],
)
def test_ballots_breaking_their_method_refused(
    coop, board_user, members, method, choice, code, fr_word
):
    ballot = election(
        coop, board_user, method=method, max_choices=2 if method == "approval" else None
    )
    exc = refused(
        code,
        services.vote_cast,
        cooperative=coop,
        ballot_id=ballot.pk,
        user=members[0].user,
        choice=choice,
    )
    assert exc.status == 400
    with override("fr"):
        assert fr_word in exc.render_message(), exc.render_message()


def test_irv_election_with_round_detail(coop, board_user, members):
    ballot = election(coop, board_user, method="irv", seats=1)
    rankings = [["ada", "bob"], ["bob", "ada"], ["cy", "ada"], ["ada"], ["bob", "cy"]]
    for m, r in zip(members, rankings, strict=True):
        vote(coop, ballot, m, {"ranking": r})
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    result = ballot_results(cooperative=coop, ballot_id=ballot.pk)
    assert result["election"]["winners"] == ["ada"]
    assert len(result["election"]["rounds"]) >= 2
    eliminated = [r["eliminated"] for r in result["election"]["rounds"] if r["eliminated"]]
    assert eliminated[0] == ["cy"]
    assert result["election"]["rounds"][0]["tallies"] == {"ada": "2", "bob": "2", "cy": "1"}


def test_secret_ballot_keeps_voter_apart_and_receipts_check(coop, board_user, members):
    ballot = election(coop, board_user, method="stv_meek", seats=2, secret=True)
    receipts = []
    for m, r in zip(
        members, [["ada"], ["bob", "ada"], ["ada", "cy"], ["cy"], ["bob"]], strict=True
    ):
        receipts.append(vote(coop, ballot, m, {"ranking": r}).receipt)
    # Who voted is recorded without the choice; the papers carry no voter.
    assert set(Vote.objects.filter(ballot=ballot).values_list("choice", flat=True)) == {None}
    assert Paper.objects.filter(ballot=ballot).count() == 5
    assert {f.name for f in Paper._meta.get_fields()} == {"id", "ballot", "college", "choice"}
    assert {f.name for f in Receipt._meta.get_fields()} == {"id", "ballot", "digest"}
    for entry in AuditEntry.objects.filter(action="vote.cast"):
        assert "choice" not in entry.data
    # The vote cannot be changed.
    exc = refused(
        "ballot_already_voted",
        services.vote_cast,
        cooperative=coop,
        ballot_id=ballot.pk,
        user=members[0].user,
        choice={"ranking": ["bob"]},
    )
    with override("fr"):
        assert "secret" in exc.render_message()
    check = receipt_check(cooperative=coop, ballot_id=ballot.pk, code=receipts[0])
    assert check.recorded and not check.counted and not check.final
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    for code in receipts:
        check = receipt_check(cooperative=coop, ballot_id=ballot.pk, code=code.lower())
        assert check.counted and check.final
    forged = receipt_check(cooperative=coop, ballot_id=ballot.pk, code="AAAA-AAAA-AAAA-AAAA")
    assert not forged.recorded and not forged.counted
    result = ballot_results(cooperative=coop, ballot_id=ballot.pk)
    # Papers are published in canonical order, receipts apart and sorted.
    assert result["receipts"] == sorted(result["receipts"])
    assert len(result["papers"]) == 5 and all("member" not in p for p in result["papers"])
    assert sorted(result["election"]["winners"]) == ["ada", "bob"]
    refused("receipt_invalid", receipt_check, cooperative=coop, ballot_id=ballot.pk, code="x")


def test_college_weighting_worked_example(coop, board_user, members):
    """Workers weigh 50 %, users 30 %, sponsors 20 % (no sponsor votes, so theirs is unused).

    3 workers vote yes, no, no -> each worker ballot weighs 50/3: yes 50/3, no 100/3;
    2 users vote yes, yes      -> each user ballot weighs 30/2 = 15: yes 30.
    Weighted: yes = 50/3 + 30 = 140/3, no = 100/3, adopted (simple majority of expressed votes).
    """
    college_weights_set(
        cooperative=coop,
        weights={"workers": Decimal(50), "users": Decimal(30), "sponsors": Decimal(20)},
        actor=None,
    )
    ballot = motion(coop, board_user)
    assert ballot.college_weights == {"workers": "50", "users": "30", "sponsors": "20"}
    for m, c in zip(members, ["yes", "no", "no", "yes", "yes"], strict=True):
        vote(coop, ballot, m, {"choice": c})
    services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    m = ballot_results(cooperative=coop, ballot_id=ballot.pk)["motion"]
    assert (m["yes"], m["no"]) == ("140/3", "100/3")
    assert m["weighted"] is True and m["adopted"] is True


def test_college_weighting_turns_a_head_majority(coop, board_user, members):
    """3 workers vote no (50 % of the weight), 2 users vote yes (30 %): heads 2-3, weight 30-50."""
    college_weights_set(
        cooperative=coop,
        weights={"workers": Decimal(20), "users": Decimal(50), "sponsors": Decimal(30)},
        actor=None,
    )
    ballot = motion(coop, board_user)
    for m, c in zip(members, ["no", "no", "no", "yes", "yes"], strict=True):
        vote(coop, ballot, m, {"choice": c})
    closed = services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    assert closed.adopted is True  # 50 (users) > 20 (workers) although 3 heads said no
    assert closed.result["motion"]["yes"] == "50" and closed.result["motion"]["no"] == "20"


def test_schedule_opens_reminds_and_closes(
    coop, board_user, members, django_capture_on_commit_callbacks
):
    now = timezone.now()
    ballot = motion(
        coop,
        board_user,
        opens_at=now + dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=30),
    )
    assert services.ballots_run_due(now=now) == {"opened": 0, "reminded": 0, "closed": 0}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ballots_run_due(now=now + dt.timedelta(hours=2))["opened"] == 1
    assert len(mail.outbox) == 5
    vote(coop, ballot, members[0], {"choice": "yes"})
    # 24 h before closing: the four who have not voted are reminded, once.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ballots_run_due(now=now + dt.timedelta(hours=7))["reminded"] == 1
    assert services.ballots_run_due(now=now + dt.timedelta(hours=8))["reminded"] == 0
    assert len(mail.outbox) == 4
    assert Notification.objects.filter(kind="governance.ballot_reminder", job=None).count() == 4
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=now - dt.timedelta(seconds=1))
    assert services.ballots_run_due()["closed"] == 1
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED and ballot.adopted is True
    assert Notification.objects.filter(kind="governance.ballot_closed").count() == 5


def test_a_long_vote_gets_a_halfway_reminder_too(coop, board_user, members):
    now = timezone.now()
    ballot = motion(coop, board_user, closes_at=now + dt.timedelta(days=6))
    vote(coop, ballot, members[0], {"choice": "yes"})
    assert services.ballots_run_due(now=now + dt.timedelta(days=2))["reminded"] == 0
    assert services.ballots_run_due(now=now + dt.timedelta(days=3, hours=1))["reminded"] == 1
    assert services.ballots_run_due(now=now + dt.timedelta(days=4))["reminded"] == 0
    assert services.ballots_run_due(now=now + dt.timedelta(days=5, hours=1))["reminded"] == 1
    entries = AuditEntry.objects.filter(action="ballot.reminded").order_by("id")
    assert [e.data["when"] for e in entries] == ["halfway", "24h"]
    assert [e.data["reminded"] for e in entries] == [4, 4]


def test_bad_ballot_setup_refused(coop, board_user, members):
    exc = refused(
        "ballot_config_invalid",
        services.ballot_create,
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="IRV for two",
        method="irv",
        seats=2,
        candidates=[{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
    )
    with override("fr"):
        assert "scrutin" in exc.render_message()
    refused(
        "permission_denied",
        services.ballot_create,
        cooperative=coop,
        actor=members[0].user,
        kind="motion",
        title="Not mine to call",
    )


def test_other_coops_ballot_is_not_found(coop, board_user, members, other_coop):
    ballot = motion(coop, board_user)
    refused(
        "ballot_not_found",
        services.vote_cast,
        cooperative=other_coop,
        ballot_id=ballot.pk,
        user=members[0].user,
        choice={"choice": "yes"},
    )


def test_coop_fixture_is_not_weighted_by_default(coop: Cooperative, board_user):
    parameter_set(
        cooperative=coop,
        key="colleges_weighted",
        value=False,
        effective_from=dt.date(2020, 1, 1),
        source="statutes",
        source_ref="Statutes art. 1",
        actor=None,
    )
    assert motion(coop, board_user).college_weights is None


def test_coopwork_tick_runs_the_ballot_schedule(coop, board_user, members):
    import io

    from django.core.management import call_command

    ballot = motion(coop, board_user)
    vote(coop, ballot, members[0], {"choice": "yes"})
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    out = io.StringIO()
    call_command("tick", stdout=out)
    assert "run_ballot_schedule" in out.getvalue()
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED and ballot.adopted is True


def test_secret_ballot_cannot_show_a_live_count(coop, board_user, members):
    exc = refused(
        "ballot_config_invalid",
        services.ballot_create,
        cooperative=coop,
        actor=board_user,
        kind="motion",
        title="Secret but live",
        secret=True,
        results_hidden=False,
    )
    with override("fr"):
        assert "secret" in exc.render_message()


def test_weights_missing_for_a_college_count_one_member_one_vote(coop, board_user, members):
    """colleges_weighted is on (SCIC default) but no weights are recorded: heads count."""
    ballot = motion(coop, board_user)
    assert ballot.college_weights is None
    for m, c in zip(members, ["no", "no", "no", "yes", "yes"], strict=True):
        vote(coop, ballot, m, {"choice": c})
    closed = services.ballot_close(cooperative=coop, ballot_id=ballot.pk, actor=board_user)
    assert closed.adopted is False and closed.result["motion"]["weighted"] is False


def test_dashboard_turnout_per_ballot_and_per_college(coop, board_user, members):
    from coopwork.governance.selectors import governance_dashboard

    first = motion(coop, board_user)
    for m in members[:3]:  # the three workers
        vote(coop, first, m, {"choice": "yes"})
    services.ballot_close(cooperative=coop, ballot_id=first.pk, actor=board_user)
    second = motion(coop, board_user)
    for m in (members[0], members[3]):  # one worker, one user
        vote(coop, second, m, {"choice": "no"})
    services.ballot_close(cooperative=coop, ballot_id=second.pk, actor=board_user)
    still_open = motion(coop, board_user)
    data = governance_dashboard(cooperative=coop)
    assert [b.pk for b in data["open_ballots"]] == [still_open.pk]
    rows = [(t["ballot"].pk, t["rate"], t["by_college"]) for t in data["turnout"]]
    assert rows == [
        (first.pk, 3 / 5, {"users": 0.0, "workers": 1.0}),
        (second.pk, 2 / 5, {"users": 0.5, "workers": 1 / 3}),
    ]
    assert data["college_names"] == {"users": "Users and clients", "workers": "Worker members"}
    assert [r.ballot_id for r in data["resolutions"]] == [first.pk]


def test_notifications_are_read_in_the_readers_language(coop, board_user, members):
    with override("en"):
        ballot = motion(coop, board_user)
    note = Notification.objects.filter(kind="governance.ballot_opened").first()
    assert note is not None and note.job_id is None
    assert note.params["title"] == ballot.title
    with override("fr"):
        assert note.message.startswith("Vote ouvert : « Buy a cargo bike »")
    with override("en"):
        assert note.message.startswith("Vote open: “Buy a cargo bike”")
