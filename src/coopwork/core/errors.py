"""Typed domain errors with stable codes.

Every error a user can cause is a ``CoopError`` subclass with a stable ``code`` (part of the API
contract: never rename one), a translatable message and the HTTP status the interfaces map it to.
Services raise them; ``api`` and ``web`` render them in the user's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def _localize(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.number_format(value, force_grouping=True)
    return value


class CoopError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    default_message: ClassVar[str | Promise] = _("The request could not be processed.")

    def __init__(
        self, message: str | Promise | None = None, *, code: str | None = None, **params: Any
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.params = params
        super().__init__(str(self.code))

    def render_message(self) -> str:
        """The message in the active language, with dates and numbers formatted for it."""
        text = str(self.message)
        params = {k: _localize(v) for k, v in self.params.items()}
        try:
            return text % params
        except (KeyError, TypeError, ValueError):
            return text

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.render_message()}
        details = {
            k: v.isoformat() if isinstance(v, dt.date) else v
            for k, v in self.params.items()
            if isinstance(v, str | int | bool | dt.date | None)
        }
        if details:
            data["details"] = details
        return data


class ValidationError(CoopError):
    code = "invalid"
    status = 400
    default_message = _("The data sent is not valid.")


class NotAuthenticated(CoopError):
    code = "not_authenticated"
    status = 401
    default_message = _("You need to sign in first.")


class PermissionDenied(CoopError):
    code = "permission_denied"
    status = 403
    default_message = _("You are not allowed to do this.")


class NotFound(CoopError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Conflict(CoopError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


# Core codes -----------------------------------------------------------------------------------


class CooperativeNotFound(NotFound):
    code = "cooperative_not_found"
    default_message = _("No such cooperative.")


class ParameterUnknown(ValidationError):
    code = "parameter_unknown"
    default_message = _("There is no governed parameter named %(key)s.")


class ParameterOutOfBounds(ValidationError):
    code = "parameter_out_of_bounds"
    default_message = _("%(key)s must lie between %(minimum)s and %(maximum)s.")


class ParameterInvalid(ValidationError):
    code = "parameter_invalid"
    default_message = _("The value given for %(key)s is not valid.")


class ParameterDecisionRequired(PermissionDenied):
    code = "parameter_decision_required"
    default_message = _(
        "Changing %(key)s needs a decision of the body the statutes name (%(body)s)."
    )


class ParameterBackdated(ValidationError):
    code = "parameter_backdated"
    default_message = _("A parameter cannot take effect before today.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = _("This idempotency key was already used for a different request.")


class IdempotencyKeyRequired(ValidationError):
    code = "idempotency_key_required"
    default_message = _("This request moves money: send an Idempotency-Key header.")


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = _("This username is already taken.")
