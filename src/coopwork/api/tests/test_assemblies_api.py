"""The general-assembly API: a whole assembly over HTTP, its refusals, who may do what, and the
paths it documents. Time passing (the notice period) is simulated by moving the assembly's date
in the database, since an assembly can only be convened at least 15 days ahead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coopwork import testing
from coopwork.governance.models import Assembly, AssemblyVote
from coopwork.web.tests.pdf import assert_pdf_contains

from .conftest import API, Api, assert_error

pytestmark = pytest.mark.django_db

# Every assembly path and its methods (test_openapi merges them into the expected set).
ASSEMBLY_PATHS = {
    f"{API}/coops/{{slug}}/assemblies": {"get", "post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}": {"get"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/items": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/items/{{number}}": {"delete"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/proxy": {"post", "delete"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/postal-votes": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/open": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/quorum": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/close": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/check-in": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/attendance": {"get", "post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/items/{{number}}/open": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/items/{{number}}/close": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/items/{{number}}/votes": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/items/{{number}}/admit": {"post"},
    f"{API}/coops/{{slug}}/assemblies/{{assembly_id}}/minutes.pdf": {"get"},
}


def _convene_body(days: int = 16, **extra: object) -> dict[str, object]:
    starts = timezone.now() + dt.timedelta(days=days)
    return {
        "kind": "ordinary",
        "title": "Annual general assembly",
        "starts_at": starts.isoformat(),
        "place": "Lyon",
        "remote_url": "https://meet.example.org/ag",
        "items": [
            {"title": "Approve the accounts", "text": "The 2029 accounts."},
            {
                "title": "Lower the commission",
                "parameter_key": "commission_rate",
                "parameter_value": "10/100",
                "effective_from": (starts.date() + dt.timedelta(days=10)).isoformat(),
            },
        ],
        **extra,
    }


def _time_passes(assembly_id: int) -> None:
    """The day has come: the session may open now, postal voting is over."""
    now = timezone.now()
    Assembly.objects.filter(pk=assembly_id).update(
        starts_at=now + dt.timedelta(minutes=30), postal_cutoff=now - dt.timedelta(minutes=1)
    )


def test_an_assembly_over_http(db: None) -> None:
    coop = testing.make_coop("alpha", legal_form="scop")
    board_user = testing.make_board(coop, "chair")
    members = [testing.make_member(coop, board=board_user, name=f"M{i}") for i in range(5)]
    board, m = Api(board_user), [Api(x.user) for x in members]
    base = "/coops/alpha/assemblies"

    assert_error(board.post(base, _convene_body(days=10)), 400, "assembly_notice_too_short")
    assert_error(m[0].post(base, _convene_body()), 403, "permission_denied")
    bad = _convene_body()
    bad["items"][1]["parameter_value"] = "9/10"  # type: ignore[index]
    assert_error(board.post(base, bad), 400, "parameter_out_of_bounds")
    assert Assembly.objects.count() == 0

    created = board.post(base, _convene_body())
    assert created.status_code == 201, created.content
    a = created.json()
    aid = a["id"]
    assert [i["number"] for i in a["items"]] == [1, 2]
    one = f"{base}/{aid}"
    assert m[0].get(base).json()["count"] == 1

    # Before: a proxy (and one over the cap), a proxy to a non-member, postal votes.
    assert m[1].post(f"{one}/proxy", {"holder_member_id": members[0].pk}).status_code == 201
    assert_error(
        m[2].post(f"{one}/proxy", {"holder_member_id": members[0].pk}), 409, "proxy_cap_exceeded"
    )
    beta = testing.make_coop("beta")
    outsider = testing.make_member(beta, board=testing.make_board(beta, "beta-chair"))
    assert_error(
        m[2].post(f"{one}/proxy", {"holder_member_id": outsider.pk}),
        400,
        "proxy_holder_not_member",
    )
    postal = m[2].post(f"{one}/postal-votes", {"votes": {"1": "yes", "2": "no"}})
    assert postal.status_code == 201, postal.content
    assert_error(
        m[2].post(f"{one}/proxy", {"holder_member_id": members[3].pk}), 409, "voted_by_post"
    )
    assert m[0].get(one).json()["mine"]["proxies_held_from"] == [members[1].pk]

    # The day: open, attendance, quorum.
    assert_error(board.post(f"{one}/open"), 409, "assembly_not_yet")
    _time_passes(aid)
    assert board.post(f"{one}/open").json()["status"] == "open"
    assert board.post(f"{one}/attendance", {"member_id": members[0].pk}).status_code == 201
    assert m[3].post(f"{one}/check-in").status_code == 201
    sitting = board.post(f"{one}/quorum").json()
    assert (sitting["status"], sitting["present"], sitting["quorum_required"]) == ("sitting", 4, 1)
    listing = board.get(f"{one}/attendance").json()
    assert (listing["eligible"], listing["present"]) == (5, 4)
    assert_error(m[0].get(f"{one}/attendance"), 403, "permission_denied")

    # Items: not open yet, then open, votes (own, proxy, double), close.
    vote = f"{one}/items/1/votes"
    assert_error(m[0].post(vote, {"choice": "yes"}), 409, "agenda_item_not_open")
    assert board.post(f"{one}/items/1/open").json()["status"] == "open"
    assert m[0].post(vote, {"choice": "yes"}).status_code == 201
    assert_error(m[0].post(vote, {"choice": "no"}), 409, "assembly_already_voted")
    assert m[0].post(vote, {"choice": "yes", "on_behalf_of": members[1].pk}).status_code == 201
    assert m[3].post(vote, {"choice": "no"}).status_code == 201
    assert_error(m[4].post(vote, {"choice": "no"}), 403, "assembly_not_checked_in")
    assert_error(m[3].post(vote, {"choice": "maybe"}), 422, "invalid_request")
    closed = board.post(f"{one}/items/1/close").json()
    assert (closed["adopted"], closed["result"]["yes"], closed["result"]["no"]) == (True, "3", "1")
    assert closed["resolution_reference"] == f"assembly:{aid}/item:1"
    assert board.post(f"{one}/items/2/open").status_code == 200
    for api in (m[0], m[3]):
        api.post(f"{one}/items/2/votes", {"choice": "no"})
    assert board.post(f"{one}/items/2/close").json()["adopted"] is False
    assert AssemblyVote.objects.filter(item__assembly_id=aid).count() == 7
    # Members read the minutes once the assembly is closed.
    assert_error(m[0].get(f"{one}/minutes.pdf"), 403, "permission_denied")
    assert board.post(f"{one}/close").json()["status"] == "closed"
    pdf = m[0].get(f"{one}/minutes.pdf?lang=fr")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_pdf_contains(pdf.content, "Procès-verbal", "Approve the accounts", "Adoptée", "Rejetée")
    # Another co-op's assembly is not found from this one.
    other = testing.make_board(testing.make_coop("gamma"), "other-chair")
    assert_error(Api(other).get(one.replace("alpha", "gamma")), 404, "assembly_not_found")
    assert_error(Api(testing.make_user("nobody")).get(base), 403, "permission_denied")
    assert_error(Api().get(base), 401, "not_authenticated")


# --- Who may call what --------------------------------------------------------------------------

BOARD_ONLY = "board"
MEMBERS = "member"  # members taking part (a non-member gets assembly_not_eligible)
READERS = "reader"  # members, board and admin read

ROUTES: list[tuple[str, str, str, dict[str, object] | None]] = [
    ("GET", "", READERS, None),
    ("POST", "", BOARD_ONLY, {"kind": "ordinary", "title": "x", "starts_at": "2040-01-01T10:00Z"}),
    ("GET", "/{a}", READERS, None),
    ("POST", "/{a}/items", BOARD_ONLY, {"title": "More"}),
    ("DELETE", "/{a}/items/1", BOARD_ONLY, None),
    ("POST", "/{a}/proxy", MEMBERS, {"holder_member_id": 1}),
    ("DELETE", "/{a}/proxy", MEMBERS, None),
    ("POST", "/{a}/postal-votes", MEMBERS, {"votes": {"1": "yes"}}),
    ("POST", "/{a}/open", BOARD_ONLY, None),
    ("POST", "/{a}/quorum", BOARD_ONLY, None),
    ("POST", "/{a}/close", BOARD_ONLY, None),
    ("POST", "/{a}/check-in", MEMBERS, None),
    ("GET", "/{a}/attendance", BOARD_ONLY, None),
    ("POST", "/{a}/attendance", BOARD_ONLY, {"member_id": 1}),
    ("POST", "/{a}/items/1/open", BOARD_ONLY, None),
    ("POST", "/{a}/items/1/close", BOARD_ONLY, None),
    ("POST", "/{a}/items/1/votes", MEMBERS, {"choice": "yes"}),
    ("POST", "/{a}/items/1/admit", BOARD_ONLY, {"payment_method": "cash"}),
    ("GET", "/{a}/minutes.pdf", BOARD_ONLY, None),  # members once it is over
]


def _rows() -> dict[str, int]:
    from coopwork.core.models import AuditEntry
    from coopwork.governance.models import AgendaItem, AssemblyAttendance, Proxy

    return {
        "assemblies": Assembly.objects.count(),
        "items": AgendaItem.objects.count(),
        "proxies": Proxy.objects.count(),
        "attendance": AssemblyAttendance.objects.count(),
        "votes": AssemblyVote.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_every_assembly_route_refuses_who_may_not_call_it(db: None) -> None:
    from coopwork.governance import services

    coop = testing.make_coop("alpha", legal_form="scop")
    chair = testing.make_board(coop, "chair")
    member = testing.make_member(coop, board=chair, name="Mia Member")
    testing.make_member(coop, board=chair, name="Other Member")
    assembly = services.assembly_convene(
        cooperative=coop,
        actor=chair,
        kind="ordinary",
        title="AGM",
        starts_at=timezone.now() + dt.timedelta(days=20),
        place="Lyon",
        items=[services.ItemSpec(title="One"), services.ItemSpec(title="Two")],
    )
    foreign_coop = testing.make_coop("beta")
    callers = {
        "anonymous": Api(),
        "non_member": Api(testing.make_user("outsider")),
        "member": Api(member.user),
        "board": Api(chair),
        "foreign_board": Api(testing.make_board(foreign_coop, "foreign")),
    }
    for method, suffix, who, body in ROUTES:
        path = f"/coops/alpha/assemblies{suffix.replace('{a}', str(assembly.pk))}"
        for role, api in callers.items():
            if role == "board" and who != MEMBERS:
                continue  # the board's own calls are exercised by the flow above
            if role == "member" and who in (MEMBERS, READERS):
                continue
            before = _rows()
            response = api.request(
                method, path, body, headers={"Idempotency-Key": f"{role}-{path}"}
            )
            if role == "anonymous":
                expected = (401, "not_authenticated")
            elif role in ("non_member", "board", "foreign_board") and who == MEMBERS:
                expected = (403, "assembly_not_eligible")
            else:
                expected = (403, "permission_denied")
            assert (response.status_code, response.json()["code"]) == expected, (
                method,
                path,
                role,
                response.content[:200],
            )
            assert _rows() == before, (method, path, role)
            assert "Mia Member" not in response.content.decode()


def test_the_route_list_above_covers_every_assembly_route(db: None) -> None:
    from coopwork.api.api import api

    schema = api.get_openapi_schema()
    routes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "assemblies" in operation.get("tags", ())
    }
    covered = {
        (
            method,
            f"{API}/coops/{{slug}}/assemblies"
            + suffix.replace("{a}", "{assembly_id}").replace("/1", "/{number}"),
        )
        for method, suffix, _who, _body in ROUTES
    }
    assert routes == covered
    assert {path for _m, path in routes} == set(ASSEMBLY_PATHS)


def test_an_admission_the_assembly_adopted_is_carried_out_once_over_http(db: None) -> None:
    from coopwork.core.services import parameter_set
    from coopwork.governance import services
    from coopwork.members.models import Member
    from coopwork.members.services import application_submit

    coop = testing.make_coop("alpha", legal_form="scop")
    chair = testing.make_board(coop, "chair")
    members = [testing.make_member(coop, board=chair) for _ in range(2)]
    parameter_set(
        cooperative=coop,
        key="admission_body",
        value="assembly",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="Statutes art. 8",
        actor=None,
    )
    application = application_submit(
        cooperative=coop,
        user=testing.make_user("zoe"),
        college_code="workers",
        shares=2,
        display_name="Zoé",
    )
    board = Api(chair)
    created = board.post(
        "/coops/alpha/assemblies",
        _convene_body(items=[{"title": "", "application_id": application.pk}]),
    )
    assert created.status_code == 201, created.content
    aid = created.json()["id"]
    assert created.json()["items"][0]["title"] == "Admission of Zoé"
    assembly = Assembly.objects.get(pk=aid)
    at = assembly.starts_at
    services.assembly_open(cooperative=coop, assembly_id=aid, actor=chair, now=at)
    for m in members:
        services.attendance_record(cooperative=coop, assembly_id=aid, actor=chair, member_id=m.pk)
    services.assembly_quorum_check(cooperative=coop, assembly_id=aid, actor=chair)
    services.agenda_item_open(cooperative=coop, assembly_id=aid, actor=chair, number=1)
    for m in members:
        services.assembly_vote_cast(
            cooperative=coop, assembly_id=aid, number=1, user=m.user, choice="yes"
        )
    services.agenda_item_close(cooperative=coop, assembly_id=aid, actor=chair, number=1)
    path = f"/coops/alpha/assemblies/{aid}/items/1/admit"
    pay = {"payment_method": "bank_transfer", "payment_reference": "VIR-ZOE"}
    assert_error(board.post(path, pay), 400, "idempotency_key_required")
    first = board.post(path, pay, headers={"Idempotency-Key": "zoe-1"})
    assert first.status_code == 201, first.content
    again = board.post(path, pay, headers={"Idempotency-Key": "zoe-1"})
    assert (again.status_code, again.content) == (201, first.content)
    assert first.json()["member"]["register_number"] == 3
    assert Member.objects.filter(cooperative=coop).count() == 3
