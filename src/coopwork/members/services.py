"""Writes of the members domain: applications, admissions, subscriptions, transfers, redemptions
and college weights.

Every function runs in one transaction, checks permissions itself, writes an audit entry and posts
the ledger transaction that goes with it, so the capital register and the books never disagree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.validators import slug_re
from django.db import IntegrityError, transaction
from django.utils import timezone

from coopwork.core.audit import audit_append
from coopwork.core.events import Event, publish
from coopwork.core.models import Cooperative, Role, RoleName
from coopwork.core.money import Money
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import parameter_value
from coopwork.ledger.services import credit, debit, transaction_post

from . import errors
from .models import (
    Application,
    ApplicationStatus,
    College,
    Member,
    MemberStatus,
    MovementKind,
    RequestKind,
    RequestStatus,
    ShareClass,
    ShareMovement,
    ShareRequest,
)
from .selectors import holding, shares_pending_redemption

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_QUANTITY = 1_000_000
MAX_REFERENCE = 120
PAYMENT_METHODS = {"bank_transfer": "bank", "cash": "cash"}


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise errors.QuantityInvalid()
    if not 1 <= quantity <= MAX_QUANTITY:
        raise errors.QuantityInvalid()


def _check_holding_bounds(*, college: College, total: int) -> None:
    if total < college.min_shares:
        raise errors.SharesBelowMinimum(minimum=college.min_shares)
    maximum = college.share_class.max_per_member
    if maximum is not None and total > maximum:
        raise errors.SharesAboveMaximum(maximum=maximum)


def _check_remainder_after_redemptions(*, member: Member, total: int) -> None:
    """Shares coming in must not leave a member below the minimum once the pending redemptions
    are paid (e.g. buying 1 share while the redemption of all of them is pending)."""
    remainder = total - shares_pending_redemption(member=member)
    if 0 < remainder < member.college.min_shares:
        raise errors.RemainderBelowMinimum(minimum=member.college.min_shares)


def _check_reference(reference: str) -> None:
    # The register's reference column holds 120 characters: SQLite would store more, PostgreSQL
    # would fail, so the limit is checked here.
    if len(reference.strip()) > MAX_REFERENCE:
        raise errors.ValidationError(code="reference_too_long")


def _check_payment(method: str, reference: str) -> str:
    if method not in PAYMENT_METHODS:
        raise errors.PaymentInvalid()
    if method == "bank_transfer" and not reference.strip():
        raise errors.PaymentInvalid()
    _check_reference(reference)
    return PAYMENT_METHODS[method]


def _check_code(code: str) -> None:
    if not slug_re.fullmatch(code) or len(code) > 30:
        raise errors.ValidationError(code="code_invalid")


def _college(cooperative: Cooperative, code: str) -> College:
    college = (
        College.objects.select_related("share_class")
        .filter(cooperative=cooperative, code=code)
        .first()
    )
    if college is None:
        raise errors.CollegeUnknown()
    return college


def _board_audience(cooperative: Cooperative) -> tuple[str, ...]:
    return (f"coop-{cooperative.pk}-board",)


# --- Applications and admission ---------------------------------------------------------------


@transaction.atomic
def application_submit(
    *,
    cooperative: Cooperative,
    user: User,
    college_code: str,
    shares: int,
    display_name: str,
    is_organisation: bool = False,
    motivation: str = "",
) -> Application:
    """A person or organisation applies to join, choosing a college and a number of shares."""
    require_authenticated(user=user)
    _check_quantity(shares)
    college = _college(cooperative, college_code)
    if not college.open_to_applications:
        raise errors.CollegeClosed()
    _check_holding_bounds(college=college, total=shares)
    former = Member.objects.filter(cooperative=cooperative, user=user).first()
    if former is not None:
        # One register entry per person and co-op: a former member's application could never
        # be admitted, so it is refused here rather than left pending.
        if former.status == MemberStatus.ACTIVE:
            raise errors.AlreadyMember()
        raise errors.FormerMember()
    if Application.objects.filter(
        cooperative=cooperative, user=user, status=ApplicationStatus.PENDING
    ).exists():
        raise errors.ApplicationPending()
    name = display_name.strip()[:200]
    if not name:
        raise errors.ValidationError(code="display_name_required")
    try:
        # A concurrent submission by the same user may have committed since the check above;
        # the one-pending-application constraint catches it inside this savepoint.
        with transaction.atomic():
            application = Application.objects.create(
                cooperative=cooperative,
                user=user,
                college=college,
                shares=shares,
                display_name=name,
                is_organisation=is_organisation,
                motivation=motivation.strip()[:5000],
            )
    except IntegrityError:
        raise errors.ApplicationPending() from None
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="application.submitted",
        target=application,
        data={"college": college.code, "shares": shares},
    )
    publish(
        Event(
            "application.submitted",
            cooperative.pk,
            {"application": application.pk, "name": name},
            _board_audience(cooperative),
        )
    )
    return application


def _lock_application(cooperative: Cooperative, application_id: int) -> Application:
    application = (
        Application.objects.select_for_update()
        .filter(cooperative=cooperative, pk=application_id)
        .first()
    )
    if application is None:
        raise errors.ApplicationNotFound()
    if application.status != ApplicationStatus.PENDING:
        raise errors.ApplicationAlreadyDecided()
    return application


def _next_register_number(cooperative: Cooperative) -> int:
    # The co-op row is the counter; locking it serialises admissions, so numbers are gapless even
    # under concurrent admissions, and a rolled-back admission gives its number back.
    locked = (
        Cooperative.objects.select_for_update().only("next_register_number").get(pk=cooperative.pk)
    )
    number = locked.next_register_number
    Cooperative.objects.filter(pk=cooperative.pk).update(next_register_number=number + 1)
    return number


def _subscribe(
    *,
    cooperative: Cooperative,
    member: Member,
    share_class: ShareClass,
    quantity: int,
    cash_account: str,
    reference: str,
    actor: User | None,
    on: dt.date,
) -> ShareMovement:
    amount = Money(share_class.nominal_minor * quantity, cooperative.currency)
    txn = transaction_post(
        cooperative=cooperative,
        kind="share_subscription",
        legs=[debit(cash_account, amount), credit("share_capital", amount, member.holder)],
        actor=actor,
        memo=f"{quantity} × {share_class.code} — member {member.register_number}",
        reference=reference,
        occurred_on=on,
    )
    return ShareMovement.objects.create(
        cooperative=cooperative,
        member=member,
        share_class=share_class,
        kind=MovementKind.SUBSCRIPTION,
        quantity=quantity,
        nominal_minor=share_class.nominal_minor,
        currency=cooperative.currency,
        effective_on=on,
        reference=reference,
        ledger_transaction=txn,
    )


@transaction.atomic
def application_admit(
    *,
    cooperative: Cooperative,
    application_id: int,
    actor: User,
    payment_method: str,
    payment_reference: str,
    reason: str = "",
    assembly_resolution: str = "",
) -> Member:
    """The board admits an applicant and records the payment of their shares.

    The member gets the next register number, the shares are entered in the capital register and
    the payment is posted to the books, all in one transaction. Where the statutes reserve
    admission to the general assembly (``admission_body``), the board only carries out an
    admission the assembly adopted: governance passes the adopted resolution's reference as
    ``assembly_resolution`` (as it passes ``source="resolution"`` to ``parameter_set``).
    """
    require_role(user=actor, cooperative=cooperative, roles={RoleName.BOARD})
    if (
        parameter_value(cooperative=cooperative, key="admission_body") != "board"
        and not assembly_resolution.strip()
    ):
        raise errors.AdmissionReservedToAssembly()
    cash_account = _check_payment(payment_method, payment_reference)
    application = _lock_application(cooperative, application_id)
    college = College.objects.select_related("share_class").get(pk=application.college_id)
    _check_holding_bounds(college=college, total=application.shares)
    if Member.objects.filter(cooperative=cooperative, user_id=application.user_id).exists():
        raise errors.AlreadyMember()
    today = timezone.localdate()
    member = Member.objects.create(
        cooperative=cooperative,
        user_id=application.user_id,
        register_number=_next_register_number(cooperative),
        display_name=application.display_name,
        is_organisation=application.is_organisation,
        college=college,
        admitted_on=today,
    )
    movement = _subscribe(
        cooperative=cooperative,
        member=member,
        share_class=college.share_class,
        quantity=application.shares,
        cash_account=cash_account,
        reference=payment_reference.strip(),
        actor=actor,
        on=today,
    )
    application.status = ApplicationStatus.ADMITTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = reason.strip()
    application.member = member
    application.save(
        update_fields=["status", "decided_at", "decided_by", "decision_reason", "member"]
    )
    Role.objects.get_or_create(cooperative=cooperative, user_id=member.user_id, role="member")
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="member.admitted",
        target=member,
        data={
            "application": application.pk,
            "register_number": member.register_number,
            "college": college.code,
            "shares": application.shares,
            "movement": movement.pk,
            "payment_method": payment_method,
            "reason": application.decision_reason,
            # Only when the general assembly decided it (absent for the board's own admissions).
            **({"assembly_resolution": assembly_resolution.strip()} if assembly_resolution else {}),
        },
    )
    publish(
        Event(
            "member.admitted",
            cooperative.pk,
            {"member": member.pk, "register_number": member.register_number},
            (*_board_audience(cooperative), f"user-{member.user_id}"),
        )
    )
    return member


@transaction.atomic
def application_reject(
    *, cooperative: Cooperative, application_id: int, actor: User, reason: str
) -> Application:
    require_role(user=actor, cooperative=cooperative, roles={RoleName.BOARD})
    if not reason.strip():
        raise errors.ReasonRequired()
    application = _lock_application(cooperative, application_id)
    application.status = ApplicationStatus.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = reason.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="application.rejected",
        target=application,
        data={"reason": application.decision_reason},
    )
    publish(
        Event(
            "application.rejected",
            cooperative.pk,
            {"application": application.pk},
            (f"user-{application.user_id}",),
        )
    )
    return application


@transaction.atomic
def application_withdraw(
    *, cooperative: Cooperative, application_id: int, user: User
) -> Application:
    require_authenticated(user=user)
    application = (
        Application.objects.select_for_update()
        .filter(cooperative=cooperative, pk=application_id, user_id=user.pk)
        .first()
    )
    if application is None:
        raise errors.ApplicationNotFound()
    if application.status != ApplicationStatus.PENDING:
        raise errors.ApplicationAlreadyDecided()
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at"])
    audit_append(
        cooperative=cooperative, actor=user, action="application.withdrawn", target=application
    )
    return application


# --- Share requests: purchases and redemptions -----------------------------------------------


def _active_member(cooperative: Cooperative, user: User) -> Member:
    require_authenticated(user=user)
    member = (
        Member.objects.select_related("college__share_class")
        .filter(cooperative=cooperative, user_id=user.pk, status=MemberStatus.ACTIVE)
        .first()
    )
    if member is None:
        raise errors.NotAMember()
    return member


def _lock_member(cooperative: Cooperative, member_id: int) -> Member:
    member = (
        Member.objects.select_for_update()
        .select_related("college__share_class")
        .filter(cooperative=cooperative, pk=member_id)
        .first()
    )
    if member is None:
        raise errors.MemberNotFound()
    return member


@transaction.atomic
def share_purchase_request(*, cooperative: Cooperative, user: User, quantity: int) -> ShareRequest:
    """A member asks to buy more shares; the board confirms once the payment has arrived."""
    _check_quantity(quantity)
    member = _active_member(cooperative, user)
    member = _lock_member(cooperative, member.pk)
    pending = sum(
        ShareRequest.objects.filter(
            member=member, kind=RequestKind.PURCHASE, status=RequestStatus.PENDING
        ).values_list("quantity", flat=True)
    )
    _check_holding_bounds(college=member.college, total=holding(member=member) + pending + quantity)
    _check_remainder_after_redemptions(member=member, total=holding(member=member) + quantity)
    today = timezone.localdate()
    request = ShareRequest.objects.create(
        cooperative=cooperative,
        member=member,
        kind=RequestKind.PURCHASE,
        quantity=quantity,
        requested_on=today,
        eligible_on=today,
    )
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="shares.purchase_requested",
        target=request,
        data={"quantity": quantity},
    )
    publish(
        Event(
            "shares.purchase_requested",
            cooperative.pk,
            {"request": request.pk},
            _board_audience(cooperative),
        )
    )
    return request


@transaction.atomic
def share_redemption_request(
    *, cooperative: Cooperative, user: User, quantity: int
) -> ShareRequest:
    """A member asks to redeem shares. Redeeming all of them means leaving the co-op.

    The shares are paid back at nominal value once the statutes' delay has run.
    """
    _check_quantity(quantity)
    member = _active_member(cooperative, user)
    member = _lock_member(cooperative, member.pk)
    available = holding(member=member) - shares_pending_redemption(member=member)
    if quantity > available:
        raise errors.SharesInsufficient(available=available)
    remainder = available - quantity
    if 0 < remainder < member.college.min_shares:
        raise errors.RemainderBelowMinimum(minimum=member.college.min_shares)
    today = timezone.localdate()
    delay = parameter_value(cooperative=cooperative, key="share_redemption_delay_days", on=today)
    request = ShareRequest.objects.create(
        cooperative=cooperative,
        member=member,
        kind=RequestKind.REDEMPTION,
        quantity=quantity,
        requested_on=today,
        eligible_on=today + dt.timedelta(days=int(delay)),
    )
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="shares.redemption_requested",
        target=request,
        data={"quantity": quantity, "eligible_on": request.eligible_on.isoformat()},
    )
    publish(
        Event(
            "shares.redemption_requested",
            cooperative.pk,
            {"request": request.pk},
            _board_audience(cooperative),
        )
    )
    return request


def _lock_request(cooperative: Cooperative, request_id: int, kind: str) -> ShareRequest:
    request = (
        ShareRequest.objects.select_for_update()
        .filter(cooperative=cooperative, pk=request_id, kind=kind)
        .first()
    )
    if request is None:
        raise errors.RequestNotFound()
    if request.status != RequestStatus.PENDING:
        raise errors.RequestAlreadyDecided()
    return request


@transaction.atomic
def share_purchase_confirm(
    *,
    cooperative: Cooperative,
    request_id: int,
    actor: User,
    payment_method: str,
    payment_reference: str,
) -> ShareMovement:
    """The board records the payment of a purchase; the shares enter the capital register."""
    require_role(user=actor, cooperative=cooperative, roles={RoleName.BOARD})
    cash_account = _check_payment(payment_method, payment_reference)
    request = _lock_request(cooperative, request_id, RequestKind.PURCHASE)
    member = _lock_member(cooperative, request.member_id)
    if member.status != MemberStatus.ACTIVE:
        raise errors.NotAMember()
    _check_holding_bounds(college=member.college, total=holding(member=member) + request.quantity)
    _check_remainder_after_redemptions(
        member=member, total=holding(member=member) + request.quantity
    )
    movement = _subscribe(
        cooperative=cooperative,
        member=member,
        share_class=member.college.share_class,
        quantity=request.quantity,
        cash_account=cash_account,
        reference=payment_reference.strip(),
        actor=actor,
        on=timezone.localdate(),
    )
    _complete(request, actor, movement)
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="shares.subscribed",
        target=movement,
        data={
            "request": request.pk,
            "quantity": request.quantity,
            "member": member.register_number,
        },
    )
    return movement


@transaction.atomic
def share_request_reject(
    *, cooperative: Cooperative, request_id: int, actor: User, reason: str
) -> ShareRequest:
    require_role(user=actor, cooperative=cooperative, roles={RoleName.BOARD})
    if not reason.strip():
        raise errors.ReasonRequired()
    request = (
        ShareRequest.objects.select_for_update()
        .filter(cooperative=cooperative, pk=request_id)
        .first()
    )
    if request is None:
        raise errors.RequestNotFound()
    if request.status != RequestStatus.PENDING:
        raise errors.RequestAlreadyDecided()
    request.status = RequestStatus.REJECTED
    request.reason = reason.strip()
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="shares.request_rejected",
        target=request,
        data={"reason": request.reason},
    )
    return request


def _complete(request: ShareRequest, actor: User, movement: ShareMovement) -> None:
    request.status = RequestStatus.COMPLETED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.movement = movement
    request.save(update_fields=["status", "decided_at", "decided_by", "movement"])


@transaction.atomic
def share_redemption_pay(
    *,
    cooperative: Cooperative,
    request_id: int,
    actor: User,
    payment_method: str,
    payment_reference: str,
) -> ShareMovement:
    """The board pays back redeemed shares at nominal value, once the statutes' delay has run.

    A member who redeems their last share leaves the co-op.
    """
    require_role(user=actor, cooperative=cooperative, roles={RoleName.BOARD})
    cash_account = _check_payment(payment_method, payment_reference)
    request = _lock_request(cooperative, request_id, RequestKind.REDEMPTION)
    today = timezone.localdate()
    if today < request.eligible_on:
        raise errors.RedemptionNotYetDue(eligible_on=request.eligible_on)
    member = _lock_member(cooperative, request.member_id)
    held = holding(member=member)
    if request.quantity > held:
        raise errors.SharesInsufficient(available=held)
    share_class = member.college.share_class
    amount = Money(share_class.nominal_minor * request.quantity, cooperative.currency)
    txn = transaction_post(
        cooperative=cooperative,
        kind="share_redemption",
        legs=[debit("share_capital", amount, member.holder), credit(cash_account, amount)],
        actor=actor,
        memo=f"redemption {request.quantity} × {share_class.code} — member "
        f"{member.register_number}",
        reference=payment_reference.strip(),
        occurred_on=today,
    )
    movement = ShareMovement.objects.create(
        cooperative=cooperative,
        member=member,
        share_class=share_class,
        kind=MovementKind.REDEMPTION,
        quantity=-request.quantity,
        nominal_minor=share_class.nominal_minor,
        currency=cooperative.currency,
        effective_on=today,
        reference=payment_reference.strip(),
        ledger_transaction=txn,
    )
    _complete(request, actor, movement)
    left = held - request.quantity == 0
    if left:
        member.status = MemberStatus.LEFT
        member.left_on = today
        member.save(update_fields=["status", "left_on"])
        Role.objects.filter(cooperative=cooperative, user_id=member.user_id, role="member").delete()
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="shares.redeemed",
        target=movement,
        data={
            "request": request.pk,
            "quantity": request.quantity,
            "member": member.register_number,
            "member_left": left,
        },
    )
    publish(
        Event("shares.redeemed", cooperative.pk, {"member": member.pk}, (f"user-{member.user_id}",))
    )
    return movement


# --- Transfers -------------------------------------------------------------------------------


@transaction.atomic
def share_transfer(
    *,
    cooperative: Cooperative,
    from_register_number: int,
    to_register_number: int,
    quantity: int,
    actor: User,
    reference: str = "",
) -> tuple[ShareMovement, ShareMovement]:
    """The board records a transfer of shares between two members of the same college class.

    The books move the nominal value from one member's capital account to the other's.
    """
    require_role(user=actor, cooperative=cooperative, roles={RoleName.BOARD})
    _check_quantity(quantity)
    _check_reference(reference)
    if from_register_number == to_register_number:
        raise errors.TransferToSelf()
    numbers = sorted({from_register_number, to_register_number})
    locked = {
        m.register_number: m
        for m in Member.objects.select_for_update()
        .select_related("college__share_class")
        .filter(cooperative=cooperative, register_number__in=numbers)
        .order_by("register_number")
    }
    sender = locked.get(from_register_number)
    receiver = locked.get(to_register_number)
    if sender is None or sender.status != MemberStatus.ACTIVE:
        raise errors.MemberNotFound()
    if receiver is None or receiver.status != MemberStatus.ACTIVE:
        raise errors.TransferToNonMember()
    share_class = sender.college.share_class
    if receiver.college.share_class_id != share_class.pk:
        raise errors.ShareClassUnknown()
    available = holding(member=sender) - shares_pending_redemption(member=sender)
    if quantity > available:
        raise errors.SharesInsufficient(available=available)
    if 0 < available - quantity < sender.college.min_shares:
        raise errors.RemainderBelowMinimum(minimum=sender.college.min_shares)
    _check_holding_bounds(college=receiver.college, total=holding(member=receiver) + quantity)
    _check_remainder_after_redemptions(member=receiver, total=holding(member=receiver) + quantity)
    today = timezone.localdate()
    amount = Money(share_class.nominal_minor * quantity, cooperative.currency)
    txn = transaction_post(
        cooperative=cooperative,
        kind="share_transfer",
        legs=[
            debit("share_capital", amount, sender.holder),
            credit("share_capital", amount, receiver.holder),
        ],
        actor=actor,
        memo=f"transfer {quantity} × {share_class.code}: {sender.register_number} → "
        f"{receiver.register_number}",
        reference=reference,
        occurred_on=today,
    )
    common = {
        "cooperative": cooperative,
        "share_class": share_class,
        "nominal_minor": share_class.nominal_minor,
        "currency": cooperative.currency,
        "effective_on": today,
        "reference": reference,
        "ledger_transaction": txn,
    }
    out = ShareMovement.objects.create(
        member=sender,
        kind=MovementKind.TRANSFER_OUT,
        quantity=-quantity,
        counterparty=receiver,
        **common,
    )
    into = ShareMovement.objects.create(
        member=receiver,
        kind=MovementKind.TRANSFER_IN,
        quantity=quantity,
        counterparty=sender,
        **common,
    )
    if available - quantity == 0 and shares_pending_redemption(member=sender) == 0:
        sender.status = MemberStatus.LEFT
        sender.left_on = today
        sender.save(update_fields=["status", "left_on"])
        Role.objects.filter(cooperative=cooperative, user_id=sender.user_id, role="member").delete()
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="shares.transferred",
        target=out,
        data={"from": sender.register_number, "to": receiver.register_number, "quantity": quantity},
    )
    return out, into


# --- Colleges ----------------------------------------------------------------------------------


@transaction.atomic
def college_weights_set(
    *, cooperative: Cooperative, weights: dict[str, Decimal], actor: User | None
) -> list[College]:
    """Set the vote weight of every college (percentages, each 10-50, summing to 100).

    Loi 47-1775 art. 19 octies: in a SCIC with colleges, no college holds more than 50 % or less
    than 10 % of the votes. Weights are set by the statutes, so only an admin (acting on an
    adopted statute change) or platform staff may record them.
    """
    if actor is not None and not getattr(actor, "is_staff", False):
        require_role(user=actor, cooperative=cooperative, roles={RoleName.ADMIN})
    colleges = list(College.objects.select_for_update().filter(cooperative=cooperative))
    by_code = {c.code: c for c in colleges}
    if set(weights) - set(by_code):
        raise errors.CollegeUnknown()
    if set(weights) != set(by_code):
        raise errors.WeightsInvalid()
    try:
        values = {code: Decimal(str(w)) for code, w in weights.items()}
        # Weights are stored with two decimals: refuse NaN and anything the column would round,
        # so the stored weights add up to exactly 100 as checked here.
        if any(not v.is_finite() or v != v.quantize(Decimal("0.01")) for v in values.values()):
            raise errors.WeightsInvalid()
    except (ArithmeticError, ValueError):
        raise errors.WeightsInvalid() from None
    if any(not (Decimal(10) <= v <= Decimal(50)) for v in values.values()):
        raise errors.WeightsInvalid()
    if sum(values.values()) != Decimal(100):
        raise errors.WeightsInvalid()
    for code, value in values.items():
        college = by_code[code]
        college.weight = value
        college.save(update_fields=["weight"])
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="colleges.weights_set",
        data={code: str(v) for code, v in sorted(values.items())},
    )
    return colleges


@transaction.atomic
def college_create(
    *,
    cooperative: Cooperative,
    code: str,
    name_en: str,
    name_fr: str,
    share_class: ShareClass,
    min_shares: int = 1,
    description_en: str = "",
    description_fr: str = "",
    position: int = 0,
    actor: User | None,
) -> College:
    if actor is not None and not getattr(actor, "is_staff", False):
        require_role(user=actor, cooperative=cooperative, roles={RoleName.ADMIN})
    if share_class.cooperative_id != cooperative.pk:
        raise errors.ShareClassUnknown()
    _check_code(code)
    if College.objects.filter(cooperative=cooperative, code=code).exists():
        raise errors.ValidationError(code="college_code_taken")
    maximum = share_class.max_per_member
    if (
        isinstance(min_shares, bool)
        or not isinstance(min_shares, int)
        or min_shares < 1
        or (maximum is not None and min_shares > maximum)
    ):
        # A member holds at least one share, and the minimum must be reachable.
        raise errors.ValidationError(code="min_shares_invalid")
    college = College.objects.create(
        cooperative=cooperative,
        code=code,
        name_en=name_en,
        name_fr=name_fr,
        share_class=share_class,
        min_shares=min_shares,
        description_en=description_en,
        description_fr=description_fr,
        position=position,
    )
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="college.created",
        target=college,
        data={"code": code, "min_shares": min_shares, "share_class": share_class.code},
    )
    return college


@transaction.atomic
def share_class_create(
    *,
    cooperative: Cooperative,
    code: str,
    name_en: str,
    name_fr: str,
    nominal_minor: int,
    max_per_member: int | None,
    actor: User | None,
) -> ShareClass:
    if actor is not None and not getattr(actor, "is_staff", False):
        require_role(user=actor, cooperative=cooperative, roles={RoleName.ADMIN})
    if nominal_minor <= 0:
        raise errors.ValidationError(code="nominal_invalid")
    if max_per_member is not None and max_per_member < 1:
        raise errors.ValidationError(code="max_per_member_invalid")
    _check_code(code)
    if ShareClass.objects.filter(cooperative=cooperative, code=code).exists():
        raise errors.ValidationError(code="share_class_code_taken")
    share_class = ShareClass.objects.create(
        cooperative=cooperative,
        code=code,
        name_en=name_en,
        name_fr=name_fr,
        nominal_minor=nominal_minor,
        max_per_member=max_per_member,
    )
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="share_class.created",
        target=share_class,
        data={"code": code, "nominal_minor": nominal_minor, "max_per_member": max_per_member},
    )
    return share_class
