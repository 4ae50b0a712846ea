"""The coordinator's side of the marketplace: the live board, assigning by hand, deciding
incidents and disputes, business invoices and service zones."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import (
    ERRORS,
    PUBLIC_ERRORS,
    IdempotencyKeyHeader,
    IdPath,
    Pagination,
    Rendered,
    SlugPath,
)
from coopwork.api.schemas.coordination import (
    AssignIn,
    BoardOut,
    DecideIn,
    InvoiceIn,
    InvoiceOut,
    ZoneIn,
    ZoneOut,
)
from coopwork.api.schemas.jobs import AssignmentOut, CaseOut
from coopwork.core.models import RoleName
from coopwork.marketplace.documents import invoice_pdf
from coopwork.marketplace.selectors import (
    coordinator_board,
    invoice_for_viewer,
    invoices_for,
    zones,
)
from coopwork.marketplace.services import case_decide, invoice_issue, job_assign, zone_create

router = Router(tags=["coordination"])

COORDINATOR = frozenset({RoleName.COORDINATOR.value})
PDF = "application/pdf"


@router.get("/coops/{slug}/coordination/board", response={200: BoardOut, **ERRORS})
def board(request: HttpRequest, slug: SlugPath) -> BoardOut:
    """Every live job by status, with who holds its positions (coordinators). The co-op's event
    stream says when to fetch it again."""
    coop = access.cooperative_for(request, slug, COORDINATOR)
    return BoardOut.of(coordinator_board(cooperative=coop))


@router.post("/coops/{slug}/jobs/{job_id}/assign", response={200: AssignmentOut, **ERRORS})
def assign(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: AssignIn
) -> AssignmentOut:
    """Give a worker a position by hand, replacing ``replace_worker_id`` on a full job
    (coordinators). Manual assignments are marked and left out of dispatch's fairness term."""
    coop = access.cooperative(slug)
    return AssignmentOut.of(
        job_assign(
            cooperative=coop,
            job_id=job_id,
            worker_id=payload.worker_id,
            replace_worker_id=payload.replace_worker_id,
            actor=access.acting_user(request),
        )
    )


@router.post("/coops/{slug}/cases/{case_id}/decide", response={200: CaseOut, **ERRORS})
def decide(request: HttpRequest, slug: SlugPath, case_id: IdPath, payload: DecideIn) -> CaseOut:
    """Decide an incident or dispute, giving reasons (coordinators). A decided dispute returns
    its job to approved, and it is settled: with the outcome adjust, at ``adjusted_net_minor``.

    Not before every party (the client, the job's workers) has made a statement, unless the
    response period (``respond_by``) is over: 409 ``case_response_pending``. Everyone involved
    is notified."""
    coop = access.cooperative(slug)
    return CaseOut.of(
        case_decide(
            cooperative=coop,
            case_id=case_id,
            actor=access.acting_user(request),
            outcome=payload.outcome,
            decision=payload.decision,
            adjusted_net_minor=payload.adjusted_net_minor,
        )
    )


@router.get("/coops/{slug}/invoices", response={200: list[InvoiceOut], **ERRORS})
@paginate(Pagination)
def invoice_list(request: HttpRequest, slug: SlugPath) -> Any:
    """Invoices, latest first: all of them for coordinators and the board, my own otherwise."""
    coop = access.cooperative(slug)
    return Rendered(invoices_for(cooperative=coop, user=access.acting_user(request)), InvoiceOut.of)


@router.post("/coops/{slug}/invoices", response={201: InvoiceOut, **ERRORS})
def invoice_create(
    request: HttpRequest,
    slug: SlugPath,
    payload: InvoiceIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Issue a business client's invoice for a period: every job of theirs settled or charged
    for a late cancellation in it (coordinators, board; Idempotency-Key). Numbers are gapless;
    periods of one client never overlap (``invoice_exists``)."""
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="invoices.issue",
        key=idempotency_key,
        request_data=payload.model_dump(),
        status=201,
        run=lambda: InvoiceOut.of(
            invoice_issue(
                cooperative=coop,
                client_id=payload.client_id,
                period_start=payload.period_start,
                period_end=payload.period_end,
                actor=access.acting_user(request),
            )
        ),
    )


@router.get(
    "/coops/{slug}/invoices/{invoice_id}.pdf",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "The invoice", "content": {PDF: {}}}}},
)
def invoice_document(request: HttpRequest, slug: SlugPath, invoice_id: IdPath) -> HttpResponse:
    """An invoice as PDF (its client, coordinators, the board; ``invoice_not_found`` otherwise)."""
    coop = access.cooperative(slug)
    invoice = invoice_for_viewer(
        cooperative=coop, invoice_id=invoice_id, user=access.acting_user(request)
    )
    response = HttpResponse(invoice_pdf(invoice=invoice), content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="{coop.slug}-invoice-{invoice.number}.pdf"'
    return response


@router.get("/coops/{slug}/zones", auth=None, response={200: list[ZoneOut], **PUBLIC_ERRORS})
def zone_list(request: HttpRequest, slug: SlugPath) -> list[ZoneOut]:
    """The co-op's service areas (public). Once there are any, bookings must start inside one."""
    return [ZoneOut.of(z) for z in zones(cooperative=access.cooperative(slug))]


@router.post("/coops/{slug}/zones", response={201: ZoneOut, **ERRORS})
def zone_add(request: HttpRequest, slug: SlugPath, payload: ZoneIn) -> Status:
    """Add a service area (coordinators, board, admins): a polygon of [latitude, longitude]."""
    coop = access.cooperative(slug)
    zone = zone_create(
        cooperative=coop,
        code=payload.code,
        name=payload.name,
        polygon=[list(v) for v in payload.polygon],
        actor=access.acting_user(request),
    )
    return Status(201, ZoneOut.of(zone))
