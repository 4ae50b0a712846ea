"""Concurrency of assembly votes and proxies on PostgreSQL, with real threads released together.

- 25 members each submit their vote twice at the same moment (50 threads): exactly one vote per
  member is recorded and every second submission is told ``assembly_already_voted``.
- 10 members give their proxy to the same holder at once, in a co-op of 12 (cap 1): exactly one
  proxy is recorded, the others get ``proxy_cap_exceeded``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count

from coopwork.core.errors import CoopError
from coopwork.governance import services
from coopwork.governance.models import AssemblyVote, Proxy

from .assembly_world import at, convene, world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            try:
                results[i] = calls[i]()
            finally:
                connection.close()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


def codes(results: list[Any]) -> Counter[str]:
    out: Counter[str] = Counter()
    for r in results:
        if isinstance(r, CoopError):
            out[r.code] += 1
        elif isinstance(r, BaseException):
            out[f"{type(r).__name__}: {r}"] += 1
        else:
            out["ok"] += 1
    return out


def test_50_threads_double_submitting_votes_leave_one_vote_per_member() -> None:
    with transaction.atomic():
        w = world(25, slug="race")
        a = convene(w)
        services.assembly_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, now=at(a))
        for m in w.members:
            services.attendance_record(
                cooperative=w.coop, assembly_id=a.pk, actor=w.board, member_id=m.pk
            )
        services.assembly_quorum_check(cooperative=w.coop, assembly_id=a.pk, actor=w.board)
        services.agenda_item_open(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)

    calls = [
        (
            lambda m=m, c=choice: services.assembly_vote_cast(
                cooperative=w.coop, assembly_id=a.pk, number=1, user=m.user, choice=c
            )
        )
        for m in w.members
        for choice in ("yes", "no")
    ]
    results = run_together(calls)
    assert codes(results) == Counter({"ok": 25, "assembly_already_voted": 25})
    per_member = (
        AssemblyVote.objects.filter(item__assembly=a).values("member").annotate(n=Count("id"))
    )
    assert len(per_member) == 25 and all(r["n"] == 1 for r in per_member)
    item = services.agenda_item_close(cooperative=w.coop, assembly_id=a.pk, actor=w.board, number=1)
    assert item.result["ballots"] == 25


def test_concurrent_proxies_to_one_holder_respect_the_cap() -> None:
    with transaction.atomic():
        w = world(12, slug="race2")
        a = convene(w)
    holder = w.members[0]
    results = run_together(
        [
            lambda i=i: services.proxy_give(
                cooperative=w.coop, assembly_id=a.pk, user=w.user(i), holder_member_id=holder.pk
            )
            for i in range(1, 11)
        ]
    )
    assert codes(results) == Counter({"ok": 1, "proxy_cap_exceeded": 9})
    assert Proxy.objects.filter(assembly=a, holder=holder, revoked_at__isnull=True).count() == 1
