"""Builders that set up state through the real services, for tests, benchmarks and the demo."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from coopwork.core.models import Cooperative
from coopwork.core.services import cooperative_create, role_grant
from coopwork.members.models import College, Member
from coopwork.members.services import (
    application_admit,
    application_submit,
    college_create,
    share_class_create,
)

_seq = itertools.count(1)


def make_user(
    username: str | None = None, *, password: str = "pass-1234-word", **extra: Any
) -> User:
    User = get_user_model()
    name = username or f"user{next(_seq)}"
    user = User.objects.create_user(
        username=name, email=f"{name}@example.org", password=password, **extra
    )
    return user


def make_coop(
    slug: str | None = None,
    *,
    name: str | None = None,
    legal_form: str = "scic",
    currency: str = "EUR",
    sponsor: Cooperative | None = None,
    colleges: tuple[tuple[str, str, str, int], ...] = (
        ("workers", "Worker members", "Sociétaires salariés", 1),
        ("users", "Users and clients", "Usagers et clients", 1),
        ("sponsors", "Sponsor co-ops", "Coopératives partenaires", 10),
    ),
    nominal_minor: int = 2000,
    max_per_member: int | None = 500,
) -> Cooperative:
    slug = slug or f"coop{next(_seq)}"
    coop = cooperative_create(
        slug=slug,
        name=name or slug.title(),
        legal_form=legal_form,
        country="FR",
        currency=currency,
        sponsor=sponsor,
        actor=None,
    )
    share_class = share_class_create(
        cooperative=coop,
        code="a",
        name_en="Ordinary shares",
        name_fr="Parts sociales",
        nominal_minor=nominal_minor,
        max_per_member=max_per_member,
        actor=None,
    )
    for position, (code, en, fr, minimum) in enumerate(colleges):
        college_create(
            cooperative=coop,
            code=code,
            name_en=en,
            name_fr=fr,
            share_class=share_class,
            min_shares=minimum,
            position=position,
            actor=None,
        )
    return coop


def make_board(coop: Cooperative, username: str | None = None) -> User:
    user = make_user(username)
    role_grant(cooperative=coop, user=user, role="board", actor=None)
    return user


def make_member(
    coop: Cooperative,
    *,
    board: User,
    user: User | None = None,
    college: str = "workers",
    shares: int | None = None,
    name: str | None = None,
) -> Member:
    user = user or make_user()
    minimum = College.objects.get(cooperative=coop, code=college).min_shares
    application = application_submit(
        cooperative=coop,
        user=user,
        college_code=college,
        shares=shares or minimum,
        display_name=name or user.get_username().title(),
    )
    return application_admit(
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method="bank_transfer",
        payment_reference=f"VIR-{application.pk}",
    )
