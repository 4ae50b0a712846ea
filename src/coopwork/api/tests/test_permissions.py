"""The permission matrix: every co-op-scoped route against every role, and a foreign co-op's user.

Each row names the roles that succeed (and with which status); every other caller is refused with
the status and code given, writes nothing, and reads none of the co-op's member names or e-mail
addresses (zero leaks). Business refusals that are not about permission (an applicant applying
twice) are listed per role in ``special``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from .conftest import SECRETS, Api, World, row_counts

ROLES = (
    "anonymous",
    "non_member",
    "member",
    "applicant",
    "worker",
    "client",
    "coordinator",
    "board",
    "admin",
    "foreign_board",
)
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
ROLE_HOLDERS = frozenset({"member", "worker", "client", "coordinator", "board", "admin"})
# Roles entitled to see other members' names (the register, applications, the audit log).
REGISTER_READERS = frozenset({"board", "admin"})

PAY = {"payment_method": "bank_transfer", "payment_reference": "VIR-42"}
DENIED = (403, "permission_denied")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: frozenset[str]
    status: int = 200
    refused: tuple[int, str] = DENIED  # for signed-in callers outside ``allowed``
    body: dict[str, Any] | None = None
    special: dict[str, tuple[int, str]] = field(default_factory=dict)
    public: bool = False

    def expected(self, role: str) -> tuple[int, str | None]:
        if role in self.special:
            return self.special[role]
        if role in self.allowed:
            return self.status, None
        if role == "anonymous":
            return 401, "not_authenticated"
        return self.refused


def route(method: str, path: str, allowed: set[str] | frozenset[str], **kwargs: Any) -> Route:
    return Route(method, path, frozenset(allowed), **kwargs)


MATRIX: dict[str, Route] = {
    # Public: anyone, signed in or not.
    "public page": route("GET", "/coops/alpha", set(ROLES), public=True),
    "colleges": route("GET", "/coops/alpha/colleges", set(ROLES), public=True),
    # Applications
    "apply": route(
        "POST",
        "/coops/alpha/applications",
        SIGNED_IN,
        status=201,
        body={"college": "users", "shares": 1, "display_name": "Newcomer"},
        special={
            "member": (409, "already_member"),
            "applicant": (409, "application_pending"),
        },
    ),
    "list applications": route("GET", "/coops/alpha/applications", {"board"}),
    "read application": route(
        "GET",
        "/coops/alpha/applications/{application}",
        {"board", "applicant"},
        refused=(404, "application_not_found"),
    ),
    "admit": route(
        "POST",
        "/coops/alpha/applications/{application}/admit",
        {"board"},
        status=201,
        body=PAY,
    ),
    "reject application": route(
        "POST", "/coops/alpha/applications/{application}/reject", {"board"}, body={"reason": "No"}
    ),
    "withdraw": route(
        "POST",
        "/coops/alpha/applications/{application}/withdraw",
        {"applicant"},
        refused=(404, "application_not_found"),
    ),
    # Me
    "my membership": route(
        "GET", "/coops/alpha/me", {"member", "applicant"}, refused=(403, "not_a_member")
    ),
    "my certificate": route(
        "GET", "/coops/alpha/me/certificate.pdf", {"member"}, refused=(403, "not_a_member")
    ),
    "ask for shares": route(
        "POST",
        "/coops/alpha/me/share-requests",
        {"member"},
        status=201,
        body={"kind": "purchase", "quantity": 1},
        refused=(403, "not_a_member"),
    ),
    # The board's side of share capital
    "list share requests": route("GET", "/coops/alpha/share-requests", {"board"}),
    "confirm purchase": route(
        "POST", "/coops/alpha/share-requests/{purchase}/confirm-purchase", {"board"}, body=PAY
    ),
    "pay redemption": route(
        "POST", "/coops/alpha/share-requests/{redemption}/pay-redemption", {"board"}, body=PAY
    ),
    "reject share request": route(
        "POST", "/coops/alpha/share-requests/{purchase}/reject", {"board"}, body={"reason": "No"}
    ),
    "transfer": route(
        "POST",
        "/coops/alpha/transfers",
        {"board"},
        status=201,
        body={"from_register_number": 1, "to_register_number": 2, "quantity": 1},
    ),
    # Registers
    "member register": route("GET", "/coops/alpha/members", REGISTER_READERS),
    "members.csv": route("GET", "/coops/alpha/registers/members.csv", REGISTER_READERS),
    "members.pdf": route("GET", "/coops/alpha/registers/members.pdf", REGISTER_READERS),
    "capital.csv": route("GET", "/coops/alpha/registers/capital.csv", REGISTER_READERS),
    "capital.pdf": route("GET", "/coops/alpha/registers/capital.pdf", REGISTER_READERS),
    # Colleges and parameters
    "college weights": route(
        "PUT",
        "/coops/alpha/colleges/weights",
        {"admin"},
        body={"workers": 40, "users": 35, "sponsors": 25},
    ),
    "parameters": route("GET", "/coops/alpha/parameters", ROLE_HOLDERS),
    "parameter history": route("GET", "/coops/alpha/parameters/vat_rate/history", ROLE_HOLDERS),
    "board decision": route(
        "POST",
        "/coops/alpha/parameters",
        {"board"},
        status=201,
        body={
            "key": "vat_rate",
            "value": "1/10",
            "effective_from": "2099-01-01",
            "source_ref": "Board minutes 12",
        },
    ),
    # Books and audit
    "trial balance": route("GET", "/coops/alpha/ledger/trial-balance", REGISTER_READERS),
    "audit log": route("GET", "/coops/alpha/audit", {"admin"}),
}

CASES = [(name, role) for name in MATRIX for role in ROLES]


def _own_data(role: str) -> set[str]:
    """What a caller may see of themselves."""
    return {"Paul Pending", "paul@example.org"} if role == "applicant" else set()


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_permission_matrix(world: World, name: str, role: str) -> None:
    spec = MATRIX[name]
    user = world.users[role]
    path = spec.path.format(
        application=world.application.pk,
        purchase=world.purchase.pk,
        redemption=world.redemption.pk,
    )
    status, code = spec.expected(role)
    before = row_counts()

    def send(lang: str) -> Any:
        return Api(user).request(
            spec.method,
            path,
            spec.body,
            headers={"Idempotency-Key": f"matrix-{name}-{role}"},
            lang=lang,
        )

    response = send("en")
    assert response.status_code == status, (name, role, response.content[:300])
    text = response.content.decode(errors="replace")
    if code is not None:
        body = response.json()
        assert body["code"] == code, body
        assert row_counts() == before, "a refused request wrote something"
        french = send("fr")
        assert (french.status_code, french.json()["code"]) == (status, code)
        assert french.json()["message"] != body["message"], "the message ignores Accept-Language"
        assert row_counts() == before
    if not (role in REGISTER_READERS and status < 400):
        for secret in set(SECRETS) - _own_data(role):
            assert secret not in text, f"{name} leaked {secret!r} to {role}"


def test_the_matrix_covers_every_coop_scoped_route(db: None) -> None:
    from coopwork.api.api import api

    from .test_marketplace_permissions import MARKET_TAGS

    schema = api.get_openapi_schema()
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/coops/{slug}")
        for method, operation in operations.items()
        # The marketplace's routes have their own matrix (test_marketplace_permissions), and so
        # do proposals and ballots (governance/tests/test_ballots_api.py) and general assemblies
        # (test_assemblies_api.py), and dispatch (dispatch/tests/test_api.py).
        if not set(operation.get("tags", ()))
        & (MARKET_TAGS | {"governance", "assemblies", "dispatch"})
    }
    covered = {(r.method, _template(r.path)) for r in MATRIX.values()}
    assert routes == covered


def _template(path: str) -> str:
    return (
        path.replace("/coops/alpha", "/coops/{slug}")
        .replace("applications/{application}", "applications/{application_id}")
        .replace("share-requests/{purchase}", "share-requests/{request_id}")
        .replace("share-requests/{redemption}", "share-requests/{request_id}")
        .replace("parameters/vat_rate", "parameters/{key}")
    )


def test_a_foreign_board_member_cannot_reach_this_coop_through_their_own(world: World) -> None:
    """The foreign board member acts on their own co-op's path with this co-op's object ids:
    the objects are looked up within their co-op, so they are not found."""
    api = Api(world.users["foreign_board"])
    for method, path, body in [
        ("GET", f"/coops/beta/applications/{world.application.pk}", None),
        ("POST", f"/coops/beta/applications/{world.application.pk}/admit", PAY),
        ("POST", f"/coops/beta/applications/{world.application.pk}/reject", {"reason": "x"}),
        ("POST", f"/coops/beta/share-requests/{world.purchase.pk}/confirm-purchase", PAY),
        ("POST", f"/coops/beta/share-requests/{world.redemption.pk}/pay-redemption", PAY),
        ("POST", f"/coops/beta/share-requests/{world.purchase.pk}/reject", {"reason": "x"}),
    ]:
        before = row_counts()
        response = api.request(method, path, body, headers={"Idempotency-Key": path})
        assert response.status_code == 404, (path, response.content)
        assert row_counts() == before
        for secret in (*SECRETS, "Mia Member"):
            assert secret not in response.content.decode()
    # Register numbers are per co-op: "1 → 2" in beta are beta's numbers, and beta has no #2.
    response = api.request(
        "POST",
        "/coops/beta/transfers",
        {"from_register_number": 1, "to_register_number": 2, "quantity": 1},
        headers={"Idempotency-Key": "beta-transfer"},
    )
    assert (response.status_code, response.json()["code"]) == (400, "transfer_to_non_member")
