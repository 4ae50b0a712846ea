"""Template helpers linking rules to the decisions that set them."""

from __future__ import annotations

from django import template

from coopwork.core.models import Cooperative
from coopwork.governance.models import Resolution
from coopwork.governance.selectors import resolution_for_parameter_versions

register = template.Library()


@register.simple_tag
def resolution_for(coop: Cooperative, anchor: str) -> Resolution | None:
    """The resolution that created the parameter version behind a rules-page anchor
    (``<key>-v<version id>``), so a price or fee can be traced back to its vote."""
    _, sep, tail = anchor.rpartition("-v")
    if not sep or not tail.isdigit():
        return None
    return resolution_for_parameter_versions(cooperative=coop, version_ids=[int(tail)]).get(
        int(tail)
    )
