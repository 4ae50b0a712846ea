"""Template helpers of the web UI: the user's co-ops and roles for the navigation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from coopwork.core.models import Cooperative, RoleName
from coopwork.core.selectors import user_cooperatives, user_roles

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


def _roles(user: Any, coop: Cooperative) -> CoopRoles:
    held = sorted(user_roles(user=user, cooperative=coop), key=ROLE_ORDER.index)
    return CoopRoles(coop, held, [str(RoleName(r).label) for r in held])


@register.simple_tag(takes_context=True)
def my_coops(context: template.Context) -> list[CoopRoles]:
    """The signed-in user's co-ops, each with the roles held there."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [_roles(user, coop) for coop in user_cooperatives(user=user)]


@register.simple_tag(takes_context=True)
def roles_in(context: template.Context, coop: Cooperative) -> CoopRoles:
    request = context.get("request")
    return _roles(getattr(request, "user", None), coop)
