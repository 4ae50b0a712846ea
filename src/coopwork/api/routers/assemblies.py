"""General assemblies: /coops/{slug}/assemblies/...

The board convenes (with the agenda), opens the session, records attendance, checks the quorum,
opens and closes each item and closes the assembly. Members give or revoke a proxy, vote by post,
check in remotely and vote during the session. Everyone taking part downloads the minutes.
"""

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.assemblies import (
    AssemblyDetailOut,
    AssemblyOut,
    AssemblySummaryOut,
    AttendanceIn,
    AttendanceOut,
    ConveneIn,
    ItemIn,
    ItemOut,
    MyPartOut,
    PostalVotesIn,
    ProxyIn,
    ProxyOut,
    VoteIn,
    VoteOut,
)
from coopwork.api.schemas.common import (
    ERRORS,
    IdempotencyKeyHeader,
    IdPath,
    Pagination,
    Rendered,
    SlugPath,
)
from coopwork.api.schemas.members import AdmittedOut, PaymentIn
from coopwork.governance import errors, minutes, selectors, services
from coopwork.governance.models import Assembly

router = Router(tags=["assemblies"])

BASE = "/coops/{slug}/assemblies"
ONE = BASE + "/{assembly_id}"


def _spec(item: ItemIn) -> services.ItemSpec:
    return services.ItemSpec(
        title=item.title,
        text=item.text,
        kind=item.kind,
        parameter_key=item.parameter_key,
        parameter_value=item.parameter_value,
        effective_from=item.effective_from,
        application_id=item.application_id,
    )


def _detail(request: HttpRequest, assembly: Assembly) -> AssemblyDetailOut:
    mine = selectors.my_assembly(assembly=assembly, user=access.acting_user(request))
    out = AssemblyOut.of(assembly)
    return AssemblyDetailOut(**out.model_dump(), mine=MyPartOut.of(mine))


def _reload(request: HttpRequest, slug: str, assembly_id: int) -> AssemblyDetailOut:
    coop = access.cooperative(slug)
    assembly = selectors.assembly_for_viewer(
        cooperative=coop, assembly_id=assembly_id, viewer=access.acting_user(request)
    )
    return _detail(request, assembly)


@router.get(BASE, response={200: list[AssemblySummaryOut], **ERRORS})
@paginate(Pagination)
def assembly_list(request: HttpRequest, slug: SlugPath) -> Any:
    """The co-op's general assemblies, the latest first (members, board, admin)."""
    coop = access.cooperative(slug)
    return Rendered(
        selectors.assembly_list(cooperative=coop, viewer=access.acting_user(request)),
        AssemblySummaryOut.of,
    )


@router.post(BASE, response={201: AssemblyDetailOut, **ERRORS})
def assembly_convene(request: HttpRequest, slug: SlugPath, payload: ConveneIn) -> Status:
    """Convene a general assembly with its agenda, at least the notice period ahead (board).

    A second convocation names the first (which failed its quorum) and, without items, takes
    its agenda. The notice goes to every member, in-app and by e-mail.
    """
    coop = access.cooperative(slug)
    assembly = services.assembly_convene(
        cooperative=coop,
        actor=access.acting_user(request),
        kind=payload.kind,
        title=payload.title,
        starts_at=payload.starts_at,
        place=payload.place,
        remote_url=payload.remote_url,
        postal_cutoff=payload.postal_cutoff,
        first_convocation_id=payload.first_convocation_id,
        items=[_spec(i) for i in payload.items],
    )
    return Status(201, _detail(request, assembly))


@router.get(ONE, response={200: AssemblyDetailOut, **ERRORS})
def assembly_detail(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Any:
    """One assembly: convocation, agenda, results so far, and my own part in it."""
    return _reload(request, slug, assembly_id)


@router.post(ONE + "/items", response={201: ItemOut, **ERRORS})
def agenda_item_add(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, payload: ItemIn
) -> Status:
    """Add a resolution to the agenda while the full notice can still be given (board)."""
    item = services.agenda_item_add(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        actor=access.acting_user(request),
        item=_spec(payload),
    )
    return Status(201, ItemOut.of(item))


@router.delete(ONE + "/items/{number}", response={200: AssemblyDetailOut, **ERRORS})
def agenda_item_remove(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, number: IdPath
) -> Any:
    """Take an item off the agenda; later items move up (board)."""
    services.agenda_item_remove(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        actor=access.acting_user(request),
        number=number,
    )
    return _reload(request, slug, assembly_id)


@router.post(ONE + "/proxy", response={201: ProxyOut, **ERRORS})
def proxy_give(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, payload: ProxyIn
) -> Status:
    """Give my proxy to another member, within the legal cap (member)."""
    proxy = services.proxy_give(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        user=access.acting_user(request),
        holder_member_id=payload.holder_member_id,
    )
    return Status(201, ProxyOut.of(proxy))


@router.delete(ONE + "/proxy", response={200: ProxyOut, **ERRORS})
def proxy_revoke(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Any:
    """Revoke the proxy I gave, until the assembly opens (member)."""
    proxy = services.proxy_revoke(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        user=access.acting_user(request),
    )
    return ProxyOut.of(proxy)


@router.post(ONE + "/postal-votes", response={201: list[VoteOut], **ERRORS})
def postal_vote_cast(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, payload: PostalVotesIn
) -> Status:
    """Vote by post on some or all items until the cut-off; postal votes are final (member)."""
    choices: dict[int, str] = {}
    for key, choice in payload.votes.items():
        if not (key.isascii() and key.isdigit()) or len(key) > 3:
            raise errors.AgendaItemNotFound()
        choices[int(key)] = choice
    votes = services.postal_vote_cast(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        user=access.acting_user(request),
        choices=choices,
    )
    return Status(201, [_vote(v) for v in votes])


def _vote(v: Any) -> VoteOut:
    return VoteOut(
        item=v.item.number,
        member_id=v.member_id,
        cast_by_member_id=v.cast_by_id,
        channel=v.channel,
        choice=v.choice,
    )


def _board_action(name: str) -> Any:
    action = getattr(services, name)

    def run(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Any:
        action(
            cooperative=access.cooperative(slug),
            assembly_id=assembly_id,
            actor=access.acting_user(request),
        )
        return _reload(request, slug, assembly_id)

    return run


@router.post(ONE + "/open", response={200: AssemblyDetailOut, **ERRORS})
def assembly_open(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Any:
    """Open the session, from an hour before the time set: proxies freeze (board)."""
    return _board_action("assembly_open")(request, slug, assembly_id)


@router.post(ONE + "/quorum", response={200: AssemblyDetailOut, **ERRORS})
def assembly_quorum(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Any:
    """Check this convocation's quorum: the assembly sits, or closes as failed (board)."""
    return _board_action("assembly_quorum_check")(request, slug, assembly_id)


@router.post(ONE + "/close", response={200: AssemblyDetailOut, **ERRORS})
def assembly_close(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Any:
    """Close the assembly; members are told the minutes are ready (board)."""
    return _board_action("assembly_close")(request, slug, assembly_id)


@router.post(ONE + "/check-in", response={201: AttendanceOut, **ERRORS})
def assembly_check_in(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Status:
    """Check in remotely once the session is open (member)."""
    attendance = services.assembly_check_in(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        user=access.acting_user(request),
    )
    return Status(201, AttendanceOut.of(attendance))


class AttendanceListOut(Schema):
    eligible: int
    present: int
    attendance: list[AttendanceOut]
    proxies: list[ProxyOut]
    postal_voters: list[int]


@router.get(ONE + "/attendance", response={200: AttendanceListOut, **ERRORS})
def attendance_list(request: HttpRequest, slug: SlugPath, assembly_id: IdPath) -> Any:
    """Who is present, who is represented by whom, who voted by post (board, admin)."""
    reg = selectors.assembly_register(
        cooperative=access.cooperative_for(request, slug, access.BOARD_OR_ADMIN),
        assembly_id=assembly_id,
        viewer=access.acting_user(request),
    )
    return AttendanceListOut(
        eligible=reg.summary.eligible,
        present=reg.summary.present,
        attendance=[AttendanceOut.of(a) for a in reg.attendance.values()],
        proxies=[ProxyOut.of(p) for p in reg.proxies],
        postal_voters=sorted(reg.postal_voters),
    )


@router.post(ONE + "/attendance", response={201: AttendanceOut, **ERRORS})
def attendance_record(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, payload: AttendanceIn
) -> Status:
    """Record a member present, in the room or remotely (board)."""
    attendance = services.attendance_record(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        actor=access.acting_user(request),
        member_id=payload.member_id,
        mode=payload.mode,
    )
    return Status(201, AttendanceOut.of(attendance))


@router.post(ONE + "/items/{number}/open", response={200: ItemOut, **ERRORS})
def agenda_item_open(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, number: IdPath
) -> Any:
    """Open an item for voting, one at a time (board)."""
    return ItemOut.of(
        services.agenda_item_open(
            cooperative=access.cooperative(slug),
            assembly_id=assembly_id,
            actor=access.acting_user(request),
            number=number,
        )
    )


@router.post(ONE + "/items/{number}/close", response={200: ItemOut, **ERRORS})
def agenda_item_close(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, number: IdPath
) -> Any:
    """Close the vote on an item: counted and recorded; adopted, it enters the register of
    decisions and applies its parameter change (board)."""
    return ItemOut.of(
        services.agenda_item_close(
            cooperative=access.cooperative(slug),
            assembly_id=assembly_id,
            actor=access.acting_user(request),
            number=number,
        )
    )


@router.post(ONE + "/items/{number}/votes", response={201: VoteOut, **ERRORS})
def assembly_vote(
    request: HttpRequest, slug: SlugPath, assembly_id: IdPath, number: IdPath, payload: VoteIn
) -> Status:
    """Vote on the open item, for myself or for a member whose proxy I hold (member present)."""
    vote = services.assembly_vote_cast(
        cooperative=access.cooperative(slug),
        assembly_id=assembly_id,
        number=number,
        user=access.acting_user(request),
        choice=payload.choice,
        on_behalf_of=payload.on_behalf_of,
    )
    return Status(201, _vote(vote))


@router.post(ONE + "/items/{number}/admit", response={201: AdmittedOut, **ERRORS})
def assembly_admission(
    request: HttpRequest,
    slug: SlugPath,
    assembly_id: IdPath,
    number: IdPath,
    payload: PaymentIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Carry out an admission the assembly adopted: record the payment of the shares; the
    applicant enters the member register (board; Idempotency-Key)."""
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="assemblies.admit",
        key=idempotency_key,
        request_data={"assembly_id": assembly_id, "number": number, **payload.model_dump()},
        status=201,
        run=lambda: AdmittedOut.of(
            services.assembly_admission_complete(
                cooperative=coop,
                assembly_id=assembly_id,
                number=number,
                actor=access.acting_user(request),
                payment_method=payload.payment_method,
                payment_reference=payload.payment_reference,
            )
        ),
    )


class MinutesQuery(Schema):
    lang: Literal["en", "fr"] | None = None


@router.get(
    ONE + "/minutes.pdf",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "The minutes", "content": {"application/pdf": {}}}}
    },
)
def assembly_minutes(
    request: HttpRequest,
    slug: SlugPath,
    assembly_id: IdPath,
    query: Query[MinutesQuery],
) -> HttpResponse:
    """The minutes as PDF, in ``?lang=en|fr`` or the request's language (board at any time;
    members once the assembly is closed or failed)."""
    coop = access.cooperative(slug)
    lang = query.lang if query.lang in ("en", "fr") else translation.get_language()
    content = minutes.minutes_pdf(
        cooperative=coop,
        assembly_id=assembly_id,
        viewer=access.acting_user(request),
        language=lang,
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = minutes.minutes_filename(cooperative=coop, assembly_id=assembly_id)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
