"""Fixtures of the ledger tests."""

from __future__ import annotations

import pytest

from coopwork.core.models import AuditEntry
from coopwork.ledger.models import Account, Leg, Transaction


def ledger_counts() -> tuple[int, int, int, int]:
    """Rows that a refused posting must not have written."""
    return (
        Transaction.objects.count(),
        Leg.objects.count(),
        Account.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def counts():
    return ledger_counts
