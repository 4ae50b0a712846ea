"""Accounts and API tokens: /auth."""

from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from coopwork.api.access import acting_user
from coopwork.api.schemas.auth import (
    CoopRolesOut,
    MeOut,
    PreferencesIn,
    PreferencesOut,
    RegisterIn,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    UserOut,
)
from coopwork.api.schemas.common import ERRORS, IdPath
from coopwork.core.errors import NotAuthenticated
from coopwork.core.selectors import api_tokens, user_preferences, user_roles_by_cooperative
from coopwork.core.services import (
    api_token_create,
    api_token_revoke,
    user_job_emails_set,
    user_language_set,
    user_signup,
)
from coopwork.core.throttle import TooManyAttempts, signin_blocked

router = Router(tags=["auth"])


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    default_message = _("Wrong username or password.")


@router.post("/register", auth=None, response={201: UserOut, **ERRORS})
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    """Create a user account. Joining a co-op is a separate step: apply to it."""
    user = user_signup(
        username=payload.username,
        email=payload.email,
        password=payload.password,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return Status(201, UserOut.of(user))


@router.post("/tokens", auth=None, response={201: TokenCreatedOut, **ERRORS})
def token_create(request: HttpRequest, payload: TokenCreateIn) -> Status:
    """Exchange a username and password for a bearer token. The token is shown only here."""
    if signin_blocked(username=payload.username):
        raise TooManyAttempts()
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise InvalidCredentials()
    token, raw = api_token_create(user=user, name=payload.name)
    return Status(201, TokenCreatedOut(**TokenOut.of(token).model_dump(), token=raw))


@router.get("/tokens", response={200: list[TokenOut], **ERRORS})
def token_list(request: HttpRequest) -> list[TokenOut]:
    """My tokens (never their secret)."""
    return [TokenOut.of(t) for t in api_tokens(user=acting_user(request))]


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS})
def token_revoke(request: HttpRequest, token_id: IdPath) -> Status:
    """Revoke one of my tokens. Answers 204 whether or not it existed (DELETE is idempotent)."""
    api_token_revoke(user=acting_user(request), token_id=token_id)
    return Status(204, None)


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    """Who I am, and my roles in each co-op."""
    user = acting_user(request)
    return MeOut(
        user=UserOut.of(user),
        cooperatives=[
            CoopRolesOut.of(coop, roles) for coop, roles in user_roles_by_cooperative(user=user)
        ],
    )


@router.get("/me/preferences", response={200: PreferencesOut, **ERRORS})
def preferences(request: HttpRequest) -> PreferencesOut:
    """What I chose for myself: the language of my e-mails, and whether job notifications
    come by e-mail as well as in-app."""
    return PreferencesOut.of(user_preferences(user=acting_user(request)))


@router.put("/me/preferences", response={200: PreferencesOut, **ERRORS})
def preferences_set(request: HttpRequest, payload: PreferencesIn) -> PreferencesOut:
    """Change them; a field left out stays as it is. Each change is audited."""
    user = acting_user(request)
    with transaction.atomic():
        if payload.language is not None:
            user_language_set(user=user, language=payload.language)
        if payload.job_emails is not None:
            user_job_emails_set(user=user, enabled=payload.job_emails)
    return PreferencesOut.of(user_preferences(user=user))
