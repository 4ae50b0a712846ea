"""The marketplace's money-moving requests (approve settles, cancel may charge, invoices bill):
a replay with the same Idempotency-Key returns the identical answer and writes nothing more; the
same key with another body, or for another job, is refused; keys belong to their user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from coopwork.core.models import IdempotencyRecord
from coopwork.marketplace.models import Invoice

from .test_marketplace_world import (  # noqa: F401  (fixture)
    MarketWorld,
    assert_refused,
    counts,
    market_fixture,
)


@dataclass(frozen=True)
class Move:
    name: str
    role: str
    job: str
    path: Callable[[MarketWorld], str]
    body: Callable[[MarketWorld], Any]
    other_body: Callable[[MarketWorld], Any] | None  # another body for the same path
    status: int = 200


def _invoice(world: MarketWorld, *, end_offset: int = 0) -> dict[str, Any]:
    import datetime as dt

    day = world.job("settled_ride").starts_at.date()
    return {
        "client_id": world.user("client").pk,
        "period_start": day.replace(day=1).isoformat(),
        "period_end": (day + dt.timedelta(days=end_offset)).isoformat(),
    }


MOVES = [
    Move(
        "approve",
        "client",
        "completed_ride",
        lambda w: f"/coops/alpha/jobs/{w.job('completed_ride').pk}/approve",
        lambda w: None,
        None,
    ),
    Move(
        "cancel",
        "client",
        "assigned_ride",
        lambda w: f"/coops/alpha/jobs/{w.job('assigned_ride').pk}/cancel",
        lambda w: {"reason": "Plans changed"},
        lambda w: {"reason": "Another reason"},
    ),
    Move(
        "invoice",
        "coordinator",
        "settled_ride",
        lambda w: "/coops/alpha/invoices",
        lambda w: _invoice(w),
        lambda w: _invoice(w, end_offset=1),
        status=201,
    ),
]
IDS = [m.name for m in MOVES]


@pytest.mark.parametrize("move", MOVES, ids=IDS)
def test_a_replay_returns_the_identical_answer_and_writes_nothing(
    market: MarketWorld, move: Move
) -> None:
    market.job(move.job)
    api = market.api(move.role)
    headers = {"Idempotency-Key": f"{move.name}-5d1e"}
    first = api.post(move.path(market), move.body(market), headers=headers)
    assert first.status_code == move.status, first.content
    after_first = counts()
    assert after_first["IdempotencyRecord"] == 1
    for lang in ("en", "fr"):
        replay = api.post(move.path(market), move.body(market), headers=headers, lang=lang)
        assert replay.status_code == first.status_code
        assert replay.content == first.content
    assert counts() == after_first


@pytest.mark.parametrize("move", [m for m in MOVES if m.other_body], ids=["cancel", "invoice"])
def test_the_same_key_with_another_body_is_refused(market: MarketWorld, move: Move) -> None:
    market.job(move.job)
    api = market.api(move.role)
    headers = {"Idempotency-Key": "k-1"}
    assert api.post(move.path(market), move.body(market), headers=headers).status_code == (
        move.status
    )
    assert move.other_body is not None
    other = move.other_body(market)
    assert_refused(
        lambda lang: api.post(move.path(market), other, headers=headers, lang=lang),
        409,
        "idempotency_key_reused",
        leaks=(),
    )


def test_a_key_reused_for_another_job_is_refused(market: MarketWorld) -> None:
    from coopwork.marketplace.tests.helpers import completed_ride

    first = market.job("completed_ride")
    second = completed_ride(market.coop, market.user("client"), market.user("worker"), hour=16)
    client = market.api("client")
    headers = {"Idempotency-Key": "approve-once"}
    assert client.post(f"/coops/alpha/jobs/{first.pk}/approve", headers=headers).status_code == 200
    assert_refused(
        lambda lang: client.post(
            f"/coops/alpha/jobs/{second.pk}/approve", headers=headers, lang=lang
        ),
        409,
        "idempotency_key_reused",
        leaks=(),
    )
    second.refresh_from_db()
    assert second.status == "completed"


def test_a_refused_request_stores_nothing_and_can_be_retried(market: MarketWorld) -> None:
    """Approving too early fails and stores no answer; once the work is done, the same key
    approves it."""
    import datetime as dt

    from coopwork.marketplace.services import job_clock_in, job_clock_out

    job = market.job("assigned_ride")
    client = market.api("client")
    path = f"/coops/alpha/jobs/{job.pk}/approve"
    headers = {"Idempotency-Key": "retry-me"}
    assert client.post(path, headers=headers).status_code == 409
    assert IdempotencyRecord.objects.count() == 0
    walter = market.user("worker")
    job_clock_in(cooperative=market.coop, job_id=job.pk, worker=walter, now=job.starts_at)
    job_clock_out(
        cooperative=market.coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=walter,
        now=job.starts_at + dt.timedelta(minutes=10),
    )
    retried = client.post(path, headers=headers)
    assert retried.status_code == 200, retried.content
    assert retried.json()["status"] == "settled"


def test_keys_belong_to_their_user(market: MarketWorld) -> None:
    """The client and a coordinator may pick the same key: each has their own key space, so the
    coordinator's request runs (and finds the job settled)."""
    job = market.job("completed_ride")
    path = f"/coops/alpha/jobs/{job.pk}/approve"
    headers = {"Idempotency-Key": "same"}
    assert market.api("client").post(path, headers=headers).status_code == 200
    cora = market.api("coordinator")
    assert_refused(
        lambda lang: cora.post(path, headers=headers, lang=lang), 409, "transition_not_allowed"
    )


def test_one_invoice_per_period_however_many_retries(market: MarketWorld) -> None:
    market.job("settled_ride")
    cora = market.api("coordinator")
    body = _invoice(market)
    answers = {
        cora.post("/coops/alpha/invoices", body, headers={"Idempotency-Key": "inv"}).content
        for _ in range(3)
    }
    assert len(answers) == 1
    assert Invoice.objects.count() == 1
