"""The books and the audit log: /coops/{slug}/ledger and /coops/{slug}/audit."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.books import AuditEntryOut, TrialBalanceOut
from coopwork.api.schemas.common import ERRORS, Pagination, Rendered, SlugPath
from coopwork.core.selectors import audit_entries
from coopwork.ledger.selectors import trial_balance

router = Router(tags=["books"])


@router.get("/coops/{slug}/ledger/trial-balance", response={200: TrialBalanceOut, **ERRORS})
def trial_balance_route(request: HttpRequest, slug: SlugPath) -> TrialBalanceOut:
    """Every account's balance; per currency, debits equal credits (board, admin)."""
    coop = access.cooperative_for(request, slug, access.BOARD_OR_ADMIN)
    return TrialBalanceOut.of(trial_balance(cooperative=coop))


@router.get("/coops/{slug}/audit", response={200: list[AuditEntryOut], **ERRORS})
@paginate(Pagination)
def audit_list(request: HttpRequest, slug: SlugPath) -> Any:
    """The co-op's audit log, newest first; each entry carries the previous one's hash (admin)."""
    coop = access.cooperative_for(request, slug, access.ADMIN)
    return Rendered(audit_entries(cooperative=coop), AuditEntryOut.of)
