"""The OpenAPI document and its interactive docs."""

from __future__ import annotations

import json

from django.test import Client

from coopwork.dispatch.tests.test_api import DISPATCH_PATHS
from coopwork.governance.tests.test_ballots_api import GOVERNANCE_PATHS

from .conftest import API
from .test_assemblies_api import ASSEMBLY_PATHS
from .test_marketplace_openapi import MARKETPLACE

EXPECTED = {
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/tokens": {"get", "post"},
    "/api/v1/auth/tokens/{token_id}": {"delete"},
    "/api/v1/auth/me": {"get"},
    "/api/v1/auth/me/preferences": {"get", "put"},
    "/api/v1/coops": {"get"},
    "/api/v1/coops/{slug}": {"get"},
    "/api/v1/coops/{slug}/colleges": {"get"},
    "/api/v1/coops/{slug}/colleges/weights": {"put"},
    "/api/v1/coops/{slug}/applications": {"get", "post"},
    "/api/v1/coops/{slug}/applications/{application_id}": {"get"},
    "/api/v1/coops/{slug}/applications/{application_id}/admit": {"post"},
    "/api/v1/coops/{slug}/applications/{application_id}/reject": {"post"},
    "/api/v1/coops/{slug}/applications/{application_id}/withdraw": {"post"},
    "/api/v1/coops/{slug}/me": {"get"},
    "/api/v1/coops/{slug}/me/certificate.pdf": {"get"},
    "/api/v1/coops/{slug}/me/share-requests": {"post"},
    "/api/v1/coops/{slug}/share-requests": {"get"},
    "/api/v1/coops/{slug}/share-requests/{request_id}/confirm-purchase": {"post"},
    "/api/v1/coops/{slug}/share-requests/{request_id}/pay-redemption": {"post"},
    "/api/v1/coops/{slug}/share-requests/{request_id}/reject": {"post"},
    "/api/v1/coops/{slug}/transfers": {"post"},
    "/api/v1/coops/{slug}/members": {"get"},
    "/api/v1/coops/{slug}/registers/members.csv": {"get"},
    "/api/v1/coops/{slug}/registers/members.pdf": {"get"},
    "/api/v1/coops/{slug}/registers/capital.csv": {"get"},
    "/api/v1/coops/{slug}/registers/capital.pdf": {"get"},
    "/api/v1/coops/{slug}/parameters": {"get", "post"},
    "/api/v1/coops/{slug}/parameters/{key}/history": {"get"},
    "/api/v1/coops/{slug}/ledger/trial-balance": {"get"},
    "/api/v1/coops/{slug}/audit": {"get"},
}

MONEY = [
    ("/api/v1/coops/{slug}/applications/{application_id}/admit", "post"),
    ("/api/v1/coops/{slug}/share-requests/{request_id}/confirm-purchase", "post"),
    ("/api/v1/coops/{slug}/share-requests/{request_id}/pay-redemption", "post"),
    ("/api/v1/coops/{slug}/transfers", "post"),
]


def test_openapi_json_lists_every_path(db: None) -> None:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "coopwork API"
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    # The marketplace's own paths are listed in test_marketplace_openapi, the assemblies' in
    # test_assemblies_api, proposals' and ballots' in governance/tests/test_ballots_api,
    # dispatch's in dispatch/tests/test_api.
    assert paths == {
        **EXPECTED,
        **MARKETPLACE,
        **ASSEMBLY_PATHS,
        **GOVERNANCE_PATHS,
        **DISPATCH_PATHS,
    }
    # The money-moving routes document their Idempotency-Key header.
    for path, method in MONEY:
        names = {(p["in"], p["name"]) for p in schema["paths"][path][method]["parameters"]}
        assert ("header", "Idempotency-Key") in names, path
    # Both ways in are declared.
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_docs_page_renders_from_local_files(db: None) -> None:
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
