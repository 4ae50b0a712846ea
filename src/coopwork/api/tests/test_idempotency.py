"""Money-moving requests: Idempotency-Key replays, reuse with another body, and a missing key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from coopwork.core.models import IdempotencyRecord
from coopwork.members.models import Member

from .conftest import Api, World, assert_refused, row_counts

# (name, path, body, another body) for every money-moving route.
MONEY_ROUTES: list[tuple[str, Callable[[World], str], dict[str, Any], dict[str, Any]]] = [
    (
        "admit",
        lambda w: f"/coops/alpha/applications/{w.application.pk}/admit",
        {"payment_method": "bank_transfer", "payment_reference": "VIR-1"},
        {"payment_method": "bank_transfer", "payment_reference": "VIR-2"},
    ),
    (
        "confirm-purchase",
        lambda w: f"/coops/alpha/share-requests/{w.purchase.pk}/confirm-purchase",
        {"payment_method": "cash"},
        {"payment_method": "bank_transfer", "payment_reference": "VIR-3"},
    ),
    (
        "pay-redemption",
        lambda w: f"/coops/alpha/share-requests/{w.redemption.pk}/pay-redemption",
        {"payment_method": "bank_transfer", "payment_reference": "VIR-4"},
        {"payment_method": "cash"},
    ),
    (
        "transfer",
        lambda w: "/coops/alpha/transfers",
        {"from_register_number": 1, "to_register_number": 2, "quantity": 1},
        {"from_register_number": 1, "to_register_number": 2, "quantity": 2},
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "body", "other"), MONEY_ROUTES, ids=[r[0] for r in MONEY_ROUTES]
)
def test_replay_returns_the_stored_answer_and_writes_nothing(
    world: World, name: str, path: Callable[[World], str], body: dict, other: dict
) -> None:
    api = Api(world.users["board"])
    first = api.post(path(world), body, headers={"Idempotency-Key": f"{name}-7f3a"})
    assert first.status_code in (200, 201), first.content
    after_first = row_counts()
    replay = api.post(path(world), body, headers={"Idempotency-Key": f"{name}-7f3a"})
    assert replay.status_code == first.status_code
    assert replay.content == first.content
    assert row_counts() == after_first


@pytest.mark.parametrize(
    ("name", "path", "body", "other"), MONEY_ROUTES, ids=[r[0] for r in MONEY_ROUTES]
)
def test_same_key_with_another_body_is_refused(
    world: World, name: str, path: Callable[[World], str], body: dict, other: dict
) -> None:
    api = Api(world.users["board"])
    assert api.post(path(world), body, headers={"Idempotency-Key": "k-1"}).status_code in (200, 201)
    assert_refused(
        lambda lang: api.post(path(world), other, headers={"Idempotency-Key": "k-1"}, lang=lang),
        409,
        "idempotency_key_reused",
    )


@pytest.mark.parametrize(
    ("name", "path", "body", "other"), MONEY_ROUTES, ids=[r[0] for r in MONEY_ROUTES]
)
def test_money_moves_need_a_key(
    world: World, name: str, path: Callable[[World], str], body: dict, other: dict
) -> None:
    api = Api(world.users["board"])
    assert_refused(
        lambda lang: api.post(path(world), body, lang=lang), 400, "idempotency_key_required"
    )
    assert_refused(
        lambda lang: api.post(path(world), body, headers={"Idempotency-Key": ""}, lang=lang),
        400,
        "idempotency_key_required",
    )
    assert_refused(
        lambda lang: api.post(path(world), body, headers={"Idempotency-Key": "k" * 201}, lang=lang),
        400,
        "idempotency_key_too_long",
    )


def test_a_key_reused_for_another_application_is_refused(world: World) -> None:
    from coopwork import testing
    from coopwork.members.services import application_submit

    second = application_submit(
        cooperative=world.coop,
        user=testing.make_user("quinn"),
        college_code="users",
        shares=1,
        display_name="Quinn",
    )
    api = Api(world.users["board"])
    body = {"payment_method": "cash"}
    path = "/coops/alpha/applications/{}/admit"
    assert (
        api.post(
            path.format(world.application.pk), body, headers={"Idempotency-Key": "a"}
        ).status_code
        == 201
    )
    assert_refused(
        lambda lang: api.post(
            path.format(second.pk), body, headers={"Idempotency-Key": "a"}, lang=lang
        ),
        409,
        "idempotency_key_reused",
    )


def test_a_failed_request_stores_nothing_and_can_be_retried(world: World) -> None:
    api = Api(world.users["board"])
    path = f"/coops/alpha/applications/{world.application.pk}/admit"
    bad = api.post(path, {"payment_method": "bitcoin"}, headers={"Idempotency-Key": "retry"})
    assert bad.status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    good = api.post(path, {"payment_method": "cash"}, headers={"Idempotency-Key": "retry"})
    assert good.status_code == 201
    assert good.json()["member"]["register_number"] == 3


def test_keys_belong_to_their_user(world: World) -> None:
    """Two board members may pick the same key: each has their own key space."""
    from coopwork import testing

    second_board = testing.make_board(world.coop, "boardette")
    path = f"/coops/alpha/applications/{world.application.pk}/admit"
    body = {"payment_method": "cash"}
    assert (
        Api(world.users["board"]).post(path, body, headers={"Idempotency-Key": "same"}).status_code
        == 201
    )
    # The second board member's request runs (and meets the decided application).
    assert_refused(
        lambda lang: Api(second_board).post(
            path, body, headers={"Idempotency-Key": "same"}, lang=lang
        ),
        409,
        "application_already_decided",
    )
    assert Member.objects.filter(cooperative=world.coop).count() == 3
