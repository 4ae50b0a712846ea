"""Permission checks, called from services (not only views)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import NotAuthenticated, PermissionDenied
from .models import Cooperative
from .selectors import user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def require_role(
    *,
    user: User | AnonymousUser | None,
    cooperative: Cooperative,
    roles: Iterable[str],
) -> set[str]:
    """Raise unless ``user`` holds one of ``roles`` in ``cooperative``; return the user's roles."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    held = user_roles(user=user, cooperative=cooperative)
    if not held.intersection(roles):
        raise PermissionDenied()
    return held


def require_authenticated(*, user: User | AnonymousUser | None) -> None:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
