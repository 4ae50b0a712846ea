"""Stable error codes of the marketplace."""

import datetime as dt

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from coopwork.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coopwork.core.money import Money


class JobNotFound(NotFound):
    code = "job_not_found"
    default_message = _("No such job.")


class KindUnknown(ValidationError):
    code = "job_kind_unknown"
    default_message = _("Unknown kind of job.")


class OutsideServiceArea(ValidationError):
    code = "outside_service_area"
    default_message = _("This address is outside the areas the cooperative serves.")


class ZoneInvalid(ValidationError):
    code = "zone_invalid"
    default_message = _(
        "A zone needs a short code (letters, digits, - or _), a name and 3 to 1,000 points "
        "given as [latitude, longitude]."
    )


class ZoneExists(Conflict):
    code = "zone_exists"
    default_message = _("This cooperative already has a zone with that code.")


# What the message calls each quantity a booking or a profile carries (``details.field`` keeps
# the machine name for API clients).
FIELD_LABELS = {
    "positions": _("The number of positions"),
    "hourly_rate_minor": _("The hourly rate, in cents,"),
    "break_minutes": _("The break, in minutes,"),
    "passengers": _("The number of passengers"),
    "weight_g": _("The parcel's weight, in grams,"),
    "parcel_size": _("The parcel size"),
    "distance_km": _("The distance, in km,"),
    "fixed_price_minor": _("The fixed price, in cents,"),
    "estimated_hours": _("The estimated time, in hours,"),
    "capacity_kg": _("The capacity, in kg,"),
    "seats": _("The number of seats"),
    "weekday": _("The day of the week"),
    "photo": _("The photo's size, in bytes,"),
}


class QuantityAbsurd(ValidationError):
    code = "quantity_invalid"
    default_message = _("%(field)s must be between %(minimum)s and %(maximum)s.")

    def render_message(self) -> str:
        """The message with the quantity's name in the reader's language."""
        field = self.params.get("field")
        label = FIELD_LABELS.get(field) if isinstance(field, str) else None
        if label is None:
            return super().render_message()
        machine = self.params
        self.params = {**machine, "field": str(label)}
        try:
            return super().render_message()
        finally:
            self.params = machine


class TimesInvalid(ValidationError):
    code = "times_invalid"
    default_message = _("Check the dates and times: %(reason)s.")


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    default_message = _("This is not possible while the job is %(state)s.")


class NotYourJob(PermissionDenied):
    code = "not_your_job"
    default_message = _("This job is not yours.")


class NotAWorker(PermissionDenied):
    code = "not_a_worker"
    default_message = _("You need a worker profile in this cooperative to take work.")


class MissingSkills(ValidationError):
    code = "missing_skills"
    default_message = _("This job needs skills you have not listed: %(skills)s.")


class VehicleMismatch(ValidationError):
    code = "vehicle_mismatch"
    default_message = _("This job needs a different vehicle.")


class JobTaken(Conflict):
    code = "job_taken"
    default_message = _("Someone else has already taken this job.")


class AlreadyOnJob(Conflict):
    code = "already_on_job"
    default_message = _("You already hold a position or a waiting-list place on this job.")


class ClockCodeInvalid(ValidationError):
    code = "clock_code_invalid"
    default_message = _("That is not the shift's code. Ask the site manager for it.")


class ClockTimeInvalid(ValidationError):
    code = "clock_time_invalid"
    default_message = _("You can only clock in within %(minutes)s minutes of the shift's start.")


class ProofMissing(ValidationError):
    code = "proof_missing"
    default_message = _("This delivery needs its proof (%(kind)s) to be completed.")


class RatingTwice(Conflict):
    code = "rating_already_given"
    default_message = _("You have already rated this person for this job.")


class RatingNotAllowed(ValidationError):
    code = "rating_not_allowed"
    default_message = _("You can rate only the people you worked with, once the job is done.")


class ScoreInvalid(ValidationError):
    code = "score_invalid"
    default_message = _("A rating is a whole number from 1 to 5.")


class MessageEmpty(ValidationError):
    code = "message_empty"
    default_message = _("Write a message first (at most 4,000 characters).")


class OfferNotFound(NotFound):
    code = "offer_not_found"
    default_message = _("No such offer, or it is no longer open.")


class CaseNotFound(NotFound):
    code = "case_not_found"
    default_message = _("No such case.")


class CaseClosed(Conflict):
    code = "case_closed"
    default_message = _("This case has already been decided.")


class PositionTooFrequent(ValidationError):
    code = "position_rate_limited"
    default_message = _("Position updates are limited to one every %(seconds)s seconds.")


class InvoiceExists(Conflict):
    code = "invoice_exists"
    default_message = _("An invoice for this client already covers part of this period.")


class NothingToInvoice(ValidationError):
    code = "nothing_to_invoice"
    default_message = _("This client has no settled jobs in that period.")


class EvidenceTooLarge(ValidationError):
    code = "evidence_too_large"
    status = 413
    default_message = _("Evidence files may be at most %(maximum)s MB.")


class ProofPhotoInvalid(ValidationError):
    code = "proof_photo_invalid"
    status = 415
    default_message = _(
        "The proof of delivery must be a photo (JPEG, PNG or WebP) of at most %(maximum)s MB."
    )


class EvidenceType(ValidationError):
    code = "evidence_type_not_allowed"
    status = 415
    default_message = _("Evidence must be a photo (JPEG, PNG or WebP) or a PDF document.")


class CaseResponsePending(Conflict):
    """Too early to decide: a party has not made a statement and the response period runs."""

    code = "case_response_pending"
    default_message = _(
        "Not every side has been heard yet. The case can be decided from %(until)s, or as soon "
        "as the client and every worker on the job have made a statement."
    )

    def render_message(self) -> str:
        """The end of the response period as a local date and time, in the reader's format."""
        until = self.params.get("until")
        if not isinstance(until, dt.datetime):
            return super().render_message()
        machine = self.params
        when = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        self.params = {**machine, "until": when}
        try:
            return super().render_message()
        finally:
            self.params = machine


class AdjustmentNotAllowed(Conflict):
    code = "adjustment_not_allowed"
    default_message = _(
        "An adjusted price goes only with the outcome “price adjusted”, on a dispute whose job "
        "is not settled yet."
    )


class AdjustmentRequired(ValidationError):
    code = "adjustment_required"
    default_message = _("Give the adjusted price of the job, before VAT.")


class AdjustmentOutOfRange(ValidationError):
    """``minimum`` and ``maximum`` are minor units of ``currency`` (kept so in the details)."""

    code = "adjustment_out_of_range"
    default_message = _(
        "The adjusted price, before VAT, must be between %(minimum)s and %(maximum)s."
    )

    def render_message(self) -> str:
        currency = self.params.get("currency")
        if not isinstance(currency, str):
            return super().render_message()
        language = translation.get_language() or "en"
        machine = self.params
        self.params = {
            **machine,
            **{
                k: Money(int(machine[k]), currency).localized(language)
                for k in ("minimum", "maximum")
                if isinstance(machine.get(k), int)
            },
        }
        try:
            return super().render_message()
        finally:
            self.params = machine
