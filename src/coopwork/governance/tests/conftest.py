"""Fixtures and helpers of the governance tests (proposals, ballots, resolutions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry, ParameterVersion
from coopwork.governance.models.ballots import (
    Amendment,
    Ballot,
    Comment,
    Elector,
    Paper,
    Proposal,
    ProposalSupport,
    Receipt,
    Resolution,
    Vote,
)


def snapshot() -> dict[str, Any]:
    """Everything a refused governance operation must leave exactly as it was."""
    return {
        "proposals": sorted(Proposal.objects.values_list("id", "status", "body")),
        "supports": ProposalSupport.objects.count(),
        "comments": Comment.objects.count(),
        "amendments": sorted(Amendment.objects.values_list("id", "status")),
        "ballots": sorted(Ballot.objects.values_list("id", "status", "adopted")),
        "electors": Elector.objects.count(),
        "votes": sorted(Vote.objects.values_list("id", "choice")),
        "papers": Paper.objects.count(),
        "receipts": Receipt.objects.count(),
        "resolutions": Resolution.objects.count(),
        "parameter_versions": ParameterVersion.objects.count(),
        "audit": AuditEntry.objects.count(),
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
