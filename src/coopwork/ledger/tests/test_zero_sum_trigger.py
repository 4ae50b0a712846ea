"""PostgreSQL: the deferred constraint trigger refuses, at commit, any transaction whose legs do not
sum to zero per currency, and a BEFORE trigger refuses a leg in another currency than its account.

These tests write raw SQL (bypassing ``transaction_post``) and really commit, so they run in
transactional test cases. On SQLite there is no trigger: ``transaction_post`` is the guard (see
test_services.py).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from coopwork import testing
from coopwork.core.money import Money
from coopwork.ledger.models import Account, Leg, Transaction
from coopwork.ledger.selectors import trial_balance
from coopwork.ledger.services import account_for, credit, debit, transaction_post

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


@pytest.fixture
def posted():
    coop = testing.make_coop("zs")
    txn = transaction_post(
        cooperative=coop,
        kind="t",
        legs=[debit("bank", eur(1000)), credit("revenue_fees", eur(1000))],
        actor=None,
    )
    return coop, txn


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def insert_leg(txn_id: int, account_id: int, amount: int, currency: str = "EUR") -> None:
    sql(
        "INSERT INTO ledger_leg (transaction_id, account_id, amount, currency) "
        "VALUES (%s, %s, %s, %s)",
        [txn_id, account_id, amount, currency],
    )


def legs_of(txn: Transaction) -> list[tuple[str, int]]:
    return sorted(Leg.objects.filter(transaction=txn).values_list("account__code", "amount"))


def test_the_trigger_is_installed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgdeferrable, tginitdeferred FROM pg_trigger "
            "WHERE tgrelid = 'ledger_leg'::regclass AND NOT tgisinternal ORDER BY tgname"
        )
        assert cursor.fetchall() == [
            ("ledger_leg_currency", False, False),
            ("ledger_leg_zero_sum", True, True),
        ]


def test_an_unbalancing_leg_is_refused_at_commit(posted):
    coop, txn = posted
    bank = Account.objects.get(cooperative=coop, code="bank")
    with pytest.raises(IntegrityError, match=r"does not sum to zero in EUR \(sum 1\)"):  # noqa: SIM117
        with transaction.atomic():
            insert_leg(txn.pk, bank.pk, 1)
            # Deferred: inside the transaction the insert went through...
            assert Leg.objects.filter(transaction=txn).count() == 3
    # ...and the commit refused it, so nothing was kept.
    assert legs_of(txn) == [("bank", 1000), ("revenue_fees", -1000)]
    assert trial_balance(cooperative=coop).balanced


def test_a_new_unbalanced_transaction_is_refused_at_commit(posted):
    coop, _txn = posted
    bank = Account.objects.get(cooperative=coop, code="bank")
    before = Transaction.objects.count()
    with pytest.raises(IntegrityError, match="does not sum to zero"):  # noqa: SIM117
        with transaction.atomic():
            txn = Transaction.objects.create(cooperative=coop, kind="raw", occurred_on="2027-01-01")
            insert_leg(txn.pk, bank.pk, 500)
    assert Transaction.objects.count() == before


def test_legs_balanced_by_commit_time_are_accepted(posted):
    coop, _txn = posted
    bank = Account.objects.get(cooperative=coop, code="bank")
    fees = Account.objects.get(cooperative=coop, code="revenue_fees")
    with transaction.atomic():
        txn = Transaction.objects.create(cooperative=coop, kind="raw", occurred_on="2027-01-01")
        insert_leg(txn.pk, bank.pk, 250)  # unbalanced for a moment: the check waits for commit
        insert_leg(txn.pk, fees.pk, -250)
    assert legs_of(txn) == [("bank", 250), ("revenue_fees", -250)]


def test_updating_a_leg_amount_is_refused_at_commit(posted):
    _coop, txn = posted
    with pytest.raises(IntegrityError, match="does not sum to zero"):  # noqa: SIM117
        with transaction.atomic():
            sql(
                "UPDATE ledger_leg SET amount = 900 WHERE transaction_id = %s AND amount = 1000",
                [txn.pk],
            )
    assert legs_of(txn) == [("bank", 1000), ("revenue_fees", -1000)]


def test_deleting_one_leg_is_refused_at_commit(posted):
    _coop, txn = posted
    with pytest.raises(IntegrityError, match="does not sum to zero"):  # noqa: SIM117
        with transaction.atomic():
            sql("DELETE FROM ledger_leg WHERE transaction_id = %s AND amount < 0", [txn.pk])
    assert legs_of(txn) == [("bank", 1000), ("revenue_fees", -1000)]


def test_moving_a_leg_to_another_transaction_is_refused(posted):
    coop, txn = posted
    other = transaction_post(
        cooperative=coop,
        kind="t",
        legs=[debit("cash", eur(5)), credit("revenue_fees", eur(5))],
        actor=None,
    )
    with pytest.raises(IntegrityError, match="does not sum to zero"):  # noqa: SIM117
        with transaction.atomic():
            sql(
                "UPDATE ledger_leg SET transaction_id = %s WHERE transaction_id = %s "
                "AND amount = 1000",
                [other.pk, txn.pk],
            )
    assert legs_of(txn) == [("bank", 1000), ("revenue_fees", -1000)]


def test_a_balanced_pair_across_currencies_is_still_refused(posted):
    coop, txn = posted
    bank_usd = account_for(cooperative=coop, code="bank", currency="USD")
    fees = Account.objects.get(cooperative=coop, code="revenue_fees")
    with pytest.raises(IntegrityError, match="does not sum to zero"):  # noqa: SIM117
        with transaction.atomic():
            insert_leg(txn.pk, bank_usd.pk, 300, "USD")
            insert_leg(txn.pk, fees.pk, -300, "EUR")
    assert legs_of(txn) == [("bank", 1000), ("revenue_fees", -1000)]


def test_a_leg_in_another_currency_than_its_account_is_refused_at_once(posted):
    coop, txn = posted
    bank = Account.objects.get(cooperative=coop, code="bank")
    fees = Account.objects.get(cooperative=coop, code="revenue_fees")
    with pytest.raises(IntegrityError, match="leg currency USD differs from its account's"):  # noqa: SIM117
        with transaction.atomic():
            # Balanced in USD, but both accounts keep EUR.
            insert_leg(txn.pk, bank.pk, 300, "USD")
    with pytest.raises(IntegrityError, match="differs from its account's"):  # noqa: SIM117
        with transaction.atomic():
            sql("UPDATE ledger_leg SET currency = 'USD' WHERE account_id = %s", [fees.pk])
    assert sorted(Leg.objects.filter(transaction=txn).values_list("currency", flat=True)) == [
        "EUR",
        "EUR",
    ]
