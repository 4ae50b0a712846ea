"""Writes to the books. ``transaction_post`` is the only way money moves."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction as db_transaction
from django.db.models import Q
from django.utils import timezone

from coopwork.core.audit import audit_append
from coopwork.core.models import Cooperative
from coopwork.core.money import Money

from .chart import CHART
from .errors import AccountUnknown, TransactionUnbalanced
from .models import Account, Leg, Transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class LegSpec:
    """One line of a transaction: an account (by code and holder) and a signed amount."""

    code: str
    amount: Money  # debit positive, credit negative
    holder: str = ""


def debit(code: str, amount: Money, holder: str = "") -> LegSpec:
    return LegSpec(code, amount, holder)


def credit(code: str, amount: Money, holder: str = "") -> LegSpec:
    return LegSpec(code, -amount, holder)


def account_for(*, cooperative: Cooperative, code: str, holder: str = "", currency: str) -> Account:
    if code not in CHART:
        raise AccountUnknown(account=code)
    account, _ = Account.objects.get_or_create(
        cooperative=cooperative, code=code, holder=holder, currency=currency
    )
    return account


def _accounts_for(
    cooperative: Cooperative, legs: Sequence[LegSpec]
) -> dict[tuple[str, str, str], Account]:
    """All the legs' accounts in one query, creating the missing ones."""
    wanted = {(leg.code, leg.holder, leg.amount.currency) for leg in legs}
    for code, _, _ in wanted:
        if code not in CHART:
            raise AccountUnknown(account=code)
    query = Q()
    for code, holder, currency in wanted:
        query |= Q(code=code, holder=holder, currency=currency)
    found = {
        (a.code, a.holder, a.currency): a
        for a in Account.objects.filter(query, cooperative=cooperative)
    }
    for code, holder, currency in wanted - found.keys():
        found[(code, holder, currency)] = account_for(
            cooperative=cooperative, code=code, holder=holder, currency=currency
        )
    return found


def check_balanced(legs: Sequence[LegSpec]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        totals[leg.amount.currency] += leg.amount.minor
    if not legs or any(total != 0 for total in totals.values()):
        raise TransactionUnbalanced()


@db_transaction.atomic
def transaction_post(
    *,
    cooperative: Cooperative,
    kind: str,
    legs: Sequence[LegSpec],
    actor: User | None,
    memo: str = "",
    reference: str = "",
    occurred_on: dt.date | None = None,
) -> Transaction:
    """Post one balanced transaction. Zero legs are dropped; an unbalanced set is refused."""
    legs = [leg for leg in legs if leg.amount.minor != 0]
    check_balanced(legs)
    txn = Transaction.objects.create(
        cooperative=cooperative,
        kind=kind,
        memo=memo[:300],
        reference=reference[:120],
        occurred_on=occurred_on or timezone.localdate(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    accounts = _accounts_for(cooperative, legs)
    rows = [
        Leg(
            transaction=txn,
            account=accounts[(leg.code, leg.holder, leg.amount.currency)],
            amount=leg.amount.minor,
            currency=leg.amount.currency,
        )
        for leg in legs
    ]
    Leg.objects.bulk_create(rows)
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="ledger.transaction_posted",
        target=txn,
        data={
            "kind": kind,
            "reference": reference,
            "legs": [[leg.code, leg.holder, leg.amount.minor, leg.amount.currency] for leg in legs],
        },
    )
    return txn
