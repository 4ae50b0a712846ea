"""Fixtures and helpers of the members tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from coopwork import testing
from coopwork.core.errors import CoopError
from coopwork.core.models import AuditChain, AuditEntry, Cooperative, Role
from coopwork.ledger.models import Account, Leg, Transaction
from coopwork.members.models import Application, College, Member, ShareMovement, ShareRequest


def snapshot() -> dict[str, Any]:
    """Everything a refused operation must leave exactly as it was."""
    return {
        "members": sorted(
            Member.objects.values_list("id", "register_number", "status", "college_id")
        ),
        "applications": sorted(Application.objects.values_list("id", "status", "member_id")),
        "movements": ShareMovement.objects.count(),
        "requests": sorted(ShareRequest.objects.values_list("id", "status")),
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "accounts": Account.objects.count(),
        "audit": AuditEntry.objects.count(),
        "audit_heads": sorted(AuditChain.objects.values_list("key", "length")),
        "roles": sorted(Role.objects.values_list("cooperative_id", "user_id", "role")),
        "counters": sorted(Cooperative.objects.values_list("id", "next_register_number")),
        "weights": sorted((c, str(w)) for c, w in College.objects.values_list("id", "weight")),
    }


def refused(code: str, fn: Callable[..., Any], /, **kwargs: Any) -> CoopError:
    """Call ``fn``; assert it raises the error ``code`` and that nothing at all was written."""
    before = snapshot()
    try:
        fn(**kwargs)
    except CoopError as exc:
        assert exc.code == code, f"expected {code}, got {exc.code}"
        after = snapshot()
        assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        return exc
    raise AssertionError(f"{fn.__name__} did not refuse with {code}")


@pytest.fixture
def board(board_user):
    return board_user


@pytest.fixture
def beta(db):
    """Another co-op whose colleges have their own codes."""
    return testing.make_coop(
        "beta-coop",
        name="Beta Coop",
        colleges=(("partners", "Partner co-ops", "Coopératives partenaires", 1),),
    )


@pytest.fixture
def beta_board(beta):
    return testing.make_board(beta, "beta-board")


@pytest.fixture
def zero_delay(coop):
    """The statutes set the redemption delay to 0 days."""
    from coopwork.core.services import parameter_set

    parameter_set(
        cooperative=coop,
        key="share_redemption_delay_days",
        value=0,
        effective_from=dt.date(2020, 1, 1),
        source="statutes",
        source_ref="Statutes art. 12",
        actor=None,
    )
