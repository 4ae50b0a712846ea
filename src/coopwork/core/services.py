"""Writes for the core: co-ops, roles, governed parameters and API tokens.

Every change of state goes through one function here, runs in a transaction and writes an audit
entry in that same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import slug_re, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit_append
from .errors import (
    ParameterBackdated,
    ParameterDecisionRequired,
    ParameterInvalid,
    ParameterOutOfBounds,
    ParameterUnknown,
    PermissionDenied,
    UsernameTaken,
    ValidationError,
)
from .events import Event, publish
from .models import (
    ApiToken,
    Cooperative,
    LegalForm,
    ParameterSource,
    ParameterVersion,
    Role,
    RoleName,
    UserPreference,
)
from .money import CURRENCIES
from .parameters import REGISTRY
from .permissions import require_authenticated, require_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@transaction.atomic
def cooperative_create(
    *,
    slug: str,
    name: str,
    legal_form: str,
    country: str,
    currency: str,
    actor: User | None,
    sponsor: Cooperative | None = None,
    texts: dict[str, str] | None = None,
) -> Cooperative:
    if actor is not None and not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    if legal_form not in LegalForm.values:
        raise ValidationError(code="legal_form_unknown")
    if currency not in CURRENCIES:
        raise ValidationError(code="currency_unknown")
    # Checked here, not left to the column: SQLite stores an over-long value, PostgreSQL fails.
    if not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise ValidationError(code="country_invalid")
    if not slug_re.fullmatch(slug) or len(slug) > 60:
        raise ValidationError(code="slug_invalid")
    if not name.strip() or len(name) > 200:
        raise ValidationError(code="name_invalid")
    if Cooperative.objects.filter(slug=slug).exists():
        raise ValidationError(code="slug_taken")
    coop = Cooperative.objects.create(
        slug=slug,
        name=name,
        legal_form=legal_form,
        country=country.upper(),
        currency=currency,
        sponsor=sponsor,
        **(texts or {}),
    )
    audit_append(
        cooperative=coop,
        actor=actor,
        action="cooperative.created",
        target=coop,
        data={"slug": slug, "legal_form": legal_form, "sponsor": sponsor.slug if sponsor else None},
    )
    return coop


@transaction.atomic
def role_grant(*, cooperative: Cooperative, user: User, role: str, actor: User | None) -> Role:
    """Grant a role. Admins (and platform staff) grant roles; member/worker come from services."""
    if actor is not None and not getattr(actor, "is_staff", False):
        require_role(user=actor, cooperative=cooperative, roles={"admin"})
    if role not in RoleName.values:
        raise ValidationError(code="role_unknown")
    obj, created = Role.objects.get_or_create(cooperative=cooperative, user=user, role=role)
    if created:
        audit_append(
            cooperative=cooperative,
            actor=actor,
            action="role.granted",
            target=obj,
            data={"user": user.pk, "role": role},
        )
    return obj


@transaction.atomic
def role_revoke(*, cooperative: Cooperative, user: User, role: str, actor: User | None) -> None:
    if actor is not None and not getattr(actor, "is_staff", False):
        require_role(user=actor, cooperative=cooperative, roles={"admin"})
    deleted, _ = Role.objects.filter(cooperative=cooperative, user=user, role=role).delete()
    if deleted:
        audit_append(
            cooperative=cooperative,
            actor=actor,
            action="role.revoked",
            data={"user": user.pk, "role": role},
        )


@transaction.atomic
def parameter_set(
    *,
    cooperative: Cooperative,
    key: str,
    value: Any,
    effective_from: dt.date,
    source: str,
    source_ref: str,
    actor: User | None,
) -> ParameterVersion:
    """Record a new version of a governed parameter, effective from ``effective_from``.

    Authority:
    - ``statutes``: the founding statutes, set by platform staff or the system (seed, migration);
    - ``board``: a board member recording a board decision, only for parameters the statutes
      delegate to the board (``ParamSpec.body == "board"``);
    - ``resolution``: an adopted resolution, by online vote or general assembly (the governance
      app calls this), recorded by the system, platform staff or one of the co-op's officers
      (board or admin).
    A version may not take effect before today unless it comes from the founding statutes.
    """
    if key not in REGISTRY:
        raise ParameterUnknown(key=key)
    spec = REGISTRY[key].for_form(cooperative.legal_form)
    if source not in ParameterSource.values:
        raise ValidationError(code="parameter_source_unknown")
    if not source_ref.strip():
        raise ValidationError(code="parameter_source_ref_required")
    if len(source_ref.strip()) > 300:
        raise ValidationError(code="parameter_source_ref_too_long")
    if source == ParameterSource.STATUTES:
        if actor is not None and not getattr(actor, "is_staff", False):
            raise PermissionDenied()
    elif source == ParameterSource.BOARD:
        require_role(user=actor, cooperative=cooperative, roles={"board"})
        if spec.body != "board":
            raise ParameterDecisionRequired(key=key, body="assembly")
    elif actor is not None and not getattr(actor, "is_staff", False):
        # A resolution is recorded by the system (governance) or by this co-op's officers.
        require_role(user=actor, cooperative=cooperative, roles={"board", "admin"})
    if source != ParameterSource.STATUTES and effective_from < timezone.localdate():
        raise ParameterBackdated()
    try:
        parsed = spec.parse(value)
    except (ValueError, ZeroDivisionError, ArithmeticError):
        raise ParameterInvalid(key=key) from None
    if not spec.in_bounds(parsed):
        raise ParameterOutOfBounds(key=key, minimum=str(spec.minimum), maximum=str(spec.maximum))
    version = ParameterVersion.objects.create(
        cooperative=cooperative,
        key=key,
        value=spec.dump(parsed),
        effective_from=effective_from,
        source=source,
        source_ref=source_ref.strip(),
        decided_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="parameter.set",
        target=version,
        data={
            "key": key,
            "value": version.value,
            "effective_from": effective_from.isoformat(),
            "source": source,
            "source_ref": version.source_ref,
        },
    )
    return version


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = "cw_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:8], digest=_digest(raw))
    audit_append(
        cooperative=None, actor=user, action="api_token.created", target=token, data={"name": name}
    )
    return token, raw


def api_token_authenticate(*, raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_append(
            cooperative=None, actor=user, action="api_token.revoked", data={"token": token_id}
        )


@transaction.atomic
def user_signup(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create a person's account (sign-up). Usernames are unique, case-insensitively.

    The password goes through the installation's password validators; a rejected one raises
    ``ValidationError`` with code ``password_invalid`` and the validators' own messages.
    """
    user_model = get_user_model()
    name = username.strip()
    try:
        if not name or len(name) > 150:
            raise DjangoValidationError("length")
        UnicodeUsernameValidator()(name)  # letters, digits and @ . + - _ only
    except DjangoValidationError:
        raise ValidationError(
            _("A username has 1 to 150 letters, digits or @ . + - _ only."), code="username_invalid"
        ) from None
    if user_model.objects.filter(username__iexact=name).exists():
        raise UsernameTaken()
    address = email.strip()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise ValidationError(code="email_invalid") from None
    # Password reset goes by e-mail, so one address belongs to one account.
    if user_model.objects.filter(email__iexact=address).exists():
        raise ValidationError(_("An account already uses this e-mail address."), code="email_taken")
    names = {"first_name": first_name.strip()[:150], "last_name": last_name.strip()[:150]}
    candidate = user_model(username=name, email=address, **names)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), code="password_invalid") from None
    user = user_model.objects.create_user(username=name, email=address, password=password, **names)
    audit_append(
        cooperative=None, actor=user, action="user.signed_up", target=user, data={"username": name}
    )
    return user


def _preference_set(*, user: User, field: str, value: Any, default: Any, action: str) -> bool:
    """Store one of ``user``'s preferences (row locked, then compared), with its audit entry.
    Returns whether it changed (``default`` is the value of a user without a row)."""
    current = UserPreference.objects.select_for_update().filter(user_id=user.pk).first()
    if (getattr(current, field) if current is not None else default) == value:
        return False
    preference, _created = UserPreference.objects.update_or_create(
        user_id=user.pk, defaults={field: value}
    )
    audit_append(
        cooperative=None, actor=user, action=action, target=preference, data={field: value}
    )
    return True


@transaction.atomic
def user_language_set(*, user: User | AnonymousUser | None, language: str) -> bool:
    """Remember the language ``user`` chose (the EN/FR switch), so that what is sent to them later
    (e-mails) is in it. Returns whether it changed; a visitor has nothing to remember."""
    if user is None or not user.is_authenticated:
        return False
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(code="language_unknown")
    changed = _preference_set(
        user=user, field="language", value=language, default=None, action="user.language_set"
    )
    if changed:
        publish(Event("user.language", None, {"language": language}, (f"user-{user.pk}",)))
    return changed


@transaction.atomic
def user_job_emails_set(*, user: User | AnonymousUser | None, enabled: bool) -> bool:
    """Turn the marketplace's e-mails (claims, messages, cases, settlements) on or off for
    ``user``; the in-app notifications stay. Returns whether it changed."""
    if user is None or not user.is_authenticated:
        require_authenticated(user=user)
        return False
    if not isinstance(enabled, bool):
        raise ValidationError(code="preference_invalid")
    return _preference_set(
        user=user, field="job_emails", value=enabled, default=True, action="user.job_emails_set"
    )
