"""ledger.services: ``transaction_post`` is the only way money moves, and only when balanced."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import pytest

from coopwork.core.audit import audit_verify_all
from coopwork.core.models import AuditEntry
from coopwork.core.money import Money
from coopwork.ledger.errors import AccountUnknown, TransactionUnbalanced
from coopwork.ledger.models import Account, Leg, Transaction
from coopwork.ledger.services import LegSpec, account_for, credit, debit, transaction_post


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def test_debit_and_credit_helpers_sign_the_amount():
    assert debit("bank", eur(500)) == LegSpec("bank", eur(500), "")
    assert credit("share_capital", eur(500), "member:3") == LegSpec(
        "share_capital", eur(-500), "member:3"
    )


def test_a_balanced_transaction_is_posted_with_its_legs_and_an_audit_entry(coop, board_user):
    txn = transaction_post(
        cooperative=coop,
        kind="share_subscription",
        legs=[debit("bank", eur(6000)), credit("share_capital", eur(6000), "member:1")],
        actor=board_user,
        memo="3 × a",
        reference="VIR-1",
        occurred_on=dt.date(2027, 2, 1),
    )
    assert (txn.cooperative, txn.kind, txn.memo, txn.reference, txn.occurred_on) == (
        coop,
        "share_subscription",
        "3 × a",
        "VIR-1",
        dt.date(2027, 2, 1),
    )
    assert txn.created_by == board_user
    legs = sorted(
        Leg.objects.filter(transaction=txn).values_list(
            "account__code", "account__holder", "amount", "currency"
        )
    )
    assert legs == [("bank", "", 6000, "EUR"), ("share_capital", "member:1", -6000, "EUR")]
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "ledger.transaction_posted",
        "ledger.transaction",
        str(txn.pk),
        board_user.pk,
    )
    assert entry.data == {
        "kind": "share_subscription",
        "reference": "VIR-1",
        "legs": [["bank", "", 6000, "EUR"], ["share_capital", "member:1", -6000, "EUR"]],
    }
    assert audit_verify_all() == []


def test_accounts_are_created_once_and_reused(coop):
    for _ in range(3):
        transaction_post(
            cooperative=coop,
            kind="t",
            legs=[debit("bank", eur(100)), credit("revenue_fees", eur(100))],
            actor=None,
        )
    assert sorted(Account.objects.filter(cooperative=coop).values_list("code", "currency")) == [
        ("bank", "EUR"),
        ("revenue_fees", "EUR"),
    ]
    assert Leg.objects.count() == 6


def test_defaults_today_and_truncates_memo_and_reference(coop):
    with patch("django.utils.timezone.localdate", return_value=dt.date(2027, 5, 6)):
        txn = transaction_post(
            cooperative=coop,
            kind="t",
            legs=[debit("cash", eur(1)), credit("revenue_fees", eur(1))],
            actor=None,
            memo="m" * 400,
            reference="r" * 200,
        )
    txn.refresh_from_db()
    assert txn.occurred_on == dt.date(2027, 5, 6)
    assert (len(txn.memo), len(txn.reference)) == (300, 120)
    assert txn.created_by is None


def test_zero_legs_are_dropped(coop):
    txn = transaction_post(
        cooperative=coop,
        kind="t",
        legs=[debit("bank", eur(250)), debit("cash", eur(0)), credit("revenue_fees", eur(250))],
        actor=None,
    )
    assert sorted(Leg.objects.filter(transaction=txn).values_list("account__code", flat=True)) == [
        "bank",
        "revenue_fees",
    ]
    assert not Account.objects.filter(code="cash").exists()


@pytest.mark.parametrize(
    "legs",
    [
        [],
        [debit("bank", eur(0)), credit("revenue_fees", eur(0))],
        [debit("bank", eur(100))],
        [debit("bank", eur(100)), credit("revenue_fees", eur(99))],
        [debit("bank", eur(100)), credit("revenue_fees", Money(100, "USD"))],
        [
            debit("bank", eur(100)),
            credit("revenue_fees", eur(100)),
            debit("bank", Money(5, "USD")),
        ],
    ],
    ids=["empty", "all-zero", "one-leg", "off-by-one", "cross-currency", "one-currency-off"],
)
def test_an_unbalanced_transaction_is_refused_and_nothing_is_written(coop, counts, legs):
    before = counts()
    with pytest.raises(TransactionUnbalanced) as exc:
        transaction_post(cooperative=coop, kind="t", legs=legs, actor=None)
    assert exc.value.code == "transaction_unbalanced"
    assert exc.value.status == 400
    assert counts() == before


def test_balanced_per_currency_is_accepted(coop):
    txn = transaction_post(
        cooperative=coop,
        kind="fx",
        legs=[
            debit("bank", eur(100)),
            credit("revenue_fees", eur(100)),
            debit("bank", Money(300, "USD")),
            credit("revenue_fees", Money(300, "USD")),
        ],
        actor=None,
    )
    assert sorted(Leg.objects.filter(transaction=txn).values_list("currency", "amount")) == [
        ("EUR", -100),
        ("EUR", 100),
        ("USD", -300),
        ("USD", 300),
    ]
    # One account per currency, each leg on the account of its own currency.
    for leg in Leg.objects.filter(transaction=txn).select_related("account"):
        assert leg.account.currency == leg.currency


def test_an_unknown_account_is_refused_and_nothing_is_written(coop, counts):
    before = counts()
    with pytest.raises(AccountUnknown) as exc:
        transaction_post(
            cooperative=coop,
            kind="t",
            legs=[debit("bank", eur(100)), credit("petty_theft", eur(100))],
            actor=None,
        )
    assert exc.value.code == "account_unknown"
    assert exc.value.params == {"account": "petty_theft"}
    assert exc.value.render_message() == "There is no account kind petty_theft."
    assert counts() == before
    with pytest.raises(AccountUnknown):
        account_for(cooperative=coop, code="nope", currency="EUR")


def test_accounts_belong_to_one_cooperative(coop, other_coop):
    for c in (coop, other_coop):
        transaction_post(
            cooperative=c,
            kind="t",
            legs=[debit("bank", eur(100)), credit("revenue_fees", eur(100))],
            actor=None,
        )
    assert Account.objects.filter(code="bank").count() == 2
    for c in (coop, other_coop):
        assert set(
            Leg.objects.filter(transaction__cooperative=c).values_list(
                "account__cooperative", flat=True
            )
        ) == {c.pk}
    assert Transaction.objects.count() == 2
