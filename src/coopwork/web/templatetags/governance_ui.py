"""Template helpers linking rules to the decisions that set them."""

from __future__ import annotations

import re

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


ASSEMBLY_REFERENCE = re.compile(r"^assembly:(\d+)/item:(\d+)$")


@register.simple_tag
def assembly_item_of(reference: str) -> dict[str, int] | None:
    """``{"assembly": id, "item": n}`` for a resolution adopted by a general assembly (its
    reference is ``assembly:<id>/item:<n>``), so the register links to the assembly."""
    match = ASSEMBLY_REFERENCE.match(reference or "")
    if match is None:
        return None
    return {"assembly": int(match[1]), "item": int(match[2])}
