"""Fuzzing the governance, assembly and dispatch API from its own OpenAPI schema.

Hypothesis drives every operation tagged ``governance``, ``assemblies`` or ``dispatch`` with
bodies built from the operation's schema and then broken (wrong types, missing and unknown
fields, negative, huge, unicode and NUL values), path ids that are real, another co-op's,
zero, negative, huge or not numbers, and every kind of caller (anonymous, outsider, client,
worker, member, board, another co-op's board). Every answer must be below 500; a refusal is a
JSON ``{code, message}`` and writes nothing; the French message differs from the English one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopwork import testing
from coopwork.api.api import api
from coopwork.core.services import role_grant
from coopwork.governance import services
from coopwork.governance.tests.assembly_world import snapshot as assembly_snapshot
from coopwork.governance.tests.conftest import snapshot as ballot_snapshot

pytestmark = pytest.mark.django_db

TAGS = {"governance", "assemblies", "dispatch"}
SCHEMA = api.get_openapi_schema()
OPERATIONS = sorted(
    (method.upper(), path, op)
    for path, ops in SCHEMA["paths"].items()
    for method, op in ops.items()
    if set(op.get("tags", [])) & TAGS
)
OPERATION_IDS = [f"{m} {p}" for m, p, _ in OPERATIONS]

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "\x00", "é" * 50_000, "1/0", "-1", "NaN", "0/0", "💥", "<b>x</b>"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


STRINGS = [
    *("yes", "no", "abstain", "a", "b", "1/5", "ordinary", "x" * 300, "²", "1" * 5000),
    *("commission_rate", "pay_floor_hourly", "dispatch_fairness_weight", "quorum_ordinary_first"),
]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SCHEMA["components"]["schemas"][name]
    return schema


def from_schema(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped like ``schema`` (often valid), sometimes junk in its place."""
    schema = _resolve(schema)
    if depth > 4:
        return JUNK
    if "anyOf" in schema or "oneOf" in schema:
        return st.one_of(
            [from_schema(s, depth + 1) for s in schema.get("anyOf", schema.get("oneOf"))]
        )
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        fields = {k: from_schema(v, depth + 1) | JUNK for k, v in props.items()}
        extra = schema.get("additionalProperties")
        base = st.fixed_dictionaries({}, optional=fields) if fields else st.just({})
        if isinstance(extra, dict):
            base = st.builds(
                lambda a, b: {**a, **b},
                base,
                st.dictionaries(st.text(max_size=45), from_schema(extra, depth + 1), max_size=4),
            )
        return base
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), depth + 1), max_size=4)
    if kind == "integer":
        return st.one_of(
            st.integers(min_value=-3, max_value=60), st.sampled_from([2**31, 2**63, -(2**63)])
        )
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            now = timezone.now()
            return st.sampled_from(
                [
                    (now + dt.timedelta(days=d)).isoformat()
                    for d in (-400, -1, 0, 1, 3, 20, 400, 4000)
                ]
                + ["2030-01-01T10:00:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00Z"]
            )
        if fmt == "date":
            today = timezone.localdate()
            return st.sampled_from(
                [(today + dt.timedelta(days=d)).isoformat() for d in (-30, 0, 1, 40)]
                + ["9999-12-31", "0001-01-01"]
            )
        return st.one_of(
            st.sampled_from(STRINGS),
            st.text(max_size=20),
        )
    return JUNK


@pytest.fixture
def fuzz_world(coop, other_coop, board_user):
    members = [testing.make_member(coop, board=board_user, name=f"Voter {i}") for i in range(3)]
    other_board = testing.make_board(other_coop, "beta-board")
    other_member = testing.make_member(other_coop, board=other_board, name="Beta Voter")
    users: dict[str, Any] = {"anonymous": None, "outsider": testing.make_user("outsider")}
    for role in ("client", "worker", "coordinator"):
        users[role] = testing.make_user(f"fuzz-{role}")
        role_grant(cooperative=coop, user=users[role], role=role, actor=None)
    users |= {"member": members[0].user, "board": board_user, "beta_board": other_board}
    now = timezone.now()
    secret = services.ballot_create(
        cooperative=coop, actor=board_user, kind="motion", title="Secret", secret=True
    )
    election = services.ballot_create(
        cooperative=coop,
        actor=board_user,
        kind="election",
        title="Board",
        method="stv_scottish",
        seats=2,
        candidates=[{"key": k, "name": k.upper()} for k in ("a", "b", "c")],
    )
    services.vote_cast(
        cooperative=coop, ballot_id=secret.pk, user=members[1].user, choice={"choice": "no"}
    )
    proposal = services.proposal_file(
        cooperative=coop, user=members[0].user, title="Bikes", body="Buy bikes."
    )
    amendment = services.amendment_propose(
        cooperative=coop, proposal_id=proposal.pk, user=members[1].user, body="Buy 3 bikes."
    )
    assembly = services.assembly_convene(
        cooperative=coop,
        actor=board_user,
        kind="ordinary",
        title="AG",
        starts_at=now + dt.timedelta(days=20),
        place="Lyon",
        remote_url="https://meet.example.org/ag",
        items=[services.ItemSpec(title="Accounts")],
    )
    other_ballot = services.ballot_create(
        cooperative=other_coop, actor=other_board, kind="motion", title="Beta motion"
    )
    other_proposal = services.proposal_file(
        cooperative=other_coop, user=other_member.user, title="Beta", body="Beta."
    )
    ids = {
        "ballot_id": [secret.pk, election.pk, other_ballot.pk],
        "proposal_id": [proposal.pk, other_proposal.pk],
        "amendment_id": [amendment.pk],
        "assembly_id": [assembly.pk],
        "number": [1, 2],
        "round_id": [1],
        "offer_id": [1],
    }
    return {"users": users, "ids": ids, "members": members}


def _path_value(name: str, ids: dict[str, list[int]]) -> st.SearchStrategy[str]:
    if name == "slug":
        return st.sampled_from(["alpha", "alpha", "alpha", "beta", "nope", "ALPHA", "é"])
    real = ids.get(name, [1])
    return st.one_of(
        st.sampled_from([str(i) for i in real]),
        st.sampled_from(["0", "-1", str(2**31), str(2**63), "99999", "abc", "1.5", "%20"]),
    )


def _query(op: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    fields = {
        p["name"]: from_schema(p.get("schema", {})) | JUNK
        for p in op.get("parameters", [])
        if p["in"] == "query"
    }
    return st.fixed_dictionaries({}, optional=fields)


def _body(op: dict[str, Any]) -> st.SearchStrategy[str | None]:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return st.none()
    shaped = from_schema(content["schema"]).map(lambda v: json.dumps(v, default=str))
    raw = st.sampled_from(["{", "", "null", "[]", '"x"', "1e999", '{"a":' * 40, "\x00"])
    return st.one_of(shaped, shaped, shaped, raw)


def _counts() -> dict[str, Any]:
    return {**ballot_snapshot(), **{f"ag_{k}": v for k, v in assembly_snapshot().items()}}


def _send(user: Any, method: str, path: str, query: dict[str, Any], body: str | None, lang: str):
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        client.force_login(user)
    qs = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in query.items()}
    if body is None:
        return client.generic(method, quote(path, safe="/%"), data="", QUERY_STRING=urlencode(qs))
    return client.generic(
        method, quote(path, safe="/%"), data=body.encode(), content_type="application/json"
    )


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_fuzz_operation(fuzz_world, method: str, path: str, op: dict[str, Any]) -> None:
    users = fuzz_world["users"]
    ids = fuzz_world["ids"]
    names = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        who=st.sampled_from(sorted(users)),
        params=st.fixed_dictionaries({n: _path_value(n, ids) for n in names}),
        query=_query(op),
        body=_body(op),
    )
    def check(who: str, params: dict[str, str], query: dict[str, Any], body: str | None) -> None:
        url = path.format(**params)
        before = _counts()
        response = _send(users[who], method, url, query, body, "en")
        assert response.status_code < 500, (who, url, body, response.content[:500])
        if response.status_code >= 400:
            data = response.json()
            assert set(data) >= {"code", "message"}, data
            assert _counts() == before, (who, url, body, data)
            again = _send(users[who], method, url, query, body, "fr")
            if again.status_code == response.status_code and again.json()["code"] == data["code"]:
                assert again.json()["message"] != data["message"] or not data["message"], data

    check()
