"""Sign-in throttling: after too many failed attempts for one username, refuse for a while.

Counts live in the cache (Redis when configured, so every app process shares them). The
authentication backend below applies it to every sign-in path: the web login form and the API's
token exchange.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _

from .errors import CoopError

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60


class TooManyAttempts(CoopError):
    code = "too_many_attempts"
    status = 429
    default_message = _("Too many failed sign-in attempts. Try again in 15 minutes.")


def _key(username: str) -> str:
    return f"signin-failures:{username.strip().lower()[:150]}"


def signin_blocked(*, username: str) -> bool:
    return int(cache.get(_key(username), 0)) >= MAX_FAILURES


def signin_failed(*, username: str) -> None:
    key = _key(username)
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS)


def signin_succeeded(*, username: str) -> None:
    cache.delete(_key(username))


class ThrottledModelBackend(ModelBackend):
    """Django's model backend, refusing a username after ``MAX_FAILURES`` failed attempts."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get("username")
        if not username:
            return None
        if signin_blocked(username=username):
            raise DjangoPermissionDenied("too many failed sign-in attempts")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            signin_failed(username=username)
        else:
            signin_succeeded(username=username)
        return user
