"""Builders and checks shared by the general-assembly tests (state built through the services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from coopwork import testing
from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry, Cooperative, ParameterVersion
from coopwork.governance import services
from coopwork.governance.models import (
    AgendaItem,
    Assembly,
    AssemblyAttendance,
    AssemblyVote,
    Proxy,
    Resolution,
)
from coopwork.marketplace.models import Notification
from coopwork.members.models import Member

NOW = dt.datetime(2030, 3, 2, 10, 0, tzinfo=dt.UTC)


@dataclass
class World:
    coop: Cooperative
    board: User
    members: list[Member]

    def user(self, i: int) -> User:
        return self.members[i].user


def world(n: int, *, slug: str = "alpha", legal_form: str = "scop") -> World:
    """A co-op with a board member and ``n`` members (the board member is not a member)."""
    coop = testing.make_coop(slug, name=slug.title(), legal_form=legal_form)
    board = testing.make_board(coop, f"{slug}-board")
    members = [
        testing.make_member(coop, board=board, name=f"Member {i:02d}", college="workers")
        for i in range(n)
    ]
    return World(coop, board, members)


def convene(
    w: World,
    *,
    kind: str = "ordinary",
    days: int = 16,
    now: dt.datetime | None = None,
    items: list[services.ItemSpec] | None = None,
    first: Assembly | None = None,
    remote: bool = True,
) -> Assembly:
    now = now or timezone.now()
    return services.assembly_convene(
        cooperative=w.coop,
        actor=w.board,
        kind=kind,
        title=f"{kind.title()} general assembly",
        starts_at=now + dt.timedelta(days=days),
        place="Salle des fêtes, Lyon",
        remote_url="https://meet.example.org/ag" if remote else "",
        items=items if items is not None else [services.ItemSpec(title="Approve the accounts")],
        first_convocation_id=first.pk if first else None,
        now=now,
    )


def at(assembly: Assembly, minutes: int = 0) -> dt.datetime:
    return assembly.starts_at + dt.timedelta(minutes=minutes)


def snapshot() -> dict[str, Any]:
    """Everything a refused assembly operation must leave exactly as it was."""
    return {
        "assemblies": sorted(Assembly.objects.values_list("id", "status", "quorum_reached")),
        "items": sorted(AgendaItem.objects.values_list("id", "number", "status", "adopted")),
        "attendance": AssemblyAttendance.objects.count(),
        "proxies": sorted(Proxy.objects.values_list("id", "revoked_at")),
        "votes": AssemblyVote.objects.count(),
        "resolutions": Resolution.objects.count(),
        "parameter_versions": ParameterVersion.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def refused(code: str, fn: Callable[..., Any], /, **kwargs: Any) -> CoopError:
    """Call ``fn``; assert it raises ``code`` and that nothing at all was written."""
    before = snapshot()
    try:
        fn(**kwargs)
    except CoopError as exc:
        assert exc.code == code, f"expected {code}, got {exc.code}"
        assert 400 <= exc.status < 500
        after = snapshot()
        assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        return exc
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not refuse with {code}")
