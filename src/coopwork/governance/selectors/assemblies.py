"""Reads of general assemblies: who takes part, who is present or represented, the quorum rule,
college weights, and the pages members and the board see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from coopwork.core.models import Cooperative
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import parameter_value, user_roles
from coopwork.governance import errors
from coopwork.governance.assembly_rules import count_heads, proxy_cap
from coopwork.governance.models.assemblies import (
    AgendaItem,
    Assembly,
    AssemblyAttendance,
    AssemblyStatus,
    AssemblyVote,
    Proxy,
    VoteChannel,
)
from coopwork.governance.tallying import AssemblyRule, assembly_rule
from coopwork.members.models import College, Member, MemberStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

__all__ = [
    "AttendanceSummary",
    "MyAssembly",
    "assembly_attendance_summary",
    "assembly_eligible_members",
    "assembly_for_viewer",
    "assembly_list",
    "assembly_quorum_rule",
    "assembly_register",
    "college_weights_for",
    "my_assembly",
]


def assembly_eligible_members(*, assembly: Assembly) -> QuerySet[Member]:
    """The members who take part: active, and on the register on the day it was convened."""
    convened_on = timezone.localdate(assembly.convened_at)
    return Member.objects.filter(
        cooperative_id=assembly.cooperative_id,
        status=MemberStatus.ACTIVE,
        admitted_on__lte=convened_on,
    )


def assembly_quorum_rule(*, assembly: Assembly) -> AssemblyRule:
    """The quorum and default majority of this convocation, from the co-op's parameters in force
    on the day of the assembly (ordinary: 1/5 then none; extraordinary: 1/4 then 1/5)."""
    on = timezone.localdate(assembly.starts_at)
    coop = assembly.cooperative
    if assembly.kind == "ordinary":
        pair = (parameter_value(cooperative=coop, key="quorum_ordinary_first", on=on), 0)
    else:
        pair = (
            parameter_value(cooperative=coop, key="quorum_extraordinary_first", on=on),
            parameter_value(cooperative=coop, key="quorum_extraordinary_second", on=on),
        )
    return assembly_rule(assembly.kind, assembly.convocation, quorum=pair)


def college_weights_for(*, cooperative: Cooperative, on: dt.date) -> dict[str, Fraction] | None:
    """The college weights to count with, or None (one member, one vote): weights apply when the
    co-op weights its colleges (``colleges_weighted``) and every college has a weight."""
    if not parameter_value(cooperative=cooperative, key="colleges_weighted", on=on):
        return None
    rows = list(College.objects.filter(cooperative=cooperative).values_list("code", "weight"))
    if not rows or any(weight is None for _code, weight in rows):
        return None
    return {code: Fraction(str(weight)) for code, weight in rows}


@dataclass(frozen=True)
class AttendanceSummary:
    """Heads present or represented (each member counted once)."""

    eligible: int
    in_person: int
    remote: int
    represented: int  # by a proxy holder who is present
    postal: int  # voted by post and neither attending nor represented
    present: int

    def as_dict(self) -> dict[str, int]:
        return {
            "eligible": self.eligible,
            "in_person": self.in_person,
            "remote": self.remote,
            "represented": self.represented,
            "postal": self.postal,
            "present": self.present,
        }


def assembly_attendance_summary(
    *, assembly: Assembly, item: AgendaItem | None = None
) -> AttendanceSummary:
    """Who counts for the quorum: members present (in person or remote), represented by a present
    proxy holder, or who voted by post (on ``item`` when given, else on any item)."""
    eligible_ids = set(assembly_eligible_members(assembly=assembly).values_list("pk", flat=True))
    attending = dict(
        AssemblyAttendance.objects.filter(assembly=assembly).values_list("member_id", "mode")
    )
    proxies = Proxy.objects.filter(assembly=assembly, revoked_at__isnull=True).values_list(
        "giver_id", "holder_id"
    )
    postal_qs = AssemblyVote.objects.filter(channel=VoteChannel.POSTAL)
    postal_qs = (
        postal_qs.filter(item=item)
        if item is not None
        else postal_qs.filter(item__assembly=assembly)
    )
    heads = count_heads(
        eligible=eligible_ids,
        attending=attending,
        proxies=list(proxies),
        postal=set(postal_qs.values_list("member_id", flat=True)),
    )
    return AttendanceSummary(**heads.__dict__)


# --- Pages ------------------------------------------------------------------------------------


def _can_see(cooperative: Cooperative, viewer: User | AnonymousUser | None) -> set[str]:
    require_authenticated(user=viewer)
    return require_role(user=viewer, cooperative=cooperative, roles={"member", "board", "admin"})


def assembly_list(
    *, cooperative: Cooperative, viewer: User | AnonymousUser | None
) -> list[Assembly]:
    """Every assembly of the co-op, the most recent first (members, board, admin)."""
    _can_see(cooperative, viewer)
    return list(
        Assembly.objects.filter(cooperative=cooperative)
        .annotate(item_count=Count("items"))
        .order_by("-starts_at", "-id")
    )


def assembly_for_viewer(
    *, cooperative: Cooperative, assembly_id: int, viewer: User | AnonymousUser | None
) -> Assembly:
    """One assembly with its agenda (members, board, admin); a foreign id is "not found"."""
    _can_see(cooperative, viewer)
    assembly = (
        Assembly.objects.select_related("cooperative", "first_convocation")
        .prefetch_related(Prefetch("items", queryset=AgendaItem.objects.order_by("number")))
        .filter(cooperative=cooperative, pk=assembly_id)
        .first()
    )
    if assembly is None:
        raise errors.AssemblyNotFound()
    return assembly


@dataclass(frozen=True)
class MyAssembly:
    """What one member sees of an assembly: their own part in it."""

    member: Member | None
    eligible: bool
    postal_votes: dict[int, str] = field(default_factory=dict)  # item number -> choice
    votes: dict[int, str] = field(default_factory=dict)  # every vote counted as mine
    proxy_given: Proxy | None = None
    proxies_held: list[Proxy] = field(default_factory=list)
    attendance: AssemblyAttendance | None = None
    proxy_cap: int = 1
    holders: list[Member] = field(default_factory=list)  # members I may give a proxy to
    voted_for: dict[int, set[int]] = field(default_factory=dict)  # giver -> items voted for them


def my_assembly(*, assembly: Assembly, user: User | AnonymousUser | None) -> MyAssembly:
    """The viewer's membership, postal votes, proxies and attendance at ``assembly``."""
    require_authenticated(user=user)
    assert user is not None
    eligible = assembly_eligible_members(assembly=assembly)
    member = eligible.select_related("college").filter(user_id=int(user.pk or 0)).first()
    if member is None:
        return MyAssembly(member=None, eligible=False)
    votes = list(
        AssemblyVote.objects.filter(item__assembly=assembly, member=member).values_list(
            "item__number", "choice", "channel"
        )
    )
    held = list(
        Proxy.objects.select_related("giver")
        .filter(assembly=assembly, holder=member, revoked_at__isnull=True)
        .order_by("giver__register_number")
    )
    voted_for: dict[int, set[int]] = {p.giver_id: set() for p in held}
    for giver, number in AssemblyVote.objects.filter(
        item__assembly=assembly, member_id__in=list(voted_for)
    ).values_list("member_id", "item__number"):
        voted_for[giver].add(number)
    count = eligible.count()
    return MyAssembly(
        member=member,
        eligible=True,
        postal_votes={n: c for n, c, ch in votes if ch == VoteChannel.POSTAL},
        votes={n: c for n, c, _ch in votes},
        proxy_given=Proxy.objects.select_related("holder")
        .filter(assembly=assembly, giver=member, revoked_at__isnull=True)
        .first(),
        proxies_held=held,
        attendance=AssemblyAttendance.objects.filter(assembly=assembly, member=member).first(),
        proxy_cap=proxy_cap(count),
        holders=list(
            eligible.exclude(pk=member.pk)
            .exclude(
                pk__in=Proxy.objects.filter(assembly=assembly, revoked_at__isnull=True).values(
                    "giver_id"
                )
            )
            .order_by("register_number")
        ),
        voted_for=voted_for,
    )


@dataclass(frozen=True)
class AssemblyRegister:
    """The board's view (and the minutes'): attendance, proxies and counts."""

    assembly: Assembly
    members: list[Member]
    attendance: dict[int, AssemblyAttendance]
    proxies: list[Proxy]
    postal_voters: set[int]
    summary: AttendanceSummary
    vote_counts: dict[int, int]  # item number -> votes recorded
    extra: dict[str, Any] = field(default_factory=dict)


def assembly_register(
    *, cooperative: Cooperative, assembly_id: int, viewer: User | AnonymousUser | None
) -> AssemblyRegister:
    """Everything the chair needs: the members entitled, who is present, proxies, postal voters
    and the votes recorded on each item (board and admin; members see the minutes)."""
    roles = _can_see(cooperative, viewer)
    assembly = assembly_for_viewer(cooperative=cooperative, assembly_id=assembly_id, viewer=viewer)
    if not roles & {"board", "admin"} and assembly.status not in (
        AssemblyStatus.CLOSED,
        AssemblyStatus.FAILED,
    ):
        require_role(user=viewer, cooperative=cooperative, roles={"board", "admin"})
    members = list(
        assembly_eligible_members(assembly=assembly)
        .select_related("college")
        .order_by("register_number")
    )
    attendance = {a.member_id: a for a in AssemblyAttendance.objects.filter(assembly=assembly)}
    proxies = list(
        Proxy.objects.select_related("giver", "holder")
        .filter(assembly=assembly)
        .order_by("created_at", "id")
    )
    postal = set(
        AssemblyVote.objects.filter(
            item__assembly=assembly, channel=VoteChannel.POSTAL
        ).values_list("member_id", flat=True)
    )
    counts = dict(
        AgendaItem.objects.filter(assembly=assembly)
        .annotate(n=Count("votes", filter=Q(votes__isnull=False)))
        .values_list("number", "n")
    )
    return AssemblyRegister(
        assembly=assembly,
        members=members,
        attendance=attendance,
        proxies=proxies,
        postal_voters=postal,
        summary=assembly_attendance_summary(assembly=assembly),
        vote_counts=counts,
    )


def viewer_roles(*, cooperative: Cooperative, viewer: User | AnonymousUser | None) -> set[str]:
    return user_roles(user=viewer, cooperative=cooperative)
