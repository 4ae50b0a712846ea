"""Reads for the core: co-ops, roles and the parameters in force on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet
from django.utils import timezone

from .audit import chain_key
from .errors import CooperativeNotFound, ParameterUnknown
from .models import ApiToken, AuditEntry, Cooperative, ParameterVersion, Role, UserPreference
from .parameters import REGISTRY, ParamSpec

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def cooperative_get(*, slug: str) -> Cooperative:
    try:
        return Cooperative.objects.get(slug=slug)
    except Cooperative.DoesNotExist:
        raise CooperativeNotFound() from None


def cooperative_list() -> list[Cooperative]:
    return list(Cooperative.objects.select_related("sponsor").order_by("name"))


def user_roles(*, user: User | AnonymousUser | None, cooperative: Cooperative) -> set[str]:
    if user is None or not user.is_authenticated:
        return set()
    return set(
        Role.objects.filter(user_id=user.pk, cooperative=cooperative).values_list("role", flat=True)
    )


def user_cooperatives(*, user: User | AnonymousUser) -> list[Cooperative]:
    if not user.is_authenticated:
        return []
    return list(Cooperative.objects.filter(roles__user_id=user.pk).distinct().order_by("name"))


@dataclass(frozen=True)
class ParameterInForce:
    spec: ParamSpec
    value: Any
    effective_from: dt.date | None
    source: str
    source_ref: str
    version_id: int | None


def _in_force(spec: ParamSpec, version: ParameterVersion | None) -> ParameterInForce:
    if version is None:
        return ParameterInForce(spec, spec.parse(spec.default), None, "default", "", None)
    return ParameterInForce(
        spec,
        spec.parse(version.value),
        version.effective_from,
        version.source,
        version.source_ref,
        version.pk,
    )


def parameters_in_force(
    *,
    cooperative: Cooperative,
    on: dt.date | None = None,
    keys: Iterable[str] | None = None,
) -> list[ParameterInForce]:
    """The versions in force on ``on`` (default today) of ``keys`` (default all), in one query."""
    wanted = list(REGISTRY) if keys is None else list(keys)
    for key in wanted:
        if key not in REGISTRY:
            raise ParameterUnknown(key=key)
    day = on or timezone.localdate()
    latest: dict[str, ParameterVersion] = {}
    for version in ParameterVersion.objects.filter(
        cooperative=cooperative, key__in=wanted, effective_from__lte=day
    ).order_by("key", "-effective_from", "-id"):
        latest.setdefault(version.key, version)
    return [
        _in_force(REGISTRY[key].for_form(cooperative.legal_form), latest.get(key)) for key in wanted
    ]


def parameter_in_force(
    *, cooperative: Cooperative, key: str, on: dt.date | None = None
) -> ParameterInForce:
    """The version of ``key`` in force on ``on`` (default today), with where it came from."""
    return parameters_in_force(cooperative=cooperative, on=on, keys=[key])[0]


def parameter_value(*, cooperative: Cooperative, key: str, on: dt.date | None = None) -> Any:
    """The value of governed parameter ``key`` in force on ``on`` (default today)."""
    return parameter_in_force(cooperative=cooperative, key=key, on=on).value


def parameter_history(*, cooperative: Cooperative, key: str) -> list[ParameterVersion]:
    if key not in REGISTRY:
        raise ParameterUnknown(key=key)
    return list(
        ParameterVersion.objects.filter(cooperative=cooperative, key=key)
        .select_related("decided_by")
        .order_by("-effective_from", "-id")
    )


def username_available(*, username: str) -> bool:
    """Whether a sign-up may take ``username`` (case-insensitive, as ``user_signup`` checks)."""
    from django.contrib.auth import get_user_model

    name = username.strip()
    return bool(name) and not get_user_model().objects.filter(username__iexact=name).exists()


def user_roles_by_cooperative(*, user: User | AnonymousUser) -> list[tuple[Cooperative, list[str]]]:
    """Every co-op where ``user`` holds a role, with the roles held there (one query)."""
    if not user.is_authenticated:
        return []
    by_coop: dict[int, tuple[Cooperative, list[str]]] = {}
    for role in (
        Role.objects.filter(user_id=user.pk)
        .select_related("cooperative")
        .order_by("cooperative__name", "role")
    ):
        by_coop.setdefault(role.cooperative_id, (role.cooperative, []))[1].append(role.role)
    return list(by_coop.values())


def api_tokens(*, user: User) -> list[ApiToken]:
    """The user's API tokens, newest first (the raw values are never stored)."""
    return list(ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id"))


def audit_entries(*, cooperative: Cooperative) -> QuerySet[AuditEntry]:
    """The co-op's audit log, newest first (a queryset, so callers can paginate): entries still
    pending (recorded in the last instant; their ``seq`` and hash are set once sealed) by id,
    then the chain from its head down. Read backwards through the (chain, seq) index."""
    return AuditEntry.objects.filter(chain=chain_key(cooperative)).order_by(
        F("seq").desc(nulls_first=True), "-id"
    )


def user_languages(*, user_ids: Iterable[int]) -> dict[int, str]:
    """The language each of these users last chose with the EN/FR switch (users who never chose
    are absent), in one query: what to send them e-mails in."""
    return dict(
        UserPreference.objects.filter(user_id__in=list(user_ids))
        .exclude(language="")
        .values_list("user_id", "language")
    )


@dataclass(frozen=True)
class MailRecipient:
    """Where and how to e-mail a user: the address, the language they chose (``""``: never
    chose) and whether they want the marketplace's job e-mails."""

    user_id: int
    email: str
    language: str
    job_emails: bool


def user_mail_recipients(*, user_ids: Iterable[int]) -> dict[int, MailRecipient]:
    """Each of these users who has an e-mail address, with their preferences, in one query."""
    from django.contrib.auth import get_user_model

    rows = (
        get_user_model()
        .objects.filter(pk__in=list(user_ids))
        .exclude(email="")
        .values_list(
            "pk", "email", "coopwork_preference__language", "coopwork_preference__job_emails"
        )
    )
    return {
        pk: MailRecipient(pk, email, language or "", job_emails is not False)
        for pk, email, language, job_emails in rows
    }


def user_preferences(*, user: User) -> UserPreference:
    """The user's preferences, unsaved defaults when they never set any."""
    found = UserPreference.objects.filter(user_id=user.pk).first()
    return found if found is not None else UserPreference(user_id=user.pk)
