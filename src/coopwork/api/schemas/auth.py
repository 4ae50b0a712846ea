"""Accounts and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

from .common import Email, In, Name, Password, Username

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from coopwork.core.models import ApiToken, Cooperative, UserPreference


class RegisterIn(In):
    username: Username
    email: Email
    password: Password
    first_name: Username = ""
    last_name: Username = ""


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.pk,
            username=user.get_username(),
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
        )


class TokenCreateIn(In):
    username: Username
    password: Password
    name: Name = Field("api", description="A label to recognise the token by.")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret, shown this once: send it as `Bearer <token>`.")


class CoopRolesOut(Schema):
    slug: str
    name: str
    roles: list[str]

    @classmethod
    def of(cls, cooperative: Cooperative, roles: list[str]) -> CoopRolesOut:
        return cls(slug=cooperative.slug, name=cooperative.name, roles=roles)


class MeOut(Schema):
    user: UserOut
    cooperatives: list[CoopRolesOut]


class PreferencesOut(Schema):
    language: str | None = Field(
        description="The language chosen with the EN/FR switch (what e-mails are written in); "
        "null: never chosen."
    )
    job_emails: bool = Field(
        description="Whether the marketplace's notifications (claims, messages, cases, "
        "settlements) also come by e-mail. Governance notices always do."
    )

    @classmethod
    def of(cls, preference: UserPreference) -> PreferencesOut:
        return cls(language=preference.language or None, job_emails=preference.job_emails)


class PreferencesIn(In):
    language: Literal["en", "fr"] | None = Field(None, description="Omit to leave it as it is.")
    job_emails: bool | None = Field(None, strict=True, description="Omit to leave it as it is.")
