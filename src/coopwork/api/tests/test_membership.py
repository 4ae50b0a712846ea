"""A member's own view, certificate and share requests; the board's side of share capital."""

from __future__ import annotations

from coopwork.ledger.selectors import account_balance, trial_balance
from coopwork.members.models import Member, ShareMovement, ShareRequest
from coopwork.members.selectors import holding
from coopwork.members.services import share_redemption_pay, share_redemption_request

from .conftest import Api, World, assert_refused, row_counts

ME = "/coops/alpha/me"
REQUESTS = "/coops/alpha/share-requests"


def _pay(
    world: World, path: str, key: str, who: str = "board", lang: str = "en", **body: object
) -> object:
    return Api(world.users[who]).post(
        path,
        {"payment_method": "bank_transfer", "payment_reference": "VIR-88", **body},
        headers={"Idempotency-Key": key},
        lang=lang,
    )


# --- Me ---------------------------------------------------------------------------------------


def test_member_sees_their_membership(world: World) -> None:
    mia = world.members["mia"]
    body = Api(world.users["member"]).get(ME).json()
    movement = ShareMovement.objects.get(member=mia)
    assert body["member"] == {
        "register_number": 1,
        "display_name": "Mia Member",
        "is_organisation": False,
        "college": {"code": "workers", "name": "Worker members"},
        "admitted_on": mia.admitted_on.isoformat(),
        "status": "active",
        "left_on": None,
    }
    assert body["shares"] == 5
    assert body["capital"] == {"minor": 10000, "currency": "EUR"}
    assert body["movements"] == [
        {
            "id": movement.pk,
            "kind": "subscription",
            "quantity": 5,
            "nominal": {"minor": 2000, "currency": "EUR"},
            "amount": {"minor": 10000, "currency": "EUR"},
            "effective_on": movement.effective_on.isoformat(),
            "counterparty": None,
            "reference": movement.reference,
        }
    ]
    assert [(r["kind"], r["quantity"], r["status"]) for r in body["share_requests"]] == [
        ("purchase", 2, "pending")
    ]
    assert body["share_requests"][0]["amount"] == {"minor": 4000, "currency": "EUR"}
    assert body["application"]["status"] == "admitted"
    # Only Mia's own data: nobody else's name.
    assert "Zelda" not in str(body) and "Paul" not in str(body)


def test_applicant_sees_their_pending_application(world: World) -> None:
    body = Api(world.users["applicant"]).get(ME, lang="fr").json()
    assert body["member"] is None
    assert body["shares"] == 0
    assert body["capital"] == {"minor": 0, "currency": "EUR"}
    assert body["movements"] == [] and body["share_requests"] == []
    assert body["application"]["status"] == "pending"
    assert body["application"]["college"] == {"code": "workers", "name": "Sociétaires salariés"}


def test_me_for_someone_with_no_relation(world: World) -> None:
    for who in ("non_member", "board", "worker", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).get(ME, lang=lang), 403, "not_a_member"
        )
    assert_refused(lambda lang: Api().get(ME, lang=lang), 401, "not_authenticated")


def test_certificate_pdf(world: World) -> None:
    response = Api(world.users["member"]).get(f"{ME}/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="alpha-certificate-1.pdf"'
    assert response.content.startswith(b"%PDF-")
    for who in ("applicant", "board", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).get(f"{ME}/certificate.pdf", lang=lang),
            403,
            "not_a_member",
        )


# --- Share requests by a member ---------------------------------------------------------------


def test_member_asks_to_buy_shares(world: World) -> None:
    response = Api(world.users["member"]).post(
        f"{ME}/share-requests", {"kind": "purchase", "quantity": 10}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    request = ShareRequest.objects.get(pk=body["id"])
    assert body == {
        "id": request.pk,
        "kind": "purchase",
        "quantity": 10,
        "status": "pending",
        "member": {"register_number": 1, "display_name": "Mia Member"},
        "amount": {"minor": 20000, "currency": "EUR"},
        "requested_on": request.requested_on.isoformat(),
        "eligible_on": request.eligible_on.isoformat(),
        "decided_at": None,
        "reason": "",
        "movement_id": None,
    }


def test_member_asks_to_redeem_shares(world: World) -> None:
    response = Api(world.users["member"]).post(
        f"{ME}/share-requests", {"kind": "redemption", "quantity": 5}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["quantity"], body["status"]) == ("redemption", 5, "pending")
    assert body["eligible_on"] == body["requested_on"]  # this co-op's statutes: no delay


def test_redeeming_more_shares_than_held(world: World) -> None:
    api = Api(world.users["member"])
    assert_refused(
        lambda lang: api.post(
            f"{ME}/share-requests", {"kind": "redemption", "quantity": 6}, lang=lang
        ),
        400,
        "shares_insufficient",
    )
    # Zelda holds 3 of which 1 is already being redeemed.
    zelda = Api(world.members["zelda"].user)
    assert_refused(
        lambda lang: zelda.post(
            f"{ME}/share-requests", {"kind": "redemption", "quantity": 3}, lang=lang
        ),
        400,
        "shares_insufficient",
    )


def test_buying_beyond_the_maximum(world: World) -> None:
    # Mia holds 5 with 2 pending; the class allows 500.
    api = Api(world.users["member"])
    assert_refused(
        lambda lang: api.post(
            f"{ME}/share-requests", {"kind": "purchase", "quantity": 494}, lang=lang
        ),
        400,
        "shares_above_maximum",
    )
    assert (
        api.post(f"{ME}/share-requests", {"kind": "purchase", "quantity": 493}).status_code == 201
    )


def test_share_request_bad_input(world: World) -> None:
    api = Api(world.users["member"])
    for body in (
        {"kind": "gift", "quantity": 1},
        {"kind": "purchase", "quantity": "1"},
        {"kind": "purchase"},
        {"kind": "purchase", "quantity": 1, "price": 0},
    ):
        assert_refused(
            lambda lang, b=body: api.post(f"{ME}/share-requests", b, lang=lang),
            422,
            "invalid_request",
        )
    for quantity in (0, -5, 10**40):
        assert_refused(
            lambda lang, q=quantity: api.post(
                f"{ME}/share-requests", {"kind": "purchase", "quantity": q}, lang=lang
            ),
            400,
            "quantity_invalid",
        )


def test_only_members_ask(world: World) -> None:
    for who in ("non_member", "applicant", "board", "admin", "foreign_board"):
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).post(
                f"{ME}/share-requests", {"kind": "purchase", "quantity": 1}, lang=lang
            ),
            403,
            "not_a_member",
        )


# --- The board's side -------------------------------------------------------------------------


def test_board_lists_share_requests(world: World) -> None:
    body = Api(world.users["board"]).get(f"{REQUESTS}?status=pending").json()
    assert body["count"] == 2
    assert [(r["kind"], r["member"]["register_number"], r["quantity"]) for r in body["items"]] == [
        ("purchase", 1, 2),
        ("redemption", 2, 1),
    ]
    assert Api(world.users["board"]).get(f"{REQUESTS}?status=completed").json() == {
        "items": [],
        "count": 0,
    }


def test_board_confirms_a_purchase(world: World) -> None:
    path = f"{REQUESTS}/{world.purchase.pk}/confirm-purchase"
    before = row_counts()
    response = _pay(world, path, "buy-1")
    assert response.status_code == 200, response.content
    body = response.json()
    movement = ShareMovement.objects.get(pk=body["movement"]["id"])
    assert body["request"]["status"] == "completed"
    assert body["request"]["movement_id"] == movement.pk
    assert body["movement"] == {
        "id": movement.pk,
        "kind": "subscription",
        "quantity": 2,
        "nominal": {"minor": 2000, "currency": "EUR"},
        "amount": {"minor": 4000, "currency": "EUR"},
        "effective_on": movement.effective_on.isoformat(),
        "counterparty": None,
        "reference": "VIR-88",
    }
    assert holding(member=world.members["mia"]) == 7
    mia = world.members["mia"]
    assert (
        account_balance(cooperative=world.coop, code="share_capital", holder=mia.holder).minor
        == -14000
    )
    after = row_counts()
    assert after["ShareMovement"] == before["ShareMovement"] + 1
    assert after["Leg"] == before["Leg"] + 2
    assert_refused(
        lambda lang: _pay(world, path, f"buy-again-{lang}", lang=lang),
        409,
        "share_request_already_decided",
    )


def test_confirming_a_redemption_as_a_purchase_is_not_found(world: World) -> None:
    path = f"{REQUESTS}/{world.redemption.pk}/confirm-purchase"
    assert_refused(
        lambda lang: _pay(world, path, f"k-{lang}", lang=lang), 404, "share_request_not_found"
    )
    path = f"{REQUESTS}/{world.purchase.pk}/pay-redemption"
    assert_refused(
        lambda lang: _pay(world, path, f"k2-{lang}", lang=lang), 404, "share_request_not_found"
    )


def test_board_pays_a_redemption(world: World) -> None:
    path = f"{REQUESTS}/{world.redemption.pk}/pay-redemption"
    response = _pay(world, path, "pay-1")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["request"]["status"] == "completed"
    assert (body["movement"]["kind"], body["movement"]["quantity"]) == ("redemption", -1)
    assert body["movement"]["amount"] == {"minor": -2000, "currency": "EUR"}
    assert holding(member=world.members["zelda"]) == 2
    assert account_balance(cooperative=world.coop, code="bank").minor == 16000 - 2000
    assert trial_balance(cooperative=world.coop).balanced


def test_redemption_before_the_statutes_delay(world: World) -> None:
    from datetime import date

    from coopwork.core.services import parameter_set

    parameter_set(
        cooperative=world.coop,
        key="share_redemption_delay_days",
        value=365,
        effective_from=date(2021, 1, 1),
        source="statutes",
        source_ref="Statutes art. 12 (amended)",
        actor=None,
    )
    later = share_redemption_request(cooperative=world.coop, user=world.users["member"], quantity=1)
    path = f"{REQUESTS}/{later.pk}/pay-redemption"
    assert_refused(
        lambda lang: _pay(world, path, f"early-{lang}", lang=lang), 400, "redemption_not_yet_due"
    )


def test_board_rejects_a_share_request(world: World) -> None:
    api = Api(world.users["board"])
    path = f"{REQUESTS}/{world.purchase.pk}/reject"
    assert_refused(lambda lang: api.post(path, {"reason": ""}, lang=lang), 400, "reason_required")
    response = api.post(path, {"reason": "The capital is closed until the assembly."})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == (
        "rejected",
        "The capital is closed until the assembly.",
    )


def test_only_the_board_handles_share_requests(world: World) -> None:
    confirm = f"{REQUESTS}/{world.purchase.pk}/confirm-purchase"
    pay = f"{REQUESTS}/{world.redemption.pk}/pay-redemption"
    reject = f"{REQUESTS}/{world.purchase.pk}/reject"
    for who in ("member", "admin", "coordinator", "foreign_board"):
        assert_refused(
            lambda lang, w=who: _pay(world, confirm, f"c-{w}-{lang}", w, lang=lang),
            403,
            "permission_denied",
        )
        assert_refused(
            lambda lang, w=who: _pay(world, pay, f"p-{w}-{lang}", w, lang=lang),
            403,
            "permission_denied",
        )
        assert_refused(
            lambda lang, w=who: Api(world.users[w]).post(reject, {"reason": "no"}, lang=lang),
            403,
            "permission_denied",
        )


def test_another_coops_share_request_is_not_found_here(world: World) -> None:
    foreign = world.other_request.pk
    assert_refused(
        lambda lang: _pay(world, f"{REQUESTS}/{foreign}/confirm-purchase", f"f-{lang}", lang=lang),
        404,
        "share_request_not_found",
        leaks=("Olga Other",),
    )
    assert_refused(
        lambda lang: Api(world.users["board"]).post(
            f"{REQUESTS}/{foreign}/reject", {"reason": "no"}, lang=lang
        ),
        404,
        "share_request_not_found",
        leaks=("Olga Other",),
    )


# --- Transfers --------------------------------------------------------------------------------


def _transfer(
    world: World, key: str, who: str = "board", lang: str = "en", **body: object
) -> object:
    payload = {"from_register_number": 1, "to_register_number": 2, "quantity": 2, **body}
    return Api(world.users[who]).post(
        "/coops/alpha/transfers", payload, headers={"Idempotency-Key": key}, lang=lang
    )


def test_board_records_a_transfer(world: World) -> None:
    response = _transfer(world, "t-1", reference="Acte de cession 2026-4")
    assert response.status_code == 201, response.content
    body = response.json()
    out, into = ShareMovement.objects.filter(kind__startswith="transfer").order_by("id")
    assert body == {
        "sender": {"register_number": 1, "display_name": "Mia Member"},
        "receiver": {"register_number": 2, "display_name": "Zelda Secret"},
        "quantity": 2,
        "amount": {"minor": 4000, "currency": "EUR"},
        "effective_on": into.effective_on.isoformat(),
        "reference": "Acte de cession 2026-4",
        "movements": [
            {
                "id": out.pk,
                "kind": "transfer_out",
                "quantity": -2,
                "nominal": {"minor": 2000, "currency": "EUR"},
                "amount": {"minor": -4000, "currency": "EUR"},
                "effective_on": out.effective_on.isoformat(),
                "counterparty": {"register_number": 2, "display_name": "Zelda Secret"},
                "reference": "Acte de cession 2026-4",
            },
            {
                "id": into.pk,
                "kind": "transfer_in",
                "quantity": 2,
                "nominal": {"minor": 2000, "currency": "EUR"},
                "amount": {"minor": 4000, "currency": "EUR"},
                "effective_on": into.effective_on.isoformat(),
                "counterparty": {"register_number": 1, "display_name": "Mia Member"},
                "reference": "Acte de cession 2026-4",
            },
        ],
    }
    assert holding(member=world.members["mia"]) == 3
    assert holding(member=world.members["zelda"]) == 5


def test_transfer_to_a_non_member(world: World) -> None:
    assert_refused(
        lambda lang: _transfer(world, f"t-{lang}", to_register_number=99, lang=lang),
        400,
        "transfer_to_non_member",
    )
    # Zelda redeems everything and leaves: she is no longer a member to transfer to.
    zelda = world.members["zelda"]
    rest = share_redemption_request(cooperative=world.coop, user=zelda.user, quantity=2)
    for request in (world.redemption, rest):
        share_redemption_pay(
            cooperative=world.coop,
            request_id=request.pk,
            actor=world.users["board"],
            payment_method="cash",
            payment_reference="",
        )
    assert Member.objects.get(pk=zelda.pk).status == "left"
    assert_refused(
        lambda lang: _transfer(world, f"t2-{lang}", to_register_number=2, lang=lang),
        400,
        "transfer_to_non_member",
    )


def test_transfer_of_more_than_held(world: World) -> None:
    assert_refused(
        lambda lang: _transfer(world, f"t-{lang}", quantity=6, lang=lang),
        400,
        "shares_insufficient",
    )


def test_transfer_to_oneself_or_with_bad_numbers(world: World) -> None:
    assert_refused(
        lambda lang: _transfer(world, f"t-{lang}", to_register_number=1, lang=lang),
        400,
        "transfer_to_self",
    )
    for bad in ({"to_register_number": 0}, {"to_register_number": 2**31}, {"quantity": "2"}):
        assert_refused(
            lambda lang, b=bad: _transfer(world, f"t-{lang}", **b, lang=lang),
            422,
            "invalid_request",
        )


def test_only_the_board_transfers(world: World) -> None:
    for who in ("member", "admin", "foreign_board"):
        assert_refused(
            lambda lang, w=who: _transfer(world, f"t-{w}-{lang}", w, lang=lang),
            403,
            "permission_denied",
        )
