"""Applications: apply, list, read, admit, reject, withdraw."""

from __future__ import annotations

from coopwork.core.models import AuditEntry, Role
from coopwork.ledger.selectors import account_balance
from coopwork.members.models import Application, Member, ShareMovement

from .conftest import Api, World, assert_error, assert_refused, row_counts

APPLY = "/coops/alpha/applications"


def _apply_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "college": "workers",
        "shares": 3,
        "display_name": "Nora Newcomer",
        "motivation": "I drive for the co-op.",
    }
    body.update(overrides)
    return body


def _admit(
    world: World, user_key: str = "board", key: str = "admit-1", lang: str = "en", **body: object
) -> object:
    return Api(world.users[user_key]).post(
        f"{APPLY}/{world.application.pk}/admit",
        {"payment_method": "bank_transfer", "payment_reference": "VIR-2026-17", **body},
        headers={"Idempotency-Key": key},
        lang=lang,
    )


# --- Apply ------------------------------------------------------------------------------------


def test_apply_creates_a_pending_application(world: World) -> None:
    nora = world.users["non_member"]
    before = row_counts()
    response = Api(nora).post(APPLY, _apply_body())
    assert response.status_code == 201, response.content
    body = response.json()
    application = Application.objects.get(pk=body["id"])
    assert body == {
        "id": application.pk,
        "status": "pending",
        "college": {"code": "workers", "name": "Worker members"},
        "shares": 3,
        "amount": {"minor": 6000, "currency": "EUR"},
        "display_name": "Nora Newcomer",
        "is_organisation": False,
        "motivation": "I drive for the co-op.",
        "applicant": {"username": "nora", "email": "nora@example.org"},
        "created_at": body["created_at"],
        "decided_at": None,
        "decision_reason": "",
        "member": None,
    }
    assert application.user == nora
    after = row_counts()
    assert after["Application"] == before["Application"] + 1
    assert after["AuditEntry"] == before["AuditEntry"] + 1
    assert after["Member"] == before["Member"]


def test_apply_in_french_names_the_college_in_french(world: World) -> None:
    response = Api(world.users["non_member"]).post(APPLY, _apply_body(), lang="fr")
    assert response.status_code == 201
    assert response.json()["college"] == {"code": "workers", "name": "Sociétaires salariés"}


def test_apply_below_the_college_minimum(world: World) -> None:
    api = Api(world.users["non_member"])
    assert_refused(
        lambda lang: api.post(APPLY, _apply_body(college="sponsors", shares=9), lang=lang),
        400,
        "shares_below_minimum",
    )
    body = api.post(APPLY, _apply_body(college="sponsors", shares=9)).json()
    assert body["details"] == {"minimum": 10}
    assert "10" in body["message"]


def test_apply_above_the_maximum(world: World) -> None:
    api = Api(world.users["non_member"])
    assert_refused(
        lambda lang: api.post(APPLY, _apply_body(shares=501), lang=lang),
        400,
        "shares_above_maximum",
    )


def test_apply_to_an_unknown_college(world: World) -> None:
    api = Api(world.users["non_member"])
    assert_refused(
        lambda lang: api.post(APPLY, _apply_body(college="astronauts"), lang=lang),
        400,
        "college_unknown",
    )


def test_apply_to_another_coops_college_code_is_unknown_here(world: World) -> None:
    # Colleges are looked up within the co-op of the path, never across co-ops.
    api = Api(world.users["non_member"])
    assert_refused(
        lambda lang: api.post("/coops/beta/applications", _apply_body(college="nope"), lang=lang),
        400,
        "college_unknown",
    )


def test_apply_with_zero_or_absurd_quantities(world: World) -> None:
    api = Api(world.users["non_member"])
    for shares in (0, -1, 1_000_001, 10**30):
        assert_refused(
            lambda lang, s=shares: api.post(APPLY, _apply_body(shares=s), lang=lang),
            400,
            "quantity_invalid",
        )


def test_apply_with_wrong_types_or_missing_fields(world: World) -> None:
    api = Api(world.users["non_member"])
    for bad in (
        _apply_body(shares="3"),
        _apply_body(shares=3.5),
        _apply_body(shares=True),
        _apply_body(is_organisation="yes"),
        _apply_body(college=None),
        _apply_body(display_name="x" * 201),
        _apply_body(display_name="Nul\x00Byte"),
        _apply_body(unexpected="field"),
        {"college": "workers"},
        [],
        "workers",
    ):
        assert_refused(lambda lang, b=bad: api.post(APPLY, b, lang=lang), 422, "invalid_request")


def test_apply_with_a_blank_name(world: World) -> None:
    api = Api(world.users["non_member"])
    assert_refused(
        lambda lang: api.post(APPLY, _apply_body(display_name="   "), lang=lang),
        400,
        "display_name_required",
    )


def test_apply_twice_or_as_a_member(world: World) -> None:
    assert_refused(
        lambda lang: Api(world.users["applicant"]).post(APPLY, _apply_body(), lang=lang),
        409,
        "application_pending",
    )
    assert_refused(
        lambda lang: Api(world.users["member"]).post(APPLY, _apply_body(), lang=lang),
        409,
        "already_member",
    )


def test_apply_anonymously(world: World) -> None:
    assert_refused(
        lambda lang: Api().post(APPLY, _apply_body(), lang=lang), 401, "not_authenticated"
    )


def test_apply_to_an_unknown_coop(world: World) -> None:
    api = Api(world.users["non_member"])
    assert_refused(
        lambda lang: api.post("/coops/gamma/applications", _apply_body(), lang=lang),
        404,
        "cooperative_not_found",
    )


# --- Read -------------------------------------------------------------------------------------


def test_board_lists_applications_filtered_by_status(world: World) -> None:
    api = Api(world.users["board"])
    body = api.get(f"{APPLY}?status=pending").json()
    assert body["count"] == 1
    assert [a["display_name"] for a in body["items"]] == ["Paul Pending"]
    everything = api.get(APPLY).json()
    assert everything["count"] == 3
    assert [(a["display_name"], a["status"]) for a in everything["items"]] == [
        ("Mia Member", "admitted"),
        ("Zelda Secret", "admitted"),
        ("Paul Pending", "pending"),
    ]
    assert everything["items"][0]["member"] == {"register_number": 1, "display_name": "Mia Member"}
    page = api.get(f"{APPLY}?page=2&page_size=2").json()
    assert page["count"] == 3
    assert [a["display_name"] for a in page["items"]] == ["Paul Pending"]
    assert_error(api.get(f"{APPLY}?status=maybe"), 422, "invalid_request")


def test_board_and_applicant_read_an_application(world: World) -> None:
    path = f"{APPLY}/{world.application.pk}"
    for who in ("board", "applicant"):
        body = Api(world.users[who]).get(path).json()
        assert body["id"] == world.application.pk
        assert body["display_name"] == "Paul Pending"
        assert body["amount"] == {"minor": 4000, "currency": "EUR"}
    for who in ("member", "admin", "non_member", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).get(path, lang=lang),
            404,
            "application_not_found",
        )


def test_another_coops_application_is_not_found_here(world: World) -> None:
    board = Api(world.users["board"])
    foreign = world.other_application.pk
    assert_refused(
        lambda lang: board.get(f"{APPLY}/{foreign}", lang=lang), 404, "application_not_found"
    )
    assert_refused(
        lambda lang: board.post(
            f"{APPLY}/{foreign}/admit",
            {"payment_method": "cash"},
            headers={"Idempotency-Key": f"x-{lang}"},
            lang=lang,
        ),
        404,
        "application_not_found",
        leaks=("Otto Other",),
    )
    assert_refused(
        lambda lang: board.post(f"{APPLY}/{foreign}/reject", {"reason": "no"}, lang=lang),
        404,
        "application_not_found",
    )


def test_malformed_application_ids(world: World) -> None:
    board = Api(world.users["board"])
    for bad in ("abc", "0", "-3", "1.5", str(2**63), "9" * 40):
        assert_refused(
            lambda lang, b=bad: board.get(f"{APPLY}/{b}", lang=lang), 422, "invalid_request"
        )
    assert_refused(
        lambda lang: board.get(f"{APPLY}/{2**63 - 1}", lang=lang), 404, "application_not_found"
    )


# --- Admit ------------------------------------------------------------------------------------


def test_board_admits_with_the_next_register_number(world: World) -> None:
    before = row_counts()
    response = _admit(world, reason="Welcome")
    assert response.status_code == 201, response.content
    member = Member.objects.get(cooperative=world.coop, register_number=3)
    assert response.json() == {
        "member": {
            "register_number": 3,
            "display_name": "Paul Pending",
            "is_organisation": False,
            "college": {"code": "workers", "name": "Worker members"},
            "admitted_on": member.admitted_on.isoformat(),
            "status": "active",
            "left_on": None,
        },
        "application_id": world.application.pk,
        "shares": 2,
        "capital": {"minor": 4000, "currency": "EUR"},
    }
    assert member.user == world.users["applicant"]
    world.application.refresh_from_db()
    assert world.application.status == "admitted"
    assert world.application.decision_reason == "Welcome"
    movement = ShareMovement.objects.get(member=member)
    assert (movement.kind, movement.quantity, movement.reference) == (
        "subscription",
        2,
        "VIR-2026-17",
    )
    assert (
        account_balance(cooperative=world.coop, code="share_capital", holder=member.holder).minor
        == -4000
    )
    assert Role.objects.filter(cooperative=world.coop, user=member.user, role="member").exists()
    after = row_counts()
    assert after["Member"] == before["Member"] + 1
    assert after["ShareMovement"] == before["ShareMovement"] + 1
    assert after["Leg"] == before["Leg"] + 2
    assert after["IdempotencyRecord"] == before["IdempotencyRecord"] + 1


def test_admit_in_cash_needs_no_reference(world: World) -> None:
    response = _admit(world, payment_method="cash", payment_reference="")
    assert response.status_code == 201
    assert Member.objects.filter(cooperative=world.coop, register_number=3).exists()
    assert account_balance(cooperative=world.coop, code="cash").minor == 4000


def test_admitting_twice_is_refused(world: World) -> None:
    assert _admit(world, key="first").status_code == 201
    assert_refused(
        lambda lang: _admit(world, key=f"second-{lang}", lang=lang),
        409,
        "application_already_decided",
    )


def test_admit_needs_a_valid_payment(world: World) -> None:
    assert_refused(
        lambda lang: _admit(world, key=f"k-{lang}", payment_method="bitcoin", lang=lang),
        400,
        "payment_invalid",
    )
    assert_refused(
        lambda lang: _admit(world, key=f"k2-{lang}", payment_reference="  ", lang=lang),
        400,
        "payment_invalid",
    )
    assert_refused(
        lambda lang: _admit(world, key=f"k3-{lang}", payment_reference="x" * 121, lang=lang),
        422,
        "invalid_request",
    )


def test_non_board_users_cannot_admit(world: World) -> None:
    for who in ("member", "admin", "worker", "coordinator", "applicant"):
        assert_refused(
            lambda lang, w=who: _admit(world, w, key=f"{w}-{lang}", lang=lang),
            403,
            "permission_denied",
        )
    assert_refused(
        lambda lang: _admit(world, "foreign_board", key=f"f-{lang}", lang=lang),
        403,
        "permission_denied",
    )


def test_admission_reserved_to_the_assembly(world: World) -> None:
    from datetime import date

    from coopwork.core.services import parameter_set

    parameter_set(
        cooperative=world.coop,
        key="admission_body",
        value="assembly",
        effective_from=date(2020, 1, 1),
        source="statutes",
        source_ref="Statutes art. 7",
        actor=None,
    )
    assert_refused(
        lambda lang: _admit(world, key=f"a-{lang}", lang=lang),
        403,
        "admission_reserved_to_assembly",
    )


# --- Reject and withdraw ----------------------------------------------------------------------


def test_board_rejects_with_a_reason(world: World) -> None:
    api = Api(world.users["board"])
    path = f"{APPLY}/{world.application.pk}/reject"
    assert_refused(lambda lang: api.post(path, {"reason": "  "}, lang=lang), 400, "reason_required")
    assert_refused(lambda lang: api.post(path, {}, lang=lang), 400, "reason_required")
    response = api.post(path, {"reason": "The college is full this year."})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["decision_reason"]) == (
        "rejected",
        "The college is full this year.",
    )
    assert AuditEntry.objects.filter(action="application.rejected").count() == 1
    assert_refused(
        lambda lang: api.post(path, {"reason": "again"}, lang=lang),
        409,
        "application_already_decided",
    )


def test_only_the_board_rejects(world: World) -> None:
    path = f"{APPLY}/{world.application.pk}/reject"
    for who in ("member", "admin", "applicant", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).post(path, {"reason": "no"}, lang=lang),
            403,
            "permission_denied",
        )


def test_applicant_withdraws(world: World) -> None:
    path = f"{APPLY}/{world.application.pk}/withdraw"
    for who in ("board", "member", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).post(path, lang=lang),
            404,
            "application_not_found",
        )
    response = Api(world.users["applicant"]).post(path)
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert_refused(
        lambda lang: Api(world.users["applicant"]).post(path, lang=lang),
        409,
        "application_already_decided",
    )
    # Withdrawn, the applicant may apply again.
    again = Api(world.users["applicant"]).post(APPLY, _apply_body(display_name="Paul Again"))
    assert again.status_code == 201
