"""Applications, members, share movements, share requests and transfers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

from coopwork.core.money import Money

from .common import (
    Code,
    In,
    LongText,
    MoneyOut,
    Name,
    Quantity,
    Reason,
    Reference,
    RegisterNumber,
)

if TYPE_CHECKING:
    from coopwork.members.models import (
        Application,
        College,
        Member,
        ShareMovement,
        ShareRequest,
    )
    from coopwork.members.selectors import MembershipOverview, RegisterRow


# --- Inputs ------------------------------------------------------------------------------------


class ApplicationIn(In):
    college: Code = Field(description="The college's code, from GET /coops/{slug}/colleges.")
    shares: Quantity = Field(description="How many shares you subscribe.")
    display_name: Name = Field(description="The name entered in the member register.")
    is_organisation: bool = Field(False, strict=True)
    motivation: LongText = ""


class PaymentIn(In):
    payment_method: Code = Field(description="'bank_transfer' or 'cash'.")
    payment_reference: Reference = Field("", description="Required for a bank transfer.")


class AdmitIn(PaymentIn):
    reason: Reason = ""


class ReasonIn(In):
    reason: Reason = Field("", description="Required: why.")


class ShareRequestIn(In):
    kind: Literal["purchase", "redemption"]
    quantity: Quantity


class TransferIn(In):
    from_register_number: RegisterNumber
    to_register_number: RegisterNumber
    quantity: Quantity
    reference: Reference = ""


# --- Outputs -----------------------------------------------------------------------------------


class CollegeRefOut(Schema):
    code: str
    name: str

    @classmethod
    def of(cls, college: College) -> CollegeRefOut:
        return cls(code=college.code, name=college.localized("name"))


class MemberRefOut(Schema):
    register_number: int
    display_name: str

    @classmethod
    def of(cls, member: Member) -> MemberRefOut:
        return cls(register_number=member.register_number, display_name=member.display_name)


class MemberOut(Schema):
    register_number: int
    display_name: str
    is_organisation: bool
    college: CollegeRefOut
    admitted_on: dt.date
    status: str
    left_on: dt.date | None

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(
            register_number=member.register_number,
            display_name=member.display_name,
            is_organisation=member.is_organisation,
            college=CollegeRefOut.of(member.college),
            admitted_on=member.admitted_on,
            status=member.status,
            left_on=member.left_on,
        )


class ApplicantOut(Schema):
    username: str
    email: str


class ApplicationOut(Schema):
    id: int
    status: str
    college: CollegeRefOut
    shares: int
    amount: MoneyOut = Field(description="What the shares cost at nominal value.")
    display_name: str
    is_organisation: bool
    motivation: str
    applicant: ApplicantOut
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    member: MemberRefOut | None

    @classmethod
    def of(cls, application: Application, currency: str) -> ApplicationOut:
        college = application.college
        return cls(
            id=application.pk,
            status=application.status,
            college=CollegeRefOut.of(college),
            shares=application.shares,
            amount=MoneyOut.of(
                Money(college.share_class.nominal_minor * application.shares, currency)
            ),
            display_name=application.display_name,
            is_organisation=application.is_organisation,
            motivation=application.motivation,
            applicant=ApplicantOut(
                username=application.user.get_username(), email=application.user.email
            ),
            created_at=application.created_at,
            decided_at=application.decided_at,
            decision_reason=application.decision_reason,
            member=MemberRefOut.of(application.member) if application.member else None,
        )


class AdmittedOut(Schema):
    member: MemberOut
    application_id: int
    shares: int
    capital: MoneyOut

    @classmethod
    def of(cls, member: Member) -> AdmittedOut:
        application = member.application
        nominal = member.college.share_class.nominal_minor
        return cls(
            member=MemberOut.of(member),
            application_id=application.pk,
            shares=application.shares,
            capital=MoneyOut.of(Money(nominal * application.shares, member.cooperative.currency)),
        )


class MovementOut(Schema):
    id: int
    kind: str
    quantity: int = Field(description="Positive in, negative out.")
    nominal: MoneyOut
    amount: MoneyOut
    effective_on: dt.date
    counterparty: MemberRefOut | None
    reference: str

    @classmethod
    def of(cls, movement: ShareMovement) -> MovementOut:
        return cls(
            id=movement.pk,
            kind=movement.kind,
            quantity=movement.quantity,
            nominal=MoneyOut.of(Money(movement.nominal_minor, movement.currency)),
            amount=MoneyOut.of(Money(movement.amount_minor, movement.currency)),
            effective_on=movement.effective_on,
            counterparty=MemberRefOut.of(movement.counterparty) if movement.counterparty else None,
            reference=movement.reference,
        )


class ShareRequestOut(Schema):
    id: int
    kind: str
    quantity: int
    status: str
    member: MemberRefOut
    amount: MoneyOut = Field(description="The shares' nominal value.")
    requested_on: dt.date
    eligible_on: dt.date = Field(description="Redemptions: the first day they may be paid.")
    decided_at: dt.datetime | None
    reason: str
    movement_id: int | None

    @classmethod
    def of(cls, request: ShareRequest, currency: str) -> ShareRequestOut:
        member = request.member
        nominal = member.college.share_class.nominal_minor
        return cls(
            id=request.pk,
            kind=request.kind,
            quantity=request.quantity,
            status=request.status,
            member=MemberRefOut.of(member),
            amount=MoneyOut.of(Money(nominal * request.quantity, currency)),
            requested_on=request.requested_on,
            eligible_on=request.eligible_on,
            decided_at=request.decided_at,
            reason=request.reason,
            movement_id=request.movement_id,
        )


class ShareRequestDoneOut(Schema):
    request: ShareRequestOut
    movement: MovementOut

    @classmethod
    def of(cls, movement: ShareMovement) -> ShareRequestDoneOut:
        return cls(
            request=ShareRequestOut.of(movement.request, movement.currency),
            movement=MovementOut.of(movement),
        )


class TransferOut(Schema):
    sender: MemberRefOut
    receiver: MemberRefOut
    quantity: int
    amount: MoneyOut
    effective_on: dt.date
    reference: str
    movements: list[MovementOut]

    @classmethod
    def of(cls, movements: tuple[ShareMovement, ShareMovement]) -> TransferOut:
        out, into = movements
        return cls(
            sender=MemberRefOut.of(out.member),
            receiver=MemberRefOut.of(into.member),
            quantity=into.quantity,
            amount=MoneyOut.of(Money(into.amount_minor, into.currency)),
            effective_on=into.effective_on,
            reference=into.reference,
            movements=[MovementOut.of(out), MovementOut.of(into)],
        )


class RegisterRowOut(Schema):
    register_number: int
    name: str
    is_organisation: bool
    college: CollegeRefOut
    admitted_on: dt.date
    status: str
    left_on: dt.date | None
    shares: int
    capital: MoneyOut

    @classmethod
    def of(cls, row: RegisterRow) -> RegisterRowOut:
        return cls(
            register_number=row.register_number,
            name=row.name,
            is_organisation=row.is_organisation,
            college=CollegeRefOut(code=row.college_code, name=row.college_name),
            admitted_on=row.admitted_on,
            status=row.status,
            left_on=row.left_on,
            shares=row.shares,
            capital=MoneyOut.of(row.capital),
        )


class MembershipOut(Schema):
    member: MemberOut | None
    shares: int
    capital: MoneyOut
    movements: list[MovementOut]
    share_requests: list[ShareRequestOut]
    application: ApplicationOut | None = Field(description="My latest application, if any.")

    @classmethod
    def of(cls, overview: MembershipOverview) -> MembershipOut:
        currency = overview.capital.currency
        return cls(
            member=MemberOut.of(overview.member) if overview.member else None,
            shares=overview.shares,
            capital=MoneyOut.of(overview.capital),
            movements=[MovementOut.of(m) for m in overview.movements],
            share_requests=[ShareRequestOut.of(r, currency) for r in overview.share_requests],
            application=(
                ApplicationOut.of(overview.application, currency) if overview.application else None
            ),
        )
