"""Reads for proposals, ballots, results, receipts and the register of decisions."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from coopwork.core.models import Cooperative, RoleName
from coopwork.core.selectors import user_roles
from coopwork.governance import errors
from coopwork.governance.models.ballots import (
    Amendment,
    Ballot,
    BallotStatus,
    Comment,
    Elector,
    Proposal,
    ProposalStatus,
    Receipt,
    Resolution,
    Vote,
)
from coopwork.governance.services.ballots import (
    receipt_digest,
    support_count,
    support_required,
    tally,
)
from coopwork.members.models import College, Member, MemberStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

__all__ = [
    "BallotView",
    "ProposalView",
    "ballot_detail",
    "ballot_list",
    "ballot_results",
    "decision_register",
    "governance_dashboard",
    "proposal_detail",
    "proposal_list",
    "receipt_check",
    "resolution_for_parameter_versions",
    "results_csv",
]

RECEIPT_SHAPE = re.compile(r"^[A-Z0-9]{4}(-?[A-Z0-9]{4}){3}$")


def _member(cooperative: Cooperative, user: User | AnonymousUser | None) -> Member | None:
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.filter(
        cooperative=cooperative, user_id=user.pk, status=MemberStatus.ACTIVE
    ).first()


def _is_officer(cooperative: Cooperative, user: User | AnonymousUser | None) -> bool:
    return bool(user_roles(user=user, cooperative=cooperative) & {RoleName.BOARD, RoleName.ADMIN})


# --- Proposals ------------------------------------------------------------------------------------


def proposal_list(*, cooperative: Cooperative, status: str | None = None) -> QuerySet[Proposal]:
    qs = (
        Proposal.objects.filter(cooperative=cooperative)
        .select_related("author")
        .annotate(
            n_supports=Count(
                "supports",
                filter=Q(supports__member__status=MemberStatus.ACTIVE),
                distinct=True,
            )
        )
        .order_by("-number")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


@dataclass
class ProposalView:
    proposal: Proposal
    comments: list[Comment]
    amendments: list[Amendment]
    supports: int
    required: int
    supported_by_viewer: bool
    is_author: bool
    can_put_to_vote: bool
    ballots: list[Ballot]


def proposal_detail(
    *, cooperative: Cooperative, proposal_id: int, user: User | AnonymousUser | None
) -> ProposalView:
    proposal = (
        Proposal.objects.select_related("author")
        .filter(cooperative=cooperative, pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise errors.ProposalNotFound()
    member = _member(cooperative, user)
    supports = support_count(proposal=proposal)
    required = support_required(cooperative=cooperative)
    supported = member is not None and proposal.supports.filter(member=member).exists()
    is_author = member is not None and proposal.author_id == member.pk
    officer = _is_officer(cooperative, user)
    open_ = proposal.status == ProposalStatus.DISCUSSION
    return ProposalView(
        proposal=proposal,
        comments=list(proposal.comments.select_related("author")),
        amendments=list(proposal.amendments.select_related("author")),
        supports=supports,
        required=required,
        supported_by_viewer=supported,
        is_author=is_author,
        can_put_to_vote=open_ and (officer or (supports >= required and (supported or is_author))),
        ballots=list(proposal.ballots.order_by("-number")),
    )


# --- Ballots --------------------------------------------------------------------------------------


def ballot_list(*, cooperative: Cooperative, status: str | None = None) -> QuerySet[Ballot]:
    qs = Ballot.objects.filter(cooperative=cooperative).order_by("-number")
    if status:
        qs = qs.filter(status=status)
    return qs


@dataclass
class BallotView:
    ballot: Ballot
    candidates: list[Any]
    is_elector: bool
    is_member: bool
    has_voted: bool
    my_choice: dict[str, Any] | None
    can_vote: bool
    can_change: bool
    results_visible: bool
    voters: int
    extra: dict[str, Any] = field(default_factory=dict)


def _ballot(cooperative: Cooperative, ballot_id: int) -> Ballot:
    ballot = Ballot.objects.filter(cooperative=cooperative, pk=ballot_id).first()
    if ballot is None:
        raise errors.BallotNotFound()
    return ballot


def ballot_detail(
    *, cooperative: Cooperative, ballot_id: int, user: User | AnonymousUser | None
) -> BallotView:
    ballot = (
        Ballot.objects.filter(cooperative=cooperative, pk=ballot_id)
        .prefetch_related(Prefetch("candidates"))
        .first()
    )
    if ballot is None:
        raise errors.BallotNotFound()
    member = _member(cooperative, user)
    elector = member is not None and Elector.objects.filter(ballot=ballot, member=member).exists()
    vote = Vote.objects.filter(ballot=ballot, member=member).first() if member else None
    is_open = ballot.status == BallotStatus.OPEN and timezone.now() < ballot.closes_at
    return BallotView(
        ballot=ballot,
        candidates=list(ballot.candidates.all()),
        is_elector=elector,
        is_member=member is not None,
        has_voted=vote is not None,
        my_choice=vote.choice if vote is not None else None,
        can_vote=is_open and elector and vote is None,
        can_change=is_open and elector and vote is not None and not ballot.secret,
        # A live count exists only while the ballot is open (none before it opens).
        results_visible=ballot.status == BallotStatus.CLOSED
        or (ballot.status == BallotStatus.OPEN and not ballot.results_hidden),
        voters=Vote.objects.filter(ballot=ballot).count(),
    )


def ballot_results(*, cooperative: Cooperative, ballot_id: int) -> dict[str, Any]:
    """The published result (after closing), or the live count when results are not hidden."""
    ballot = _ballot(cooperative, ballot_id)
    if ballot.status == BallotStatus.CLOSED and ballot.result is not None:
        result = dict(ballot.result)
        final = True
    elif ballot.results_hidden or ballot.status != BallotStatus.OPEN:
        raise errors.BallotResultsHidden()
    else:
        result = tally(ballot)
        result.pop("receipts", None)  # published with the final tally only
        final = False
    return {
        "ballot": ballot.pk,
        "number": ballot.number,
        "title": ballot.title,
        "kind": ballot.kind,
        "method": ballot.method,
        "seats": ballot.seats,
        "secret": ballot.secret,
        "final": final,
        "closed_at": ballot.closed_at.isoformat() if ballot.closed_at else None,
        "adopted": ballot.adopted,
        **result,
    }


def results_csv(*, result: dict[str, Any]) -> str:
    """Results as CSV: one line per candidate (or choice) and round, then the counted papers."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["ballot", result["number"], result["title"]])
    w.writerow(["electors", result["electors"], "voters", result["voters"]])
    if result["kind"] == "motion":
        m = result["motion"]
        w.writerow(["choice", "votes", "heads"])
        for choice in ("yes", "no", "abstain"):
            w.writerow([choice, m[choice], m["heads"].get(choice, 0)])
        w.writerow(["quorum_reached", m["quorum_reached"], "adopted", m["adopted"]])
    else:
        e = result["election"]
        names = result.get("names", {})
        w.writerow(["round", "action", "candidate", "name", "votes", "elected", "eliminated"])
        for r in e["rounds"]:
            for key, value in r["tallies"].items():
                w.writerow(
                    [
                        r["number"],
                        r["action"],
                        key,
                        names.get(key, key),
                        value,
                        key in r["elected"],
                        key in r["eliminated"],
                    ]
                )
        w.writerow(["winners", *e["winners"]])
    if result.get("receipts"):
        w.writerow(["receipt_sha256"])
        for digest in result["receipts"]:
            w.writerow([digest])
    return out.getvalue()


@dataclass(frozen=True)
class ReceiptCheck:
    recorded: bool  # the ballot holds this receipt
    counted: bool  # it is in the published tally
    final: bool  # the ballot has closed


def receipt_check(*, cooperative: Cooperative, ballot_id: int, code: str) -> ReceiptCheck:
    """Is this receipt code's paper in the ballot (and in the published tally once closed)?"""
    ballot = _ballot(cooperative, ballot_id)
    normalised = (code or "").strip().upper().replace(" ", "")
    if not RECEIPT_SHAPE.match(normalised):
        raise errors.ReceiptInvalid()
    digest = receipt_digest(ballot.pk, normalised)
    recorded = Receipt.objects.filter(ballot=ballot, digest=digest).exists()
    final = ballot.status == BallotStatus.CLOSED and ballot.result is not None
    counted = final and digest in set(ballot.result.get("receipts", []))  # type: ignore[union-attr]
    return ReceiptCheck(recorded=recorded, counted=bool(counted), final=final)


# --- Register and dashboard -----------------------------------------------------------------------


def decision_register(*, cooperative: Cooperative) -> QuerySet[Resolution]:
    """Every adopted decision, ballots and assemblies alike (newest first)."""
    return Resolution.objects.filter(cooperative=cooperative).select_related(
        "ballot", "parameter_version"
    )


def resolution_for_parameter_versions(
    *, cooperative: Cooperative, version_ids: list[int]
) -> dict[int, Resolution]:
    """The resolution that created each parameter version (to trace a fee back to its vote)."""
    return {
        r.parameter_version_id: r
        for r in Resolution.objects.filter(
            cooperative=cooperative, parameter_version_id__in=version_ids
        ).select_related("ballot")
        if r.parameter_version_id is not None
    }


def governance_dashboard(*, cooperative: Cooperative) -> dict[str, Any]:
    """Open decisions, turnout per closed ballot and per college, recent resolutions."""
    open_ballots = list(
        Ballot.objects.filter(
            cooperative=cooperative, status__in=(BallotStatus.OPEN, BallotStatus.SCHEDULED)
        )
        .annotate(n_votes=Count("votes"))
        .order_by("closes_at")
    )
    proposals = list(
        Proposal.objects.filter(cooperative=cooperative, status=ProposalStatus.DISCUSSION)
        .select_related("author")
        .order_by("-number")[:20]
    )
    closed = list(
        Ballot.objects.filter(cooperative=cooperative, status=BallotStatus.CLOSED)
        .exclude(result__isnull=True)
        .order_by("closed_at", "number")
    )[-20:]
    turnout = []
    colleges: set[str] = set()
    for b in closed:
        r = b.result or {}
        by_college = {
            c: (v["voters"] / v["electors"] if v["electors"] else 0.0)
            for c, v in r.get("turnout_by_college", {}).items()
        }
        colleges |= set(by_college)
        electors = r.get("electors", 0)
        turnout.append(
            {
                "ballot": b,
                "date": b.closed_at,
                "rate": (r.get("voters", 0) / electors) if electors else 0.0,
                "by_college": by_college,
            }
        )
    found = {
        c.code: c.localized("name")
        for c in College.objects.filter(cooperative=cooperative, code__in=colleges)
    }
    return {
        "college_names": {c: found.get(c, c) for c in sorted(colleges)},
        "open_ballots": open_ballots,
        "proposals": proposals,
        "turnout": turnout,
        "colleges": sorted(colleges),
        "resolutions": list(decision_register(cooperative=cooperative)[:10]),
    }
