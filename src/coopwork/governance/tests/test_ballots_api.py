"""The governance API: proposals, ballots, votes, results (JSON and CSV), receipts, register.

Refusals come back as 4xx with their stable code and a French message when asked for French,
and write nothing. A matrix pins who may call each route.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from coopwork import testing
from coopwork.governance import services
from coopwork.governance.models.ballots import Ballot

from .conftest import snapshot

pytestmark = pytest.mark.django_db

API = "/api/v1/coops/alpha"


def client_for(user, lang: str = "en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        c.force_login(user)
    return c


def post(c: Client, path: str, body: dict[str, Any] | None = None):
    return c.post(API + path, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def world(coop, board_user):
    members = [testing.make_member(coop, board=board_user, name=f"Voter {i}") for i in range(4)]
    outsider = testing.make_user("outsider")
    return {"board": board_user, "members": members, "outsider": outsider}


def test_full_flow_proposal_to_resolution(coop, world):
    author = client_for(world["members"][0].user)
    board = client_for(world["board"])
    r = post(author, "/proposals", {"title": "Solar panels", "body": "Install them."})
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert post(author, f"/proposals/{pid}/comments", {"body": "Yes!"}).status_code == 201
    r = post(
        client_for(world["members"][1].user),
        f"/proposals/{pid}/amendments",
        {"body": "Install 20."},
    )
    assert r.status_code == 201
    aid = r.json()["id"]
    assert (
        post(author, f"/amendments/{aid}/decision", {"accept": True}).json()["status"] == "accepted"
    )
    detail = author.get(f"{API}/proposals/{pid}").json()
    assert detail["body"] == "Install 20." and len(detail["comments"]) == 1
    r = post(board, f"/proposals/{pid}/ballot", {"majority": "simple"})
    assert r.status_code == 201, r.content
    bid = r.json()["id"]
    receipts = []
    for m, choice in zip(world["members"], ["yes", "yes", "no", "abstain"], strict=True):
        r = post(client_for(m.user), f"/ballots/{bid}/vote", {"choice": choice})
        assert r.status_code == 200, r.content
        receipts.append(r.json()["receipt"])
    r = author.get(f"{API}/ballots/{bid}/results")
    assert r.status_code == 403 and r.json()["code"] == "ballot_results_hidden"
    assert post(board, f"/ballots/{bid}/close").json()["adopted"] is True
    result = author.get(f"{API}/ballots/{bid}/results").json()
    assert result["motion"]["yes"] == "2" and result["final"] is True
    csv_text = author.get(f"{API}/ballots/{bid}/results?format=csv").content.decode()
    assert csv_text.startswith("ballot,") and receipts[0] not in csv_text
    check = post(author, f"/ballots/{bid}/receipt", {"code": receipts[0]}).json()
    assert check == {"recorded": True, "counted": True, "final": True}
    register = author.get(f"{API}/resolutions").json()
    assert register["count"] == 1 and register["items"][0]["ballot"] == bid


def test_election_vote_change_and_refusals_in_french(coop, world):
    board = client_for(world["board"])
    r = post(
        board,
        "/ballots",
        {
            "kind": "election",
            "title": "Board",
            "method": "approval",
            "seats": 2,
            "max_choices": 2,
            "candidates": [
                {"key": "ada", "name": "Ada"},
                {"key": "bob", "name": "Bob"},
                {"key": "cy", "name": "Cy"},
            ],
        },
    )
    assert r.status_code == 201, r.content
    bid = r.json()["id"]
    voter = client_for(world["members"][0].user, "fr")
    before = snapshot()
    cases = [
        ({"choices": ["ada", "bob", "cy"]}, 400, "ballot_too_many_choices"),
        ({"choices": ["ada", "zed"]}, 400, "ballot_unknown_candidate"),
        ({"ranking": ["ada"]}, 400, "ballot_invalid_choice"),
    ]
    for body, status, code in cases:
        r = post(voter, f"/ballots/{bid}/vote", body)
        assert (r.status_code, r.json()["code"]) == (status, code), r.content
        assert r.json()["message"] and r.json()["message"] != code
    r = post(client_for(world["outsider"], "fr"), f"/ballots/{bid}/vote", {"choices": ["ada"]})
    assert (r.status_code, r.json()["code"]) == (403, "ballot_not_member")
    assert "membres" in r.json()["message"]
    assert snapshot() == before
    assert post(voter, f"/ballots/{bid}/vote", {"choices": ["ada"]}).json()["changed"] is False
    r = post(voter, f"/ballots/{bid}/vote", {"choices": ["bob", "cy"]})
    assert r.json() == {"ballot": bid, "receipt": None, "changed": True}
    view = voter.get(f"{API}/ballots/{bid}").json()
    assert view["my_choice"] == {"choices": ["bob", "cy"]} and view["can_change"] is True


def test_not_yet_open_and_closed_and_admitted_after(coop, world):
    later = services.ballot_create(
        cooperative=coop,
        actor=world["board"],
        kind="motion",
        title="Later",
        opens_at=timezone.now() + dt.timedelta(days=2),
    )
    voter = client_for(world["members"][0].user, "fr")
    r = post(voter, f"/ballots/{later.pk}/vote", {"choice": "yes"})
    assert (r.status_code, r.json()["code"]) == (409, "ballot_not_open")
    assert "pas encore ouvert" in r.json()["message"]
    now = services.ballot_create(cooperative=coop, actor=world["board"], kind="motion", title="Now")
    newcomer = testing.make_member(coop, board=world["board"], name="Late")
    r = post(client_for(newcomer.user, "fr"), f"/ballots/{now.pk}/vote", {"choice": "yes"})
    assert (r.status_code, r.json()["code"]) == (403, "ballot_admitted_after_opening")
    services.ballot_close(cooperative=coop, ballot_id=now.pk, actor=world["board"])
    r = post(voter, f"/ballots/{now.pk}/vote", {"choice": "yes"})
    assert (r.status_code, r.json()["code"]) == (409, "ballot_closed")
    assert "clos" in r.json()["message"]


def test_bad_bodies_get_422_and_foreign_ids_404(coop, other_coop, world):
    voter = client_for(world["members"][0].user)
    b = services.ballot_create(cooperative=coop, actor=world["board"], kind="motion", title="X")
    r = post(voter, f"/ballots/{b.pk}/vote", {"choice": "perhaps"})
    assert r.status_code == 422
    r = post(voter, f"/ballots/{b.pk}/vote", {"choice": "yes", "extra": 1})
    assert r.status_code == 422
    r = post(voter, "/ballots/999999/vote", {"choice": "yes"})
    assert (r.status_code, r.json()["code"]) == (404, "ballot_not_found")
    r = post(voter, f"/ballots/{b.pk}/receipt", {"code": "nope"})
    assert (r.status_code, r.json()["code"]) == (400, "receipt_invalid")


ROUTES = [
    ("GET", "/proposals", "reader"),
    ("POST", "/proposals", "member"),
    ("GET", "/proposals/{proposal_id}", "reader"),
    ("POST", "/proposals/{proposal_id}/comments", "member"),
    ("POST", "/proposals/{proposal_id}/support", "member"),
    ("POST", "/proposals/{proposal_id}/withdraw", "author"),
    ("POST", "/proposals/{proposal_id}/amendments", "member"),
    ("POST", "/amendments/{amendment_id}/decision", "author"),
    ("POST", "/amendments/{amendment_id}/ballot", "board"),
    ("POST", "/proposals/{proposal_id}/ballot", "board"),
    ("GET", "/ballots", "reader"),
    ("POST", "/ballots", "board"),
    ("GET", "/ballots/{ballot_id}", "reader"),
    ("POST", "/ballots/{ballot_id}/vote", "member"),
    ("POST", "/ballots/{ballot_id}/close", "board"),
    ("GET", "/ballots/{ballot_id}/results", "reader"),
    ("POST", "/ballots/{ballot_id}/receipt", "reader"),
    ("GET", "/resolutions", "reader"),
]


def test_the_matrix_covers_every_governance_route(db):
    schema = Client().get("/api/v1/openapi.json").json()
    routes = {
        (method.upper(), path.removeprefix("/api/v1/coops/{slug}"))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "governance" in operation.get("tags", ())
    }
    assert routes == {(m, p) for m, p, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "who"), ROUTES)
def test_strangers_are_refused_and_write_nothing(coop, world, method, path, who):
    """Anonymous: 401; a signed-in non-member: 403 (or 404 for a missing object); nothing
    written either way."""
    proposal = services.proposal_file(
        cooperative=coop, user=world["members"][0].user, title="T", body="B"
    )
    amendment = services.amendment_propose(
        cooperative=coop, proposal_id=proposal.pk, user=world["members"][1].user, body="B2"
    )
    ballot = services.ballot_create(
        cooperative=coop, actor=world["board"], kind="motion", title="M"
    )
    url = API + path.format(proposal_id=proposal.pk, amendment_id=amendment.pk, ballot_id=ballot.pk)
    bodies = {
        "/proposals": {"title": "x", "body": "y"},
        "/proposals/{proposal_id}/comments": {"body": "x"},
        "/proposals/{proposal_id}/amendments": {"body": "x"},
        "/amendments/{amendment_id}/decision": {"accept": True},
        "/ballots": {"kind": "motion", "title": "x"},
        "/ballots/{ballot_id}/vote": {"choice": "yes"},
        "/ballots/{ballot_id}/receipt": {"code": "ABCD-ABCD-ABCD-ABCD"},
    }
    before = snapshot()
    for user, expected in ((None, 401), (world["outsider"], 403)):
        c = client_for(user)
        if method == "GET":
            r = c.get(url)
        else:
            r = c.post(url, data=json.dumps(bodies.get(path, {})), content_type="application/json")
        assert r.status_code == expected, (path, user, r.content)
    assert snapshot() == before
    assert Ballot.objects.count() == 1


# The OpenAPI paths of this router (api/tests/test_openapi.py checks the whole document).
GOVERNANCE_PATHS: dict[str, set[str]] = {}
for _method, _path, _ in ROUTES:
    GOVERNANCE_PATHS.setdefault(f"/api/v1/coops/{{slug}}{_path}", set()).add(_method.lower())
