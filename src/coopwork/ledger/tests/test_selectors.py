"""ledger.selectors: balances and the trial balance, exact to the minor unit."""

from __future__ import annotations

import pytest

from coopwork.core.money import Money
from coopwork.ledger.chart import CHART
from coopwork.ledger.selectors import (
    TrialBalance,
    TrialBalanceRow,
    account_balance,
    accounts,
    normal_balance,
    transactions_for_holder,
    trial_balance,
)
from coopwork.ledger.services import credit, debit, transaction_post


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


@pytest.fixture
def books(coop, other_coop):
    """Three postings in ``coop`` (one of them also in USD) and one in ``other_coop``."""
    t1 = transaction_post(
        cooperative=coop,
        kind="share_subscription",
        legs=[debit("bank", eur(6000)), credit("share_capital", eur(6000), "member:1")],
        actor=None,
    )
    t2 = transaction_post(
        cooperative=coop,
        kind="share_subscription",
        legs=[debit("cash", eur(2000)), credit("share_capital", eur(2000), "member:2")],
        actor=None,
    )
    t3 = transaction_post(
        cooperative=coop,
        kind="share_redemption",
        legs=[
            debit("share_capital", eur(2000), "member:1"),
            credit("bank", eur(2000)),
            debit("bank", Money(700, "USD")),
            credit("revenue_fees", Money(700, "USD")),
        ],
        actor=None,
    )
    transaction_post(
        cooperative=other_coop,
        kind="share_subscription",
        legs=[debit("bank", eur(99900)), credit("share_capital", eur(99900), "member:1")],
        actor=None,
    )
    return t1, t2, t3


def test_account_balances_are_exact(coop, books):
    assert account_balance(cooperative=coop, code="bank") == eur(4000)
    assert account_balance(cooperative=coop, code="cash") == eur(2000)
    assert account_balance(cooperative=coop, code="share_capital", holder="member:1") == eur(-4000)
    assert account_balance(cooperative=coop, code="share_capital", holder="member:2") == eur(-2000)
    assert account_balance(cooperative=coop, code="bank", currency="USD") == Money(700, "USD")
    assert account_balance(cooperative=coop, code="share_capital") == eur(0)  # no holder
    assert account_balance(cooperative=coop, code="solidarity_fund") == eur(0)


def test_normal_balance_reads_positive_on_the_accounts_side(coop, books):
    assert CHART["share_capital"].credit_normal
    assert not CHART["bank"].credit_normal
    assert normal_balance(cooperative=coop, code="share_capital", holder="member:1") == eur(4000)
    assert normal_balance(cooperative=coop, code="bank") == eur(4000)
    # revenue_fees only moved in USD; the normal balance reads the co-op's currency.
    assert normal_balance(cooperative=coop, code="revenue_fees") == eur(0)


def test_balances_never_cross_cooperatives(other_coop, books):
    assert normal_balance(cooperative=other_coop, code="share_capital", holder="member:1") == eur(
        99900
    )
    assert account_balance(cooperative=other_coop, code="bank", currency="USD") == Money(0, "USD")


def test_trial_balance_rows_and_totals_per_currency(coop, books):
    tb = trial_balance(cooperative=coop)
    assert tb.rows == [
        TrialBalanceRow("bank", "", "EUR", 4000, 0),
        TrialBalanceRow("bank", "", "USD", 700, 0),
        TrialBalanceRow("cash", "", "EUR", 2000, 0),
        TrialBalanceRow("revenue_fees", "", "USD", 0, 700),
        TrialBalanceRow("share_capital", "member:1", "EUR", 0, 4000),
        TrialBalanceRow("share_capital", "member:2", "EUR", 0, 2000),
    ]
    assert tb.totals == {"EUR": (6000, 6000), "USD": (700, 700)}
    assert tb.balanced is True
    assert [r.balance for r in tb.rows] == [4000, 700, 2000, -700, -4000, -2000]


def test_trial_balance_of_empty_books(coop):
    tb = trial_balance(cooperative=coop)
    assert (tb.rows, tb.totals, tb.balanced) == ([], {}, True)


def test_trial_balance_flags_a_mismatch():
    tb = TrialBalance(rows=[], totals={"EUR": (100, 99), "USD": (5, 5)})
    assert tb.balanced is False


def test_an_account_netting_to_zero_shows_an_empty_row(coop):
    transaction_post(
        cooperative=coop,
        kind="t",
        legs=[debit("bank", eur(500)), credit("revenue_fees", eur(500))],
        actor=None,
    )
    transaction_post(
        cooperative=coop,
        kind="t",
        legs=[debit("revenue_fees", eur(500)), credit("bank", eur(500))],
        actor=None,
    )
    tb = trial_balance(cooperative=coop)
    assert tb.rows == [
        TrialBalanceRow("bank", "", "EUR", 0, 0),
        TrialBalanceRow("revenue_fees", "", "EUR", 0, 0),
    ]
    assert tb.totals == {"EUR": (0, 0)}


def test_transactions_for_holder(coop, books):
    t1, t2, t3 = books
    assert transactions_for_holder(cooperative=coop, holder="member:1") == [t3, t1]
    assert transactions_for_holder(cooperative=coop, holder="member:2") == [t2]
    assert transactions_for_holder(cooperative=coop, holder="member:9") == []


def test_accounts_lists_the_coops_accounts(coop, books):
    assert sorted(str(a) for a in accounts(cooperative=coop)) == [
        "bank (EUR)",
        "bank (USD)",
        "cash (EUR)",
        "revenue_fees (USD)",
        "share_capital/member:1 (EUR)",
        "share_capital/member:2 (EUR)",
    ]
