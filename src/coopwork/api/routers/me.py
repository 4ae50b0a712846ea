"""My membership of a co-op: /coops/{slug}/me."""

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from coopwork.api import access
from coopwork.api.schemas.common import ERRORS, SlugPath
from coopwork.api.schemas.members import MembershipOut, ShareRequestIn, ShareRequestOut
from coopwork.members.documents import certificate_pdf
from coopwork.members.selectors import current_member, membership_overview
from coopwork.members.services import share_purchase_request, share_redemption_request

router = Router(tags=["me"])

PDF = "application/pdf"


@router.get("/coops/{slug}/me", response={200: MembershipOut, **ERRORS})
def membership(request: HttpRequest, slug: SlugPath) -> MembershipOut:
    """My register number, college, shares, capital, history, share requests and latest
    application. 403 ``not_a_member`` if I am neither a member nor an applicant."""
    coop = access.cooperative(slug)
    return MembershipOut.of(membership_overview(cooperative=coop, user=access.acting_user(request)))


@router.get(
    "/coops/{slug}/me/certificate.pdf",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "The certificate", "content": {PDF: {}}}}},
)
def certificate(request: HttpRequest, slug: SlugPath) -> HttpResponse:
    """My share certificate, as a PDF (current members)."""
    coop = access.cooperative(slug)
    member = current_member(cooperative=coop, user=access.acting_user(request))
    response = HttpResponse(certificate_pdf(member=member), content_type=PDF)
    response["Content-Disposition"] = (
        f'inline; filename="{coop.slug}-certificate-{member.register_number}.pdf"'
    )
    return response


@router.post("/coops/{slug}/me/share-requests", response={201: ShareRequestOut, **ERRORS})
def share_request_create(request: HttpRequest, slug: SlugPath, payload: ShareRequestIn) -> Status:
    """Ask to buy more shares, or to redeem some (all of them: leaving). Members only.

    A purchase waits for the board to record the payment; a redemption is paid back at nominal
    value once the statutes' delay (``share_redemption_delay_days``) has run.
    """
    coop = access.cooperative(slug)
    service = share_purchase_request if payload.kind == "purchase" else share_redemption_request
    share_request = service(
        cooperative=coop, user=access.acting_user(request), quantity=payload.quantity
    )
    return Status(201, ShareRequestOut.of(share_request, coop.currency))
