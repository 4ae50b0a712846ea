"""50 threads double-submitting votes at once, on PostgreSQL: exactly one vote per member.

Each of 25 members submits twice, from two threads released together by a barrier (50 threads),
on an open ballot and on a secret one. The unique constraint (ballot, member) decides: on the
open ballot the second submission becomes a change of the same vote; on the secret ballot it is
refused with ``ballot_already_voted``. Never a second row, a second paper or a 500.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from coopwork import testing
from coopwork.core.audit import audit_verify_all
from coopwork.core.errors import CoopError
from coopwork.governance import services
from coopwork.governance.models.ballots import Paper, Receipt, Vote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MEMBERS = 25
THREADS = 2 * MEMBERS


def run_together(n: int, action: Callable[[int], Any]) -> tuple[list[Any], list[str]]:
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
        except BaseException as exc:  # a crash is a failure, never a result
            with lock:
                crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert crashes == [], crashes
    return results, codes


@pytest.mark.parametrize("secret", [False, True])
def test_fifty_threads_double_submitting_give_one_vote_per_member(secret):
    coop = testing.make_coop(f"race-{int(secret)}")
    board = testing.make_board(coop)
    members = [testing.make_member(coop, board=board) for _ in range(MEMBERS)]
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board,
        kind="election",
        title="Race",
        method="approval",
        seats=1,
        secret=secret,
        candidates=[{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
    )

    def submit(i: int) -> services.VoteReceipt:
        member = members[i % MEMBERS]
        return services.vote_cast(
            cooperative=coop,
            ballot_id=ballot.pk,
            user=member.user,
            choice={"choices": ["a" if i < MEMBERS else "b"]},
        )

    results, codes = run_together(THREADS, submit)

    per_member = Counter(Vote.objects.filter(ballot=ballot).values_list("member_id", flat=True))
    assert len(per_member) == MEMBERS and set(per_member.values()) == {1}
    assert Receipt.objects.filter(ballot=ballot).count() == MEMBERS
    first_votes = [r for r in results if r.receipt]
    assert len(first_votes) == MEMBERS
    if secret:
        assert codes == ["ballot_already_voted"] * MEMBERS
        assert Paper.objects.filter(ballot=ballot).count() == MEMBERS
    else:
        assert codes == []
        assert sum(1 for r in results if r.changed) == MEMBERS
    assert audit_verify_all() == []
