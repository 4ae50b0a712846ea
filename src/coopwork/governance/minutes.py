"""The minutes of a general assembly as a PDF (WeasyPrint, local fonts, nothing fetched).

They state the convocation, who attended (in person or remotely), who was represented and by
whom, who voted by post, whether the quorum was reached, and each resolution with its votes
(per college too), its result and, for adopted ones, the reference in the register of
decisions. They are written in the language asked for (the requester's by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from coopwork.core.models import Cooperative

from .models.assemblies import AgendaItem, AssemblyStatus
from .selectors.assemblies import assembly_register

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

__all__ = ["item_figures", "minutes_context", "minutes_filename", "minutes_pdf"]


def _figure(value: Any) -> str:
    """An exact vote figure for people: 2 stays "2", 100/3 becomes "33.33"."""
    f = Fraction(str(value))
    if f.denominator == 1:
        return str(f.numerator)
    return f"{float(f):.2f}"


def item_figures(item: AgendaItem) -> dict[str, str]:
    """An item's vote figures for display (weighted figures are shares of the votes in %)."""
    result = item.result or {}
    keys = [k for k in ("yes", "no", "abstain", "blank", "expressed") if k in result]
    if not result.get("weighted"):
        return {k: _figure(result[k]) for k in keys}
    cast = sum((Fraction(str(result[k])) for k in ("yes", "no", "abstain", "blank")), Fraction(0))
    scale = Fraction(100) / cast if cast else Fraction(0)
    return {k: _figure(Fraction(str(result[k])) * scale) for k in keys}


@dataclass(frozen=True)
class ItemRow:
    item: AgendaItem
    figures: dict[str, str]
    colleges: list[tuple[str, dict[str, int]]]
    threshold: str
    majority_base: str = ""  # statute changes: "present_or_represented" or "expressed"


def minutes_context(
    *, cooperative: Cooperative, assembly_id: int, viewer: User | AnonymousUser | None
) -> dict[str, Any]:
    register = assembly_register(cooperative=cooperative, assembly_id=assembly_id, viewer=viewer)
    assembly = register.assembly
    by_id = {m.pk: m for m in register.members}
    rows = []
    for item in assembly.items.all():
        result = item.result or {}
        figures = item_figures(item)
        colleges = sorted((result.get("by_college") or {}).items())
        rows.append(
            ItemRow(
                item=item,
                figures=figures,
                colleges=colleges,
                threshold=str(result.get("threshold", "")),
                majority_base=str(result.get("majority_base", "")),
            )
        )
    present = [(by_id[mid], att) for mid, att in register.attendance.items() if mid in by_id]
    present.sort(key=lambda pair: pair[0].register_number)
    represented = [p for p in register.proxies if p.revoked_at is None]
    postal = [m for m in register.members if m.pk in register.postal_voters]
    return {
        "coop": cooperative,
        "assembly": assembly,
        "rows": rows,
        "present": present,
        "represented": represented,
        "postal": postal,
        "summary": assembly.quorum_detail or register.summary.as_dict(),
        "failed": assembly.status == AssemblyStatus.FAILED,
        "adopted": [r for r in rows if r.item.adopted],
        "starts_at": timezone.localtime(assembly.starts_at),
    }


def minutes_pdf(
    *,
    cooperative: Cooperative,
    assembly_id: int,
    viewer: User | AnonymousUser | None,
    language: str | None = None,
) -> bytes:
    """The minutes as a PDF (board at any time; members once the assembly is over)."""
    from weasyprint import HTML  # imported lazily: it loads pango at import time

    lang = language or translation.get_language() or "en"
    with translation.override(lang):
        context = minutes_context(cooperative=cooperative, assembly_id=assembly_id, viewer=viewer)
        html = render_to_string(
            "governance/minutes.html",
            {**context, "generated_at": timezone.now(), "LANGUAGE_CODE": lang},
        )
    return bytes(HTML(string=html).write_pdf())


def minutes_filename(*, cooperative: Cooperative, assembly_id: int) -> str:
    return f"{cooperative.slug}-assembly-{assembly_id}-minutes.pdf"
