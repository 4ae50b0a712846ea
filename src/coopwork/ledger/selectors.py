"""Reads of the books: balances and the trial balance."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from coopwork.core.models import Cooperative
from coopwork.core.money import Money

from .chart import CHART
from .models import Account, Leg, Transaction


def account_balance(
    *, cooperative: Cooperative, code: str, holder: str = "", currency: str | None = None
) -> Money:
    """Raw balance (debits minus credits) of one account."""
    cur = currency or cooperative.currency
    total = Leg.objects.filter(
        account__cooperative=cooperative,
        account__code=code,
        account__holder=holder,
        currency=cur,
    ).aggregate(total=Sum("amount"))["total"]
    return Money(int(total or 0), cur)


def normal_balance(*, cooperative: Cooperative, code: str, holder: str = "") -> Money:
    """Balance on the account's normal side: share capital held reads positive."""
    raw = account_balance(cooperative=cooperative, code=code, holder=holder)
    return -raw if CHART[code].credit_normal else raw


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    holder: str
    currency: str
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        return self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    rows: list[TrialBalanceRow]
    totals: dict[str, tuple[int, int]]  # currency -> (debits, credits)

    @property
    def balanced(self) -> bool:
        return all(d == c for d, c in self.totals.values())


def trial_balance(*, cooperative: Cooperative) -> TrialBalance:
    """Every account's net balance on its side; per currency, debits equal credits."""
    sums = (
        Leg.objects.filter(account__cooperative=cooperative)
        .values("account__code", "account__holder", "currency")
        .annotate(total=Sum("amount"))
        .order_by("account__code", "account__holder", "currency")
    )
    rows: list[TrialBalanceRow] = []
    totals: dict[str, tuple[int, int]] = {}
    for item in sums:
        total = int(item["total"] or 0)
        row = TrialBalanceRow(
            code=item["account__code"],
            holder=item["account__holder"],
            currency=item["currency"],
            debit=max(total, 0),
            credit=max(-total, 0),
        )
        rows.append(row)
        d, c = totals.get(row.currency, (0, 0))
        totals[row.currency] = (d + row.debit, c + row.credit)
    return TrialBalance(rows=rows, totals=totals)


def transactions_for_holder(*, cooperative: Cooperative, holder: str) -> list[Transaction]:
    return list(
        Transaction.objects.filter(cooperative=cooperative, legs__account__holder=holder)
        .distinct()
        .prefetch_related("legs__account")
        .order_by("-occurred_on", "-id")
    )


def accounts(*, cooperative: Cooperative) -> list[Account]:
    return list(Account.objects.filter(cooperative=cooperative))
