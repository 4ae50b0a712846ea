"""The coordinator's side of the marketplace: the live board, hand assignment, case decisions,
business invoices and service zones; and everyone's in-app notifications."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Schema

from coopwork.core.money import Money
from coopwork.marketplace import lifecycle
from coopwork.marketplace.models import AssignmentStatus

from .common import MAX_ID, In, MoneyOut, Name, NoNul
from .jobs import AssignmentOut, JobSummaryOut, PersonOut, UserId, status_label

if TYPE_CHECKING:
    from coopwork.marketplace.models import Invoice, Job, Notification, Zone

# --- Inputs --------------------------------------------------------------------------------------


class AssignIn(In):
    worker_id: UserId
    replace_worker_id: UserId | None = Field(
        None, description="The worker whose position the new one takes (a full job)."
    )


class DecideIn(In):
    outcome: Literal["uphold", "adjust", "noted", ""] = Field(
        description="uphold: the job stands as completed; adjust: price adjusted; noted: "
        'incident noted; "": no change.'
    )
    decision: Annotated[str, Field(max_length=5000), NoNul] = Field(description="The reasons.")
    adjusted_net_minor: Annotated[int, Field(strict=True)] | None = Field(
        None,
        description="With the outcome adjust (a dispute whose job is not settled yet), and only "
        "then: the job's new price before VAT, in minor units of the co-op's currency. The "
        "co-op's part, VAT and the workers' parts follow from it under the job's frozen terms, "
        "and the pay-floor top-up still applies. From 0 to twice the booked or timesheet price "
        "before VAT (400 adjustment_out_of_range); required with adjust (400 "
        "adjustment_required); refused otherwise (409 adjustment_not_allowed).",
    )


class InvoiceIn(In):
    client_id: UserId
    period_start: dt.date
    period_end: dt.date


ZoneCode = Annotated[str, Field(max_length=40), NoNul]
Vertex = Annotated[list[float], Field(min_length=2, max_length=2)]


class ZoneIn(In):
    code: ZoneCode = Field(description="Letters, digits, - or _.")
    name: Name
    polygon: list[Vertex] = Field(
        max_length=1000, description="3 to 1,000 points, each [latitude, longitude]."
    )


class NotificationsReadIn(In):
    ids: list[Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]] | None = Field(
        None, max_length=500, description="The notifications to mark read; null: all of mine here."
    )


# --- Outputs -------------------------------------------------------------------------------------


class BoardJobOut(JobSummaryOut):
    workers: list[AssignmentOut]
    assignable: bool

    @classmethod
    def of_job(cls, job: Job) -> BoardJobOut:
        return cls(
            **JobSummaryOut.of(job).model_dump(),
            workers=[
                AssignmentOut.of(a, job.currency)
                for a in job.assignments.all()
                if a.status == AssignmentStatus.ACTIVE
            ],
            assignable=job.status in (lifecycle.OPEN, lifecycle.ASSIGNED),
        )


class BoardColumnOut(Schema):
    status: str
    label: str
    jobs: list[BoardJobOut]


class BoardOut(Schema):
    columns: list[BoardColumnOut] = Field(
        description="Every status, with its live jobs (and those finished in the last two days)."
    )

    @classmethod
    def of(cls, board: dict[str, list[Job]]) -> BoardOut:
        return cls(
            columns=[
                BoardColumnOut(
                    status=status,
                    label=status_label(status),
                    jobs=[BoardJobOut.of_job(j) for j in board.get(status, [])],
                )
                for status in lifecycle.STATES
            ]
        )


class InvoiceLineOut(Schema):
    job_id: int
    reference: str
    title: str
    kind: str
    date: dt.date
    status: str
    net: MoneyOut
    vat: MoneyOut
    total: MoneyOut


class InvoiceOut(Schema):
    id: int
    number: int
    client: PersonOut
    period_start: dt.date
    period_end: dt.date
    issued_at: dt.datetime
    net: MoneyOut
    vat: MoneyOut
    total: MoneyOut
    lines: list[InvoiceLineOut]

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        cur = invoice.currency
        return cls(
            id=invoice.pk,
            number=invoice.number,
            client=PersonOut.of(invoice.client),
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            issued_at=invoice.issued_at,
            net=MoneyOut.of(Money(invoice.net_minor, cur)),
            vat=MoneyOut.of(Money(invoice.vat_minor, cur)),
            total=MoneyOut.of(Money(invoice.total_minor, cur)),
            lines=[
                InvoiceLineOut(
                    job_id=line["job"],
                    reference=line["reference"],
                    title=line["title"],
                    kind=line["kind"],
                    date=dt.date.fromisoformat(line["date"]),
                    status=line["status"],
                    net=MoneyOut.of(Money(int(line["net"]), cur)),
                    vat=MoneyOut.of(Money(int(line["vat"]), cur)),
                    total=MoneyOut.of(Money(int(line["total"]), cur)),
                )
                for line in invoice.lines
            ],
        )


class ZoneOut(Schema):
    code: str
    name: str
    polygon: list[list[float]] = Field(description="[[latitude, longitude], …]")

    @classmethod
    def of(cls, zone: Zone) -> ZoneOut:
        return cls(code=zone.code, name=zone.name, polygon=zone.polygon)


class NotificationOut(Schema):
    id: int
    kind: str
    message: str = Field(description="What it says, in the language of the request.")
    params: dict[str, Any] = Field(description="What the message is built from (e.g. the title).")
    text: str = Field(description="The text stored with it (a title, a message's first words).")
    job_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def of(cls, notification: Notification) -> NotificationOut:
        return cls(
            id=notification.pk,
            kind=notification.kind,
            message=notification.message,
            params=notification.params or {},
            text=notification.text,
            job_id=notification.job_id,
            created_at=notification.created_at,
            read_at=notification.read_at,
        )


class MarkedOut(Schema):
    marked: int = Field(description="How many notifications were marked read.")
