"""Applications for membership and their decision: /coops/{slug}/applications."""

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
    AdmitIn,
    AdmittedOut,
    ApplicationIn,
    ApplicationOut,
    ReasonIn,
)
from coopwork.members.selectors import application_for_viewer, applications
from coopwork.members.services import (
    application_admit,
    application_reject,
    application_submit,
    application_withdraw,
)

router = Router(tags=["applications"])

ApplicationStatusFilter = Literal["pending", "admitted", "rejected", "withdrawn"]


@router.post("/coops/{slug}/applications", response={201: ApplicationOut, **ERRORS})
def application_create(request: HttpRequest, slug: SlugPath, payload: ApplicationIn) -> Status:
    """Apply to join: choose a college and a number of shares (any signed-in user)."""
    coop = access.cooperative(slug)
    application = application_submit(
        cooperative=coop,
        user=access.acting_user(request),
        college_code=payload.college,
        shares=payload.shares,
        display_name=payload.display_name,
        is_organisation=payload.is_organisation,
        motivation=payload.motivation,
    )
    return Status(201, ApplicationOut.of(application, coop.currency))


@router.get("/coops/{slug}/applications", response={200: list[ApplicationOut], **ERRORS})
@paginate(Pagination)
def application_list(
    request: HttpRequest, slug: SlugPath, status: ApplicationStatusFilter | None = None
) -> Any:
    """Applications, oldest first, optionally by status (board)."""
    coop = access.cooperative_for(request, slug, access.BOARD)
    return Rendered(
        applications(cooperative=coop, status=status),
        lambda a: ApplicationOut.of(a, coop.currency),
    )


@router.get("/coops/{slug}/applications/{application_id}", response={200: ApplicationOut, **ERRORS})
def application_detail(request: HttpRequest, slug: SlugPath, application_id: IdPath) -> Any:
    """One application (the board, or the applicant; anyone else gets 404)."""
    coop = access.cooperative(slug)
    application = application_for_viewer(
        cooperative=coop, application_id=application_id, viewer=access.acting_user(request)
    )
    return ApplicationOut.of(application, coop.currency)


@router.post(
    "/coops/{slug}/applications/{application_id}/admit", response={201: AdmittedOut, **ERRORS}
)
def application_admit_route(
    request: HttpRequest,
    slug: SlugPath,
    application_id: IdPath,
    payload: AdmitIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Admit an applicant and record the payment of their shares (board; Idempotency-Key).

    The new member gets the next register number; the shares enter the capital register and the
    payment is booked, in one transaction.
    """
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="applications.admit",
        key=idempotency_key,
        request_data={"application_id": application_id, **payload.model_dump()},
        status=201,
        run=lambda: AdmittedOut.of(
            application_admit(
                cooperative=coop,
                application_id=application_id,
                actor=access.acting_user(request),
                payment_method=payload.payment_method,
                payment_reference=payload.payment_reference,
                reason=payload.reason,
            )
        ),
    )


@router.post(
    "/coops/{slug}/applications/{application_id}/reject", response={200: ApplicationOut, **ERRORS}
)
def application_reject_route(
    request: HttpRequest, slug: SlugPath, application_id: IdPath, payload: ReasonIn
) -> ApplicationOut:
    """Reject an application, giving a reason (board)."""
    coop = access.cooperative(slug)
    application = application_reject(
        cooperative=coop,
        application_id=application_id,
        actor=access.acting_user(request),
        reason=payload.reason,
    )
    return ApplicationOut.of(application, coop.currency)


@router.post(
    "/coops/{slug}/applications/{application_id}/withdraw",
    response={200: ApplicationOut, **ERRORS},
)
def application_withdraw_route(
    request: HttpRequest, slug: SlugPath, application_id: IdPath
) -> ApplicationOut:
    """Withdraw my own pending application (the applicant)."""
    coop = access.cooperative(slug)
    application = application_withdraw(
        cooperative=coop, application_id=application_id, user=access.acting_user(request)
    )
    return ApplicationOut.of(application, coop.currency)
