"""members.services: every flow, and every kind of bad input refused with its code and nothing
written (see ``conftest.refused``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest.mock import patch

import pytest

from coopwork import testing
from coopwork.core import events
from coopwork.core.audit import audit_verify_all
from coopwork.core.models import AuditEntry
from coopwork.core.selectors import user_roles
from coopwork.core.services import parameter_set, role_grant
from coopwork.ledger.models import Leg
from coopwork.ledger.selectors import normal_balance, trial_balance
from coopwork.members import services
from coopwork.members.models import (
    Application,
    College,
    Member,
    MemberStatus,
    ShareMovement,
    ShareRequest,
)
from coopwork.members.selectors import capital_total, holding, shares_pending_redemption

from .conftest import refused

TODAY = dt.date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _fixed_today():
    with patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


def apply(coop, *, user=None, college="workers", shares=1, name="Zoe Applicant", **extra):
    return services.application_submit(
        cooperative=coop,
        user=user or testing.make_user(),
        college_code=college,
        shares=shares,
        display_name=name,
        **extra,
    )


def admit(coop, application, board, *, method="bank_transfer", reference="VIR-1", reason=""):
    return services.application_admit(
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method=method,
        payment_reference=reference,
        reason=reason,
    )


def last_audit() -> AuditEntry:
    return AuditEntry.objects.latest("id")


def capital(coop, member) -> int:
    return normal_balance(cooperative=coop, code="share_capital", holder=member.holder).minor


def cash_and_bank(coop) -> int:
    return (
        normal_balance(cooperative=coop, code="bank").minor
        + normal_balance(cooperative=coop, code="cash").minor
    )


@pytest.fixture
def published():
    """Events delivered after commit, in order."""
    seen: list[events.Event] = []
    events.subscribe(seen.append)
    yield seen
    events._handlers.remove(seen.append)


# --- applying ----------------------------------------------------------------------------------


def test_apply_records_a_pending_application(coop, django_capture_on_commit_callbacks, published):
    user = testing.make_user("zoe")
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(
            coop, user=user, college="users", shares=3, name="  Zoe  ", motivation=" Hi "
        )
    application.refresh_from_db()
    assert (application.status, application.shares, application.display_name) == (
        "pending",
        3,
        "Zoe",
    )
    assert (application.college.code, application.motivation, application.member) == (
        "users",
        "Hi",
        None,
    )
    assert Member.objects.count() == 0
    e = last_audit()
    assert (e.action, e.actor_id, e.object_id, e.data) == (
        "application.submitted",
        user.pk,
        str(application.pk),
        {"college": "users", "shares": 3},
    )
    assert [(ev.name, ev.payload, ev.audiences) for ev in published] == [
        (
            "application.submitted",
            {"application": application.pk, "name": "Zoe"},
            (f"coop-{coop.pk}-board",),
        )
    ]


@pytest.mark.parametrize("shares", [0, -1, 1_000_001, True, "3", 2.0])
def test_apply_refuses_a_malformed_quantity(coop, shares):
    exc = refused(
        "quantity_invalid",
        services.application_submit,
        cooperative=coop,
        user=testing.make_user(),
        college_code="workers",
        shares=shares,
        display_name="Zoe",
    )
    assert exc.status == 400


def test_apply_refuses_shares_below_the_college_minimum(coop):
    exc = refused(
        "shares_below_minimum",
        services.application_submit,
        cooperative=coop,
        user=testing.make_user(),
        college_code="sponsors",
        shares=9,
        display_name="Small Co-op",
    )
    assert exc.params == {"minimum": 10}
    assert exc.render_message() == "Members of this college hold at least 10 shares."
    apply(coop, college="sponsors", shares=10)  # exactly the minimum is fine


def test_apply_refuses_shares_above_the_class_maximum(coop):
    exc = refused(
        "shares_above_maximum",
        services.application_submit,
        cooperative=coop,
        user=testing.make_user(),
        college_code="workers",
        shares=501,
        display_name="Zoe",
    )
    assert exc.params == {"maximum": 500}
    apply(coop, shares=500)


def test_apply_refuses_an_unknown_college(coop):
    refused(
        "college_unknown",
        services.application_submit,
        cooperative=coop,
        user=testing.make_user(),
        college_code="astronauts",
        shares=1,
        display_name="Zoe",
    )


def test_apply_refuses_another_coops_college(coop, beta):
    assert College.objects.filter(cooperative=beta, code="partners").exists()
    refused(
        "college_unknown",
        services.application_submit,
        cooperative=coop,
        user=testing.make_user(),
        college_code="partners",
        shares=1,
        display_name="Zoe",
    )


def test_apply_refuses_a_second_pending_application(coop):
    user = testing.make_user()
    apply(coop, user=user)
    refused(
        "application_pending",
        services.application_submit,
        cooperative=coop,
        user=user,
        college_code="users",
        shares=1,
        display_name="Zoe",
    )


def test_apply_refuses_a_current_member(coop, member):
    refused(
        "already_member",
        services.application_submit,
        cooperative=coop,
        user=member.user,
        college_code="users",
        shares=1,
        display_name="Ada",
    )


def test_apply_refuses_a_blank_name_and_anonymous_users(coop):
    from django.contrib.auth.models import AnonymousUser

    refused(
        "display_name_required",
        services.application_submit,
        cooperative=coop,
        user=testing.make_user(),
        college_code="workers",
        shares=1,
        display_name="   ",
    )
    refused(
        "not_authenticated",
        services.application_submit,
        cooperative=coop,
        user=AnonymousUser(),
        college_code="workers",
        shares=1,
        display_name="Zoe",
    )


def test_a_member_of_one_coop_may_apply_to_another(coop, beta, member):
    application = apply(beta, user=member.user, college="partners")
    assert application.cooperative == beta


# --- admission ---------------------------------------------------------------------------------


def test_admit_creates_the_member_the_capital_and_the_books(
    coop, board, django_capture_on_commit_callbacks, published
):
    user = testing.make_user("zoe")
    application = apply(coop, user=user, college="users", shares=7, name="Zoe Z")
    with django_capture_on_commit_callbacks(execute=True):
        member = admit(coop, application, board, reference=" VIR-77 ", reason=" welcome ")
    assert (member.register_number, member.display_name, member.college.code) == (
        1,
        "Zoe Z",
        "users",
    )
    assert (member.admitted_on, member.status, member.left_on) == (TODAY, "active", None)
    application.refresh_from_db()
    assert (application.status, application.member, application.decided_by) == (
        "admitted",
        member,
        board,
    )
    assert application.decision_reason == "welcome"
    assert holding(member=member) == 7
    mv = ShareMovement.objects.get(member=member)
    assert (mv.kind, mv.quantity, mv.nominal_minor, mv.currency, mv.reference) == (
        "subscription",
        7,
        2000,
        "EUR",
        "VIR-77",
    )
    assert (mv.effective_on, mv.ledger_transaction.kind) == (TODAY, "share_subscription")
    assert capital(coop, member) == 14000
    assert normal_balance(cooperative=coop, code="bank").minor == 14000
    assert normal_balance(cooperative=coop, code="cash").minor == 0
    assert user_roles(user=user, cooperative=coop) == {"member"}
    coop.refresh_from_db()
    assert coop.next_register_number == 2
    e = last_audit()
    assert (e.action, e.actor_id, e.object_id) == ("member.admitted", board.pk, str(member.pk))
    assert e.data == {
        "application": application.pk,
        "register_number": 1,
        "college": "users",
        "shares": 7,
        "movement": mv.pk,
        "payment_method": "bank_transfer",
        "reason": "welcome",
    }
    assert [(ev.name, ev.payload, ev.audiences) for ev in published] == [
        (
            "member.admitted",
            {"member": member.pk, "register_number": 1},
            (f"coop-{coop.pk}-board", f"user-{user.pk}"),
        )
    ]
    assert audit_verify_all() == []


def test_register_numbers_follow_admission_order(coop, board):
    apps = [apply(coop) for _ in range(4)]
    # Admitted out of application order: numbers follow admissions, not applications.
    numbers = [admit(coop, apps[i], board).register_number for i in (2, 0, 3, 1)]
    assert numbers == [1, 2, 3, 4]


def test_admit_with_cash_needs_no_reference(coop, board):
    member = admit(coop, apply(coop, shares=2), board, method="cash", reference="")
    assert normal_balance(cooperative=coop, code="cash").minor == 4000
    assert normal_balance(cooperative=coop, code="bank").minor == 0
    assert ShareMovement.objects.get(member=member).reference == ""


@pytest.mark.parametrize(("method", "reference"), [("bank_transfer", "  "), ("bitcoin", "tx")])
def test_admit_refuses_an_unrecorded_payment(coop, board, method, reference):
    application = apply(coop)
    refused(
        "payment_invalid",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method=method,
        payment_reference=reference,
    )


def test_admitting_an_application_twice_is_refused(coop, board):
    application = apply(coop)
    admit(coop, application, board)
    exc = refused(
        "application_already_decided",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method="bank_transfer",
        payment_reference="VIR-2",
    )
    assert exc.status == 409


def test_admitting_a_rejected_application_is_refused(coop, board):
    application = apply(coop)
    services.application_reject(
        cooperative=coop, application_id=application.pk, actor=board, reason="Incomplete"
    )
    refused(
        "application_already_decided",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )


def test_a_non_board_user_cannot_admit(coop, member):
    application = apply(coop)
    worker = testing.make_user()
    role_grant(cooperative=coop, user=worker, role="worker", actor=None)
    for actor in (member.user, worker):
        exc = refused(
            "permission_denied",
            services.application_admit,
            cooperative=coop,
            application_id=application.pk,
            actor=actor,
            payment_method="cash",
            payment_reference="",
        )
        assert exc.status == 403


def test_an_anonymous_user_cannot_admit(coop):
    from django.contrib.auth.models import AnonymousUser

    application = apply(coop)
    refused(
        "not_authenticated",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=AnonymousUser(),
        payment_method="cash",
        payment_reference="",
    )


def test_another_coops_board_cannot_admit(coop, beta, beta_board):
    application = apply(coop)
    # In coop A, the board of coop B holds no role.
    refused(
        "permission_denied",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=beta_board,
        payment_method="cash",
        payment_reference="",
    )
    # In its own co-op, coop A's application does not exist.
    refused(
        "application_not_found",
        services.application_admit,
        cooperative=beta,
        application_id=application.pk,
        actor=beta_board,
        payment_method="cash",
        payment_reference="",
    )


def test_admission_reserved_to_the_assembly(coop, board):
    parameter_set(
        cooperative=coop,
        key="admission_body",
        value="assembly",
        effective_from=TODAY,
        source="statutes",
        source_ref="Statutes art. 9",
        actor=None,
    )
    application = apply(coop)
    refused(
        "admission_reserved_to_assembly",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )


def test_admit_unknown_application(coop, board):
    refused(
        "application_not_found",
        services.application_admit,
        cooperative=coop,
        application_id=999999,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )


# --- rejection and withdrawal ------------------------------------------------------------------


def test_reject_records_the_reason_and_allows_a_new_application(coop, board):
    user = testing.make_user()
    application = apply(coop, user=user)
    services.application_reject(
        cooperative=coop, application_id=application.pk, actor=board, reason="  Not yet  "
    )
    application.refresh_from_db()
    assert (application.status, application.decision_reason, application.decided_by) == (
        "rejected",
        "Not yet",
        board,
    )
    e = last_audit()
    assert (e.action, e.data) == ("application.rejected", {"reason": "Not yet"})
    again = apply(coop, user=user)
    assert again.status == "pending"


def test_reject_needs_a_reason_the_board_and_a_pending_application(coop, board, member, beta_board):
    application = apply(coop)
    refused(
        "reason_required",
        services.application_reject,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        reason=" ",
    )
    for actor in (member.user, beta_board):
        refused(
            "permission_denied",
            services.application_reject,
            cooperative=coop,
            application_id=application.pk,
            actor=actor,
            reason="No",
        )
    services.application_reject(
        cooperative=coop, application_id=application.pk, actor=board, reason="No"
    )
    refused(
        "application_already_decided",
        services.application_reject,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        reason="No again",
    )


def test_withdraw_own_application_only(coop, board):
    user = testing.make_user()
    application = apply(coop, user=user)
    refused(
        "application_not_found",
        services.application_withdraw,
        cooperative=coop,
        application_id=application.pk,
        user=testing.make_user(),
    )
    services.application_withdraw(cooperative=coop, application_id=application.pk, user=user)
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert last_audit().action == "application.withdrawn"
    refused(
        "application_already_decided",
        services.application_withdraw,
        cooperative=coop,
        application_id=application.pk,
        user=user,
    )
    refused(
        "application_already_decided",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )


# --- purchases ---------------------------------------------------------------------------------


def test_purchase_request_then_confirm(coop, board, member):
    request = services.share_purchase_request(cooperative=coop, user=member.user, quantity=4)
    assert (request.kind, request.quantity, request.status) == ("purchase", 4, "pending")
    assert (request.requested_on, request.eligible_on) == (TODAY, TODAY)
    assert last_audit().data == {"quantity": 4}
    assert holding(member=member) == 1  # nothing moves until the board confirms
    movement = services.share_purchase_confirm(
        cooperative=coop,
        request_id=request.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )
    request.refresh_from_db()
    assert (request.status, request.movement, request.decided_by) == ("completed", movement, board)
    assert (movement.kind, movement.quantity) == ("subscription", 4)
    assert holding(member=member) == 5
    assert capital(coop, member) == 10000
    assert cash_and_bank(coop) == 10000
    e = last_audit()
    assert (e.action, e.data) == (
        "shares.subscribed",
        {"request": request.pk, "quantity": 4, "member": 1},
    )


def test_purchase_above_the_maximum_counts_pending_requests(coop, member):
    services.share_purchase_request(cooperative=coop, user=member.user, quantity=400)
    exc = refused(
        "shares_above_maximum",
        services.share_purchase_request,
        cooperative=coop,
        user=member.user,
        quantity=100,  # 1 held + 400 pending + 100 > 500
    )
    assert exc.params == {"maximum": 500}
    services.share_purchase_request(cooperative=coop, user=member.user, quantity=99)


def test_purchase_request_by_a_non_member_or_a_foreign_member(coop, beta, beta_board):
    refused(
        "not_a_member",
        services.share_purchase_request,
        cooperative=coop,
        user=testing.make_user(),
        quantity=1,
    )
    foreign = testing.make_member(beta, board=beta_board, college="partners")
    refused(
        "not_a_member",
        services.share_purchase_request,
        cooperative=coop,
        user=foreign.user,
        quantity=1,
    )
    refused(
        "quantity_invalid",
        services.share_purchase_request,
        cooperative=beta,
        user=foreign.user,
        quantity=0,
    )


def test_purchase_confirm_checks(coop, board, member, beta, beta_board):
    request = services.share_purchase_request(cooperative=coop, user=member.user, quantity=2)
    kwargs = {"request_id": request.pk, "payment_method": "cash", "payment_reference": ""}
    refused(
        "permission_denied",
        services.share_purchase_confirm,
        cooperative=coop,
        actor=member.user,
        **kwargs,
    )
    refused(
        "permission_denied",
        services.share_purchase_confirm,
        cooperative=coop,
        actor=beta_board,
        **kwargs,
    )
    refused(
        "share_request_not_found",
        services.share_purchase_confirm,
        cooperative=beta,
        actor=beta_board,
        **kwargs,
    )
    services.share_purchase_confirm(cooperative=coop, actor=board, **kwargs)
    refused(
        "share_request_already_decided",
        services.share_purchase_confirm,
        cooperative=coop,
        actor=board,
        **kwargs,
    )


def test_a_redemption_request_cannot_be_confirmed_as_a_purchase(coop, board, member):
    request = services.share_redemption_request(cooperative=coop, user=member.user, quantity=1)
    refused(
        "share_request_not_found",
        services.share_purchase_confirm,
        cooperative=coop,
        request_id=request.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )


def test_share_request_reject(coop, board, member):
    request = services.share_purchase_request(cooperative=coop, user=member.user, quantity=2)
    refused(
        "reason_required",
        services.share_request_reject,
        cooperative=coop,
        request_id=request.pk,
        actor=board,
        reason="",
    )
    services.share_request_reject(
        cooperative=coop, request_id=request.pk, actor=board, reason="Payment never arrived"
    )
    request.refresh_from_db()
    assert (request.status, request.reason) == ("rejected", "Payment never arrived")
    assert last_audit().data == {"reason": "Payment never arrived"}
    refused(
        "share_request_already_decided",
        services.share_request_reject,
        cooperative=coop,
        request_id=request.pk,
        actor=board,
        reason="again",
    )
    refused(
        "share_request_not_found",
        services.share_request_reject,
        cooperative=coop,
        request_id=999999,
        actor=board,
        reason="?",
    )


# --- redemptions -------------------------------------------------------------------------------


def pay(coop, request, board, *, method="bank_transfer", reference="OUT-1"):
    return services.share_redemption_pay(
        cooperative=coop,
        request_id=request.pk,
        actor=board,
        payment_method=method,
        payment_reference=reference,
    )


def test_redemption_waits_for_the_statutes_delay(coop, board):
    member = testing.make_member(coop, board=board, shares=5)
    request = services.share_redemption_request(cooperative=coop, user=member.user, quantity=2)
    assert (request.requested_on, request.eligible_on) == (TODAY, dt.date(2028, 3, 14))
    assert last_audit().data == {"quantity": 2, "eligible_on": "2028-03-14"}
    assert shares_pending_redemption(member=member) == 2
    exc = refused(
        "redemption_not_yet_due",
        services.share_redemption_pay,
        cooperative=coop,
        request_id=request.pk,
        actor=board,
        payment_method="bank_transfer",
        payment_reference="OUT-1",
    )
    assert exc.params == {"eligible_on": dt.date(2028, 3, 14)}
    assert exc.as_dict()["details"] == {"eligible_on": "2028-03-14"}
    assert exc.render_message() == (
        "The statutes' delay runs until March 14, 2028; it cannot be paid before."
    )
    with patch("django.utils.timezone.localdate", return_value=dt.date(2028, 3, 13)):
        refused(
            "redemption_not_yet_due",
            services.share_redemption_pay,
            cooperative=coop,
            request_id=request.pk,
            actor=board,
            payment_method="bank_transfer",
            payment_reference="OUT-1",
        )
    with patch("django.utils.timezone.localdate", return_value=dt.date(2028, 3, 14)):
        movement = pay(coop, request, board)
    assert (movement.kind, movement.quantity, movement.effective_on) == (
        "redemption",
        -2,
        dt.date(2028, 3, 14),
    )
    member.refresh_from_db()
    assert (member.status, holding(member=member), capital(coop, member)) == ("active", 3, 6000)
    assert cash_and_bank(coop) == 6000
    assert shares_pending_redemption(member=member) == 0
    e = last_audit()
    assert (e.action, e.data) == (
        "shares.redeemed",
        {
            "request": request.pk,
            "quantity": 2,
            "member": member.register_number,
            "member_left": False,
        },
    )


def test_full_redemption_makes_the_member_leave(coop, board, zero_delay, published):
    member = testing.make_member(coop, board=board, shares=3)
    assert user_roles(user=member.user, cooperative=coop) == {"member"}
    request = services.share_redemption_request(cooperative=coop, user=member.user, quantity=3)
    assert request.eligible_on == TODAY
    pay(coop, request, board)
    member.refresh_from_db()
    assert (member.status, member.left_on) == ("left", TODAY)
    assert holding(member=member) == 0
    assert capital(coop, member) == 0
    assert cash_and_bank(coop) == 0
    assert user_roles(user=member.user, cooperative=coop) == set()
    assert last_audit().data["member_left"] is True
    # A former member can no longer ask for anything.
    refused(
        "not_a_member",
        services.share_purchase_request,
        cooperative=coop,
        user=member.user,
        quantity=1,
    )
    assert trial_balance(cooperative=coop).balanced


def test_redeeming_more_than_held_is_refused(coop, board, member):
    exc = refused(
        "shares_insufficient",
        services.share_redemption_request,
        cooperative=coop,
        user=member.user,
        quantity=2,
    )
    assert exc.params == {"available": 1}


def test_shares_already_being_redeemed_are_not_available(coop, board):
    member = testing.make_member(coop, board=board, shares=5)
    services.share_redemption_request(cooperative=coop, user=member.user, quantity=3)
    exc = refused(
        "shares_insufficient",
        services.share_redemption_request,
        cooperative=coop,
        user=member.user,
        quantity=3,
    )
    assert exc.params == {"available": 2}


def test_a_partial_redemption_must_keep_the_college_minimum(coop, board):
    member = testing.make_member(coop, board=board, college="sponsors", shares=12)
    exc = refused(
        "remainder_below_minimum",
        services.share_redemption_request,
        cooperative=coop,
        user=member.user,
        quantity=5,
    )
    assert exc.params == {"minimum": 10}
    services.share_redemption_request(cooperative=coop, user=member.user, quantity=2)
    services.share_redemption_request(cooperative=coop, user=member.user, quantity=10)


def test_redemption_pay_checks(coop, board, member, beta, beta_board, zero_delay):
    request = services.share_redemption_request(cooperative=coop, user=member.user, quantity=1)
    kwargs = {"request_id": request.pk, "payment_method": "cash", "payment_reference": ""}
    refused(
        "permission_denied",
        services.share_redemption_pay,
        cooperative=coop,
        actor=member.user,
        **kwargs,
    )
    refused(
        "permission_denied",
        services.share_redemption_pay,
        cooperative=coop,
        actor=beta_board,
        **kwargs,
    )
    refused(
        "share_request_not_found",
        services.share_redemption_pay,
        cooperative=beta,
        actor=beta_board,
        **kwargs,
    )
    refused(
        "payment_invalid",
        services.share_redemption_pay,
        cooperative=coop,
        actor=board,
        request_id=request.pk,
        payment_method="bank_transfer",
        payment_reference="",
    )
    services.share_redemption_pay(cooperative=coop, actor=board, **kwargs)
    refused(
        "share_request_already_decided",
        services.share_redemption_pay,
        cooperative=coop,
        actor=board,
        **kwargs,
    )


def test_delay_in_force_on_the_request_day_applies(coop, board):
    parameter_set(
        cooperative=coop,
        key="share_redemption_delay_days",
        value=30,
        effective_from=dt.date(2027, 4, 1),
        source="resolution",
        source_ref="AGM 2027",
        actor=board,
    )
    member = testing.make_member(coop, board=board, shares=4)
    early = services.share_redemption_request(cooperative=coop, user=member.user, quantity=1)
    with patch("django.utils.timezone.localdate", return_value=dt.date(2027, 4, 1)):
        late = services.share_redemption_request(cooperative=coop, user=member.user, quantity=1)
    assert early.eligible_on == dt.date(2028, 3, 14)  # 365 days, the default then in force
    assert late.eligible_on == dt.date(2027, 5, 1)  # 30 days


# --- transfers ---------------------------------------------------------------------------------


def transfer(coop, board, a, b, quantity, reference="ACT-1"):
    return services.share_transfer(
        cooperative=coop,
        from_register_number=a,
        to_register_number=b,
        quantity=quantity,
        actor=board,
        reference=reference,
    )


def test_transfer_moves_shares_and_capital(coop, board):
    alice = testing.make_member(coop, board=board, shares=6)
    bob = testing.make_member(coop, board=board, college="users", shares=2)
    out, into = transfer(coop, board, 1, 2, 4)
    assert (out.member, out.kind, out.quantity, out.counterparty) == (
        alice,
        "transfer_out",
        -4,
        bob,
    )
    assert (into.member, into.kind, into.quantity, into.counterparty) == (
        bob,
        "transfer_in",
        4,
        alice,
    )
    assert out.ledger_transaction == into.ledger_transaction
    assert (holding(member=alice), holding(member=bob)) == (2, 6)
    assert (capital(coop, alice), capital(coop, bob)) == (4000, 12000)
    assert cash_and_bank(coop) == 16000  # no money left the co-op
    assert capital_total(cooperative=coop).minor == 16000
    e = last_audit()
    assert (e.action, e.data) == ("shares.transferred", {"from": 1, "to": 2, "quantity": 4})


def test_transferring_every_share_makes_the_sender_leave(coop, board):
    alice = testing.make_member(coop, board=board, shares=3)
    testing.make_member(coop, board=board, shares=1)
    transfer(coop, board, 1, 2, 3)
    alice.refresh_from_db()
    assert (alice.status, alice.left_on) == ("left", TODAY)
    assert user_roles(user=alice.user, cooperative=coop) == set()
    # ...and she can no longer receive shares.
    refused(
        "transfer_to_non_member",
        services.share_transfer,
        cooperative=coop,
        from_register_number=2,
        to_register_number=1,
        quantity=1,
        actor=board,
    )


def test_transfer_to_a_non_member_is_refused(coop, board, member):
    exc = refused(
        "transfer_to_non_member",
        services.share_transfer,
        cooperative=coop,
        from_register_number=1,
        to_register_number=99,
        quantity=1,
        actor=board,
    )
    assert exc.status == 400


def test_transfer_to_a_member_of_another_coop_is_refused(coop, board, member, beta, beta_board):
    foreign = testing.make_member(beta, board=beta_board, college="partners")
    testing.make_member(beta, board=beta_board, college="partners")
    assert foreign.register_number == 1
    testing.make_member(coop, board=board)  # register number 2 in coop A
    # Register numbers are per co-op: number 3 exists in no co-op A member.
    refused(
        "transfer_to_non_member",
        services.share_transfer,
        cooperative=coop,
        from_register_number=1,
        to_register_number=3,
        quantity=1,
        actor=board,
    )
    # Coop B's board cannot move coop A's shares, even between existing numbers.
    refused(
        "permission_denied",
        services.share_transfer,
        cooperative=coop,
        from_register_number=1,
        to_register_number=2,
        quantity=1,
        actor=beta_board,
    )


@pytest.mark.parametrize(
    ("a", "b", "quantity", "code", "params"),
    [
        (1, 1, 1, "transfer_to_self", {}),
        (9, 2, 1, "member_not_found", {}),
        (1, 2, 0, "quantity_invalid", {}),
        (1, 2, 7, "shares_insufficient", {"available": 6}),
        (3, 2, 5, "remainder_below_minimum", {"minimum": 10}),
        (1, 2, 6, "shares_above_maximum", {"maximum": 500}),
    ],
)
def test_transfer_refusals(coop, board, a, b, quantity, code, params):
    testing.make_member(coop, board=board, shares=6)
    testing.make_member(coop, board=board, shares=495)
    testing.make_member(coop, board=board, college="sponsors", shares=12)
    exc = refused(
        code,
        services.share_transfer,
        cooperative=coop,
        from_register_number=a,
        to_register_number=b,
        quantity=quantity,
        actor=board,
    )
    assert exc.params == params


def test_transfer_needs_the_board(coop, board, member):
    testing.make_member(coop, board=board)
    refused(
        "permission_denied",
        services.share_transfer,
        cooperative=coop,
        from_register_number=1,
        to_register_number=2,
        quantity=1,
        actor=member.user,
    )


def test_transfer_cannot_touch_shares_being_redeemed(coop, board):
    alice = testing.make_member(coop, board=board, shares=5)
    testing.make_member(coop, board=board)
    services.share_redemption_request(cooperative=coop, user=alice.user, quantity=4)
    exc = refused(
        "shares_insufficient",
        services.share_transfer,
        cooperative=coop,
        from_register_number=1,
        to_register_number=2,
        quantity=2,
        actor=board,
    )
    assert exc.params == {"available": 1}
    # Transferring the one free share keeps her a member until the redemption is paid.
    transfer(coop, board, 1, 2, 1)
    alice.refresh_from_db()
    assert alice.status == MemberStatus.ACTIVE


# --- college weights ---------------------------------------------------------------------------


@pytest.fixture
def admin(coop):
    user = testing.make_user("admin")
    role_grant(cooperative=coop, user=user, role="admin", actor=None)
    return user


def weights_of(coop):
    return dict(College.objects.filter(cooperative=coop).values_list("code", "weight"))


def test_weights_within_the_rule_are_stored(coop, admin):
    services.college_weights_set(
        cooperative=coop,
        weights={"workers": Decimal(50), "users": Decimal("37.5"), "sponsors": "12.50"},
        actor=admin,
    )
    assert weights_of(coop) == {
        "workers": Decimal("50.00"),
        "users": Decimal("37.50"),
        "sponsors": Decimal("12.50"),
    }
    e = last_audit()
    assert (e.action, e.actor_id, e.data) == (
        "colleges.weights_set",
        admin.pk,
        {"sponsors": "12.50", "users": "37.5", "workers": "50"},
    )


@pytest.mark.parametrize(
    "weights",
    [
        {"workers": 60, "users": 30, "sponsors": 10},  # above 50 %
        {"workers": 50, "users": 41, "sponsors": 9},  # below 10 %
        {"workers": 40, "users": 30, "sponsors": 20},  # sums to 90
        {"workers": 50, "users": 50, "sponsors": 10},  # sums to 110
        {"workers": 50, "users": 50},  # a college left out
        {"workers": "abc", "users": 50, "sponsors": 10},
        {"workers": "NaN", "users": 50, "sponsors": 10},
        {"workers": "Infinity", "users": 50, "sponsors": 10},
        {"workers": "1E+30", "users": 50, "sponsors": 10},
        # Sums to 100 as given, but the stored two-decimal weights would sum to 99.99.
        {"workers": "33.333", "users": "33.333", "sponsors": "33.334"},
    ],
    ids=[
        "above-50",
        "below-10",
        "sum-90",
        "sum-110",
        "missing",
        "not-a-number",
        "nan",
        "infinity",
        "huge",
        "too-precise",
    ],
)
def test_weights_that_break_the_rule_are_refused(coop, admin, weights):
    exc = refused(
        "college_weights_invalid",
        services.college_weights_set,
        cooperative=coop,
        weights=weights,
        actor=admin,
    )
    assert exc.render_message() == (
        "Each college must weigh between 10 % and 50 % of the votes, and the weights must add "
        "up to 100 %."
    )
    assert set(weights_of(coop).values()) == {None}


def test_weights_with_an_unknown_or_foreign_college_are_refused(coop, admin, beta):
    refused(
        "college_unknown",
        services.college_weights_set,
        cooperative=coop,
        weights={"workers": 40, "users": 30, "sponsors": 20, "partners": 10},
        actor=admin,
    )


def test_only_an_admin_of_this_coop_sets_weights(coop, board, beta):
    foreign_admin = testing.make_user()
    role_grant(cooperative=beta, user=foreign_admin, role="admin", actor=None)
    for actor in (board, foreign_admin):
        refused(
            "permission_denied",
            services.college_weights_set,
            cooperative=coop,
            weights={"workers": 40, "users": 35, "sponsors": 25},
            actor=actor,
        )


# --- share classes and colleges ---------------------------------------------------------------


def test_share_class_and_college_creation(coop, admin, beta):
    share_class = services.share_class_create(
        cooperative=coop,
        code="b",
        name_en="Investor shares",
        name_fr="Parts investisseurs",
        nominal_minor=10000,
        max_per_member=None,
        actor=admin,
    )
    assert last_audit().data == {"code": "b", "nominal_minor": 10000, "max_per_member": None}
    college = services.college_create(
        cooperative=coop,
        code="investors",
        name_en="Investors",
        name_fr="Investisseurs",
        share_class=share_class,
        min_shares=2,
        actor=admin,
    )
    assert last_audit().data == {"code": "investors", "min_shares": 2, "share_class": "b"}
    application = apply(coop, college="investors", shares=10_000)  # no maximum on this class
    assert application.college == college
    refused(
        "nominal_invalid",
        services.share_class_create,
        cooperative=coop,
        code="c",
        name_en="Free shares",
        name_fr="",
        nominal_minor=0,
        max_per_member=None,
        actor=admin,
    )
    foreign_class = beta.share_classes.get()
    refused(
        "share_class_unknown",
        services.college_create,
        cooperative=coop,
        code="thieves",
        name_en="Thieves",
        name_fr="",
        share_class=foreign_class,
        actor=admin,
    )


def test_the_books_and_the_audit_chain_stay_sound_after_a_full_story(coop, board, zero_delay):
    a = testing.make_member(coop, board=board, shares=10)
    b = testing.make_member(coop, board=board, college="users", shares=3)
    req = services.share_purchase_request(cooperative=coop, user=b.user, quantity=2)
    services.share_purchase_confirm(
        cooperative=coop,
        request_id=req.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )
    transfer(coop, board, 1, 2, 4)
    red = services.share_redemption_request(cooperative=coop, user=a.user, quantity=6)
    pay(coop, red, board)
    a.refresh_from_db()
    assert a.status == "left"
    assert (holding(member=a), holding(member=b)) == (0, 9)
    tb = trial_balance(cooperative=coop)
    assert tb.balanced
    assert capital_total(cooperative=coop).minor == 18000 == cash_and_bank(coop)
    assert Leg.objects.filter(transaction__cooperative=coop).count() == 10
    assert ShareRequest.objects.filter(status="completed").count() == 2
    assert Application.objects.filter(status="admitted").count() == 2
    assert audit_verify_all() == []


def test_a_former_member_is_refused_at_application_not_stranded(coop, board, zero_delay):
    member = testing.make_member(coop, board=board, shares=2)
    request = services.share_redemption_request(cooperative=coop, user=member.user, quantity=2)
    pay(coop, request, board)
    # The register holds one entry per person: an application that could never be admitted is
    # refused up front instead of waiting for a board that would get "already_member".
    exc = refused(
        "former_member",
        services.application_submit,
        cooperative=coop,
        user=member.user,
        college_code="workers",
        shares=1,
        display_name="Back Again",
    )
    assert exc.status == 409


def test_shares_coming_in_during_a_pending_exit_must_keep_the_minimum(coop, board, zero_delay):
    """Buying or receiving fewer shares than the college minimum while the redemption of all of
    them is pending would leave an active member below the minimum once it is paid."""
    leaving = testing.make_member(coop, board=board, college="sponsors", shares=10)
    other = testing.make_member(coop, board=board, shares=5)
    exit_request = services.share_redemption_request(
        cooperative=coop, user=leaving.user, quantity=10
    )
    exc = refused(
        "remainder_below_minimum",
        services.share_purchase_request,
        cooperative=coop,
        user=leaving.user,
        quantity=1,
    )
    assert exc.params == {"minimum": 10}
    refused(
        "remainder_below_minimum",
        services.share_transfer,
        cooperative=coop,
        from_register_number=other.register_number,
        to_register_number=leaving.register_number,
        quantity=3,
        actor=board,
    )
    # A purchase requested before the exit cannot be confirmed after it either.
    stay = testing.make_member(coop, board=board, college="sponsors", shares=10)
    small = services.share_purchase_request(cooperative=coop, user=stay.user, quantity=2)
    services.share_redemption_request(cooperative=coop, user=stay.user, quantity=10)
    refused(
        "remainder_below_minimum",
        services.share_purchase_confirm,
        cooperative=coop,
        request_id=small.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )
    # Enough shares to stay a member are fine: the member keeps 12 after the exit is paid.
    buy = services.share_purchase_request(cooperative=coop, user=leaving.user, quantity=12)
    services.share_purchase_confirm(
        cooperative=coop,
        request_id=buy.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )
    pay(coop, exit_request, board)
    leaving.refresh_from_db()
    assert (leaving.status, holding(member=leaving)) == ("active", 12)


# --- values the columns cannot hold (SQLite would store them, PostgreSQL would fail) ----------


def test_an_overlong_payment_or_transfer_reference_is_refused(coop, board, member):
    application = apply(coop)
    refused(
        "reference_too_long",
        services.application_admit,
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method="bank_transfer",
        payment_reference="R" * 121,
    )
    admit(coop, application, board, reference="R" * 120)
    refused(
        "reference_too_long",
        services.share_transfer,
        cooperative=coop,
        from_register_number=1,
        to_register_number=2,
        quantity=1,
        actor=board,
        reference="T" * 121,
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"code": "workers"}, "college_code_taken"),
        ({"code": "Two Words"}, "code_invalid"),
        ({"code": "c" * 31}, "code_invalid"),
        ({"min_shares": 0}, "min_shares_invalid"),
        ({"min_shares": 501}, "min_shares_invalid"),  # above the class maximum of 500
    ],
)
def test_college_create_refuses_bad_input(coop, kwargs, code):
    args = {
        "cooperative": coop,
        "code": "new",
        "name_en": "New",
        "name_fr": "Nouveau",
        "share_class": coop.share_classes.get(),
        "actor": None,
    } | kwargs
    refused(code, services.college_create, **args)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"code": "a"}, "share_class_code_taken"),
        ({"code": "b c"}, "code_invalid"),
        ({"max_per_member": 0}, "max_per_member_invalid"),
        ({"nominal_minor": -5}, "nominal_invalid"),
    ],
)
def test_share_class_create_refuses_bad_input(coop, kwargs, code):
    args = {
        "cooperative": coop,
        "code": "b",
        "name_en": "B shares",
        "name_fr": "Parts B",
        "nominal_minor": 5000,
        "max_per_member": 10,
        "actor": None,
    } | kwargs
    refused(code, services.share_class_create, **args)
