"""Review findings on online ballots, each pinned by a test that failed before its fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from coopwork import testing
from coopwork.governance import services

pytestmark = pytest.mark.django_db


def test_scheduled_ballot_showing_its_live_count_has_a_page(coop, board_user):
    """A ballot set up to show its live count, not open yet, has no count to show: its page
    renders (it used to answer 403 ``ballot_results_hidden`` to every member)."""
    member = testing.make_member(coop, board=board_user, name="Ada")
    ballot = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="motion",
        title="Later",
        opens_at=timezone.now() + dt.timedelta(hours=2),
        results_hidden=False,
    )
    client = Client()
    client.force_login(member.user)
    response = client.get(f"/c/alpha/governance/ballots/{ballot.pk}/")
    assert response.status_code == 200
    assert "Later" in response.content.decode()
    api = client.get(f"/api/v1/coops/alpha/ballots/{ballot.pk}/results")
    assert api.status_code == 403
    assert api.json()["code"] == "ballot_results_hidden"
