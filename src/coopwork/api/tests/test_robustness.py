"""Bad input never gives a 500: malformed JSON, wrong types, huge numbers, malformed ids.

Every answer here is a JSON ``{code, message}`` with a 4xx status, and nothing is written.
"""

from __future__ import annotations

import json

import pytest

from .conftest import API, Api, World, assert_refused

WRITES = [
    ("POST", "/coops/alpha/applications"),
    ("POST", "/coops/alpha/applications/{application}/admit"),
    ("POST", "/coops/alpha/applications/{application}/reject"),
    ("POST", "/coops/alpha/me/share-requests"),
    ("POST", "/coops/alpha/share-requests/{purchase}/confirm-purchase"),
    ("POST", "/coops/alpha/share-requests/{redemption}/pay-redemption"),
    ("POST", "/coops/alpha/share-requests/{purchase}/reject"),
    ("POST", "/coops/alpha/transfers"),
    ("PUT", "/coops/alpha/colleges/weights"),
    ("POST", "/coops/alpha/parameters"),
    ("POST", "/auth/register"),
    ("POST", "/auth/tokens"),
]


def _path(world: World, template: str) -> str:
    return template.format(
        application=world.application.pk,
        purchase=world.purchase.pk,
        redemption=world.redemption.pk,
    )


@pytest.mark.parametrize(("method", "template"), WRITES)
@pytest.mark.parametrize(
    "raw",
    ["{not json", "", "null", "[]", '"text"', "42", '{"a": ' * 50, "\x00"],
    ids=["broken", "empty", "null", "list", "string", "number", "deep", "nul"],
)
def test_malformed_bodies(world: World, method: str, template: str, raw: str) -> None:
    api = Api(world.users["admin"] if "weights" in template else world.users["board"])
    headers = {"Idempotency-Key": "robust"}
    path = _path(world, template)

    def send(lang: str) -> object:
        return api.request(method, path, raw=raw, lang=lang, headers=headers)

    response = send("en")
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] in {"malformed_request", "invalid_request"}
    assert_refused(send, response.status_code, body["code"])


def test_huge_numbers_everywhere(world: World) -> None:
    board = Api(world.users["board"])
    huge = 10**400  # more digits than a 64-bit column holds, fewer than Python's parse limit
    cases = [
        (
            "POST",
            "/coops/alpha/applications",
            {"college": "workers", "shares": huge, "display_name": "X"},
        ),
        (
            "POST",
            "/coops/alpha/transfers",
            {"from_register_number": huge, "to_register_number": 2, "quantity": 1},
        ),
        (
            "POST",
            "/coops/alpha/transfers",
            {"from_register_number": 1, "to_register_number": 2, "quantity": huge},
        ),
        ("POST", "/coops/alpha/me/share-requests", {"kind": "purchase", "quantity": huge}),
        (
            "POST",
            "/coops/alpha/parameters",
            {"key": "vat_rate", "value": huge, "effective_from": "2099-01-01", "source_ref": "x"},
        ),
    ]
    for method, path, body in cases:
        response = board.request(method, path, body, headers={"Idempotency-Key": "huge"})
        assert 400 <= response.status_code < 500, (path, response.content[:300])
        assert response.json()["code"]
    way_too_many_digits = (
        '{"college": "workers", "shares": ' + "9" * 5000 + ', "display_name": "X"}'
    )
    assert_refused(
        lambda lang: board.request(
            "POST", "/coops/alpha/applications", raw=way_too_many_digits, lang=lang
        ),
        400,
        "malformed_request",
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/coops/alpha/applications/{id}", None),
        ("POST", "/coops/alpha/applications/{id}/reject", {"reason": "x"}),
        ("POST", "/coops/alpha/share-requests/{id}/reject", {"reason": "x"}),
        ("DELETE", "/auth/tokens/{id}", None),
    ],
)
@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "1e3", "1.0", str(2**63), "9" * 100, "%00"])
def test_malformed_ids(
    world: World, method: str, path: str, body: dict | None, bad_id: str
) -> None:
    api = Api(world.users["board"])
    assert_refused(
        lambda lang: api.request(method, path.format(id=bad_id), body, lang=lang),
        422,
        "invalid_request",
    )


def test_unknown_routes_and_methods(world: World) -> None:
    api = Api(world.users["board"])
    assert_refused(lambda lang: api.get("/nothing/here", lang=lang), 404, "not_found")
    assert_refused(lambda lang: api.get("/coops/alpha/nothing", lang=lang), 404, "not_found")
    assert_refused(lambda lang: api.post("/coops/alpha/nothing", {}, lang=lang), 404, "not_found")
    # A known path with a method it does not take is a 405 (ninja answers it in plain text).
    assert api.request("DELETE", "/coops/alpha/applications").status_code == 405


def test_every_error_is_json_with_code_and_message(world: World) -> None:
    """A sweep of one bad request per route family: all JSON, all with code and message."""
    api = Api(world.users["member"])
    for method, path, body in [
        ("GET", "/coops/alpha/members", None),
        ("GET", "/coops/alpha/applications?status=bogus", None),
        ("GET", "/coops/alpha/audit?page=0", None),
        ("GET", "/coops/alpha/audit?page_size=100000", None),
        ("GET", "/coops/zzz/parameters", None),
        ("POST", "/coops/alpha/transfers", {"from_register_number": 1}),
    ]:
        response = api.request(method, path, body)
        assert 400 <= response.status_code < 500
        payload = json.loads(response.content)
        assert set(payload) >= {"code", "message"}, payload


def test_query_strings_are_validated(world: World) -> None:
    board = Api(world.users["board"])
    for query in (
        "page=0",
        "page=abc",
        "page_size=0",
        "page_size=201",
        "page=99999999999999999999",
    ):
        assert_refused(
            lambda lang, q=query: board.get(f"/coops/alpha/applications?{q}", lang=lang),
            422,
            "invalid_request",
        )


def test_api_root_and_docs_paths_are_not_errors(world: World) -> None:
    assert Api().client.get(f"{API}/openapi.json").status_code == 200
