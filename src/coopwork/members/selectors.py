"""Reads of the members domain: holdings, the member register and the capital register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum

from coopwork.core.errors import NotFound
from coopwork.core.models import Cooperative
from coopwork.core.money import Money

from .models import (
    Application,
    ApplicationStatus,
    College,
    Member,
    MemberStatus,
    RequestKind,
    RequestStatus,
    ShareClass,
    ShareMovement,
    ShareRequest,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def holding(*, member: Member) -> int:
    total = ShareMovement.objects.filter(member=member).aggregate(q=Sum("quantity"))["q"]
    return int(total or 0)


def shares_pending_redemption(*, member: Member) -> int:
    total = ShareRequest.objects.filter(
        member=member, kind=RequestKind.REDEMPTION, status=RequestStatus.PENDING
    ).aggregate(q=Sum("quantity"))["q"]
    return int(total or 0)


def colleges(*, cooperative: Cooperative) -> list[College]:
    return list(
        College.objects.filter(cooperative=cooperative)
        .select_related("share_class")
        .annotate(active_members=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)))
        .order_by("position", "code")
    )


def share_classes(*, cooperative: Cooperative) -> list[ShareClass]:
    return list(ShareClass.objects.filter(cooperative=cooperative).order_by("code"))


def member_for_user(*, cooperative: Cooperative, user: User | AnonymousUser) -> Member | None:
    if not user.is_authenticated:
        return None
    return (
        Member.objects.select_related("college__share_class", "cooperative")
        .filter(cooperative=cooperative, user_id=user.pk)
        .first()
    )


def member_get(*, cooperative: Cooperative, member_id: int) -> Member:
    member = (
        Member.objects.select_related("college__share_class", "cooperative", "user")
        .filter(cooperative=cooperative, pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound(code="member_not_found")
    return member


def applications(*, cooperative: Cooperative, status: str | None = None) -> list[Application]:
    qs = Application.objects.filter(cooperative=cooperative).select_related(
        "college", "user", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("created_at"))


def application_for_user(
    *, cooperative: Cooperative, user: User | AnonymousUser
) -> Application | None:
    if not user.is_authenticated:
        return None
    return (
        Application.objects.filter(cooperative=cooperative, user_id=user.pk)
        .select_related("college")
        .order_by("-created_at")
        .first()
    )


def pending_application_count(*, cooperative: Cooperative) -> int:
    return Application.objects.filter(
        cooperative=cooperative, status=ApplicationStatus.PENDING
    ).count()


def share_requests(
    *, cooperative: Cooperative, member: Member | None = None, status: str | None = None
) -> list[ShareRequest]:
    qs = ShareRequest.objects.filter(cooperative=cooperative).select_related(
        "member__college__share_class"
    )
    if member is not None:
        qs = qs.filter(member=member)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("requested_on", "id"))


def member_movements(*, member: Member) -> list[ShareMovement]:
    return list(
        ShareMovement.objects.filter(member=member)
        .select_related("share_class", "counterparty")
        .order_by("effective_on", "id")
    )


@dataclass(frozen=True)
class RegisterRow:
    register_number: int
    name: str
    is_organisation: bool
    college_code: str
    college_name: str
    admitted_on: dt.date
    status: str
    left_on: dt.date | None
    shares: int
    capital: Money


def member_register(*, cooperative: Cooperative) -> list[RegisterRow]:
    """The legal member register: every member ever admitted, in register-number order."""
    members = (
        Member.objects.filter(cooperative=cooperative)
        .select_related("college__share_class")
        .annotate(shares=Sum("movements__quantity"))
        .order_by("register_number")
    )
    rows = []
    for m in members:
        shares = int(m.shares or 0)
        rows.append(
            RegisterRow(
                register_number=m.register_number,
                name=m.display_name,
                is_organisation=m.is_organisation,
                college_code=m.college.code,
                college_name=m.college.localized("name"),
                admitted_on=m.admitted_on,
                status=m.status,
                left_on=m.left_on,
                shares=shares,
                capital=Money(shares * m.college.share_class.nominal_minor, cooperative.currency),
            )
        )
    return rows


def capital_register(*, cooperative: Cooperative) -> list[ShareMovement]:
    """The legal capital register: every subscription, transfer and redemption, in order."""
    return list(
        ShareMovement.objects.filter(cooperative=cooperative)
        .select_related("member", "share_class", "counterparty")
        .order_by("effective_on", "id")
    )


def capital_total(*, cooperative: Cooperative) -> Money:
    total = 0
    for row in (
        ShareMovement.objects.filter(cooperative=cooperative)
        .values("nominal_minor")
        .annotate(q=Sum("quantity"))
    ):
        total += int(row["q"] or 0) * int(row["nominal_minor"])
    return Money(total, cooperative.currency)


def member_count(*, cooperative: Cooperative) -> int:
    return Member.objects.filter(cooperative=cooperative, status=MemberStatus.ACTIVE).count()
