"""Proposals, amendments, online ballots, votes, results and the register of decisions.

/coops/{slug}/proposals, /amendments, /ballots and /resolutions. Reads are for the co-op's
members and officers; every write checks its own permission in its service.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import (
    ERRORS,
    Code,
    IdPath,
    In,
    LongText,
    Name,
    NoNul,
    Pagination,
    Rendered,
    SlugPath,
)
from coopwork.core.models import RoleName
from coopwork.governance import selectors, services
from coopwork.governance.models import Amendment, Ballot, Comment, Proposal, Resolution

router = Router(tags=["governance"])

READERS = frozenset({RoleName.MEMBER.value, RoleName.BOARD.value, RoleName.ADMIN.value})
Text = Annotated[str, Field(max_length=20000), NoNul]
Key = Annotated[str, Field(max_length=40), NoNul]


# --- Schemas ---------------------------------------------------------------------------------


class ProposalIn(In):
    title: Name
    body: Text
    parameter_key: Code = ""
    parameter_value: Any = None
    effective_from: dt.date | None = None


class TextIn(In):
    body: Text
    rationale: LongText = ""


class DecisionIn(In):
    accept: bool


class ToVoteIn(In):
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    majority: Literal["simple", "two_thirds", "consent"] = "simple"
    quorum: Annotated[str, Field(max_length=20, pattern=r"^\d{1,4}(/\d{1,4})?$")] = "0"
    secret: bool = False
    results_hidden: bool = True


class CandidateIn(In):
    key: Key
    name: Name
    member_id: int | None = Field(None, ge=1, le=2**31 - 1)


class BallotIn(In):
    kind: Literal["motion", "election"]
    title: Name
    description: Text = ""
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    secret: bool = False
    results_hidden: bool = True
    majority: Literal["simple", "two_thirds", "consent"] = "simple"
    objection_limit: Annotated[str, Field(max_length=20, pattern=r"^\d{1,4}(/\d{1,4})?$")] = "0"
    quorum: Annotated[str, Field(max_length=20, pattern=r"^\d{1,4}(/\d{1,4})?$")] = "0"
    method: Literal["", "vote_for_n", "approval", "yes_no", "irv", "stv_scottish", "stv_meek"] = ""
    seats: int = Field(1, ge=1, le=100)
    max_choices: int | None = Field(None, ge=1, le=100)
    candidates: list[CandidateIn] = Field(default_factory=list, max_length=100)


class VoteIn(In):
    """One of: ``choice`` (motion: yes/no/abstain), ``choices`` (vote-for-N, approval),
    ``marks`` (yes/no per candidate), ``ranking`` (IRV, STV: most preferred first)."""

    choice: Literal["yes", "no", "abstain"] | None = None
    choices: list[Key] | None = Field(None, max_length=100)
    marks: dict[Key, Literal["yes", "no", "abstain"]] | None = None
    ranking: list[Key] | None = Field(None, max_length=100)


class ReceiptIn(In):
    code: Annotated[str, Field(max_length=40), NoNul]


class CommentOut(Schema):
    id: int
    author: str
    body: str
    created_at: dt.datetime

    @classmethod
    def of(cls, c: Comment) -> "CommentOut":
        return cls(id=c.pk, author=c.author.display_name, body=c.body, created_at=c.created_at)


class AmendmentOut(Schema):
    id: int
    number: int
    author: str
    body: str
    rationale: str
    status: str

    @classmethod
    def of(cls, a: Amendment) -> "AmendmentOut":
        return cls(
            id=a.pk,
            number=a.number,
            author=a.author.display_name,
            body=a.body,
            rationale=a.rationale,
            status=a.status,
        )


class ProposalOut(Schema):
    id: int
    number: int
    title: str
    body: str
    status: str
    author: str
    parameter_key: str
    parameter_value: Any
    effective_from: dt.date | None
    created_at: dt.datetime

    @classmethod
    def of(cls, p: Proposal) -> "ProposalOut":
        return cls(
            id=p.pk,
            number=p.number,
            title=p.title,
            body=p.body,
            status=p.status,
            author=p.author.display_name,
            parameter_key=p.parameter_key,
            parameter_value=p.parameter_value,
            effective_from=p.effective_from,
            created_at=p.created_at,
        )


class ProposalDetailOut(ProposalOut):
    comments: list[CommentOut]
    amendments: list[AmendmentOut]
    supports: int
    supports_required: int
    ballots: list[int]


class CandidateOut(Schema):
    key: str
    name: str


class BallotOut(Schema):
    id: int
    number: int
    kind: str
    title: str
    description: str
    status: str
    method: str
    seats: int
    max_choices: int | None
    majority: str
    quorum: str
    secret: bool
    results_hidden: bool
    opens_at: dt.datetime
    closes_at: dt.datetime
    electors: int
    proposal: int | None
    amendment: int | None
    parameter_key: str
    parameter_value: Any
    effective_from: dt.date | None
    adopted: bool | None
    candidates: list[CandidateOut]

    @classmethod
    def of(cls, b: Ballot) -> "BallotOut":
        return cls(
            id=b.pk,
            number=b.number,
            kind=b.kind,
            title=b.title,
            description=b.description,
            status=b.status,
            method=b.method,
            seats=b.seats,
            max_choices=b.max_choices,
            majority=b.majority,
            quorum=b.quorum,
            secret=b.secret,
            results_hidden=b.results_hidden,
            opens_at=b.opens_at,
            closes_at=b.closes_at,
            electors=b.electors_count,
            proposal=b.proposal_id,
            amendment=b.amendment_id,
            parameter_key=b.parameter_key,
            parameter_value=b.parameter_value,
            effective_from=b.effective_from,
            adopted=b.adopted,
            candidates=[CandidateOut(key=c.key, name=c.name) for c in b.candidates.all()],
        )


class BallotViewOut(BallotOut):
    can_vote: bool
    can_change: bool
    has_voted: bool
    my_choice: dict[str, Any] | None


class VoteOut(Schema):
    ballot: int
    receipt: str | None = Field(
        description="Receipt code, given once, on the first vote: keep it to check the tally."
    )
    changed: bool


class ReceiptOut(Schema):
    recorded: bool
    counted: bool
    final: bool


class ResolutionOut(Schema):
    id: int
    number: int
    title: str
    text: str
    adopted_at: dt.datetime
    source: str
    ballot: int | None
    reference: str
    parameter_key: str
    parameter_value: Any
    effective_from: dt.date | None
    parameter_version: int | None

    @classmethod
    def of(cls, r: Resolution) -> "ResolutionOut":
        return cls(
            id=r.pk,
            number=r.number,
            title=r.title,
            text=r.text,
            adopted_at=r.adopted_at,
            source=r.source,
            ballot=r.ballot_id,
            reference=r.reference,
            parameter_key=r.parameter_key,
            parameter_value=r.parameter_value,
            effective_from=r.effective_from,
            parameter_version=r.parameter_version_id,
        )


# --- Proposals -------------------------------------------------------------------------------


@router.get("/coops/{slug}/proposals", response={200: list[ProposalOut], **ERRORS})
@paginate(Pagination)
def proposal_index(
    request: HttpRequest,
    slug: SlugPath,
    status: Literal["discussion", "voting", "adopted", "rejected", "withdrawn"] | None = None,
) -> Any:
    """Proposals, newest first (members and officers)."""
    coop = access.cooperative_for(request, slug, READERS)
    return Rendered(selectors.proposal_list(cooperative=coop, status=status), ProposalOut.of)


@router.post("/coops/{slug}/proposals", response={201: ProposalOut, **ERRORS})
def proposal_create(request: HttpRequest, slug: SlugPath, payload: ProposalIn) -> Status:
    """File a proposal, optionally carrying a parameter change (members)."""
    proposal = services.proposal_file(
        cooperative=access.cooperative(slug),
        user=access.acting_user(request),
        title=payload.title,
        body=payload.body,
        parameter_key=payload.parameter_key,
        parameter_value=payload.parameter_value,
        effective_from=payload.effective_from,
    )
    return Status(201, ProposalOut.of(proposal))


@router.get("/coops/{slug}/proposals/{proposal_id}", response={200: ProposalDetailOut, **ERRORS})
def proposal_show(request: HttpRequest, slug: SlugPath, proposal_id: IdPath) -> ProposalDetailOut:
    """A proposal with its discussion, amendments and support (members and officers)."""
    coop = access.cooperative_for(request, slug, READERS)
    view = selectors.proposal_detail(
        cooperative=coop, proposal_id=proposal_id, user=access.acting_user(request)
    )
    return ProposalDetailOut(
        **ProposalOut.of(view.proposal).model_dump(),
        comments=[CommentOut.of(c) for c in view.comments],
        amendments=[AmendmentOut.of(a) for a in view.amendments],
        supports=view.supports,
        supports_required=view.required,
        ballots=[b.pk for b in view.ballots],
    )


@router.post("/coops/{slug}/proposals/{proposal_id}/comments", response={201: CommentOut, **ERRORS})
def proposal_comment(
    request: HttpRequest, slug: SlugPath, proposal_id: IdPath, payload: TextIn
) -> Status:
    """Comment on a proposal under discussion (members)."""
    comment = services.proposal_comment(
        cooperative=access.cooperative(slug),
        proposal_id=proposal_id,
        user=access.acting_user(request),
        body=payload.body,
    )
    return Status(201, CommentOut.of(comment))


class SupportOut(Schema):
    supports: int
    required: int


@router.post("/coops/{slug}/proposals/{proposal_id}/support", response={200: SupportOut, **ERRORS})
def proposal_support(request: HttpRequest, slug: SlugPath, proposal_id: IdPath) -> SupportOut:
    """Ask for the proposal to be put to a vote (members; idempotent)."""
    coop = access.cooperative(slug)
    count = services.proposal_support(
        cooperative=coop, proposal_id=proposal_id, user=access.acting_user(request)
    )
    return SupportOut(supports=count, required=services.support_required(cooperative=coop))


@router.post(
    "/coops/{slug}/proposals/{proposal_id}/withdraw", response={200: ProposalOut, **ERRORS}
)
def proposal_withdraw(request: HttpRequest, slug: SlugPath, proposal_id: IdPath) -> ProposalOut:
    """Withdraw one's own proposal while it is under discussion (its author)."""
    proposal = services.proposal_withdraw(
        cooperative=access.cooperative(slug),
        proposal_id=proposal_id,
        user=access.acting_user(request),
    )
    return ProposalOut.of(proposal)


@router.post(
    "/coops/{slug}/proposals/{proposal_id}/amendments", response={201: AmendmentOut, **ERRORS}
)
def amendment_create(
    request: HttpRequest, slug: SlugPath, proposal_id: IdPath, payload: TextIn
) -> Status:
    """Propose a new wording (members)."""
    amendment = services.amendment_propose(
        cooperative=access.cooperative(slug),
        proposal_id=proposal_id,
        user=access.acting_user(request),
        body=payload.body,
        rationale=payload.rationale,
    )
    return Status(201, AmendmentOut.of(amendment))


@router.post(
    "/coops/{slug}/amendments/{amendment_id}/decision", response={200: AmendmentOut, **ERRORS}
)
def amendment_decision(
    request: HttpRequest, slug: SlugPath, amendment_id: IdPath, payload: DecisionIn
) -> AmendmentOut:
    """Accept (the text changes) or reject an amendment (the proposal's author)."""
    amendment = services.amendment_decide(
        cooperative=access.cooperative(slug),
        amendment_id=amendment_id,
        user=access.acting_user(request),
        accept=payload.accept,
    )
    return AmendmentOut.of(amendment)


@router.post("/coops/{slug}/amendments/{amendment_id}/ballot", response={201: BallotOut, **ERRORS})
def amendment_to_vote(
    request: HttpRequest, slug: SlugPath, amendment_id: IdPath, payload: ToVoteIn
) -> Status:
    """Put an amendment to the members' vote (board)."""
    ballot = services.amendment_put_to_vote(
        cooperative=access.cooperative(slug),
        amendment_id=amendment_id,
        user=access.acting_user(request),
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
    )
    return Status(201, BallotOut.of(ballot))


@router.post("/coops/{slug}/proposals/{proposal_id}/ballot", response={201: BallotOut, **ERRORS})
def proposal_to_vote(
    request: HttpRequest, slug: SlugPath, proposal_id: IdPath, payload: ToVoteIn
) -> Status:
    """Put a proposal to a vote: the board, or a supporter once enough members support it."""
    ballot = services.proposal_put_to_vote(
        cooperative=access.cooperative(slug),
        proposal_id=proposal_id,
        user=access.acting_user(request),
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        majority=payload.majority,
        quorum=payload.quorum,
        secret=payload.secret,
        results_hidden=payload.results_hidden,
    )
    return Status(201, BallotOut.of(ballot))


# --- Ballots ---------------------------------------------------------------------------------


@router.get("/coops/{slug}/ballots", response={200: list[BallotOut], **ERRORS})
@paginate(Pagination)
def ballot_index(
    request: HttpRequest,
    slug: SlugPath,
    status: Literal["scheduled", "open", "closed"] | None = None,
) -> Any:
    """Ballots, newest first (members and officers)."""
    coop = access.cooperative_for(request, slug, READERS)
    qs = selectors.ballot_list(cooperative=coop, status=status).prefetch_related("candidates")
    return Rendered(qs, BallotOut.of)


@router.post("/coops/{slug}/ballots", response={201: BallotOut, **ERRORS})
def ballot_create(request: HttpRequest, slug: SlugPath, payload: BallotIn) -> Status:
    """Set up a motion or an election (board or admin)."""
    ballot = services.ballot_create(
        cooperative=access.cooperative(slug),
        actor=access.acting_user(request),
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        secret=payload.secret,
        results_hidden=payload.results_hidden,
        majority=payload.majority,
        objection_limit=payload.objection_limit,
        quorum=payload.quorum,
        method=payload.method,
        seats=payload.seats,
        max_choices=payload.max_choices,
        candidates=[c.model_dump() for c in payload.candidates],
    )
    return Status(201, BallotOut.of(ballot))


@router.get("/coops/{slug}/ballots/{ballot_id}", response={200: BallotViewOut, **ERRORS})
def ballot_show(request: HttpRequest, slug: SlugPath, ballot_id: IdPath) -> BallotViewOut:
    """A ballot, and whether the caller may vote or change their vote (members and officers)."""
    coop = access.cooperative_for(request, slug, READERS)
    view = selectors.ballot_detail(
        cooperative=coop, ballot_id=ballot_id, user=access.acting_user(request)
    )
    return BallotViewOut(
        **BallotOut.of(view.ballot).model_dump(),
        can_vote=view.can_vote,
        can_change=view.can_change,
        has_voted=view.has_voted,
        my_choice=view.my_choice,
    )


@router.post("/coops/{slug}/ballots/{ballot_id}/vote", response={200: VoteOut, **ERRORS})
def ballot_vote(
    request: HttpRequest, slug: SlugPath, ballot_id: IdPath, payload: VoteIn
) -> VoteOut:
    """Vote, or change one's vote while the ballot is open (not on a secret ballot).

    A second concurrent first vote of the same member changes it (open ballot) or gets 409
    ``ballot_already_voted`` (secret ballot). The receipt code comes with the first vote only.
    """
    choice = {k: v for k, v in payload.model_dump().items() if v is not None}
    receipt = services.vote_cast(
        cooperative=access.cooperative(slug),
        ballot_id=ballot_id,
        user=access.acting_user(request),
        choice=choice,
    )
    return VoteOut(ballot=receipt.ballot_id, receipt=receipt.receipt, changed=receipt.changed)


@router.post("/coops/{slug}/ballots/{ballot_id}/close", response={200: BallotOut, **ERRORS})
def ballot_close(request: HttpRequest, slug: SlugPath, ballot_id: IdPath) -> BallotOut:
    """Close a ballot now and publish its result (board or admin)."""
    ballot = services.ballot_close(
        cooperative=access.cooperative(slug),
        ballot_id=ballot_id,
        actor=access.acting_user(request),
    )
    return BallotOut.of(ballot)


@router.get("/coops/{slug}/ballots/{ballot_id}/results", response={200: dict[str, Any], **ERRORS})
def ballot_results(
    request: HttpRequest,
    slug: SlugPath,
    ballot_id: IdPath,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """The published result: figures, every round, the counted papers (in canonical order) and
    the receipt digests apart from them; ``?format=csv`` for a spreadsheet. Before closing:
    403 ``ballot_results_hidden``, or the live count when the ballot shows it (members)."""
    coop = access.cooperative_for(request, slug, READERS)
    result = selectors.ballot_results(cooperative=coop, ballot_id=ballot_id)
    if format == "csv":
        response = HttpResponse(
            selectors.results_csv(result=result), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{coop.slug}-ballot-{result["number"]}.csv"'
        )
        return response
    return result


@router.post("/coops/{slug}/ballots/{ballot_id}/receipt", response={200: ReceiptOut, **ERRORS})
def receipt_verify(
    request: HttpRequest, slug: SlugPath, ballot_id: IdPath, payload: ReceiptIn
) -> ReceiptOut:
    """Check that the paper behind a receipt code is recorded, and counted in the published
    tally (members and officers). The answer never says what the paper holds."""
    coop = access.cooperative_for(request, slug, READERS)
    check = selectors.receipt_check(cooperative=coop, ballot_id=ballot_id, code=payload.code)
    return ReceiptOut(recorded=check.recorded, counted=check.counted, final=check.final)


# --- Register of decisions -------------------------------------------------------------------


@router.get("/coops/{slug}/resolutions", response={200: list[ResolutionOut], **ERRORS})
@paginate(Pagination)
def resolution_index(request: HttpRequest, slug: SlugPath) -> Any:
    """The register of decisions, newest first, ballots and assemblies (members and officers)."""
    coop = access.cooperative_for(request, slug, READERS)
    return Rendered(selectors.decision_register(cooperative=coop), ResolutionOut.of)
