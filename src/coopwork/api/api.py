"""The versioned JSON API at /api/v1, with OpenAPI at /api/v1/docs.

Handlers parse, call one service or selector, and render. Errors are JSON with a stable ``code``
and a ``message`` in the user's language (Accept-Language or the language cookie).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from coopwork.core.errors import CoopError, PermissionDenied
from coopwork.core.services import api_token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"
    default_message = gettext_lazy(
        "The CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value."
    )


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cw_…`` tokens created at POST /api/v1/auth/tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, as the web UI uses it.

    Unsafe methods (POST, PUT, DELETE…) also need the CSRF token, exactly as Django's forms do;
    bearer tokens do not, since a browser never sends them on its own.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # CSRF is checked below, only once we know the request rides on a signed-in session:
        # an anonymous POST must get 401, not a CSRF error.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed()
        return user


AUTH = [TokenAuth(), SessionAuth()]


api = NinjaAPI(
    title="coopwork API",
    version="1",
    description=(
        "Member-owned platform cooperative engine.\n\n"
        "* **Auth:** `Authorization: Bearer <token>` (POST /auth/tokens) or the web session "
        "cookie with `X-CSRFToken` on unsafe methods.\n"
        "* **Errors:** JSON `{code, message}`; `code` is stable, `message` follows "
        "`Accept-Language` (English, French).\n"
        "* **Money:** integer minor units and a currency, e.g. `{minor: 2000, currency: EUR}`.\n"
        "* **Money-moving requests** need an `Idempotency-Key` header; a replay returns the "
        "stored answer."
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    docs_url="/docs",
)


def error_response(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(CoopError)
def on_coop_error(request: HttpRequest, exc: CoopError) -> HttpResponse:
    return error_response(request, exc.status, exc.as_dict())


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # Keep only what is safe to render: pydantic's ``ctx`` may hold exception objects.
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "type": str(error.get("type", "")),
            "msg": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    return error_response(
        request,
        422,
        {
            "code": "invalid_request",
            "message": _("Some fields are missing or malformed."),
            "errors": errors,
        },
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if exc.status_code == 403:  # ninja's AuthorizationError
        return error_response(
            request,
            403,
            {"code": "permission_denied", "message": _("You are not allowed to do this.")},
        )
    return error_response(
        request, 401, {"code": "not_authenticated", "message": _("You need to sign in first.")}
    )


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return error_response(
        request, 429, {"code": "throttled", "message": _("Too many requests; try again later.")}
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja raises HttpError(400) when the body is not valid JSON, and 405 for a wrong method.
    if exc.status_code == 400:
        code, message = "malformed_request", _("The request body is not valid JSON.")
    elif exc.status_code == 405:
        code, message = "method_not_allowed", _("This method is not allowed here.")
    else:
        code, message = "http_error", _("The request could not be processed.")
    return error_response(request, exc.status_code, {"code": code, "message": message})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, {"code": "not_found", "message": _("Not found.")})


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # A constraint caught what a concurrent request changed between our check and our write.
    return error_response(
        request,
        409,
        {"code": "conflict", "message": _("This conflicts with the current state; try again.")},
    )


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def on_data_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Last line of defence: a value the database cannot store (schemas should catch these first).
    return error_response(
        request,
        400,
        {"code": "invalid_request", "message": _("Some fields are missing or malformed.")},
    )


from . import routers  # noqa: E402

routers.register(api)
