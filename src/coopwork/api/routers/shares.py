"""The board's side of share capital: share requests and transfers."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import (
    ERRORS,
    IdempotencyKeyHeader,
    IdPath,
    Pagination,
    Rendered,
    SlugPath,
)
from coopwork.api.schemas.members import (
    PaymentIn,
    ReasonIn,
    ShareRequestDoneOut,
    ShareRequestOut,
    TransferIn,
    TransferOut,
)
from coopwork.members.selectors import share_requests
from coopwork.members.services import (
    share_purchase_confirm,
    share_redemption_pay,
    share_request_reject,
    share_transfer,
)

router = Router(tags=["share capital"])

RequestStatusFilter = Literal["pending", "completed", "rejected", "cancelled"]


@router.get("/coops/{slug}/share-requests", response={200: list[ShareRequestOut], **ERRORS})
@paginate(Pagination)
def share_request_list(
    request: HttpRequest, slug: SlugPath, status: RequestStatusFilter | None = None
) -> Any:
    """Members' purchase and redemption requests, oldest first (board)."""
    coop = access.cooperative_for(request, slug, access.BOARD)
    return Rendered(
        share_requests(cooperative=coop, status=status),
        lambda r: ShareRequestOut.of(r, coop.currency),
    )


@router.post(
    "/coops/{slug}/share-requests/{request_id}/confirm-purchase",
    response={200: ShareRequestDoneOut, **ERRORS},
)
def purchase_confirm(
    request: HttpRequest,
    slug: SlugPath,
    request_id: IdPath,
    payload: PaymentIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Record the payment of a purchase: the shares enter the register (board; Idempotency-Key)."""
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="share-requests.confirm-purchase",
        key=idempotency_key,
        request_data={"request_id": request_id, **payload.model_dump()},
        run=lambda: ShareRequestDoneOut.of(
            share_purchase_confirm(
                cooperative=coop,
                request_id=request_id,
                actor=access.acting_user(request),
                payment_method=payload.payment_method,
                payment_reference=payload.payment_reference,
            )
        ),
    )


@router.post(
    "/coops/{slug}/share-requests/{request_id}/pay-redemption",
    response={200: ShareRequestDoneOut, **ERRORS},
)
def redemption_pay(
    request: HttpRequest,
    slug: SlugPath,
    request_id: IdPath,
    payload: PaymentIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Pay back redeemed shares at nominal value, once the statutes' delay has run (board;
    Idempotency-Key). A member who redeems their last share leaves the co-op."""
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="share-requests.pay-redemption",
        key=idempotency_key,
        request_data={"request_id": request_id, **payload.model_dump()},
        run=lambda: ShareRequestDoneOut.of(
            share_redemption_pay(
                cooperative=coop,
                request_id=request_id,
                actor=access.acting_user(request),
                payment_method=payload.payment_method,
                payment_reference=payload.payment_reference,
            )
        ),
    )


@router.post(
    "/coops/{slug}/share-requests/{request_id}/reject", response={200: ShareRequestOut, **ERRORS}
)
def share_request_reject_route(
    request: HttpRequest, slug: SlugPath, request_id: IdPath, payload: ReasonIn
) -> ShareRequestOut:
    """Turn down a purchase or redemption request, giving a reason (board)."""
    coop = access.cooperative(slug)
    share_request = share_request_reject(
        cooperative=coop,
        request_id=request_id,
        actor=access.acting_user(request),
        reason=payload.reason,
    )
    return ShareRequestOut.of(share_request, coop.currency)


@router.post("/coops/{slug}/transfers", response={201: TransferOut, **ERRORS})
def transfer_create(
    request: HttpRequest,
    slug: SlugPath,
    payload: TransferIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Record a transfer of shares between two current members (board; Idempotency-Key)."""
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="transfers.create",
        key=idempotency_key,
        request_data=payload.model_dump(),
        status=201,
        run=lambda: TransferOut.of(
            share_transfer(
                cooperative=coop,
                from_register_number=payload.from_register_number,
                to_register_number=payload.to_register_number,
                quantity=payload.quantity,
                actor=access.acting_user(request),
                reference=payload.reference,
            )
        ),
    )
