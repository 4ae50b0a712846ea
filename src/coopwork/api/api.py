"""The versioned JSON API at /api/v1, with OpenAPI at /api/v1/docs.

Handlers parse, call one service or selector, and render. Errors are JSON with a stable ``code``
and a ``message`` in the user's language (Accept-Language or the language cookie).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from coopwork.core.errors import CoopError
from coopwork.core.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cw_…`` tokens created at POST /api/v1/auth/tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session (with CSRF on unsafe methods), as the web UI uses it."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


AUTH = [TokenAuth(), SessionAuth()]


class OptionalAuth(TokenAuth):
    """For public endpoints that show more to signed-in users: never refuses."""

    def __call__(self, request: HttpRequest) -> Any:
        result = super().__call__(request)
        return result if result is not None else True


api = NinjaAPI(
    title="coopwork API",
    version="1",
    description="Member-owned platform cooperative engine. Errors: `{code, message}`.",
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
    return error_response(
        request,
        422,
        {
            "code": "invalid_request",
            "message": _("Some fields are missing or malformed."),
            "errors": exc.errors,
        },
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, {"code": "not_authenticated", "message": _("You need to sign in first.")}
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, {"code": "http_error", "message": str(exc)})


from . import routers  # noqa: E402

routers.register(api)
