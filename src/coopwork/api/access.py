"""Request parsing shared by the routers: who is calling, which co-op, and idempotency.

Writes check permissions inside their services. Reads have no service, so each read route names
the roles it needs with the sets below, checked by the domain's own ``require_role``; reads bound
to one person (my membership, an application) check inside their selector. The permission matrix
test (tests/test_permissions.py) pins every co-op route to its allowed roles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from ninja import Schema, Status

from coopwork.core.errors import NotAuthenticated
from coopwork.core.idempotency import run_idempotent
from coopwork.core.models import Cooperative, RoleName
from coopwork.core.permissions import require_role
from coopwork.core.selectors import cooperative_get

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

# Who may read what (writes are checked by their services).
BOARD = frozenset({RoleName.BOARD.value})
ADMIN = frozenset({RoleName.ADMIN.value})
BOARD_OR_ADMIN = BOARD | ADMIN
ANY_ROLE = frozenset(RoleName.values)  # anyone holding a role in the co-op


def acting_user(request: HttpRequest) -> User:
    """The authenticated caller (token or session); routes with auth guarantee there is one."""
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    return cast("User", user)


def cooperative(slug: str) -> Cooperative:
    """The tenant named in the path (404 ``cooperative_not_found``)."""
    return cooperative_get(slug=slug)


def cooperative_for(request: HttpRequest, slug: str, roles: Iterable[str]) -> Cooperative:
    """The tenant, once the caller is known to hold one of ``roles`` in it (401/403 otherwise)."""
    coop = cooperative_get(slug=slug)
    require_role(user=acting_user(request), cooperative=coop, roles=roles)
    return coop


def idempotent(
    request: HttpRequest,
    *,
    coop: Cooperative,
    operation: str,
    key: str | None,
    request_data: dict[str, Any],
    run: Callable[[], Schema],
    status: int = 200,
) -> Status:
    """Run a money-moving service once per Idempotency-Key; replay the stored answer after.

    The scope is the co-op and the operation, and the fingerprint covers the path's ids and the
    body, so reusing a key for another object or another body is refused (409).
    """
    code, body = run_idempotent(
        user=acting_user(request),
        scope=f"coop:{coop.pk}:{operation}",
        key=key,
        request_data=request_data,
        run=lambda: (status, run().model_dump(mode="json")),
    )
    return Status(code, body)
