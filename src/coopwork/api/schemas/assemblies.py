"""General assemblies: convocation, agenda, proxies, postal votes, attendance and votes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Schema

from .common import MAX_ID, In, Name, NoNul

if TYPE_CHECKING:
    from coopwork.governance.models import AgendaItem, Assembly, AssemblyAttendance, Proxy
    from coopwork.governance.selectors import MyAssembly

ItemText = Annotated[str, Field(max_length=20_000), NoNul]
Place = Annotated[str, Field(max_length=300), NoNul]
Url = Annotated[str, Field(max_length=500), NoNul]
ParamKey = Annotated[str, Field(max_length=80), NoNul]
MemberId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
ItemNumber = Annotated[int, Field(strict=True, ge=1, le=50)]
Choice = Literal["yes", "no", "abstain", "blank"]


# --- Inputs ------------------------------------------------------------------------------------


class ItemIn(In):
    title: Name
    text: ItemText = ""
    kind: Literal["ordinary", "extraordinary"] = Field(
        "ordinary", description="'extraordinary' for a statute change."
    )
    parameter_key: ParamKey = Field("", description="A governed parameter the resolution sets.")
    parameter_value: Any = Field(None, description="Its new value (as GET /parameters shows).")
    effective_from: dt.date | None = Field(None, description="The day the new value applies.")
    application_id: MemberId | None = Field(
        None, description="Or: a pending application the assembly decides on (admission)."
    )


class ConveneIn(In):
    kind: Literal["ordinary", "extraordinary"]
    title: Name
    starts_at: dt.datetime = Field(description="With a time zone; at least the notice ahead.")
    place: Place = ""
    remote_url: Url = ""
    postal_cutoff: dt.datetime | None = Field(
        None, description="Postal votes close then (default: the day before)."
    )
    first_convocation_id: MemberId | None = Field(
        None, description="For a second convocation: the first one, which failed its quorum."
    )
    items: list[ItemIn] = Field(
        default_factory=list, max_length=50, description="Empty for a second convocation."
    )


class ProxyIn(In):
    holder_member_id: MemberId = Field(description="The member who will vote for you.")


class PostalVotesIn(In):
    votes: dict[str, Choice] = Field(
        description="Item number -> yes, no, abstain or blank.", max_length=50
    )


class AttendanceIn(In):
    member_id: MemberId
    mode: Literal["in_person", "remote"] = "in_person"


class VoteIn(In):
    choice: Choice
    on_behalf_of: MemberId | None = Field(
        None, description="The member id of a member whose proxy you hold."
    )


# --- Outputs -----------------------------------------------------------------------------------


class ItemOut(Schema):
    number: int
    title: str
    text: str
    kind: str
    parameter_key: str
    parameter_value: Any
    effective_from: dt.date | None
    status: str
    adopted: bool | None
    result: dict[str, Any]
    resolution_reference: str
    application_id: int | None

    @classmethod
    def of(cls, item: AgendaItem) -> ItemOut:
        return cls(
            number=item.number,
            title=item.title,
            text=item.text,
            kind=item.kind,
            parameter_key=item.parameter_key,
            parameter_value=item.parameter_value,
            effective_from=item.effective_from,
            status=item.status,
            adopted=item.adopted,
            result=item.result,
            resolution_reference=item.resolution_reference,
            application_id=item.application_id,
        )


class AssemblyOut(Schema):
    id: int
    kind: str
    convocation: int
    first_convocation_id: int | None
    title: str
    starts_at: dt.datetime
    place: str
    remote_url: str
    postal_cutoff: dt.datetime
    status: str
    notice_days: int
    quorum: str
    quorum_required: int | None
    present: int | None
    quorum_reached: bool | None
    quorum_detail: dict[str, Any]
    items: list[ItemOut]

    @classmethod
    def of(cls, a: Assembly) -> AssemblyOut:
        return cls(
            id=a.pk,
            kind=a.kind,
            convocation=a.convocation,
            first_convocation_id=a.first_convocation_id,
            title=a.title,
            starts_at=a.starts_at,
            place=a.place,
            remote_url=a.remote_url,
            postal_cutoff=a.postal_cutoff,
            status=a.status,
            notice_days=a.notice_days,
            quorum=a.quorum,
            quorum_required=a.quorum_required,
            present=a.present,
            quorum_reached=a.quorum_reached,
            quorum_detail=a.quorum_detail,
            items=[ItemOut.of(i) for i in a.items.order_by("number")],
        )


class AssemblySummaryOut(Schema):
    id: int
    kind: str
    convocation: int
    title: str
    starts_at: dt.datetime
    status: str

    @classmethod
    def of(cls, a: Assembly) -> AssemblySummaryOut:
        return cls(
            id=a.pk,
            kind=a.kind,
            convocation=a.convocation,
            title=a.title,
            starts_at=a.starts_at,
            status=a.status,
        )


class ProxyOut(Schema):
    id: int
    giver_member_id: int
    holder_member_id: int
    holder_name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, p: Proxy) -> ProxyOut:
        return cls(
            id=p.pk,
            giver_member_id=p.giver_id,
            holder_member_id=p.holder_id,
            holder_name=p.holder.display_name,
            created_at=p.created_at,
            revoked_at=p.revoked_at,
        )


class AttendanceOut(Schema):
    member_id: int
    mode: str
    checked_in_at: dt.datetime

    @classmethod
    def of(cls, a: AssemblyAttendance) -> AttendanceOut:
        return cls(member_id=a.member_id, mode=a.mode, checked_in_at=a.checked_in_at)


class VoteOut(Schema):
    item: int
    member_id: int
    cast_by_member_id: int
    channel: str
    choice: str


class MyPartOut(Schema):
    eligible: bool
    member_id: int | None
    votes: dict[str, str]
    postal_votes: dict[str, str]
    proxy_given_to: int | None
    proxies_held_from: list[int]
    proxy_cap: int
    attendance: str | None

    @classmethod
    def of(cls, mine: MyAssembly) -> MyPartOut:
        return cls(
            eligible=mine.eligible,
            member_id=mine.member.pk if mine.member else None,
            votes={str(k): v for k, v in mine.votes.items()},
            postal_votes={str(k): v for k, v in mine.postal_votes.items()},
            proxy_given_to=mine.proxy_given.holder_id if mine.proxy_given else None,
            proxies_held_from=[p.giver_id for p in mine.proxies_held],
            proxy_cap=mine.proxy_cap,
            attendance=mine.attendance.mode if mine.attendance else None,
        )


class AssemblyDetailOut(AssemblyOut):
    mine: MyPartOut | None = None
