"""Governed parameters: what is in force, where it came from, and its history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema

from coopwork.core.models import ParameterSource

from .common import Code, In, SourceRef

if TYPE_CHECKING:
    from coopwork.core.models import ParameterVersion
    from coopwork.core.selectors import ParameterInForce


def _source_label(source: str) -> str:
    if source in ParameterSource.values:
        return str(ParameterSource(source).label)
    return _("default (no decision recorded)")


class ParameterOut(Schema):
    key: str
    label: str
    kind: str = Field(description="int, bool, ratio ('n/d' strings), choice or money_minor.")
    value: Any
    unit: str
    default: Any
    minimum: Any
    maximum: Any
    choices: list[str]
    decided_by_body: str = Field(
        description="'assembly' (a resolution only) or 'board' (the statutes delegate it)."
    )
    legal_source: str
    effective_from: dt.date | None
    source: str = Field(description="default, statutes, board or resolution.")
    source_label: str
    source_ref: str
    version_id: int | None

    @classmethod
    def of(cls, item: ParameterInForce) -> ParameterOut:
        spec = item.spec
        return cls(
            key=spec.key,
            label=str(spec.label),
            kind=spec.kind,
            value=spec.dump(item.value),
            unit=spec.unit,
            default=spec.default,
            minimum=spec.minimum,
            maximum=spec.maximum,
            choices=list(spec.choices),
            decided_by_body=spec.body,
            legal_source=str(spec.source),
            effective_from=item.effective_from,
            source=item.source,
            source_label=_source_label(item.source),
            source_ref=item.source_ref,
            version_id=item.version_id,
        )


class ParameterVersionOut(Schema):
    id: int
    key: str
    value: Any
    effective_from: dt.date
    source: str
    source_label: str
    source_ref: str
    decided_by: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, version: ParameterVersion) -> ParameterVersionOut:
        return cls(
            id=version.pk,
            key=version.key,
            value=version.value,
            effective_from=version.effective_from,
            source=version.source,
            source_label=_source_label(version.source),
            source_ref=version.source_ref,
            decided_by=version.decided_by.get_username() if version.decided_by else None,
            created_at=version.created_at,
        )


class ParameterDecisionIn(In):
    key: Code
    value: Any = Field(description="int, bool, a ratio as 'n/d' or decimal string, or a choice.")
    effective_from: dt.date = Field(description="Today or later.")
    source_ref: SourceRef = Field(description="The board minutes' reference.")
