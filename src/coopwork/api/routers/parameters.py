"""Governed parameters: /coops/{slug}/parameters."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Status

from coopwork.api import access
from coopwork.api.schemas.common import ERRORS, Code, SlugPath
from coopwork.api.schemas.parameters import ParameterDecisionIn, ParameterOut, ParameterVersionOut
from coopwork.core.models import ParameterSource
from coopwork.core.selectors import parameter_history, parameters_in_force
from coopwork.core.services import parameter_set

router = Router(tags=["parameters"])


@router.get("/coops/{slug}/parameters", response={200: list[ParameterOut], **ERRORS})
def parameter_list(
    request: HttpRequest, slug: SlugPath, on: dt.date | None = None
) -> list[ParameterOut]:
    """Every governed parameter in force today (or ``?on=YYYY-MM-DD``), with its source
    (anyone holding a role in the co-op)."""
    coop = access.cooperative_for(request, slug, access.ANY_ROLE)
    return [ParameterOut.of(p) for p in parameters_in_force(cooperative=coop, on=on)]


@router.get(
    "/coops/{slug}/parameters/{key}/history", response={200: list[ParameterVersionOut], **ERRORS}
)
def parameter_versions(
    request: HttpRequest, slug: SlugPath, key: Code
) -> list[ParameterVersionOut]:
    """Every recorded version of one parameter, newest first (anyone holding a role)."""
    coop = access.cooperative_for(request, slug, access.ANY_ROLE)
    return [ParameterVersionOut.of(v) for v in parameter_history(cooperative=coop, key=key)]


@router.post("/coops/{slug}/parameters", response={201: ParameterVersionOut, **ERRORS})
def parameter_decide(request: HttpRequest, slug: SlugPath, payload: ParameterDecisionIn) -> Status:
    """Record a board decision changing a parameter the statutes delegate to the board (board).

    Other parameters change only through an adopted assembly resolution (403
    ``parameter_decision_required``).
    """
    version = parameter_set(
        cooperative=access.cooperative(slug),
        key=payload.key,
        value=payload.value,
        effective_from=payload.effective_from,
        source=ParameterSource.BOARD,
        source_ref=payload.source_ref,
        actor=access.acting_user(request),
    )
    return Status(201, ParameterVersionOut.of(version))
