"""The legal registers: the member register (list and exports) and the capital register."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import ERRORS, Pagination, Rendered, SlugPath
from coopwork.api.schemas.members import RegisterRowOut
from coopwork.members import documents
from coopwork.members.selectors import member_register

router = Router(tags=["registers"])

CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


def _file(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _name(slug: str, register: str, extension: str) -> str:
    return f"{slug}-{register}-register-{timezone.localdate().isoformat()}.{extension}"


def _doc(content_type: str) -> dict[str, Any]:
    return {"responses": {200: {"description": "The register", "content": {content_type: {}}}}}


@router.get("/coops/{slug}/members", response={200: list[RegisterRowOut], **ERRORS})
@paginate(Pagination)
def member_list(request: HttpRequest, slug: SlugPath) -> Any:
    """The member register: every member ever admitted, by register number (board, admin)."""
    coop = access.cooperative_for(request, slug, access.BOARD_OR_ADMIN)
    return Rendered(member_register(cooperative=coop), RegisterRowOut.of)


@router.get(
    "/coops/{slug}/registers/members.csv",
    response={200: None, **ERRORS},
    openapi_extra=_doc("text/csv"),
)
def member_register_csv(request: HttpRequest, slug: SlugPath) -> HttpResponse:
    """The member register as CSV (board, admin)."""
    coop = access.cooperative_for(request, slug, access.BOARD_OR_ADMIN)
    return _file(
        documents.member_register_csv(cooperative=coop), CSV, _name(coop.slug, "member", "csv")
    )


@router.get(
    "/coops/{slug}/registers/members.pdf",
    response={200: None, **ERRORS},
    openapi_extra=_doc(PDF),
)
def member_register_pdf(request: HttpRequest, slug: SlugPath) -> HttpResponse:
    """The member register as PDF (board, admin)."""
    coop = access.cooperative_for(request, slug, access.BOARD_OR_ADMIN)
    return _file(
        documents.member_register_pdf(cooperative=coop), PDF, _name(coop.slug, "member", "pdf")
    )


@router.get(
    "/coops/{slug}/registers/capital.csv",
    response={200: None, **ERRORS},
    openapi_extra=_doc("text/csv"),
)
def capital_register_csv(request: HttpRequest, slug: SlugPath) -> HttpResponse:
    """The capital register (every subscription, transfer and redemption) as CSV (board, admin)."""
    coop = access.cooperative_for(request, slug, access.BOARD_OR_ADMIN)
    return _file(
        documents.capital_register_csv(cooperative=coop), CSV, _name(coop.slug, "capital", "csv")
    )


@router.get(
    "/coops/{slug}/registers/capital.pdf",
    response={200: None, **ERRORS},
    openapi_extra=_doc(PDF),
)
def capital_register_pdf(request: HttpRequest, slug: SlugPath) -> HttpResponse:
    """The capital register as PDF (board, admin)."""
    coop = access.cooperative_for(request, slug, access.BOARD_OR_ADMIN)
    return _file(
        documents.capital_register_pdf(cooperative=coop), PDF, _name(coop.slug, "capital", "pdf")
    )
