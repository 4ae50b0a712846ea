"""Concurrent writes with real threads and real connections, on a committed database.

Each thread starts at a barrier, so the operations really overlap, and closes its own connection
at the end. Every service must behave as if it ran concurrently with itself: register numbers stay
unique and gapless, a decision is taken once, and the books stay balanced.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from coopwork import testing
from coopwork.core.audit import audit_verify_all
from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.ledger.selectors import normal_balance, trial_balance
from coopwork.members import services
from coopwork.members.models import Application, Member, ShareMovement, ShareRequest
from coopwork.members.selectors import capital_total, holding

THREADS = 20

# PostgreSQL: the tests below run against the committed test database (transactional test case).
# SQLite: pytest-django's test database is the shared-cache in-memory one, whose table locks
# fail at once with "database table is locked" instead of waiting for the busy timeout, so the
# in-process tests are PostgreSQL-only; test_sqlite_file_database_serialises_admissions runs
# the admission race in a subprocess against a real SQLite file with the production options.
postgres_only = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def apply_all(marks):
    def decorate(fn):
        for mark in reversed(marks):
            fn = mark(fn)
        return fn

    return decorate


def run_together(n: int, action: Callable[[int], Any]) -> tuple[list[Any], list[str]]:
    """Run ``action(i)`` in ``n`` threads released together; return results and error codes."""
    barrier = threading.Barrier(n)
    lock = threading.Lock()
    results: list[Any] = []
    codes: list[str] = []
    crashes: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = action(i)
            with lock:
                results.append(result)
        except CoopError as exc:
            with lock:
                codes.append(exc.code)
        except BaseException as exc:  # reported below: a crash is a failure, never a result
            with lock:
                crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,), name=f"w{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert crashes == [], crashes
    return results, codes


def admit(coop, board, application_id: int):
    return services.application_admit(
        cooperative=coop,
        application_id=application_id,
        actor=board,
        payment_method="bank_transfer",
        payment_reference=f"VIR-{application_id}",
    )


@apply_all(postgres_only)
def test_twenty_concurrent_admissions_get_gapless_unique_numbers():
    coop = testing.make_coop("race")
    board = testing.make_board(coop)
    applications = [
        services.application_submit(
            cooperative=coop,
            user=testing.make_user(),
            college_code="workers",
            shares=i + 1,
            display_name=f"Applicant {i}",
        )
        for i in range(THREADS)
    ]

    results, codes = run_together(THREADS, lambda i: admit(coop, board, applications[i].pk).pk)

    assert codes == []
    assert len(results) == THREADS
    numbers = sorted(
        Member.objects.filter(cooperative=coop).values_list("register_number", flat=True)
    )
    assert numbers == list(range(1, THREADS + 1))
    assert Cooperative.objects.get(pk=coop.pk).next_register_number == THREADS + 1
    # Every admission posted its capital: 1 + 2 + ... + 20 shares of 20.00.
    shares = THREADS * (THREADS + 1) // 2
    assert capital_total(cooperative=coop).minor == shares * 2000
    assert normal_balance(cooperative=coop, code="bank").minor == shares * 2000
    for member in Member.objects.filter(cooperative=coop):
        app = Application.objects.get(member=member)
        assert holding(member=member) == app.shares
        assert (
            normal_balance(cooperative=coop, code="share_capital", holder=member.holder).minor
            == app.shares * 2000
        )
    assert trial_balance(cooperative=coop).balanced
    assert audit_verify_all() == []


@apply_all(postgres_only)
def test_concurrent_double_admission_admits_once():
    coop = testing.make_coop("double")
    board = testing.make_board(coop)
    application = services.application_submit(
        cooperative=coop,
        user=testing.make_user(),
        college_code="users",
        shares=3,
        display_name="Only Once",
    )

    results, codes = run_together(THREADS, lambda _i: admit(coop, board, application.pk).pk)

    assert len(results) == 1
    assert Counter(codes) == {"application_already_decided": THREADS - 1}
    member = Member.objects.get(cooperative=coop)
    assert results == [member.pk]
    assert member.register_number == 1
    assert ShareMovement.objects.filter(member=member).count() == 1
    assert normal_balance(cooperative=coop, code="bank").minor == 6000
    assert Cooperative.objects.get(pk=coop.pk).next_register_number == 2
    assert audit_verify_all() == []


@apply_all(postgres_only)
def test_concurrent_applications_by_one_user_leave_one_pending():
    coop = testing.make_coop("eager")
    user = testing.make_user()

    def apply(_i: int) -> int:
        return services.application_submit(
            cooperative=coop, user=user, college_code="workers", shares=1, display_name="Eager"
        ).pk

    results, codes = run_together(10, apply)

    assert len(results) == 1
    assert Counter(codes) == {"application_pending": 9}
    assert Application.objects.filter(cooperative=coop, user=user).count() == 1
    assert audit_verify_all() == []


@apply_all(postgres_only)
def test_concurrent_redemption_requests_never_oversell():
    coop = testing.make_coop("sellout")
    board = testing.make_board(coop)
    member = testing.make_member(coop, board=board, shares=10)

    results, codes = run_together(
        10,
        lambda _i: (
            services.share_redemption_request(cooperative=coop, user=member.user, quantity=4).pk
        ),
    )

    # 10 shares: two requests of 4 fit, then 2 remain, fewer than 4.
    assert len(results) == 2
    assert Counter(codes) == {"shares_insufficient": 8}
    assert sorted(
        ShareRequest.objects.filter(member=member).values_list("quantity", flat=True)
    ) == [4, 4]


@apply_all(postgres_only)
def test_concurrent_opposite_transfers_neither_deadlock_nor_lose_shares():
    coop = testing.make_coop("swap")
    board = testing.make_board(coop)
    a = testing.make_member(coop, board=board, shares=50)
    b = testing.make_member(coop, board=board, shares=50)

    def move(i: int):
        src, dst = (1, 2) if i % 2 else (2, 1)
        return services.share_transfer(
            cooperative=coop,
            from_register_number=src,
            to_register_number=dst,
            quantity=1 + i % 3,
            actor=board,
        )

    results, codes = run_together(THREADS, move)

    assert codes == []
    assert len(results) == THREADS
    moved = sum((1 + i % 3) * (1 if i % 2 else -1) for i in range(THREADS))
    assert (holding(member=a), holding(member=b)) == (50 - moved, 50 + moved)
    for m in (a, b):
        assert (
            normal_balance(cooperative=coop, code="share_capital", holder=m.holder).minor
            == holding(member=m) * 2000
        )
    assert capital_total(cooperative=coop).minor == 100 * 2000
    assert trial_balance(cooperative=coop).balanced
    assert audit_verify_all() == []


@pytest.mark.skipif(on_postgres(), reason="SQLite-only; the SQLite run of the suite covers it")
def test_sqlite_file_database_serialises_admissions(tmp_path):
    """SQLite (the embedded default): BEGIN IMMEDIATE plus the busy timeout queue the writers, so
    twenty threads admitting twenty applications get numbers 1..20, and twenty threads admitting
    one application admit it once. A subprocess gets its own file database under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "COOPWORK_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "coopwork.settings.test",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[3]), env.get("PYTHONPATH", "")]),
    }
    script = Path(__file__).with_name("sqlite_race.py")
    proc = subprocess.run(
        [sys.executable, str(script), str(THREADS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (got["vendor"], got["db"]) == ("sqlite", str(tmp_path / "coopwork.sqlite3"))
    assert got["different"] == [THREADS, {}, []]
    assert got["double"] == [1, {"application_already_decided": THREADS - 1}, []]
    assert got["numbers"] == list(range(1, THREADS + 2))
    assert got["cash"] == (THREADS * 1 + 2) * 2000
    assert got["balanced"] is True
    assert got["audit_problems"] == []
