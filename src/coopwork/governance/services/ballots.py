"""Writes for proposals, online ballots, votes and the register of decisions (resolutions)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from coopwork.core.audit import audit_append
from coopwork.core.events import Event, publish
from coopwork.core.models import Cooperative, ParameterSource
from coopwork.core.services import parameter_set
from coopwork.governance import errors
from coopwork.governance.models.ballots import Ballot, Resolution, ResolutionSource

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

__all__ = [
    "resolution_record",
]


def _lock_cooperative(cooperative: Cooperative) -> None:
    """Serialise numbering in one co-op (the co-op row is the lock, as for register numbers)."""
    Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()


def _next_number(model: Any, cooperative: Cooperative) -> int:
    _lock_cooperative(cooperative)
    top = model.objects.filter(cooperative=cooperative).aggregate(top=Max("number"))["top"]
    return int(top or 0) + 1


# --- The register of decisions ----------------------------------------------------------------


@transaction.atomic
def resolution_record(
    *,
    cooperative: Cooperative,
    title: str,
    text: str,
    source: str,
    reference: str,
    ballot: Ballot | None = None,
    parameter_key: str | None = None,
    parameter_value: Any = None,
    effective_from: dt.date | None = None,
    actor: User | AnonymousUser | None = None,
    adopted_at: dt.datetime | None = None,
) -> Resolution:
    """Enter an adopted decision in the register (gapless number per co-op).

    With a parameter change, the new :class:`~coopwork.core.models.ParameterVersion` is created
    through ``core.services.parameter_set(source="resolution")``, which checks the legal bounds
    and who may record it; it takes effect on ``effective_from``. A refused change raises its
    error (e.g. ``parameter_out_of_bounds``) and nothing is written.
    ``actor`` is None when the system records it (a ballot that closed).
    """
    title = (title or "").strip()
    reference = (reference or "").strip()
    if (
        not title
        or len(title) > 200
        or source not in ResolutionSource.values
        or len(reference) > 200
        or (source == ResolutionSource.ASSEMBLY and not reference)
    ):
        raise errors.ResolutionInvalid()
    if ballot is not None and ballot.cooperative_id != cooperative.pk:
        raise errors.BallotNotFound()
    has_change = bool(parameter_key)
    if has_change and (parameter_value is None or effective_from is None):
        raise errors.ResolutionParameterIncomplete()
    actor_user = actor if actor is not None and actor.is_authenticated else None
    number = _next_number(Resolution, cooperative)
    version = None
    if has_change:
        assert parameter_key is not None and effective_from is not None
        version = parameter_set(
            cooperative=cooperative,
            key=parameter_key,
            value=parameter_value,
            effective_from=effective_from,
            source=ParameterSource.RESOLUTION,
            source_ref=f"R{number} {reference or title}"[:300],
            actor=actor_user,
        )
    resolution = Resolution.objects.create(
        cooperative=cooperative,
        number=number,
        title=title,
        text=(text or "").strip(),
        adopted_at=adopted_at or timezone.now(),
        source=source,
        ballot=ballot,
        reference=reference,
        parameter_key=parameter_key or "",
        parameter_value=version.value if version is not None else None,
        effective_from=effective_from if has_change else None,
        parameter_version=version,
    )
    audit_append(
        cooperative=cooperative,
        actor=actor_user,
        action="resolution.recorded",
        target=resolution,
        data={
            "number": number,
            "title": title,
            "source": source,
            "reference": reference,
            "ballot": ballot.pk if ballot is not None else None,
            "parameter": parameter_key or None,
            "value": resolution.parameter_value,
            "effective_from": effective_from.isoformat() if has_change and effective_from else None,
            "parameter_version": version.pk if version is not None else None,
        },
    )
    publish(
        Event(
            "governance.resolution",
            cooperative.pk,
            {"resolution": resolution.pk, "number": number},
            (f"coop-{cooperative.pk}-member",),
        )
    )
    return resolution
