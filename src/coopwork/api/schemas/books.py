"""The books (trial balance) and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Field, Schema

from coopwork.ledger.chart import CHART

if TYPE_CHECKING:
    from coopwork.core.models import AuditEntry
    from coopwork.ledger.selectors import TrialBalance, TrialBalanceRow


class TrialBalanceRowOut(Schema):
    code: str
    label: str
    holder: str = Field(description="Opaque holder reference, e.g. 'member:12'.")
    currency: str
    debit: int = Field(description="Minor units.")
    credit: int = Field(description="Minor units.")

    @classmethod
    def of(cls, row: TrialBalanceRow) -> TrialBalanceRowOut:
        kind = CHART.get(row.code)
        return cls(
            code=row.code,
            label=str(kind.label) if kind else row.code,
            holder=row.holder,
            currency=row.currency,
            debit=row.debit,
            credit=row.credit,
        )


class TrialBalanceTotalOut(Schema):
    currency: str
    debit: int
    credit: int


class TrialBalanceOut(Schema):
    rows: list[TrialBalanceRowOut]
    totals: list[TrialBalanceTotalOut]
    balanced: bool = Field(description="Debits equal credits in every currency.")

    @classmethod
    def of(cls, balance: TrialBalance) -> TrialBalanceOut:
        return cls(
            rows=[TrialBalanceRowOut.of(r) for r in balance.rows],
            totals=[
                TrialBalanceTotalOut(currency=currency, debit=debit, credit=credit)
                for currency, (debit, credit) in sorted(balance.totals.items())
            ],
            balanced=balance.balanced,
        )


class AuditEntryOut(Schema):
    id: int
    seq: int | None = Field(description="Position in the co-op's hash chain (null until sealed).")
    created_at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]
    hash: str
    prev_hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.pk,
            seq=entry.seq,
            created_at=entry.created_at,
            actor=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
            hash=entry.hash,
            prev_hash=entry.prev_hash,
        )
