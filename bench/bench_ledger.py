"""Ledger posting cost: `transaction_post` (validation, account lookup, audit chain) against a
raw-SQL baseline inserting the same transaction and leg rows, in the same run on the same database.

Prints the median over several repetitions and the ratio service/raw. Uses a throw-away SQLite
database, or a throw-away `test_` copy of the PostgreSQL database named by DATABASE_URL.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopwork.settings.base")
os.environ.setdefault("COOPWORK_VAR_DIR", tempfile.mkdtemp(prefix="coopwork-bench-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

N = 300
REPEATS = 5


def main() -> None:
    if connection.vendor == "postgresql":
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", verbosity=0)

    from coopwork import testing
    from coopwork.core.money import Money
    from coopwork.ledger.models import Account
    from coopwork.ledger.services import account_for, credit, debit, transaction_post

    coop = testing.make_coop(f"bench{int(time.time() * 1000)}")
    bank = account_for(cooperative=coop, code="bank", currency="EUR")
    capital = [
        account_for(cooperative=coop, code="share_capital", holder=f"member:{i}", currency="EUR")
        for i in range(20)
    ]

    def via_service() -> float:
        start = time.perf_counter()
        for i in range(N):
            amount = Money(2000, "EUR")
            transaction_post(
                cooperative=coop,
                kind="bench",
                legs=[debit("bank", amount), credit("share_capital", amount, f"member:{i % 20}")],
                actor=None,
            )
        return time.perf_counter() - start

    def raw_sql() -> float:
        table_t, table_l = "ledger_transaction", "ledger_leg"
        today = timezone.localdate()
        now = timezone.now()
        start = time.perf_counter()
        for i in range(N):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    f"INSERT INTO {table_t} (cooperative_id, kind, memo, reference, occurred_on, "
                    "created_at) VALUES (%s, %s, '', '', %s, %s) RETURNING id",
                    [coop.pk, "bench_raw", today, now],
                )
                txn_id = cur.fetchone()[0]
                cur.executemany(
                    f"INSERT INTO {table_l} (transaction_id, account_id, amount, currency) "
                    "VALUES (%s, %s, %s, 'EUR')",
                    [(txn_id, bank.pk, 2000), (txn_id, capital[i % 20].pk, -2000)],
                )
        return time.perf_counter() - start

    service_times, raw_times = [], []
    for _ in range(REPEATS):
        raw_times.append(raw_sql())
        service_times.append(via_service())
    svc, raw = statistics.median(service_times), statistics.median(raw_times)
    print(f"ledger posting on {connection.vendor}, {N} transactions x {REPEATS} repetitions")
    print(f"  baseline raw SQL insert : {N / raw:9.0f} txn/s (median {raw * 1000:.0f} ms)")
    print(f"  transaction_post        : {N / svc:9.0f} txn/s (median {svc * 1000:.0f} ms)")
    print(f"  ratio service/raw time  : {svc / raw:.2f}x")
    print(f"  accounts: {Account.objects.filter(cooperative=coop).count()}")
    if connection.vendor == "postgresql":
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
