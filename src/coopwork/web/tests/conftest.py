"""Fixtures of the web tests: signed-in clients and small helpers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from coopwork import testing


@pytest.fixture
def login() -> Callable[..., Client]:
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def board_client(board_user, login) -> Client:
    return login(board_user)


@pytest.fixture
def other_board(other_coop):
    """A board member of another co-op: must never see or touch ``coop``."""
    return testing.make_board(other_coop, "otherboard")


@pytest.fixture
def pending(coop):
    """A pending application to ``coop`` (college workers, 3 shares)."""
    from coopwork.members.services import application_submit

    applicant = testing.make_user("applicant")
    return application_submit(
        cooperative=coop,
        user=applicant,
        college_code="workers",
        shares=3,
        display_name="Zoé Applicant",
    )


def htmx(**extra: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", **extra}
