"""Co-ops: the public directory and page, colleges and their weights."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import ERRORS, PUBLIC_ERRORS, Pagination, Rendered, SlugPath
from coopwork.api.schemas.coops import CollegeOut, CoopOut, CoopPageOut, WeightsIn
from coopwork.core.selectors import cooperative_list
from coopwork.members.selectors import colleges, public_profile
from coopwork.members.services import college_weights_set

router = Router(tags=["co-ops"])


@router.get("/coops", auth=None, response={200: list[CoopOut], 422: PUBLIC_ERRORS[422]})
@paginate(Pagination)
def coop_list(request: HttpRequest) -> Any:
    """Every co-op hosted here (public)."""
    return Rendered(cooperative_list(), CoopOut.of)


@router.get("/coops/{slug}", auth=None, response={200: CoopPageOut, **PUBLIC_ERRORS})
def coop_page(request: HttpRequest, slug: SlugPath) -> CoopPageOut:
    """The public page, in the request's language: who we are, what we offer, how to join."""
    return CoopPageOut.of_profile(public_profile(cooperative=access.cooperative(slug)))


@router.get("/coops/{slug}/colleges", auth=None, response={200: list[CollegeOut], **PUBLIC_ERRORS})
def college_list(request: HttpRequest, slug: SlugPath) -> list[CollegeOut]:
    """The co-op's colleges (member classes) with their share terms (public)."""
    coop = access.cooperative(slug)
    return [CollegeOut.of(c, coop.currency) for c in colleges(cooperative=coop)]


@router.put("/coops/{slug}/colleges/weights", response={200: list[CollegeOut], **ERRORS})
def college_weights(request: HttpRequest, slug: SlugPath, payload: WeightsIn) -> list[CollegeOut]:
    """Record the colleges' vote weights adopted in the statutes (admin).

    Send every college: `{"workers": 40, "users": 35, "sponsors": 25}`. Each weighs 10-50 % and
    together 100 % (loi 47-1775 art. 19 octies).
    """
    coop = access.cooperative(slug)
    updated = college_weights_set(
        cooperative=coop, weights=payload.root, actor=access.acting_user(request)
    )
    return [CollegeOut.of(c, coop.currency) for c in updated]
