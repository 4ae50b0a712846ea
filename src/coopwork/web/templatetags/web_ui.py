"""Template helpers of the web UI: the user's co-ops and roles for the navigation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from coopwork.core.models import Cooperative, RoleName
from coopwork.core.selectors import user_roles, user_roles_by_cooperative

register = template.Library()

ROLE_ORDER = [r.value for r in RoleName]


@dataclass(frozen=True)
class CoopRoles:
    coop: Cooperative
    roles: list[str]
    labels: list[str]

    @property
    def is_member(self) -> bool:
        return RoleName.MEMBER.value in self.roles

    @property
    def is_board(self) -> bool:
        return RoleName.BOARD.value in self.roles

    @property
    def can_book(self) -> bool:
        return bool({RoleName.CLIENT.value, RoleName.MEMBER.value} & set(self.roles))

    @property
    def is_worker(self) -> bool:
        return RoleName.WORKER.value in self.roles

    @property
    def is_coordinator(self) -> bool:
        return RoleName.COORDINATOR.value in self.roles


def _coop_roles(coop: Cooperative, roles: Any) -> CoopRoles:
    held = sorted(set(roles), key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)
    labels = [str(RoleName(r).label) if r in ROLE_ORDER else r for r in held]
    return CoopRoles(coop, held, labels)


def _roles(user: Any, coop: Cooperative) -> CoopRoles:
    return _coop_roles(coop, user_roles(user=user, cooperative=coop))


@register.simple_tag(takes_context=True)
def my_coops(context: template.Context) -> list[CoopRoles]:
    """The signed-in user's co-ops, each with the roles held there."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [_coop_roles(coop, roles) for coop, roles in user_roles_by_cooperative(user=user)]


@register.simple_tag(takes_context=True)
def roles_in(context: template.Context, coop: Cooperative) -> CoopRoles:
    request = context.get("request")
    return _roles(getattr(request, "user", None), coop)


@register.simple_tag(takes_context=True)
def unread_in(context: template.Context, coop: Cooperative) -> int:
    """How many of the signed-in user's notifications in ``coop`` are unread."""
    from coopwork.marketplace.selectors import notifications

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return notifications(user=user, cooperative=coop, unread_only=True).count()
