"""The marketplace in the OpenAPI document, and list endpoints that do not grow in queries."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coopwork.marketplace.services import job_claim, message_post, offer_create
from coopwork.marketplace.tests.helpers import ride_request, shift_request

from .conftest import API, Api
from .test_marketplace_world import MarketWorld, later, market_fixture  # noqa: F401

MARKETPLACE = {
    "/api/v1/coops/{slug}/quotes": {"post"},
    "/api/v1/coops/{slug}/jobs": {"get", "post"},
    "/api/v1/coops/{slug}/jobs/{job_id}": {"get"},
    "/api/v1/coops/{slug}/jobs/{job_id}/receipt": {"get"},
    "/api/v1/coops/{slug}/jobs/{job_id}/approve": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/cancel": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/send-home": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/no-show": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/transitions/{transition}": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/ratings": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/messages": {"get", "post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/cases": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/cases/with-evidence": {"post"},
    "/api/v1/coops/{slug}/cases/{case_id}/statements": {"post"},
    "/api/v1/coops/{slug}/cases/{case_id}/statements/with-evidence": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/claim": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/release": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/depart": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/clock-in": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/clock-out": {"post"},
    "/api/v1/coops/{slug}/jobs/{job_id}/clock-out/photo": {"post"},
    "/api/v1/coops/{slug}/offers/{offer_id}/accept": {"post"},
    "/api/v1/coops/{slug}/offers/{offer_id}/refuse": {"post"},
    "/api/v1/coops/{slug}/work/offers": {"get"},
    "/api/v1/coops/{slug}/work/open-jobs": {"get"},
    "/api/v1/coops/{slug}/work/earnings": {"get"},
    "/api/v1/coops/{slug}/work/earnings/periods": {"get"},
    "/api/v1/coops/{slug}/work/profile": {"get", "put"},
    "/api/v1/coops/{slug}/work/availability": {"put"},
    "/api/v1/coops/{slug}/work/position": {"post"},
    "/api/v1/coops/{slug}/coordination/board": {"get"},
    "/api/v1/coops/{slug}/jobs/{job_id}/assign": {"post"},
    "/api/v1/coops/{slug}/cases/{case_id}/decide": {"post"},
    "/api/v1/coops/{slug}/invoices": {"get", "post"},
    "/api/v1/coops/{slug}/invoices/{invoice_id}.pdf": {"get"},
    "/api/v1/coops/{slug}/zones": {"get", "post"},
    "/api/v1/coops/{slug}/notifications": {"get"},
    "/api/v1/coops/{slug}/notifications/read": {"post"},
}
MONEY = [
    ("/api/v1/coops/{slug}/jobs/{job_id}/approve", "post"),
    ("/api/v1/coops/{slug}/jobs/{job_id}/cancel", "post"),
    ("/api/v1/coops/{slug}/invoices", "post"),
]


def _schema() -> dict:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_marketplace_paths_are_in_openapi_json(db: None) -> None:
    schema = _schema()
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    for path, methods in MARKETPLACE.items():
        assert paths.get(path) == methods, path
    for path, method in MONEY:
        names = {(p["in"], p["name"]) for p in schema["paths"][path][method]["parameters"]}
        assert ("header", "Idempotency-Key") in names, path


def test_booking_is_one_schema_per_kind_chosen_by_kind(db: None) -> None:
    schema = _schema()
    operation = schema["paths"]["/api/v1/coops/{slug}/jobs"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    components = schema["components"]["schemas"]
    booking = components[body["$ref"].rsplit("/", 1)[1]] if "$ref" in body else body
    assert booking["discriminator"]["propertyName"] == "kind"
    kinds = {ref.rsplit("/", 1)[1] for ref in booking["discriminator"]["mapping"].values()}
    assert kinds == {"ShiftIn", "RideIn", "DeliveryIn", "TaskIn"}
    shift = components["ShiftIn"]
    assert shift["additionalProperties"] is False
    assert {"site_name", "place", "starts_at", "ends_at", "hourly_rate_minor"} <= set(
        shift["required"]
    )
    # Money out is {minor, currency}; the split's ratios are "n/d" strings.
    split = components["SplitOut"]["properties"]
    assert split["net"]["$ref"].endswith("/MoneyOut")
    assert split["commission_rate"]["type"] == "string"
    # The photo proof is a multipart upload.
    photo = schema["paths"]["/api/v1/coops/{slug}/jobs/{job_id}/clock-out/photo"]["post"]
    assert "multipart/form-data" in photo["requestBody"]["content"]
    # So is evidence for a case, with the case's fields as form fields.
    for path in ("jobs/{job_id}/cases", "cases/{case_id}/statements"):
        upload = schema["paths"][f"/api/v1/coops/{{slug}}/{path}/with-evidence"]["post"]
        form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert "evidence" in form["required"], form


# --- Query counts ---------------------------------------------------------------------------------


LISTS = [
    ("client", "/coops/alpha/jobs"),
    ("worker", "/coops/alpha/jobs?role=worker"),
    ("coordinator", "/coops/alpha/jobs?role=coordinator"),
    ("coordinator", "/coops/alpha/coordination/board"),
    ("other_worker", "/coops/alpha/work/open-jobs"),
    ("other_worker", "/coops/alpha/work/offers"),
    ("worker", "/coops/alpha/notifications"),
    ("client", "/coops/alpha/invoices"),
]


def _grow(world: MarketWorld, n: int) -> None:
    """n more rides Walter holds (each with a message to him) and n more open shifts, each
    offered to Otto."""
    from coopwork.marketplace.services import job_book

    client = world.user("client")
    for i in range(n):
        ride = job_book(
            cooperative=world.coop, client=client, request=ride_request(later(5, 8 + i))
        )
        job_claim(cooperative=world.coop, job_id=ride.pk, worker=world.user("worker"))
        message_post(cooperative=world.coop, job_id=ride.pk, sender=client, body=f"Hello {i}")
        shift = job_book(
            cooperative=world.coop, client=client, request=shift_request(later(6, 8 + i))
        )
        offer_create(
            cooperative=world.coop,
            job_id=shift.pk,
            worker_id=world.user("other_worker").pk,
            explanation={},
        )


def _count(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return len(queries)


@pytest.mark.parametrize(("role", "path"), LISTS)
def test_list_queries_do_not_grow_with_rows(market: MarketWorld, role: str, path: str) -> None:
    market.job("invoice")
    _grow(market, 1)
    api = Api(market.users[role])
    api.get(path)  # warm up: the session and the like
    small = _count(lambda: api.get(path))
    _grow(market, 4)
    large = _count(lambda: api.get(path))
    assert large == small, f"{path}: {small} queries with few rows, {large} with more"
