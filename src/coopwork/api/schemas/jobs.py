"""The marketplace's jobs: booking requests (one schema per kind), quotes, jobs and receipts.

Money goes out as ``{minor, currency}``; ratios as ``"n/d"`` strings. Amounts a client sets when
booking (a shift's hourly rate, a task's fixed price) are integer minor units of the co-op's
currency, named ``*_minor``. Times must carry a UTC offset; coordinates must be finite and on
the globe. Quantities are strict integers, checked by the marketplace (``quantity_invalid``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator, RootModel, field_validator

from coopwork.core.money import Money
from coopwork.marketplace import booking, lifecycle

from .common import MAX_ID, In, LongText, MoneyOut, Name, NoNul, Quantity

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from coopwork.marketplace.models import Assignment, Case, Job, Message, Rating, Statement
    from coopwork.marketplace.pricing import Quote
    from coopwork.marketplace.selectors import CancellationPreview, JobView

# --- Bounded inputs ------------------------------------------------------------------------------


def _text_only(value: object) -> object:
    # A number would be read as a Unix timestamp: times are ISO 8601 text with a UTC offset.
    if not isinstance(value, str):
        raise ValueError("give an ISO 8601 date and time with a UTC offset")
    return value


When = Annotated[AwareDatetime, BeforeValidator(_text_only)]
Address = Annotated[str, Field(min_length=1, max_length=300), NoNul]
Skill = Annotated[str, Field(max_length=60), NoNul]
Category = Annotated[str, Field(min_length=1, max_length=60), NoNul]
ClockCode = Annotated[str, Field(max_length=20), NoNul]
Signature = Annotated[str, Field(max_length=200_000), NoNul]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, allow_inf_nan=False)]
UserId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID, description="A user's id.")]
Score = Annotated[int, Field(strict=True, description="1 to 5.")]
MessageText = Annotated[str, Field(max_length=4000), NoNul]
Summary = Annotated[str, Field(max_length=300), NoNul]
StatementText = Annotated[str, Field(max_length=20_000), NoNul]
Vehicle = Literal["foot", "bike", "cargo_bike", "scooter", "car", "van"]
JobStatus = Literal[
    "requested",
    "open",
    "assigned",
    "en_route",
    "started",
    "completed",
    "approved",
    "settled",
    "cancelled",
    "no_show",
    "disputed",
]


class PlaceIn(In):
    address: Address
    lat: Latitude
    lon: Longitude

    def to_domain(self) -> booking.Place:
        return booking.Place(self.address, self.lat, self.lon)


class _BookingIn(In):
    description: LongText = ""
    business: bool = Field(
        False, strict=True, description="Book as a business (invoiced per period)."
    )
    draft: bool = Field(
        False,
        strict=True,
        description="Keep it as a draft (status ``requested``), priced and frozen today but "
        "hidden from workers until published (``POST .../transitions/publish``).",
    )


class ShiftIn(_BookingIn):
    """A temp shift: positions at a site, paid by the hour."""

    kind: Literal["shift"]
    title: Name = ""
    site_name: Name
    place: PlaceIn
    starts_at: When
    ends_at: When = Field(description="At most 16 hours after the start.")
    hourly_rate_minor: Quantity = Field(
        description="Billed per hour and position, in minor units of the co-op's currency."
    )
    positions: Quantity = Field(1, description="1 to 50.")
    break_minutes: Quantity = 0
    skills: list[Skill] = Field(default_factory=list, max_length=50)

    def to_domain(self) -> booking.ShiftRequest:
        return booking.ShiftRequest(
            title=self.title,
            site_name=self.site_name,
            place=self.place.to_domain(),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            hourly_rate_minor=self.hourly_rate_minor,
            positions=self.positions,
            break_minutes=self.break_minutes,
            skills=list(self.skills),
            description=self.description,
        )


class RideIn(_BookingIn):
    """A ride from pick-up to drop-off, at an upfront fare."""

    kind: Literal["ride"]
    pickup: PlaceIn
    dropoff: PlaceIn
    starts_at: When
    passengers: Quantity = Field(1, description="1 to 8.")
    vehicle: Vehicle = "car"

    def to_domain(self) -> booking.RideRequest:
        return booking.RideRequest(
            pickup=self.pickup.to_domain(),
            dropoff=self.dropoff.to_domain(),
            starts_at=self.starts_at,
            passengers=self.passengers,
            vehicle=self.vehicle,
            description=self.description,
        )


class DeliveryIn(_BookingIn):
    """A parcel picked up and delivered within time windows, ending with a proof."""

    kind: Literal["delivery"]
    pickup: PlaceIn
    dropoff: PlaceIn
    parcel_size: Literal["S", "M", "L"]
    weight_g: Quantity = Field(description="1 g to 200 kg.")
    pickup_from: When
    pickup_until: When
    dropoff_from: When
    dropoff_until: When
    proof_kind: Literal["photo", "signature", "code"] = "code"

    def to_domain(self) -> booking.DeliveryRequest:
        return booking.DeliveryRequest(
            pickup=self.pickup.to_domain(),
            dropoff=self.dropoff.to_domain(),
            parcel_size=self.parcel_size,
            weight_g=self.weight_g,
            pickup_from=self.pickup_from,
            pickup_until=self.pickup_until,
            dropoff_from=self.dropoff_from,
            dropoff_until=self.dropoff_until,
            proof_kind=self.proof_kind,
            description=self.description,
        )


class TaskIn(_BookingIn):
    """A home service (cleaning, repairs) at a fixed price or by the hour."""

    kind: Literal["task"]
    title: Name = ""
    category: Category
    place: PlaceIn
    starts_at: When
    ends_at: When
    mode: Literal["fixed", "hourly"]
    fixed_price_minor: Quantity | None = Field(
        None, description="Fixed mode: the price in minor units."
    )
    estimated_hours: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = Field(
        None, description='Hourly mode: 0.5 to 12, e.g. "2.5".'
    )
    skills: list[Skill] = Field(default_factory=list, max_length=50)

    def to_domain(self) -> booking.TaskRequest:
        return booking.TaskRequest(
            title=self.title,
            category=self.category,
            place=self.place.to_domain(),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            mode=self.mode,
            fixed_price_minor=self.fixed_price_minor,
            estimated_hours=self.estimated_hours,
            skills=list(self.skills),
            description=self.description,
        )


class BookingIn(
    RootModel[Annotated[ShiftIn | RideIn | DeliveryIn | TaskIn, Field(discriminator="kind")]]
):
    """What to book: ``kind`` is ``shift``, ``ride``, ``delivery`` or ``task``, with that kind's
    fields."""

    def to_domain(self) -> booking.BookingRequest:
        return self.root.to_domain()

    @property
    def business(self) -> bool:
        return self.root.business

    @property
    def draft(self) -> bool:
        return self.root.draft


class ClockInIn(In):
    code: ClockCode = Field("", description="Shifts: the code the site gives on arrival.")


class ClockOutIn(In):
    code: ClockCode = Field("", description="Shifts: the shift's code, as at clock-in.")
    proof_code: ClockCode = Field("", description="Deliveries with a code: the recipient's code.")
    signature: Signature = Field(
        "", description="Deliveries with a signature: the signature (data URL) or the name."
    )


class ReasonIn(In):
    reason: Annotated[str, Field(max_length=300), NoNul] = ""


class WorkerIn(In):
    worker_id: UserId


class RatingIn(In):
    ratee_id: UserId
    score: Score
    comment: Annotated[str, Field(max_length=2000), NoNul] = ""


class MessageIn(In):
    body: MessageText


class CaseIn(In):
    kind: Literal["incident", "dispute"]
    summary: Summary
    statement: StatementText


class StatementIn(In):
    text: StatementText


# --- Outputs -------------------------------------------------------------------------------------


def _money(minor: int, currency: str) -> MoneyOut:
    return MoneyOut(minor=int(minor), currency=currency)


def person_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


class PersonOut(Schema):
    id: int
    name: str

    @classmethod
    def of(cls, user: User) -> PersonOut:
        return cls(id=user.pk, name=person_name(user))


class PriceLineOut(Schema):
    code: str = Field(description="base, distance, duration, hours, zone, time_window, minimum…")
    amount: MoneyOut
    detail: str


class SplitOut(Schema):
    net: MoneyOut = Field(description="The price before tax: worker's part + co-op's part.")
    worker: MoneyOut
    coop: MoneyOut
    vat: MoneyOut
    total: MoneyOut = Field(description="What the client pays: net + VAT.")
    commission_rate: str = Field(description='The co-op\'s part of the net price, "n/d".')
    vat_rate: str = Field(description='"n/d".')


class QuoteOut(Schema):
    currency: str
    lines: list[PriceLineOut]
    split: SplitOut

    @classmethod
    def of_dict(cls, quote: dict[str, Any]) -> QuoteOut:
        cur = quote["currency"]
        split = quote["split"]
        return cls(
            currency=cur,
            lines=[
                PriceLineOut(
                    code=line["code"], amount=_money(line["amount"], cur), detail=line["detail"]
                )
                for line in quote["lines"]
            ],
            split=SplitOut(
                net=_money(split["net"], cur),
                worker=_money(split["worker"], cur),
                coop=_money(split["coop"], cur),
                vat=_money(split["vat"], cur),
                total=_money(split["total"], cur),
                commission_rate=split["commission_rate"],
                vat_rate=split["vat_rate"],
            ),
        )

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        return cls.of_dict(quote.as_dict())


def canonical(value: Any) -> Any:
    """Free-form JSON with its object keys sorted: the same bytes whether it comes from Python
    or back from PostgreSQL's jsonb (which reorders keys), so a replayed answer is identical."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


class TermOut(Schema):
    value: Any = Field(description='The parameter\'s value (ratios as "n/d").')
    version: int | None = Field(description="The parameter version; null: the default.")
    source: str
    ref: str
    effective_from: dt.date | None = None

    @field_validator("value")
    @classmethod
    def _canonical(cls, value: Any) -> Any:
        return canonical(value)


def _terms(terms: dict[str, Any]) -> dict[str, TermOut]:
    return {
        key: TermOut(
            value=term["value"],
            version=term.get("version"),
            source=term.get("source", ""),
            ref=term.get("ref", ""),
            effective_from=term.get("effective_from"),
        )
        for key, term in sorted(terms.items())
    }


class ReceiptWorkerOut(Schema):
    worker_id: int
    name: str
    hours: str = Field(description='Paid hours, as a decimal string ("7.50").')
    engaged_seconds: int
    sent_home_early: bool
    net: MoneyOut
    pay: MoneyOut
    topup: MoneyOut = Field(description="The pay-floor top-up from the solidarity fund.")


class ReceiptAdjustmentOut(Schema):
    """A dispute's decision changed the job's price (outcome adjust)."""

    case_id: int
    net_before: MoneyOut = Field(description="What the settlement would have charged before VAT.")
    total_before: MoneyOut = Field(description="What the client would have paid, VAT included.")


class JobReceiptOut(Schema):
    """The one receipt client and workers both see."""

    kind: str = Field(
        description="quote (not settled yet), settlement, or cancellation (a late-cancellation "
        "charge)."
    )
    currency: str
    booked: QuoteOut = Field(description="The price frozen at booking.")
    net: MoneyOut
    worker: MoneyOut
    coop: MoneyOut
    vat: MoneyOut
    total: MoneyOut
    topup: MoneyOut
    workers: list[ReceiptWorkerOut]
    terms: dict[str, TermOut] = Field(description="The parameters it was computed under.")
    adjustment: ReceiptAdjustmentOut | None = Field(
        None,
        description="Set when a dispute's decision adjusted the price: the amounts above are the "
        "adjusted ones, these are the ones they replaced.",
    )

    @field_validator("terms")
    @classmethod
    def _sorted_terms(cls, terms: dict[str, TermOut]) -> dict[str, TermOut]:
        return dict(sorted(terms.items()))

    @classmethod
    def of(cls, data: dict[str, Any]) -> JobReceiptOut:
        cur = data["currency"]
        return cls(
            kind=data["kind"],
            currency=cur,
            booked=QuoteOut.of_dict(data["booked"]),
            net=_money(data["net"], cur),
            worker=_money(data["worker"], cur),
            coop=_money(data["coop"], cur),
            vat=_money(data["vat"], cur),
            total=_money(data["total"], cur),
            topup=_money(data["topup"], cur),
            workers=[
                ReceiptWorkerOut(
                    worker_id=w["worker"],
                    name=w["name"],
                    hours=str(w["hours"]),
                    engaged_seconds=w["engaged_seconds"],
                    sent_home_early=bool(w["sent_home_early"]),
                    net=_money(w["net"], cur),
                    pay=_money(w["pay"], cur),
                    topup=_money(w["topup"], cur),
                )
                for w in data["workers"]
            ],
            terms=_terms(data["terms"]),
            adjustment=ReceiptAdjustmentOut(
                case_id=int(adjusted["case"]),
                net_before=_money(adjusted["net_before"], cur),
                total_before=_money(adjusted["total_before"], cur),
            )
            if (adjusted := data.get("adjustment"))
            else None,
        )

    @classmethod
    def of_job(cls, job: Job) -> JobReceiptOut:
        from coopwork.marketplace.selectors import receipt

        return cls.of(receipt(job=job))


class ShiftDetailOut(Schema):
    kind: Literal["shift"] = "shift"
    site_name: str
    break_minutes: int
    hourly_rate: MoneyOut = Field(description="Billed per hour and position.")


class RideDetailOut(Schema):
    kind: Literal["ride"] = "ride"
    passengers: int


class DeliveryDetailOut(Schema):
    kind: Literal["delivery"] = "delivery"
    parcel_size: str
    weight_g: int
    pickup_from: dt.datetime
    pickup_until: dt.datetime
    dropoff_from: dt.datetime
    dropoff_until: dt.datetime
    proof_kind: str
    delivered_at: dt.datetime | None


class TaskDetailOut(Schema):
    kind: Literal["task"] = "task"
    category: str
    mode: str
    fixed_price: MoneyOut | None
    estimated_hours: str | None


DetailOut = Annotated[
    ShiftDetailOut | RideDetailOut | DeliveryDetailOut | TaskDetailOut,
    Field(discriminator="kind"),
]


def detail_of(job: Job) -> DetailOut | None:
    cur = job.currency
    if job.kind == "shift" and (shift := getattr(job, "shift", None)) is not None:
        return ShiftDetailOut(
            site_name=shift.site_name,
            break_minutes=shift.break_minutes,
            hourly_rate=_money(shift.hourly_rate_minor, cur),
        )
    if job.kind == "ride" and (ride := getattr(job, "ride", None)) is not None:
        return RideDetailOut(passengers=ride.passengers)
    if job.kind == "delivery" and (d := getattr(job, "delivery", None)) is not None:
        return DeliveryDetailOut(
            parcel_size=d.parcel_size,
            weight_g=d.weight_g,
            pickup_from=d.pickup_from,
            pickup_until=d.pickup_until,
            dropoff_from=d.dropoff_from,
            dropoff_until=d.dropoff_until,
            proof_kind=d.proof_kind,
            delivered_at=d.delivered_at,
        )
    if job.kind == "task" and (task := getattr(job, "task", None)) is not None:
        return TaskDetailOut(
            category=task.category,
            mode=task.mode,
            fixed_price=(
                _money(task.fixed_price_minor, cur) if task.fixed_price_minor is not None else None
            ),
            estimated_hours=f"{Decimal(task.estimated_hours):.2f}"
            if task.estimated_hours is not None
            else None,
        )
    return None


class PointOut(Schema):
    lat: float
    lon: float


class ZoneRefOut(Schema):
    code: str
    name: str


class TransitionOut(Schema):
    name: str
    label: str
    target: str


def transitions_of(transitions: list[lifecycle.Transition]) -> list[TransitionOut]:
    return [TransitionOut(name=t.name, label=str(t.label), target=t.target) for t in transitions]


def status_label(status: str) -> str:
    return str(lifecycle.STATE_LABELS.get(status, status))


class JobSummaryOut(Schema):
    """A job in a list: what, where, when, and for how much."""

    id: int
    reference: str
    kind: str
    status: str
    status_label: str
    title: str
    address: str
    dropoff_address: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    positions: int
    skills: list[str]
    zone: ZoneRefOut | None
    distance_m: int
    duration_s: int
    total: MoneyOut = Field(description="What the client pays, frozen at booking.")
    pay_per_position: MoneyOut = Field(description="The worker's part of one position.")

    @classmethod
    def of(cls, job: Job) -> JobSummaryOut:
        split = job.quote["split"]
        cur = job.currency
        pay = Money(split["worker"], cur).allocate([1] * max(job.positions, 1))[0]
        return cls(
            id=job.pk,
            reference=job.reference,
            kind=job.kind,
            status=job.status,
            status_label=status_label(job.status),
            title=job.title,
            address=job.address,
            dropoff_address=job.dropoff_address,
            starts_at=job.starts_at,
            ends_at=job.ends_at,
            positions=job.positions,
            skills=list(job.skills),
            zone=ZoneRefOut(code=job.zone.code, name=job.zone.name) if job.zone else None,
            distance_m=job.distance_m,
            duration_s=job.duration_s,
            total=_money(split["total"], cur),
            pay_per_position=MoneyOut.of(pay),
        )


class AssignmentOut(Schema):
    id: int
    job_id: int
    worker: PersonOut
    status: str = Field(description="active, waitlisted, released, removed, no_show, cancelled.")
    slot: int | None
    manual: bool = Field(description="Assigned by a coordinator.")
    assigned_at: dt.datetime | None
    clock_in_at: dt.datetime | None
    clock_out_at: dt.datetime | None
    sent_home_early: bool
    engaged_seconds: int
    waiting_seconds: int
    pay: MoneyOut
    topup: MoneyOut

    @classmethod
    def of(cls, a: Assignment, currency: str | None = None) -> AssignmentOut:
        cur = currency or a.job.currency
        return cls(
            id=a.pk,
            job_id=a.job_id,
            worker=PersonOut.of(a.worker),
            status=a.status,
            slot=a.slot,
            manual=a.manual,
            assigned_at=a.assigned_at,
            clock_in_at=a.clock_in_at,
            clock_out_at=a.clock_out_at,
            sent_home_early=a.sent_home_early,
            engaged_seconds=a.engaged_seconds,
            waiting_seconds=a.waiting_seconds,
            pay=_money(a.pay_minor, cur),
            topup=_money(a.topup_minor, cur),
        )


class CodesOut(Schema):
    """Shown to the client's side only, while the job is live: the worker gets them on site."""

    clock_code: str = Field(description="Shifts: the code workers clock in with.")
    proof_code: str = Field(description="Deliveries with a code: the recipient gives it.")


def codes_of(job: Job) -> CodesOut:
    delivery = getattr(job, "delivery", None) if job.kind == "delivery" else None
    return CodesOut(
        clock_code=job.clock_code, proof_code=delivery.proof_code if delivery is not None else ""
    )


class CancellationOut(Schema):
    """What cancelling now would charge the client (the same rule as the cancel action)."""

    reason: str = Field(description="none, late_shift (minimum hours) or assigned (a fee).")
    net: MoneyOut
    vat: MoneyOut
    total: MoneyOut
    hours: int
    workers: int

    @classmethod
    def of(cls, preview: CancellationPreview, currency: str) -> CancellationOut:
        return cls(
            reason=preview.reason,
            net=_money(preview.net, currency),
            vat=_money(preview.vat, currency),
            total=_money(preview.total, currency),
            hours=preview.hours,
            workers=preview.workers,
        )


class RatingOut(Schema):
    id: int
    job_id: int
    rater_id: int
    ratee_id: int
    score: int
    comment: str
    created_at: dt.datetime

    @classmethod
    def of(cls, rating: Rating) -> RatingOut:
        return cls(
            id=rating.pk,
            job_id=rating.job_id,
            rater_id=rating.rater_id,
            ratee_id=rating.ratee_id,
            score=rating.score,
            comment=rating.comment,
            created_at=rating.created_at,
        )


class StatementOut(Schema):
    id: int
    side: str
    author: PersonOut
    text: str
    has_evidence: bool
    created_at: dt.datetime

    @classmethod
    def of(cls, statement: Statement) -> StatementOut:
        return cls(
            id=statement.pk,
            side=statement.side,
            author=PersonOut.of(statement.author),
            text=statement.text,
            has_evidence=bool(statement.evidence),
            created_at=statement.created_at,
        )


class CaseOut(Schema):
    id: int
    job_id: int
    kind: str
    status: str
    summary: str
    opened_by: PersonOut
    outcome: str
    decision: str
    adjusted_net: MoneyOut | None = Field(
        None,
        description="With the outcome adjust: the job's price before VAT that the decision set, "
        "and that its settlement charged and paid.",
    )
    decided_at: dt.datetime | None
    created_at: dt.datetime
    respond_by: dt.datetime | None = Field(
        None,
        description="Until when the parties who have not made a statement are waited for "
        "(case_response_hours after the opening). Before then, a coordinator may decide only "
        "once the client and every worker on the job have made a statement "
        "(409 case_response_pending otherwise).",
    )
    statements: list[StatementOut]

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        return cls(
            id=case.pk,
            job_id=case.job_id,
            kind=case.kind,
            status=case.status,
            summary=case.summary,
            opened_by=PersonOut.of(case.opened_by),
            outcome=case.outcome,
            decision=case.decision,
            adjusted_net=_money(case.adjusted_net_minor, case.job.currency)
            if case.adjusted_net_minor is not None
            else None,
            decided_at=case.decided_at,
            created_at=case.created_at,
            respond_by=case.respond_by,
            statements=[StatementOut.of(s) for s in case.statements.all()],
        )


class MessageOut(Schema):
    id: int
    sender: PersonOut
    body: str
    created_at: dt.datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.pk,
            sender=PersonOut.of(message.sender),
            body=message.body,
            created_at=message.created_at,
        )


class JobOut(JobSummaryOut):
    """A job as its viewer may see it. The people on it (client, workers, coordinators) see
    everything below; a worker who may take the open job sees what, where, when and the pay, and
    ``client``, ``assignments``, ``receipt``, ``ratings`` and ``cases`` stay empty."""

    description: str
    location: PointOut
    dropoff: PointOut | None
    vehicle_required: str
    business: bool
    detail: DetailOut | None
    quote: QuoteOut = Field(description="The price and split frozen at booking.")
    terms: dict[str, TermOut] = Field(description="The parameters in force at booking.")

    @field_validator("terms")
    @classmethod
    def _sorted_terms(cls, terms: dict[str, TermOut]) -> dict[str, TermOut]:
        return dict(sorted(terms.items()))

    booked_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    cancelled_by: str
    cancellation_fee: MoneyOut
    roles: list[str] = Field(description="The caller's roles on this job.")
    transitions: list[TransitionOut] = Field(
        description="The lifecycle transitions the caller's roles allow from the current state."
    )
    can_claim: bool = Field(description="A worker not on the job may claim it.")
    client: PersonOut | None
    assignments: list[AssignmentOut] = Field(description="Positions held, then the waiting list.")
    codes: CodesOut | None
    receipt: JobReceiptOut | None
    cancellation: CancellationOut | None = Field(
        description="What cancelling now would charge, when the caller may cancel."
    )
    ratings: list[RatingOut] = Field(description="Ratings published (double-blind).")
    cases: list[CaseOut]

    @classmethod
    def _base(cls, job: Job) -> dict[str, Any]:
        summary = JobSummaryOut.of(job).model_dump()
        dropoff = None
        if job.dropoff_lat is not None and job.dropoff_lon is not None:
            dropoff = PointOut(lat=job.dropoff_lat, lon=job.dropoff_lon)
        return {
            **summary,
            "description": job.description,
            "location": PointOut(lat=job.lat, lon=job.lon),
            "dropoff": dropoff,
            "vehicle_required": job.vehicle_required,
            "business": job.client_is_business,
            "detail": detail_of(job),
            "quote": QuoteOut.of_dict(job.quote),
            "terms": _terms(job.terms),
            "booked_at": job.booked_at,
            "started_at": job.started_at,
            "completed_at": job.completed_at,
            "cancelled_by": job.cancelled_by,
            "cancellation_fee": _money(job.cancellation_fee_minor, job.currency),
        }

    @classmethod
    def of_view(cls, view: JobView) -> JobOut:
        job = view.job
        cur = job.currency
        return cls(
            **cls._base(job),
            roles=sorted(view.roles),
            transitions=transitions_of(view.transitions),
            can_claim=view.can_claim,
            client=PersonOut.of(job.client) if view.involved else None,
            assignments=[AssignmentOut.of(a, cur) for a in view.assignments],
            codes=codes_of(job) if view.show_codes else None,
            receipt=JobReceiptOut.of(view.receipt) if view.receipt is not None else None,
            cancellation=(
                CancellationOut.of(view.cancellation, cur) if view.cancellation else None
            ),
            ratings=[RatingOut.of(r) for r in view.ratings],
            cases=[CaseOut.of(c) for c in view.cases],
        )

    @classmethod
    def booked(cls, job: Job) -> JobOut:
        """The job its client just booked: open, nobody on it yet."""
        roles = {"client"}
        return cls(
            **cls._base(job),
            roles=sorted(roles),
            transitions=transitions_of(
                lifecycle.available(state=job.status, kind=job.kind, roles=roles)
            ),
            can_claim=False,
            client=PersonOut.of(job.client),
            assignments=[],
            codes=codes_of(job),
            receipt=JobReceiptOut.of_job(job),
            cancellation=None,
            ratings=[],
            cases=[],
        )


class JobStateOut(Schema):
    """A job after an action: its state, and its receipt (settled or charged when it applies)."""

    id: int
    reference: str
    kind: str
    status: str
    status_label: str
    cancelled_by: str
    cancellation_fee: MoneyOut
    receipt: JobReceiptOut

    @classmethod
    def of(cls, job: Job) -> JobStateOut:
        return cls(
            id=job.pk,
            reference=job.reference,
            kind=job.kind,
            status=job.status,
            status_label=status_label(job.status),
            cancelled_by=job.cancelled_by,
            cancellation_fee=_money(job.cancellation_fee_minor, job.currency),
            receipt=JobReceiptOut.of_job(job),
        )
