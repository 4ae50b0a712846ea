"""List endpoints run a fixed number of queries, however many rows they show (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coopwork import testing
from coopwork.members.services import application_submit, share_purchase_request

from .conftest import Api, World

LISTS = [
    ("board", "/coops/alpha/applications"),
    ("board", "/coops/alpha/share-requests"),
    ("board", "/coops/alpha/members"),
    ("admin", "/coops/alpha/audit"),
    ("board", "/coops/alpha/ledger/trial-balance"),
    ("anonymous", "/coops"),
    ("anonymous", "/coops/alpha/colleges"),
    ("anonymous", "/coops/alpha"),
]


def _grow(world: World, n: int) -> None:
    """n more members (each with a pending purchase) and n more pending applications."""
    for i in range(n):
        member = testing.make_member(
            world.coop, board=world.users["board"], name=f"Extra Member {i}"
        )
        share_purchase_request(cooperative=world.coop, user=member.user, quantity=1)
        application_submit(
            cooperative=world.coop,
            user=testing.make_user(),
            college_code="users",
            shares=1,
            display_name=f"Extra Applicant {i}",
        )
        testing.make_coop()


def _count(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200  # type: ignore[attr-defined]
    return len(queries)


@pytest.mark.parametrize(("role", "path"), LISTS)
def test_query_count_does_not_grow_with_rows(world: World, role: str, path: str) -> None:
    api = Api(world.users[role])
    api.get(path)  # warm up: the session, content types and the like
    small = _count(lambda: api.get(path))
    _grow(world, 4)
    large = _count(lambda: api.get(path))
    assert large == small, f"{path}: {small} queries for the small co-op, {large} for the large"
