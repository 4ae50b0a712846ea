"""Stable error codes of the members domain."""

from django.utils.translation import gettext_lazy as _

from coopwork.core.errors import Conflict, NotFound, PermissionDenied, ValidationError


class CollegeUnknown(ValidationError):
    code = "college_unknown"
    default_message = _("There is no such college in this cooperative.")


class CollegeClosed(ValidationError):
    code = "college_closed"
    default_message = _("This college does not take applications.")


class SharesBelowMinimum(ValidationError):
    code = "shares_below_minimum"
    default_message = _("Members of this college hold at least %(minimum)s shares.")


class SharesAboveMaximum(ValidationError):
    code = "shares_above_maximum"
    default_message = _("A member may hold at most %(maximum)s shares of this class.")


class QuantityInvalid(ValidationError):
    code = "quantity_invalid"
    default_message = _("The number of shares must be a whole number between 1 and 1,000,000.")


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = _("You are already a member of this cooperative.")


class FormerMember(Conflict):
    code = "former_member"
    default_message = _(
        "You were a member of this cooperative before; the register cannot admit you again."
    )


class ApplicationPending(Conflict):
    code = "application_pending"
    default_message = _("You already have an application waiting for a decision.")


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    default_message = _("No such application.")


class ApplicationAlreadyDecided(Conflict):
    code = "application_already_decided"
    default_message = _("This application has already been decided.")


class AdmissionReservedToAssembly(PermissionDenied):
    code = "admission_reserved_to_assembly"
    default_message = _("The statutes reserve admissions to the general assembly.")


class ReasonRequired(ValidationError):
    code = "reason_required"
    default_message = _("Give a reason for this decision.")


class PaymentInvalid(ValidationError):
    code = "payment_invalid"
    default_message = _("Record the payment method (bank transfer or cash) and its reference.")


class MemberNotFound(NotFound):
    code = "member_not_found"
    default_message = _("No such member.")


class NotAMember(PermissionDenied):
    code = "not_a_member"
    default_message = _("Only members can do this.")


class TransferToNonMember(ValidationError):
    code = "transfer_to_non_member"
    default_message = _("Shares can only be transferred to a current member of this cooperative.")


class TransferToSelf(ValidationError):
    code = "transfer_to_self"
    default_message = _("A member cannot transfer shares to themself.")


class SharesInsufficient(ValidationError):
    code = "shares_insufficient"
    default_message = _("You hold %(available)s shares that are not already being redeemed.")


class RemainderBelowMinimum(ValidationError):
    code = "remainder_below_minimum"
    default_message = _(
        "You would keep fewer than the %(minimum)s shares your college requires; redeem all "
        "your shares to leave the cooperative."
    )


class RequestNotFound(NotFound):
    code = "share_request_not_found"
    default_message = _("No such share request.")


class RequestAlreadyDecided(Conflict):
    code = "share_request_already_decided"
    default_message = _("This request has already been handled.")


class RedemptionNotYetDue(ValidationError):
    code = "redemption_not_yet_due"
    default_message = _("The statutes' delay runs until %(eligible_on)s; it cannot be paid before.")


class WeightsInvalid(ValidationError):
    code = "college_weights_invalid"
    default_message = _(
        "Each college must weigh between 10 %% and 50 %% of the votes, and the weights must add "
        "up to 100 %%."
    )


class ShareClassUnknown(ValidationError):
    code = "share_class_unknown"
    default_message = _("There is no such share class in this cooperative.")
