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
        "college__share_class", "user", "decided_by", "member"
    )
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("created_at", "id"))


def application_for_user(
    *, cooperative: Cooperative, user: User | AnonymousUser
) -> Application | None:
    if not user.is_authenticated:
        return None
    return (
        Application.objects.filter(cooperative=cooperative, user_id=user.pk)
        .select_related("college__share_class", "user", "member")
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

    @property
    def status_label(self) -> str:
        return str(MemberStatus(self.status).label)


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


def active_members(*, cooperative: Cooperative) -> list[Member]:
    """Current members in register-number order (for pickers such as the transfer form)."""
    return list(
        Member.objects.filter(cooperative=cooperative, status=MemberStatus.ACTIVE)
        .select_related("college")
        .order_by("register_number")
    )


def member_by_register_number(*, cooperative: Cooperative, register_number: int) -> Member | None:
    return (
        Member.objects.select_related("college__share_class", "cooperative")
        .filter(cooperative=cooperative, register_number=register_number)
        .first()
    )


# --- Reads for the interfaces (API and web) ---------------------------------------------------


def application_for_viewer(
    *, cooperative: Cooperative, application_id: int, viewer: User | AnonymousUser
) -> Application:
    """One application, seen by the board or by its applicant; anyone else gets "not found"."""
    from coopwork.core.selectors import user_roles

    from .errors import ApplicationNotFound

    application = (
        Application.objects.select_related(
            "college__share_class", "user", "member", "decided_by", "cooperative"
        )
        .filter(cooperative=cooperative, pk=application_id)
        .first()
    )
    if application is None or not viewer.is_authenticated:
        raise ApplicationNotFound()
    if application.user_id != viewer.pk and "board" not in user_roles(
        user=viewer, cooperative=cooperative
    ):
        raise ApplicationNotFound()
    return application


def current_member(*, cooperative: Cooperative, user: User | AnonymousUser) -> Member:
    """The user's active membership of ``cooperative``; ``not_a_member`` otherwise."""
    from .errors import NotAMember

    member = member_for_user(cooperative=cooperative, user=user)
    if member is None or member.status != MemberStatus.ACTIVE:
        raise NotAMember()
    return member


@dataclass(frozen=True)
class MembershipOverview:
    member: Member | None
    shares: int
    capital: Money
    movements: list[ShareMovement]
    share_requests: list[ShareRequest]
    application: Application | None  # the latest one, whatever its status


def membership_overview(
    *, cooperative: Cooperative, user: User | AnonymousUser
) -> MembershipOverview:
    """What a user sees of their own relation to a co-op: membership, history, requests and their
    latest application. Someone who is neither a member (past or present) nor an applicant gets
    ``not_a_member``."""
    from .errors import NotAMember

    member = member_for_user(cooperative=cooperative, user=user)
    application = application_for_user(cooperative=cooperative, user=user)
    if member is None and application is None:
        raise NotAMember()
    if member is None:
        return MembershipOverview(None, 0, Money(0, cooperative.currency), [], [], application)
    shares = holding(member=member)
    nominal = member.college.share_class.nominal_minor
    return MembershipOverview(
        member=member,
        shares=shares,
        capital=Money(shares * nominal, cooperative.currency),
        movements=member_movements(member=member),
        share_requests=share_requests(cooperative=cooperative, member=member),
        application=application,
    )


@dataclass(frozen=True)
class PublicProfile:
    cooperative: Cooperative
    colleges: list[College]  # annotated with ``active_members``
    colleges_weighted: bool
    admission_body: str
    member_count: int


def public_profile(*, cooperative: Cooperative) -> PublicProfile:
    """What anyone may see of a co-op: its texts, colleges, share terms and how to join."""
    from coopwork.core.selectors import parameter_value

    return PublicProfile(
        cooperative=cooperative,
        colleges=colleges(cooperative=cooperative),
        colleges_weighted=bool(parameter_value(cooperative=cooperative, key="colleges_weighted")),
        admission_body=str(parameter_value(cooperative=cooperative, key="admission_body")),
        member_count=member_count(cooperative=cooperative),
    )
