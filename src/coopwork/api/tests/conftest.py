"""A small world for the API tests, built through the real services.

Co-op ``alpha`` has a board member, an admin, a worker, a client and a coordinator (roles only),
two members (Mia, and Zelda whose name must never leak), a pending applicant (Paul), a pending
purchase and a pending redemption. Co-op ``beta`` has its own board member and member.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from coopwork import testing
from coopwork.core.models import (
    ApiToken,
    AuditEntry,
    Cooperative,
    IdempotencyRecord,
    ParameterVersion,
    Role,
)
from coopwork.core.services import parameter_set, role_grant
from coopwork.ledger.models import Leg, Transaction
from coopwork.members.models import Application, Member, ShareMovement, ShareRequest
from coopwork.members.services import (
    application_submit,
    share_purchase_request,
    share_redemption_request,
)

API = "/api/v1"

# Every row a request could write. "Nothing was written" compares these counts.
WRITTEN = (
    Member,
    ShareMovement,
    Leg,
    Transaction,
    AuditEntry,
    Application,
    ShareRequest,
    IdempotencyRecord,
    ParameterVersion,
    Role,
    ApiToken,
    User,
)

# What must never reach someone not entitled to the register.
SECRETS = ("Zelda Secret", "zelda@example.org", "Paul Pending", "paul@example.org")


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


@dataclass
class World:
    coop: Cooperative
    other: Cooperative
    users: dict[str, User | None]
    members: dict[str, Member]
    application: Application
    purchase: ShareRequest
    redemption: ShareRequest
    other_application: Application
    other_request: ShareRequest
    extra: dict[str, Any] = field(default_factory=dict)


def _grant(coop: Cooperative, username: str, role: str) -> User:
    user = testing.make_user(username)
    role_grant(cooperative=coop, user=user, role=role, actor=None)
    return user


@pytest.fixture
def world(db: None) -> World:
    coop = testing.make_coop("alpha", name="Alpha Coop")
    other = testing.make_coop("beta", name="Beta Coop", sponsor=coop, legal_form="scop")
    # The statutes let redemptions be paid at once, so the board can pay one in the tests.
    parameter_set(
        cooperative=coop,
        key="share_redemption_delay_days",
        value=0,
        effective_from=dt.date(2020, 1, 1),
        source="statutes",
        source_ref="Statutes art. 12",
        actor=None,
    )
    board = testing.make_board(coop, "boardy")
    mia = testing.make_member(
        coop, board=board, user=testing.make_user("mia"), shares=5, name="Mia Member"
    )
    zelda = testing.make_member(
        coop,
        board=board,
        user=testing.make_user("zelda"),
        college="users",
        shares=3,
        name="Zelda Secret",
    )
    paul = testing.make_user("paul")
    application = application_submit(
        cooperative=coop, user=paul, college_code="workers", shares=2, display_name="Paul Pending"
    )
    purchase = share_purchase_request(cooperative=coop, user=mia.user, quantity=2)
    redemption = share_redemption_request(cooperative=coop, user=zelda.user, quantity=1)

    other_board = testing.make_board(other, "foreignboard")
    olga = testing.make_member(
        other, board=other_board, user=testing.make_user("olga"), shares=2, name="Olga Other"
    )
    other_application = application_submit(
        cooperative=other,
        user=testing.make_user("otto"),
        college_code="workers",
        shares=1,
        display_name="Otto Other",
    )
    other_request = share_purchase_request(cooperative=other, user=olga.user, quantity=1)

    users: dict[str, User | None] = {
        "anonymous": None,
        "non_member": testing.make_user("nora"),
        "member": mia.user,
        "applicant": paul,
        "worker": _grant(coop, "walt", "worker"),
        "client": _grant(coop, "cleo", "client"),
        "coordinator": _grant(coop, "cora", "coordinator"),
        "board": board,
        "admin": _grant(coop, "adam", "admin"),
        "foreign_board": other_board,
    }
    return World(
        coop=coop,
        other=other,
        users=users,
        members={"mia": mia, "zelda": zelda, "olga": olga},
        application=application,
        purchase=purchase,
        redemption=redemption,
        other_application=other_application,
        other_request=other_request,
    )


class Api:
    """A test client speaking JSON to /api/v1 as one user (session login, or a bearer token)."""

    def __init__(self, user: User | None = None, *, token: str | None = None, **kwargs: Any):
        self.client = Client(**kwargs)
        self.headers: dict[str, str] = {}
        if user is not None:
            self.client.force_login(user)
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        lang: str = "en",
        headers: dict[str, str] | None = None,
        raw: str | bytes | None = None,
    ) -> Any:
        all_headers = {"Accept-Language": lang, **self.headers, **(headers or {})}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        call: Callable[..., Any] = getattr(self.client, method.lower())
        if data is None:
            return call(API + path, headers=all_headers)
        return call(API + path, data=data, content_type="application/json", headers=all_headers)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, body if body is not None else {}, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api_as() -> Callable[..., Api]:
    return Api


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    return body


def assert_refused(
    send: Callable[[str], Any], status: int, code: str, *, leaks: tuple[str, ...] = SECRETS
) -> None:
    """``send(lang)`` is refused with ``status``/``code`` in English and in French, writes
    nothing, and its answer names none of ``leaks``."""
    before = row_counts()
    messages = {}
    for lang in ("en", "fr"):
        response = send(lang)
        body = assert_error(response, status, code)
        messages[lang] = body["message"]
        text = response.content.decode()
        for secret in leaks:
            assert secret not in text, (secret, text)
    assert row_counts() == before
    # The code is the contract; the message follows the caller's language.
    assert messages["fr"] != messages["en"], messages
