"""core.idempotency: a money-moving request runs once per key; retries replay its answer."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from coopwork import testing
from coopwork.core.errors import (
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    ValidationError,
)
from coopwork.core.idempotency import request_fingerprint, run_idempotent
from coopwork.core.models import ApiToken, IdempotencyRecord
from coopwork.core.services import api_token_create
from coopwork.members.errors import SharesAboveMaximum
from coopwork.members.models import ShareRequest
from coopwork.members.services import share_purchase_request


class Counter:
    def __init__(self, status: int = 201, body=None, error: Exception | None = None):
        self.calls = 0
        self.status = status
        self.body = body if body is not None else {"id": 7, "amount": 2000}
        self.error = error

    def __call__(self):
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.status, self.body


@pytest.fixture
def user(db):
    return testing.make_user("idem")


def test_first_request_runs_and_stores_its_answer(user):
    run = Counter()
    result = run_idempotent(
        user=user, scope="shares.purchase", key="k-1", request_data={"quantity": 3}, run=run
    )
    assert result == (201, {"id": 7, "amount": 2000})
    assert run.calls == 1
    record = IdempotencyRecord.objects.get()
    assert (record.user_id, record.scope, record.key) == (user.pk, "shares.purchase", "k-1")
    assert record.request_hash == request_fingerprint({"quantity": 3})
    assert (record.response_status, record.response_body) == (201, {"id": 7, "amount": 2000})


def test_replay_returns_the_stored_body_and_does_not_run_again(user):
    first = Counter(body={"id": 1})
    second = Counter(body={"id": 2})
    a = run_idempotent(user=user, scope="s", key="k", request_data={"q": 1, "m": "x"}, run=first)
    # Same data, keys in another order: the same request.
    b = run_idempotent(user=user, scope="s", key="k", request_data={"m": "x", "q": 1}, run=second)
    assert a == b == (201, {"id": 1})
    assert (first.calls, second.calls) == (1, 0)
    assert IdempotencyRecord.objects.count() == 1


def test_the_body_is_stored_as_json_and_replayed_identically(user):
    body = {"on": dt.date(2027, 1, 2), "rate": Decimal("0.10"), "ids": (1, 2)}
    first = run_idempotent(user=user, scope="s", key="k", request_data={}, run=Counter(body=body))
    replay = run_idempotent(user=user, scope="s", key="k", request_data={}, run=Counter())
    expected = {"on": "2027-01-02", "rate": "0.10", "ids": [1, 2]}
    assert first == replay == (201, expected)


def test_a_different_body_with_the_same_key_is_refused(user):
    run_idempotent(user=user, scope="s", key="k", request_data={"quantity": 3}, run=Counter())
    again = Counter()
    with pytest.raises(IdempotencyKeyReused) as exc:
        run_idempotent(user=user, scope="s", key="k", request_data={"quantity": 4}, run=again)
    assert exc.value.code == "idempotency_key_reused"
    assert exc.value.status == 409
    assert again.calls == 0
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize("key", [None, ""])
def test_a_missing_key_is_refused(user, key):
    run = Counter()
    with pytest.raises(IdempotencyKeyRequired) as exc:
        run_idempotent(user=user, scope="s", key=key, request_data={}, run=run)
    assert exc.value.code == "idempotency_key_required"
    assert exc.value.status == 400
    assert run.calls == 0
    assert IdempotencyRecord.objects.count() == 0


def test_an_overlong_key_is_refused(user):
    with pytest.raises(ValidationError) as exc:
        run_idempotent(user=user, scope="s", key="k" * 201, request_data={}, run=Counter())
    assert exc.value.code == "idempotency_key_too_long"
    run_idempotent(user=user, scope="s", key="k" * 200, request_data={}, run=Counter())
    assert IdempotencyRecord.objects.count() == 1


def test_keys_are_per_user_and_per_scope(user):
    other = testing.make_user()
    runs = [Counter(body={"n": n}) for n in range(3)]
    assert run_idempotent(user=user, scope="a", key="k", request_data={}, run=runs[0]) == (
        201,
        {"n": 0},
    )
    assert run_idempotent(user=other, scope="a", key="k", request_data={}, run=runs[1]) == (
        201,
        {"n": 1},
    )
    assert run_idempotent(user=user, scope="b", key="k", request_data={}, run=runs[2]) == (
        201,
        {"n": 2},
    )
    assert [r.calls for r in runs] == [1, 1, 1]
    assert IdempotencyRecord.objects.count() == 3


def test_a_refused_request_stores_nothing_and_may_be_retried(coop, member):
    # The member's college allows 500 shares; asking for 600 is refused.
    def buy(quantity):
        def run():
            request = share_purchase_request(cooperative=coop, user=member.user, quantity=quantity)
            return 201, {"request": request.pk, "quantity": request.quantity}

        return run

    with pytest.raises(SharesAboveMaximum):
        run_idempotent(
            user=member.user, scope="buy", key="k", request_data={"q": 600}, run=buy(600)
        )
    assert IdempotencyRecord.objects.count() == 0
    assert ShareRequest.objects.count() == 0
    # The same key, now with a valid body, runs (the failed attempt left no record behind).
    status, body = run_idempotent(
        user=member.user, scope="buy", key="k", request_data={"q": 4}, run=buy(4)
    )
    replay = run_idempotent(
        user=member.user, scope="buy", key="k", request_data={"q": 4}, run=buy(4)
    )
    assert (status, body) == replay
    assert body["quantity"] == 4
    assert ShareRequest.objects.count() == 1


def test_a_failing_run_rolls_back_its_writes(user):
    def run():
        api_token_create(user=user, name="half-done")
        raise ValidationError(code="boom")

    with pytest.raises(ValidationError):
        run_idempotent(user=user, scope="s", key="k", request_data={}, run=run)
    assert ApiToken.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_run_once_on_postgres():
    user = testing.make_user("racer")
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    results: list[tuple[int, object]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run():
        token, _raw = api_token_create(user=user, name="once")
        return 201, {"token": token.pk}

    def worker():
        try:
            barrier.wait(timeout=10)
            result = run_idempotent(user=user, scope="s", key="same", request_data={}, run=run)
            with lock:
                results.append(result)
        except BaseException as exc:  # collected and asserted below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert ApiToken.objects.count() == 1
    token_id = ApiToken.objects.get().pk
    assert results == [(201, {"token": token_id})] * threads_n
    assert IdempotencyRecord.objects.count() == 1
