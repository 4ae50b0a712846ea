"""An offer's explanation in plain words, in the active language (for the API; the web page puts
the same numbers into the same sentences in ``web/dispatch/_explanation.html``)."""

from __future__ import annotations

from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _


def _n(value: Any, digits: int = 1) -> str:
    return (
        formats.number_format(round(float(value or 0), digits), digits)
        .rstrip("0")
        .rstrip(formats.get_format("DECIMAL_SEPARATOR"))
        or "0"
    )


def explanation_lines(e: dict[str, Any]) -> list[str]:
    """Sentences a worker reads: ETA and distance, each term with its weight, the total, the two
    nearest alternatives (their ETAs only). Empty for an explanation not made by a round."""
    if not e.get("v"):
        return []
    lines: list[str] = []
    if e.get("eta_min") is not None:
        lines.append(
            _("You are about %(minutes)s min from the pick-up (%(km)s km).")
            % {"minutes": _n(e["eta_min"]), "km": _n(e["distance_km"])}
        )
    term = e.get("term", {})
    if "eta" in term:
        lines.append(
            _("Time to reach the pick-up: %(minutes)s min") % {"minutes": _n(e["eta_min"])}
            + f" × {_n(term['eta']['weight'], 2)} = "
            + _("%(minutes)s min") % {"minutes": _n(term["eta"]["contribution_min"])}
        )
    if "waiting" in term:
        lines.append(
            _("The job has waited %(minutes)s min (jobs that waited longer go first)")
            % {"minutes": _n(e.get("waited_min"))}
            + f" × {_n(term['waiting']['weight'], 2)} = "
            + _("%(minutes)s min") % {"minutes": _n(term["waiting"]["contribution_min"])}
        )
    if "fairness" in term:
        t = term["fairness"]
        share = {
            "below": _(
                "Fairness: you have had less work than your share lately, for the time you were "
                "available, so the job counts as nearer to you"
            ),
            "above": _(
                "Fairness: you have had more work than your share lately, for the time you were "
                "available, so the job counts as a little farther"
            ),
        }.get(t.get("share", ""), _("Fairness: you have had about your share of work lately"))
        lines.append(
            share
            + " ("
            + _("score %(score)s, from −1 to +1") % {"score": _n(t["value"], 2)}
            + ") × "
            + _("%(minutes)s min") % {"minutes": _n(t.get("weight_min"))}
            + " = "
            + _("%(minutes)s min") % {"minutes": _n(t["contribution_min"])}
        )
    if e.get("cost_min") is not None and term:
        lines.append(_("Total") + ": " + _("%(minutes)s min") % {"minutes": _n(e["cost_min"])})
    alts = e.get("alternatives_eta_min") or []
    if len(alts) >= 2:
        lines.append(
            _("The two nearest other workers considered were %(a)s min and %(b)s min away.")
            % {"a": _n(alts[0]), "b": _n(alts[1])}
        )
    elif len(alts) == 1:
        lines.append(
            _("The nearest other worker considered was %(a)s min away.") % {"a": _n(alts[0])}
        )
    else:
        lines.append(_("No other available worker could take this job."))
    lines.append(_("Who they are is never shown."))
    return lines
