"""Writes of the marketplace: booking, claiming, the job lifecycle, settlement with the pay floor,
cancellations with the minimum-hours guarantee, ratings, messages, cases and invoices.

Every change of state goes through one function here. Each runs in one transaction, checks who may
do it (the job's client, its workers, the co-op's coordinators, or the system), writes an audit
entry and publishes a live event after commit. Claims lock the job row, and a unique constraint on
(job, slot) backs that up, so a position is never given twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from coopwork.core.audit import audit_append, audit_seal_after_commit
from coopwork.core.errors import CoopError
from coopwork.core.events import Event, publish
from coopwork.core.locks import advisory_xact_lock
from coopwork.core.models import Cooperative, RoleName
from coopwork.core.money import Money
from coopwork.core.parameters import parse_ratio
from coopwork.core.permissions import require_authenticated, require_role
from coopwork.core.selectors import parameter_in_force, parameters_in_force, user_roles
from coopwork.ledger.services import LegSpec, credit, debit, transaction_post

from . import claim_sql, errors, lifecycle, tasks
from .booking import (
    BookingRequest,
    DeliveryRequest,
    RideRequest,
    ShiftRequest,
    TaskRequest,
    check_point,
    check_range,
    check_times,
)
from .geo import Point, point_in_polygon
from .models import (
    Assignment,
    AssignmentStatus,
    AvailabilityException,
    Case,
    DeliveryDetail,
    Invoice,
    Job,
    Message,
    Notification,
    Offer,
    OfferStatus,
    Rating,
    RideDetail,
    ShiftDetail,
    Statement,
    TaskDetail,
    Vehicle,
    WeeklySlot,
    WorkerProfile,
    Zone,
)
from .pricing import (
    PriceInput,
    PriceRules,
    Quote,
    pay_floor_topup,
    quote,
    share_adjusted_net,
    split_price,
)
from .routing import route

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)

TERMS_KEYS = (
    "commission_rate",
    "vat_rate",
    "pay_floor_hourly",
    "minimum_paid_hours",
    "late_cancellation_hours",
    "cancellation_fee",
    "timesheet_auto_approve_hours",
    "rating_publish_days",
    "clock_in_tolerance_minutes",
    "vehicle_speeds_kmh",
)
POSITION_MIN_INTERVAL_S = 3
ZONE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# Transitions with no side effect beyond the state (see ``job_transition``).
PLAIN_TRANSITIONS = frozenset({"publish", "depart", "no_show", "close_no_show"})


# --- Terms: the parameters a job is priced and paid under, frozen at booking --------------------


def terms_in_force(*, cooperative: Cooperative, kind: str, on: dt.date) -> dict[str, Any]:
    """Every parameter a job depends on, with the version and decision it comes from."""
    return {
        p.spec.key: {
            "value": p.spec.dump(p.value),
            "version": p.version_id,
            "source": p.source,
            "ref": p.source_ref,
            "effective_from": p.effective_from.isoformat() if p.effective_from else None,
        }
        for p in parameters_in_force(
            cooperative=cooperative, on=on, keys=(*TERMS_KEYS, f"pricing_{kind}")
        )
    }


def _term(job_terms: dict[str, Any], key: str) -> Any:
    return job_terms[key]["value"]


def _ratio(job_terms: dict[str, Any], key: str) -> Fraction:
    return parse_ratio(_term(job_terms, key))


def _rules(job_terms: dict[str, Any], kind: str, currency: str) -> PriceRules:
    return PriceRules.from_dict({**_term(job_terms, f"pricing_{kind}"), "currency": currency})


# --- Service areas ------------------------------------------------------------------------------


@transaction.atomic
def zone_create(
    *,
    cooperative: Cooperative,
    code: str,
    name: str,
    polygon: list[list[float]],
    actor: User | None,
) -> Zone:
    """Add a service area: a polygon of [lat, lon] points. Once a co-op has zones, bookings must
    start inside one of them. Coordinators, the board and admins (or the system) may add one."""
    if actor is not None:
        require_role(
            user=actor,
            cooperative=cooperative,
            roles={RoleName.COORDINATOR, RoleName.BOARD, RoleName.ADMIN},
        )
    code = code.strip().lower()
    name = name.strip()
    if not ZONE_CODE.fullmatch(code) or not name or len(name) > 120:
        raise errors.ZoneInvalid()
    if not isinstance(polygon, list) or not 3 <= len(polygon) <= 1000:
        raise errors.ZoneInvalid()
    points: list[list[float]] = []
    for vertex in polygon:
        if not isinstance(vertex, list | tuple) or len(vertex) != 2:
            raise errors.ZoneInvalid()
        try:
            point = Point(float(vertex[0]), float(vertex[1]))
        except (TypeError, ValueError):
            raise errors.ZoneInvalid() from None
        points.append([point.lat, point.lon])
    if Zone.objects.filter(cooperative=cooperative, code=code).exists():
        raise errors.ZoneExists()
    zone = Zone.objects.create(cooperative=cooperative, code=code, name=name, polygon=points)
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="zone.created",
        target=zone,
        data={"code": code, "name": name, "vertices": len(points)},
    )
    return zone


# --- Booking ----------------------------------------------------------------------------------


def _zone_for(cooperative: Cooperative, point: Point) -> Zone | None:
    zones = list(Zone.objects.filter(cooperative=cooperative))
    if not zones:
        return None  # a co-op without zones serves everywhere
    for zone in zones:
        if point_in_polygon(point, [tuple(v) for v in zone.polygon]):
            return zone
    raise errors.OutsideServiceArea()


def _service_zone(cooperative: Cooperative, fields: dict[str, Any]) -> Zone | None:
    """The pick-up's zone; a drop-off must lie in the service area too."""
    zone = _zone_for(cooperative, Point(fields["lat"], fields["lon"]))
    if fields.get("dropoff_lat") is not None:
        _zone_for(cooperative, Point(fields["dropoff_lat"], fields["dropoff_lon"]))
    return zone


def _hours(start: dt.datetime, end: dt.datetime, break_minutes: int = 0) -> Fraction:
    seconds = int((end - start).total_seconds()) - break_minutes * 60
    return Fraction(max(seconds, 0), 3600)


def _plan(
    cooperative: Cooperative, request: BookingRequest, job_terms: dict[str, Any], now: dt.datetime
) -> tuple[dict[str, Any], PriceInput, PriceRules]:
    """Validate a request and derive the job's fields and price input. Pure checks plus routing."""
    speeds = _term(job_terms, "vehicle_speeds_kmh")
    rules = _rules(job_terms, request.kind, cooperative.currency)
    fields: dict[str, Any] = {"description": request.description.strip()[:5000]}
    if isinstance(request, ShiftRequest):
        check_times(request.starts_at, request.ends_at, now=now, max_hours=16)
        check_range("positions", request.positions, 1, 50)
        check_range("hourly_rate_minor", request.hourly_rate_minor, 1, 1_000_000)
        duration_min = int((request.ends_at - request.starts_at).total_seconds() // 60)
        check_range("break_minutes", request.break_minutes, 0, max(duration_min - 1, 0))
        point = check_point(request.place.lat, request.place.lon)
        hours = _hours(request.starts_at, request.ends_at, request.break_minutes)
        rules = PriceRules.from_dict({**rules.as_dict(), "per_hour": request.hourly_rate_minor})
        fields.update(
            title=request.title.strip()[:200] or request.site_name,
            address=request.place.address,
            lat=point.lat,
            lon=point.lon,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            positions=request.positions,
            skills=sorted({s.strip().lower() for s in request.skills if s.strip()}),
            duration_s=int(hours * 3600),
        )
        price_input = PriceInput(start=request.starts_at, hours=hours, positions=request.positions)
        return fields, price_input, rules
    if isinstance(request, RideRequest | DeliveryRequest):
        a = check_point(request.pickup.lat, request.pickup.lon)
        b = check_point(request.dropoff.lat, request.dropoff.lon)
        if isinstance(request, RideRequest):
            check_range("passengers", request.passengers, 1, 8)
            if request.vehicle not in Vehicle.values:
                raise errors.VehicleMismatch()
            vehicle = request.vehicle
            start = request.starts_at
        else:
            check_range("weight_g", request.weight_g, 1, 200_000)
            if request.parcel_size not in DeliveryDetail.Size.values:
                raise errors.QuantityAbsurd(field="parcel_size", minimum="S", maximum="L")
            if request.proof_kind not in DeliveryDetail.Proof.values:
                raise errors.ProofMissing(kind=request.proof_kind)
            check_times(request.pickup_from, request.pickup_until, now=now, max_hours=24)
            check_times(request.dropoff_from, request.dropoff_until, now=now, max_hours=48)
            if request.dropoff_until < request.pickup_from:
                raise errors.TimesInvalid(reason=_("the drop-off window ends before pick-up"))
            vehicle = {"S": "bike", "M": "cargo_bike", "L": "van"}[request.parcel_size]
            start = request.pickup_from
        check_times(start, start + dt.timedelta(minutes=1), now=now, max_hours=1)
        leg = route(a, b, vehicle=vehicle, speeds=speeds)
        if leg.distance_m > 500_000:
            raise errors.QuantityAbsurd(field="distance_km", minimum=0, maximum=500)
        end = (
            request.dropoff_until
            if isinstance(request, DeliveryRequest)
            else start + dt.timedelta(seconds=leg.duration_s)
        )
        fields.update(
            title=f"{request.pickup.address} → {request.dropoff.address}"[:200],
            address=request.pickup.address,
            lat=a.lat,
            lon=a.lon,
            dropoff_address=request.dropoff.address,
            dropoff_lat=b.lat,
            dropoff_lon=b.lon,
            starts_at=start,
            ends_at=end,
            vehicle_required=vehicle if request.kind == "ride" else "",
            distance_m=leg.distance_m,
            duration_s=leg.duration_s,
        )
        return (
            fields,
            PriceInput(start=start, distance_m=leg.distance_m, duration_s=leg.duration_s),
            rules,
        )
    if isinstance(request, TaskRequest):
        check_times(request.starts_at, request.ends_at, now=now, max_hours=12)
        point = check_point(request.place.lat, request.place.lon)
        if request.mode == TaskDetail.Mode.FIXED:
            if request.fixed_price_minor is None:
                raise errors.QuantityAbsurd(
                    field="fixed_price_minor", minimum=1, maximum=10_000_000
                )
            check_range("fixed_price_minor", request.fixed_price_minor, 1, 10_000_000)
            price_input = PriceInput(start=request.starts_at, fixed=request.fixed_price_minor)
            hours = _hours(request.starts_at, request.ends_at)
        elif request.mode == TaskDetail.Mode.HOURLY:
            estimate = Decimal(str(request.estimated_hours or 0))
            check_range("estimated_hours", estimate, Decimal("0.5"), Decimal(12))
            hours = Fraction(estimate)
            price_input = PriceInput(start=request.starts_at, hours=hours)
        else:
            raise errors.KindUnknown()
        fields.update(
            title=request.title.strip()[:200] or request.category,
            address=request.place.address,
            lat=point.lat,
            lon=point.lon,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            skills=sorted({s.strip().lower() for s in request.skills if s.strip()}),
            duration_s=int(hours * 3600),
        )
        return fields, price_input, rules
    raise errors.KindUnknown()


def _localised(price_input: PriceInput, zone: Zone | None) -> PriceInput:
    """Time windows are local time: price the start in the installation's time zone, whatever
    zone the request gave it in (and the job's start, read back from the database, is UTC)."""
    return PriceInput(
        **{
            **price_input.__dict__,
            "start": timezone.localtime(price_input.start),
            "zone": zone.code if zone is not None else price_input.zone,
        }
    )


def _create_detail(job: Job, request: BookingRequest) -> None:
    if isinstance(request, ShiftRequest):
        ShiftDetail.objects.create(
            job=job,
            site_name=request.site_name.strip()[:200],
            break_minutes=request.break_minutes,
            hourly_rate_minor=request.hourly_rate_minor,
        )
    elif isinstance(request, RideRequest):
        RideDetail.objects.create(job=job, passengers=request.passengers)
    elif isinstance(request, DeliveryRequest):
        DeliveryDetail.objects.create(
            job=job,
            parcel_size=request.parcel_size,
            weight_g=request.weight_g,
            pickup_from=request.pickup_from,
            pickup_until=request.pickup_until,
            dropoff_from=request.dropoff_from,
            dropoff_until=request.dropoff_until,
            proof_kind=request.proof_kind,
            proof_code=f"{secrets.randbelow(10**4):04d}" if request.proof_kind == "code" else "",
        )
    else:
        TaskDetail.objects.create(
            job=job,
            category=request.category.strip()[:60],
            mode=request.mode,
            fixed_price_minor=request.fixed_price_minor,
            estimated_hours=request.estimated_hours,
        )


def job_quote(
    *, cooperative: Cooperative, request: BookingRequest, now: dt.datetime | None = None
) -> Quote:
    """The upfront price and its breakdown, before booking. Writes nothing."""
    now = now or timezone.now()
    job_terms = terms_in_force(
        cooperative=cooperative, kind=request.kind, on=timezone.localdate(now)
    )
    fields, price_input, rules = _plan(cooperative, request, job_terms, now)
    zone = _service_zone(cooperative, fields)
    price_input = _localised(price_input, zone)
    return quote(
        rules,
        price_input,
        commission_rate=_ratio(job_terms, "commission_rate"),
        vat_rate=_ratio(job_terms, "vat_rate"),
    )


@transaction.atomic
def job_book(
    *,
    cooperative: Cooperative,
    client: User,
    request: BookingRequest,
    business: bool = False,
    auto_dispatch: bool = False,
    draft: bool = False,
    now: dt.datetime | None = None,
) -> Job:
    """Book a job: price it under the parameters in force today, freeze price and terms on it,
    and open it to workers. A ``draft`` waits, requested, for its client (or a coordinator) to
    publish it (``job_transition(transition="publish")``); workers do not see it until then. Its
    price and terms are those of the day it was booked, as for any job."""
    require_authenticated(user=client)
    now = now or timezone.now()
    job_terms = terms_in_force(
        cooperative=cooperative, kind=request.kind, on=timezone.localdate(now)
    )
    fields, price_input, rules = _plan(cooperative, request, job_terms, now)
    zone = _service_zone(cooperative, fields)
    price_input = _localised(price_input, zone)
    priced = quote(
        rules,
        price_input,
        commission_rate=_ratio(job_terms, "commission_rate"),
        vat_rate=_ratio(job_terms, "vat_rate"),
    )
    job = Job.objects.create(
        cooperative=cooperative,
        kind=request.kind,
        client=client,
        client_is_business=business,
        zone=zone,
        currency=cooperative.currency,
        quote=priced.as_dict(),
        terms=job_terms,
        clock_code=f"{secrets.randbelow(10**6):06d}" if request.kind == "shift" else "",
        auto_dispatch=auto_dispatch and request.kind != "shift",
        status=lifecycle.REQUESTED if draft else lifecycle.OPEN,
        **fields,
    )
    _create_detail(job, request)
    audit_append(
        cooperative=cooperative,
        actor=client,
        action="job.booked",
        target=job,
        data={
            "kind": job.kind,
            "total": priced.split.total,
            "currency": job.currency,
            "terms": {k: v["version"] for k, v in job_terms.items()},
        },
    )
    if not draft:
        # The co-op's workers re-fetch their open jobs (an auto-dispatched job is offered
        # instead). A draft is announced when it is published.
        _announce(job, "job.opened", {"status": job.status}, workers=not job.auto_dispatch)
    return job


# --- Who is who on a job -----------------------------------------------------------------------


def job_roles(*, job: Job, user: User | None) -> set[str]:
    if user is None or not user.is_authenticated:
        return set()
    roles: set[str] = set()
    if job.client_id == user.pk:
        roles.add("client")
    if Assignment.objects.filter(
        job=job, worker_id=user.pk, status=AssignmentStatus.ACTIVE
    ).exists():
        roles.add("worker")
    if RoleName.COORDINATOR in user_roles(user=user, cooperative=job.cooperative):
        roles.add("coordinator")
    return roles


def _parties(job: Job) -> set[int]:
    """The people on a job: its client and the workers holding its positions (one query)."""
    return {job.client_id} | set(
        Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE).values_list(
            "worker_id", flat=True
        )
    )


def job_visible(*, job: Job, user: User | AnonymousUser | None) -> bool:
    """Whether ``user`` may know this job exists: its client, its workers (also past ones),
    coordinators, and workers who may take it while it is open. Reads and writes answer
    everyone else ``job_not_found``, as for another co-op's job, so they learn nothing."""
    if user is None or not user.is_authenticated:
        return False
    if job_roles(job=job, user=user):
        return True
    if Assignment.objects.filter(job=job, worker_id=user.pk).exists():
        return True
    if job.status not in (lifecycle.OPEN, lifecycle.ASSIGNED):
        return False
    return worker_may_take_jobs(cooperative=job.cooperative, user=user)


def worker_may_take_jobs(*, cooperative: Cooperative, user: User | AnonymousUser | None) -> bool:
    """Whether ``user`` holds the worker role in this co-op and has a worker profile there: who
    may know its open and assigned jobs (``job_visible``) and hear, in ``work_group``, that they
    changed."""
    if user is None or not user.is_authenticated:
        return False
    return (
        RoleName.WORKER in user_roles(user=user, cooperative=cooperative)
        and WorkerProfile.objects.filter(cooperative=cooperative, user_id=user.pk).exists()
    )


def work_group(cooperative_id: int) -> str:
    """The live group of a co-op's worker areas, for its workers who may take jobs
    (``worker_may_take_jobs``). An event that may change the open jobs or offers they see is
    *pinged* there: they get its name, never its payload (no job id, no status), and each
    re-fetches its own lists through the worker area's view, which applies what they may see
    (skills, vehicle, their offers)."""
    return f"work-{cooperative_id}"


def _not_yours(job: Job, user: User | None) -> CoopError:
    """The refusal for someone acting on a job that is not theirs: ``not_your_job`` (403) if they
    may see the job, ``job_not_found`` (404) if they may not even know it exists."""
    return errors.NotYourJob() if job_visible(job=job, user=user) else errors.JobNotFound()


def _lock_job(cooperative: Cooperative, job_id: int) -> Job:
    job = Job.objects.select_for_update().filter(cooperative=cooperative, pk=job_id).first()
    if job is None:
        raise errors.JobNotFound()
    return job


def _announce(
    job: Job,
    name: str,
    payload: dict[str, Any],
    extra: Iterable[str] = (),
    *,
    workers: bool = False,
) -> None:
    _announce_ids(job.pk, job.cooperative_id, name, payload, extra, workers=workers)


def _announce_ids(
    job_id: int,
    cooperative_id: int,
    name: str,
    payload: dict[str, Any],
    extra: Iterable[str] = (),
    *,
    workers: bool = False,
) -> None:
    """Publish a job's live event to its page, the coordinators and ``extra`` groups; with
    ``workers`` (the open jobs changed: opened, taken, reopened, cancelled…) the co-op's worker
    group is pinged too (the name only). No query: this runs on the claim's hot path."""
    audiences = (f"job-{job_id}", f"coop-{cooperative_id}-coordinator", *extra)
    pinged = (work_group(cooperative_id),) if workers else ()
    publish(Event(name, cooperative_id, {"job": job_id, **payload}, tuple(audiences), pinged))


def _move(
    job: Job,
    transition: str,
    *,
    actor: User | None,
    roles: set[str],
    data: dict[str, Any] | None = None,
    action: str | None = None,
) -> None:
    """Apply one lifecycle transition to a locked job: check, write, audit, announce.

    The audit entry is ``job.<transition>`` unless ``action`` names the change that caused it (a
    claim that fills the job is one ``job.claimed`` entry carrying the transition's states)."""
    ok, reason = lifecycle.allowed(transition, state=job.status, kind=job.kind, roles=roles)
    if not ok:
        if reason == "role":
            raise _not_yours(job, actor)
        raise errors.TransitionNotAllowed(
            transition=str(lifecycle.TRANSITIONS[transition].label).lower()
            if transition in lifecycle.TRANSITIONS
            else transition,
            state=str(lifecycle.STATE_LABELS.get(job.status, job.status)),
        )
    before = job.status
    job.status = lifecycle.TRANSITIONS[transition].target
    job.save(update_fields=["status", "updated_at"])
    audit_append(
        cooperative=job.cooperative,
        actor=actor,
        action=action or f"job.{transition}",
        target=job,
        data={"from": before, "to": job.status, **(data or {})},
    )
    # Into or out of OPEN (fill, reopen, cancel, a shift starting): the open jobs changed.
    _announce(
        job,
        f"job.{transition}",
        {"status": job.status, "from": before},
        workers=lifecycle.OPEN in (before, job.status),
    )


@transaction.atomic
def job_transition(
    *,
    cooperative: Cooperative,
    job_id: int,
    transition: str,
    actor: User | None,
    system: bool = False,
    now: dt.datetime | None = None,
) -> Job:
    """Apply a plain lifecycle transition (those without extra data): ``publish`` a draft,
    ``depart``, the whole job's ``no_show`` (not before the start and its clock-in tolerance)
    and ``close_no_show``.

    The others have their own service, which does what the transition implies: ``job_claim`` and
    ``job_assign`` fill, ``job_release`` reopens, ``job_clock_in`` starts, ``job_clock_out``
    completes, ``job_approve`` approves and settles, ``job_cancel`` pays late-cancellation
    minimums and fees, ``case_open`` disputes and ``case_decide`` resolves. Applying those here
    would skip the money, so they are refused with ``transition_not_allowed``.
    """
    now = now or timezone.now()
    job = _lock_job(cooperative, job_id)
    roles = {"system"} if system else job_roles(job=job, user=actor)
    if transition not in PLAIN_TRANSITIONS:
        raise errors.TransitionNotAllowed(
            transition=str(lifecycle.TRANSITIONS[transition].label).lower()
            if transition in lifecycle.TRANSITIONS
            else transition,
            state=str(lifecycle.STATE_LABELS.get(job.status, job.status)),
        )
    if transition == "no_show" and lifecycle.allowed(
        transition, state=job.status, kind=job.kind, roles=roles
    ) == (True, ""):
        # As for one worker (``job_worker_no_show``): not before the start and its tolerance.
        tolerance = int(_term(job.terms, "clock_in_tolerance_minutes"))
        if now < job.starts_at + dt.timedelta(minutes=tolerance):
            raise errors.TransitionNotAllowed(
                transition=str(lifecycle.TRANSITIONS[transition].label).lower(),
                state=str(lifecycle.STATE_LABELS[job.status]),
            )
    _move(job, transition, actor=actor, roles=roles)
    if transition == "publish":
        _announce(job, "job.opened", {"status": job.status})
    if transition == "no_show":
        Assignment.objects.filter(
            job=job, status=AssignmentStatus.ACTIVE, clock_in_at__isnull=True
        ).update(status=AssignmentStatus.NO_SHOW, slot=None)
    if transition == "close_no_show":
        Assignment.objects.filter(
            job=job, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED]
        ).update(status=AssignmentStatus.CANCELLED, slot=None)
    return job


@transaction.atomic
def job_worker_no_show(
    *,
    cooperative: Cooperative,
    job_id: int,
    worker_id: int,
    actor: User,
    now: dt.datetime | None = None,
) -> Job:
    """The client or a coordinator records that one worker did not come. Their position is
    freed (the first on the waiting list takes it), they are not paid, and when everyone else has
    finished the job completes, so the workers who came are paid."""
    now = now or timezone.now()
    job = _lock_job(cooperative, job_id)
    roles = job_roles(job=job, user=actor)
    if not roles & {"client", "coordinator"}:
        raise _not_yours(job, actor)
    assignment = (
        Assignment.objects.select_for_update()
        .filter(
            job=job, worker_id=worker_id, status=AssignmentStatus.ACTIVE, clock_in_at__isnull=True
        )
        .first()
    )
    if assignment is None:
        raise errors.NotYourJob()
    tolerance = int(_term(job.terms, "clock_in_tolerance_minutes"))
    if now < job.starts_at + dt.timedelta(minutes=tolerance) or job.status not in (
        lifecycle.OPEN,
        lifecycle.ASSIGNED,
        lifecycle.STARTED,
    ):
        raise errors.TransitionNotAllowed(
            transition="no-show", state=str(lifecycle.STATE_LABELS[job.status])
        )
    promoted = None
    if job.status == lifecycle.STARTED:
        # The shift is under way: the position is not offered again.
        assignment.status = AssignmentStatus.NO_SHOW
        assignment.slot = None
        assignment.save(update_fields=["status", "slot"])
    else:
        # Reopening the freed position is the consequence, not the client's own transition
        # (``reopen`` is not a client's to make), as completing is after ``job_send_home``.
        promoted = _free_position(job, assignment, AssignmentStatus.NO_SHOW, actor, {"system"})
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="job.worker_no_show",
        target=assignment,
        data={
            "job": job.pk,
            "worker": worker_id,
            "promoted": promoted.worker_id if promoted else None,
        },
    )
    promoted_to = (f"user-{promoted.worker_id}",) if promoted else ()
    _announce(job, "job.worker_no_show", {"status": job.status}, extra=promoted_to)
    if job.status == lifecycle.STARTED:
        _complete_if_done(job, actor, {"system"}, now)
    return job


# --- Workers: profiles and availability --------------------------------------------------------


@transaction.atomic
def worker_profile_save(
    *,
    cooperative: Cooperative,
    user: User,
    skills: list[str],
    vehicle: str,
    capacity_kg: int = 10,
    seats: int = 0,
    zone_codes: list[str] | None = None,
    active: bool = True,
) -> WorkerProfile:
    """Create or update the worker's own profile. Needs the worker role in the co-op."""
    require_role(user=user, cooperative=cooperative, roles={RoleName.WORKER})
    if vehicle not in Vehicle.values:
        raise errors.VehicleMismatch()
    check_range("capacity_kg", capacity_kg, 0, 2000)
    check_range("seats", seats, 0, 8)
    profile, created = WorkerProfile.objects.get_or_create(
        cooperative=cooperative,
        user=user,
        defaults={"calendar_token": secrets.token_urlsafe(24)},
    )
    profile.skills = sorted({s.strip().lower() for s in skills if s.strip()})[:50]
    profile.vehicle = vehicle
    profile.capacity_kg = capacity_kg
    profile.seats = seats
    profile.active = active
    profile.save()
    if zone_codes is not None:
        zones = list(Zone.objects.filter(cooperative=cooperative, code__in=zone_codes))
        if len(zones) != len(set(zone_codes)):
            raise errors.OutsideServiceArea()
        profile.zones.set(zones)
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="worker.profile_saved",
        target=profile,
        data={"skills": profile.skills, "vehicle": vehicle, "created": created},
    )
    return profile


@transaction.atomic
def worker_availability_set(
    *,
    cooperative: Cooperative,
    user: User,
    weekly: list[tuple[int, dt.time, dt.time]],
    exceptions: list[tuple[dt.date, bool, dt.time | None, dt.time | None, str]] | None = None,
) -> WorkerProfile:
    """Replace the worker's weekly plan (and, if given, their date exceptions)."""
    profile = _profile(cooperative, user)
    for weekday, start, end in weekly:
        check_range("weekday", weekday, 0, 6)
        if start >= end:
            raise errors.TimesInvalid(reason=_("a slot must end after it starts"))
    profile.weekly.all().delete()
    WeeklySlot.objects.bulk_create(
        WeeklySlot(profile=profile, weekday=d, start=s, end=e) for d, s, e in weekly
    )
    if exceptions is not None:
        profile.exceptions.all().delete()
        for day, available, ex_start, ex_end, note in exceptions:
            if available and (ex_start is None or ex_end is None or ex_start >= ex_end):
                raise errors.TimesInvalid(reason=_("give the hours you are available"))
            AvailabilityException.objects.create(
                profile=profile,
                date=day,
                available=available,
                start=ex_start,
                end=ex_end,
                note=note[:200],
            )
    audit_append(
        cooperative=cooperative,
        actor=user,
        action="worker.availability_set",
        target=profile,
        data={"weekly": len(weekly), "exceptions": len(exceptions or [])},
    )
    return profile


def _profile(cooperative: Cooperative, user: User) -> WorkerProfile:
    require_authenticated(user=user)
    profile = WorkerProfile.objects.filter(
        cooperative=cooperative, user_id=user.pk, active=True
    ).first()
    if profile is None or RoleName.WORKER not in user_roles(user=user, cooperative=cooperative):
        raise errors.NotAWorker()
    return profile


def _check_fit_values(
    *,
    job_skills: Iterable[str],
    vehicle_required: str,
    weight_g: int | None,
    skills: Iterable[str],
    vehicle: str,
    capacity_kg: int,
) -> None:
    """The worker's skills cover the job's, the vehicle matches, a parcel fits (``claim_sql``
    applies the same rules in SQL)."""
    missing = set(job_skills) - set(skills)
    if missing:
        raise errors.MissingSkills(skills=", ".join(sorted(missing)))
    if vehicle_required and vehicle_required != vehicle:
        raise errors.VehicleMismatch()
    if weight_g is not None and weight_g > capacity_kg * 1000:
        raise errors.VehicleMismatch()


def _check_fit(job: Job, profile: WorkerProfile) -> None:
    _check_fit_values(
        job_skills=job.skills,
        vehicle_required=job.vehicle_required,
        weight_g=DeliveryDetail.objects.get(job=job).weight_g if job.kind == "delivery" else None,
        skills=profile.skills,
        vehicle=profile.vehicle,
        capacity_kg=profile.capacity_kg,
    )


# --- Claiming, accepting, assigning -------------------------------------------------------------


def _open_slots(job: Job) -> list[int]:
    """The job's free positions, lowest first (one query)."""
    taken = set(
        Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE).values_list(
            "slot", flat=True
        )
    )
    return [slot for slot in range(1, job.positions + 1) if slot not in taken]


def _free_slot(job: Job) -> int | None:
    free = _open_slots(job)
    return free[0] if free else None


def _hold(
    job: Job, worker_id: int, slot: int, *, manual: bool, existing: Assignment | None = None
) -> Assignment:
    now = timezone.now()
    if existing is not None:
        existing.status = AssignmentStatus.ACTIVE
        existing.slot = slot
        existing.assigned_at = now
        existing.manual = manual
        existing.save(update_fields=["status", "slot", "assigned_at", "manual"])
        return existing
    return Assignment.objects.create(
        job=job,
        worker_id=worker_id,
        status=AssignmentStatus.ACTIVE,
        slot=slot,
        manual=manual,
        assigned_at=now,
    )


# A claimed assignment's columns and their defaults (``claim_sql`` inserts those defaults).
_ASSIGNMENT_COLUMNS = [f.attname for f in Assignment._meta.concrete_fields]
_ASSIGNMENT_DEFAULTS = {f.attname: f.get_default() for f in Assignment._meta.concrete_fields}
_ASSIGNMENT_WORKER = Assignment._meta.get_field("worker")


def job_claim(*, cooperative: Cooperative, job_id: int, worker: User) -> Assignment:
    """A worker takes a position. The first claim wins; on a full shift later claimants join the
    waiting list, on a full ride, delivery or task they are told it is taken.

    On PostgreSQL a job with one position (every ride, delivery and task, and one-position shifts)
    is claimed by one conditional statement (``claim_sql``): the same checks, the same rows, the
    same audit entries and the same live event as the locked path below, in one round trip; it
    also explains the usual refusals (taken, not a worker, skills, vehicle, already on it)
    without another query. Anything it cannot decide for certain (a waiting list, several
    positions, SQLite) goes through ``_claim_locked``.
    """
    require_authenticated(user=worker)
    if transaction.get_connection().vendor == "postgresql":
        for _attempt in range(2):  # a second time when the job was edited while the first waited
            claimed = _claim_one_statement(cooperative=cooperative, job_id=job_id, worker=worker)
            if claimed is not None:
                return claimed
    return _claim_locked(cooperative=cooperative, job_id=job_id, worker=worker)


def _claim_one_statement(
    *, cooperative: Cooperative, job_id: int, worker: User
) -> Assignment | None:
    """The one-statement claim. Returns the assignment, raises the refusal, or returns None when
    the answer needs the locked path."""
    now = timezone.now()
    conn = transaction.get_connection()
    try:
        if conn.in_atomic_block:  # inside a caller's transaction: a failure must not end it
            with transaction.atomic():
                out = claim_sql.claim_one_position(
                    cooperative=cooperative,
                    job_id=job_id,
                    worker_id=worker.pk,
                    worker_label=str(worker),
                    worker_name=_display_name(worker),
                    now=now,
                )
        else:
            out = claim_sql.claim_one_position(
                cooperative=cooperative,
                job_id=job_id,
                worker_id=worker.pk,
                worker_label=str(worker),
                worker_name=_display_name(worker),
                now=now,
            )
    except IntegrityError:  # a unique index refused the position: the locked path explains
        return None
    except claim_sql.StatementLost:  # prepared again on the next try
        return None
    if out.assignment_id is not None:
        audit_seal_after_commit(cooperative=cooperative)
        _announce_ids(
            job_id,
            cooperative.pk,
            "job.fill",
            {"status": claim_sql.FILL.target, "from": lifecycle.OPEN},
            workers=True,
        )
        # The statement stored the client's notification (``job.taken``) with the claim: they
        # hear it live after commit, and its e-mail goes with the outbox's next drain.
        if out.client_id is not None:
            _announce_notice(cooperative.pk, job_id, out.client_id, claim_sql.TAKEN, out.told_text)
        _email_outbox_after_commit()
        # The row the statement inserted, built as a query would load it (``from_db``): a third
        # of the cost of the keyword constructor, on every win.
        row = {
            **_ASSIGNMENT_DEFAULTS,
            "id": out.assignment_id,
            "job_id": job_id,
            "worker_id": worker.pk,
            "status": AssignmentStatus.ACTIVE,
            "slot": 1,
            "created_at": now,
            "assigned_at": now,
        }
        assignment = Assignment.from_db(
            conn.alias, _ASSIGNMENT_COLUMNS, [row[c] for c in _ASSIGNMENT_COLUMNS]
        )
        _ASSIGNMENT_WORKER.set_cached_value(assignment, worker)
        return assignment
    # Refusals, in the locked path's order.
    if not out.is_worker:
        raise errors.NotAWorker()
    if not out.job_found:
        raise errors.JobNotFound()
    if out.positions != 1 or not out.stable:
        return None
    if out.status not in (lifecycle.OPEN, lifecycle.ASSIGNED):
        raise errors.TransitionNotAllowed(
            transition="claim", state=str(lifecycle.STATE_LABELS[out.status])
        )
    _check_fit_values(
        job_skills=out.job_skills,
        vehicle_required=out.vehicle_required,
        weight_g=out.weight_g,
        skills=out.worker_skills,
        vehicle=out.worker_vehicle,
        capacity_kg=out.worker_capacity_kg,
    )
    if out.already_on_job:
        raise errors.AlreadyOnJob()
    if out.status == lifecycle.ASSIGNED and out.kind != "shift":
        raise errors.JobTaken()
    return None  # a full shift (waiting list): the locked path


@transaction.atomic
def _claim_locked(*, cooperative: Cooperative, job_id: int, worker: User) -> Assignment:
    """``job_claim`` through the ORM, the job locked with ``select_for_update``."""
    profile = _profile(cooperative, worker)
    job = _lock_job(cooperative, job_id)
    if job.status not in (lifecycle.OPEN, lifecycle.ASSIGNED):
        raise errors.TransitionNotAllowed(
            transition="claim", state=str(lifecycle.STATE_LABELS[job.status])
        )
    _check_fit(job, profile)
    if Assignment.objects.filter(
        job=job,
        worker_id=worker.pk,
        status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED],
    ).exists():
        raise errors.AlreadyOnJob()
    free = _open_slots(job)
    if not free:
        if job.kind != "shift":
            raise errors.JobTaken()
        assignment = Assignment.objects.create(
            job=job, worker_id=worker.pk, status=AssignmentStatus.WAITLISTED
        )
        audit_append(
            cooperative=cooperative,
            actor=worker,
            action="job.waitlisted",
            target=assignment,
            data={"job": job.pk},
        )
        return assignment
    slot = free[0]
    assignment = _hold(job, worker.pk, slot, manual=False)
    Offer.objects.filter(job=job, status=OfferStatus.OFFERED).exclude(worker_id=worker.pk).update(
        status=OfferStatus.WITHDRAWN
    )
    Offer.objects.filter(job=job, worker_id=worker.pk, status=OfferStatus.OFFERED).update(
        status=OfferStatus.ACCEPTED, answered_at=timezone.now()
    )
    if len(free) == 1:  # the last free position: one entry on the job records claim and fill
        _move(
            job,
            "fill",
            actor=worker,
            roles={"worker"},
            action="job.claimed",
            data={"assignment": assignment.pk, "slot": slot},
        )
        # The client is told, as the statement path does (``claim_sql``): the same row.
        if job.positions == 1:
            _notify(job, job.client_id, claim_sql.TAKEN, job.title, worker=_display_name(worker))
        else:
            _notify(job, job.client_id, "job.filled", job.title)
    else:
        audit_append(
            cooperative=cooperative,
            actor=worker,
            action="job.claimed",
            target=assignment,
            data={"job": job.pk, "slot": slot},
        )
        _announce(job, "job.claimed", {"status": job.status, "slot": slot})
    return assignment


def _promote_waitlist(job: Job, slot: int) -> Assignment | None:
    nxt = (
        Assignment.objects.select_for_update()
        .filter(job=job, status=AssignmentStatus.WAITLISTED)
        .order_by("created_at", "id")
        .first()
    )
    if nxt is None:
        return None
    _hold(job, nxt.worker_id, slot, manual=False, existing=nxt)
    _notify(job, nxt.worker_id, "job.promoted", job.title)
    return nxt


def _free_position(
    job: Job, assignment: Assignment, status: str, actor: User | None, roles: set[str]
) -> Assignment | None:
    slot = assignment.slot
    assignment.status = status
    assignment.slot = None
    assignment.save(update_fields=["status", "slot"])
    promoted = _promote_waitlist(job, slot) if slot is not None else None
    if promoted is None and job.status == lifecycle.ASSIGNED:
        _move(job, "reopen", actor=actor, roles=roles)
    return promoted


@transaction.atomic
def job_release(*, cooperative: Cooperative, job_id: int, worker: User) -> Job:
    """A worker gives a position (or waiting-list place) back before the job starts. This never
    counts against them; the first worker on the waiting list takes the position."""
    require_authenticated(user=worker)
    job = _lock_job(cooperative, job_id)
    assignment = (
        Assignment.objects.select_for_update()
        .filter(
            job=job,
            worker_id=worker.pk,
            status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED],
        )
        .first()
    )
    if assignment is None:
        raise _not_yours(job, worker)
    if job.status not in (lifecycle.OPEN, lifecycle.ASSIGNED):
        raise errors.TransitionNotAllowed(
            transition="release", state=str(lifecycle.STATE_LABELS[job.status])
        )
    if assignment.status == AssignmentStatus.WAITLISTED:
        assignment.status = AssignmentStatus.RELEASED
        assignment.save(update_fields=["status"])
        promoted = None
    else:
        promoted = _free_position(job, assignment, AssignmentStatus.RELEASED, worker, {"worker"})
    audit_append(
        cooperative=cooperative,
        actor=worker,
        action="job.released",
        target=assignment,
        data={"job": job.pk, "promoted": promoted.worker_id if promoted else None},
    )
    # A worker promoted from the waiting list sees the job among theirs.
    promoted_to = (f"user-{promoted.worker_id}",) if promoted else ()
    _announce(job, "job.released", {"status": job.status}, extra=promoted_to)
    return job


@transaction.atomic
def job_assign(
    *,
    cooperative: Cooperative,
    job_id: int,
    worker_id: int,
    actor: User,
    replace_worker_id: int | None = None,
) -> Assignment:
    """A coordinator assigns a worker by hand, replacing another if the job is full. Manual
    assignments are marked (dispatch's fairness term leaves them out)."""
    require_role(user=actor, cooperative=cooperative, roles={RoleName.COORDINATOR})
    job = _lock_job(cooperative, job_id)
    if job.status not in (lifecycle.OPEN, lifecycle.ASSIGNED):
        raise errors.TransitionNotAllowed(
            transition="assign", state=str(lifecycle.STATE_LABELS[job.status])
        )
    profile = (
        WorkerProfile.objects.filter(cooperative=cooperative, user_id=worker_id, active=True)
        .select_related("user")
        .first()
    )
    if profile is None:
        raise errors.NotAWorker()
    _check_fit(job, profile)
    if replace_worker_id is not None:
        old = (
            Assignment.objects.select_for_update()
            .filter(job=job, worker_id=replace_worker_id, status=AssignmentStatus.ACTIVE)
            .first()
        )
        if old is None:
            raise errors.NotYourJob()
        if replace_worker_id == worker_id:
            raise errors.AlreadyOnJob()
        slot = old.slot
        old.status = AssignmentStatus.REMOVED
        old.slot = None
        old.save(update_fields=["status", "slot"])
    else:
        slot = _free_slot(job)
        if slot is None:
            raise errors.JobTaken()
    existing = Assignment.objects.filter(
        job=job,
        worker_id=worker_id,
        status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED],
    ).first()
    if existing is not None and existing.status == AssignmentStatus.ACTIVE:
        raise errors.AlreadyOnJob()
    assert slot is not None
    assignment = _hold(job, worker_id, slot, manual=True, existing=existing)
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="job.assigned",
        target=assignment,
        data={"job": job.pk, "worker": worker_id, "replaced": replace_worker_id},
    )
    if _free_slot(job) is None:
        # Nobody else can take it now: live offers would only keep their workers waiting (and
        # out of dispatch rounds) until they expire.
        Offer.objects.filter(job=job, status=OfferStatus.OFFERED).update(
            status=OfferStatus.WITHDRAWN, answered_at=timezone.now()
        )
    if job.status == lifecycle.OPEN and _free_slot(job) is None:
        _move(job, "fill", actor=actor, roles={"coordinator"})
    else:
        # Nobody's open jobs changed (a shift keeps positions open, or a worker replaced one on
        # a full job): only the lists of the worker assigned and of the one replaced did (when
        # the job fills, ``_move`` pings every worker).
        told = (worker_id, replace_worker_id) if replace_worker_id is not None else (worker_id,)
        _announce(job, "job.assigned", {"status": job.status}, extra=[f"user-{w}" for w in told])
    _notify(job, worker_id, "job.assigned", job.title)
    if replace_worker_id is not None:
        _notify(job, replace_worker_id, "job.unassigned", job.title)
    # The client is told who is coming, whether or not this filled the job.
    _notify(job, job.client_id, "job.staffed", job.title, worker=_display_name(profile.user))
    return assignment


@transaction.atomic
def offer_create(
    *,
    cooperative: Cooperative,
    job_id: int,
    worker_id: int,
    explanation: dict[str, Any],
    now: dt.datetime | None = None,
) -> Offer:
    """Offer a job to one worker (called by dispatch). The worker sees pay, place and time."""
    now = now or timezone.now()
    job = _lock_job(cooperative, job_id)
    if job.status != lifecycle.OPEN:
        raise errors.JobTaken()
    timeout = int(parameter_in_force(cooperative=cooperative, key="offer_timeout_seconds").value)
    # A new version of the job's row: a claim that waited for this lock then sees the job changed
    # and runs its statement again, with a snapshot that holds this offer (which it withdraws or
    # accepts); on the row as it was, its snapshot would miss the offer (see ``claim_sql``).
    Job.objects.filter(pk=job.pk).update(updated_at=now)
    offer = Offer.objects.create(
        job=job,
        worker_id=worker_id,
        explanation=explanation,
        expires_at=now + dt.timedelta(seconds=timeout),
    )
    audit_append(
        cooperative=cooperative,
        actor=None,
        action="offer.created",
        target=offer,
        data={"job": job.pk, "worker": worker_id},
    )
    publish(
        Event(
            "offer.created",
            cooperative.pk,
            {"offer": offer.pk, "job": job.pk},
            (f"user-{worker_id}",),
        )
    )
    return offer


@transaction.atomic
def offer_refuse(*, cooperative: Cooperative, offer_id: int, worker: User) -> Offer:
    """A worker refuses an offer. Nothing is counted against them, ever."""
    require_authenticated(user=worker)
    offer = (
        Offer.objects.select_for_update()
        .filter(
            pk=offer_id,
            worker_id=worker.pk,
            job__cooperative=cooperative,
            status=OfferStatus.OFFERED,
        )
        .first()
    )
    if offer is None:
        raise errors.OfferNotFound()
    offer.status = OfferStatus.REFUSED
    offer.answered_at = timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    audit_append(cooperative=cooperative, actor=worker, action="offer.refused", target=offer)
    return offer


@transaction.atomic
def offer_accept(*, cooperative: Cooperative, offer_id: int, worker: User) -> Assignment:
    """A worker accepts an offer: a claim of the offered job.

    Locks the job before the offer, in the same order as ``job_claim`` (which withdraws the other
    offers under the job's lock); locking the offer first deadlocked against a concurrent claim.
    """
    require_authenticated(user=worker)
    mine = Offer.objects.filter(pk=offer_id, worker_id=worker.pk, job__cooperative=cooperative)
    job_id = mine.values_list("job_id", flat=True).first()
    if job_id is None:
        raise errors.OfferNotFound()
    _lock_job(cooperative, job_id)
    offer = mine.select_for_update().filter(status=OfferStatus.OFFERED).first()
    if offer is None or offer.expires_at < timezone.now():
        raise errors.OfferNotFound()
    return job_claim(cooperative=cooperative, job_id=offer.job_id, worker=worker)


# --- Doing the work ---------------------------------------------------------------------------


def _my_assignment(job: Job, worker: User) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update()
        .filter(job=job, worker_id=worker.pk, status=AssignmentStatus.ACTIVE)
        .first()
    )
    if assignment is None:
        raise _not_yours(job, worker)
    return assignment


@transaction.atomic
def job_clock_in(
    *,
    cooperative: Cooperative,
    job_id: int,
    worker: User,
    code: str = "",
    now: dt.datetime | None = None,
) -> Assignment:
    """A worker starts: on a shift with the shift's code and near its start time; on a ride,
    delivery or task at pick-up or arrival."""
    require_authenticated(user=worker)
    now = now or timezone.now()
    job = _lock_job(cooperative, job_id)
    assignment = _my_assignment(job, worker)
    if assignment.clock_in_at is not None:
        raise errors.TransitionNotAllowed(transition="clock in", state="started")
    if job.kind == "shift":
        _check_clock_code(job, code)
        tolerance = int(_term(job.terms, "clock_in_tolerance_minutes"))
        if abs((now - job.starts_at).total_seconds()) > tolerance * 60:
            raise errors.ClockTimeInvalid(minutes=tolerance)
    if job.status in (lifecycle.OPEN, lifecycle.ASSIGNED, lifecycle.EN_ROUTE):
        # OPEN: a shift with positions still free starts when its first worker clocks in.
        job.started_at = now
        job.save(update_fields=["started_at"])
        _move(job, "start", actor=worker, roles={"worker"})
    elif job.status != lifecycle.STARTED:
        raise errors.TransitionNotAllowed(
            transition="start", state=str(lifecycle.STATE_LABELS[job.status])
        )
    assignment.clock_in_at = now
    assignment.save(update_fields=["clock_in_at"])
    audit_append(
        cooperative=cooperative,
        actor=worker,
        action="job.clocked_in",
        target=assignment,
        data={"at": now.isoformat()},
    )
    return assignment


def _engaged_seconds(job: Job, assignment: Assignment, end: dt.datetime) -> tuple[int, int]:
    """(engaged, waiting) seconds. Shifts: clock-in to clock-out less the break. Rides and
    deliveries: from acceptance to drop-off, so travel to pick-up and waiting are paid; a job
    accepted well ahead counts from at most the clock-in tolerance before its booked start (not
    from the acceptance days earlier). Tasks: from start to finish."""
    if job.kind == "shift":
        start = assignment.clock_in_at or end
        brk = ShiftDetail.objects.get(job=job).break_minutes * 60
        return max(int((end - start).total_seconds()) - brk, 0), 0
    if job.kind in lifecycle.MOBILE_KINDS:
        lead = dt.timedelta(minutes=int(_term(job.terms, "clock_in_tolerance_minutes")))
        start = max(assignment.assigned_at or end, job.starts_at - lead)
        # Waiting: the worker was at pick-up from the booked time until the job started.
        waiting = 0
        if assignment.clock_in_at is not None:
            waiting = max(
                int((assignment.clock_in_at - max(start, job.starts_at)).total_seconds()), 0
            )
        return max(int((end - start).total_seconds()), 0), waiting
    start = assignment.clock_in_at or end
    return max(int((end - start).total_seconds()), 0), 0


def _check_clock_code(job: Job, code: str) -> None:
    """A shift's clock-in and clock-out take the code its site gives (``clock_code_invalid``)."""
    if not code or not secrets.compare_digest(code.strip(), job.clock_code):
        raise errors.ClockCodeInvalid()


@transaction.atomic
def job_clock_out(
    *,
    cooperative: Cooperative,
    job_id: int,
    worker: User,
    now: dt.datetime | None = None,
    code: str = "",
    proof_code: str = "",
    proof_text: str = "",
    proof_file: Any = None,
) -> Assignment:
    """A worker finishes: on a shift with the shift's code, as at clock-in (the site's word that
    they leave now). A delivery needs its proof; when every worker is done the job is completed
    and waits for the client's approval (or the automatic one)."""
    require_authenticated(user=worker)
    now = now or timezone.now()
    job = _lock_job(cooperative, job_id)
    assignment = _my_assignment(job, worker)
    if assignment.clock_in_at is None or assignment.clock_out_at is not None:
        raise errors.TransitionNotAllowed(
            transition="finish", state=str(lifecycle.STATE_LABELS[job.status])
        )
    if job.kind == "shift":
        _check_clock_code(job, code)
    if job.kind == "delivery":
        _record_proof(job, now, proof_code, proof_text, proof_file)
    _finish(job, assignment, now)
    audit_append(
        cooperative=cooperative,
        actor=worker,
        action="job.clocked_out",
        target=assignment,
        data={"at": now.isoformat(), "engaged_seconds": assignment.engaged_seconds},
    )
    _complete_if_done(job, worker, {"worker"}, now)
    return assignment


def _record_proof(job: Job, now: dt.datetime, code: str, text: str, file: Any) -> None:
    detail = DeliveryDetail.objects.select_for_update().get(job=job)
    if detail.proof_kind == "code":
        if not code or not secrets.compare_digest(code.strip(), detail.proof_code):
            raise errors.ProofMissing(kind=str(detail.get_proof_kind_display()))
    elif detail.proof_kind == "signature":
        if not text.strip():
            raise errors.ProofMissing(kind=str(detail.get_proof_kind_display()))
        detail.proof_text = text[:200_000]
    elif detail.proof_kind == "photo":
        if not file:
            raise errors.ProofMissing(kind=str(detail.get_proof_kind_display()))
        size = getattr(file, "size", None) or 0
        if not 0 < size <= EVIDENCE_MAX_BYTES or _file_type(file) not in PHOTO_TYPES:
            raise errors.ProofPhotoInvalid(maximum=EVIDENCE_MAX_BYTES // 1_000_000)
        detail.proof_file = file
    detail.delivered_at = now
    detail.save()


def _finish(job: Job, assignment: Assignment, now: dt.datetime) -> None:
    assignment.clock_out_at = now
    assignment.engaged_seconds, assignment.waiting_seconds = _engaged_seconds(job, assignment, now)
    assignment.save(
        update_fields=["clock_out_at", "engaged_seconds", "waiting_seconds", "sent_home_early"]
    )


def _complete_if_done(job: Job, actor: User | None, roles: set[str], now: dt.datetime) -> None:
    if not Assignment.objects.filter(
        job=job, status=AssignmentStatus.ACTIVE, clock_out_at__isnull=True
    ).exists():
        job.completed_at = now
        job.save(update_fields=["completed_at"])
        _move(job, "complete", actor=actor, roles=roles)


@transaction.atomic
def job_send_home(
    *,
    cooperative: Cooperative,
    job_id: int,
    worker_id: int,
    actor: User,
    now: dt.datetime | None = None,
) -> Assignment:
    """The client (or a coordinator) sends a worker home early. The worker is clocked out now and
    is paid at least the minimum hours in force when the shift was booked."""
    now = now or timezone.now()
    job = _lock_job(cooperative, job_id)
    roles = job_roles(job=job, user=actor)
    if not roles & {"client", "coordinator"}:
        raise _not_yours(job, actor)
    assignment = (
        Assignment.objects.select_for_update()
        .filter(job=job, worker_id=worker_id, status=AssignmentStatus.ACTIVE)
        .first()
    )
    if assignment is None or assignment.clock_in_at is None or assignment.clock_out_at:
        raise errors.TransitionNotAllowed(
            transition="send home", state=str(lifecycle.STATE_LABELS[job.status])
        )
    if job.kind != "shift":
        raise errors.TransitionNotAllowed(
            transition="send home", state=str(lifecycle.STATE_LABELS[job.status])
        )
    assignment.sent_home_early = True
    _finish(job, assignment, now)
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="job.sent_home_early",
        target=assignment,
        data={"at": now.isoformat()},
    )
    # The client may not "complete" a job; the last worker leaving completes it.
    _complete_if_done(job, actor, {"system"}, now)
    return assignment


# --- Approval and settlement --------------------------------------------------------------------


def _worker_lines(job: Job, assignments: list[Assignment]) -> list[dict[str, Any]]:
    """Each worker's net price under the job's frozen terms, from the approved timesheet."""
    commission = _ratio(job.terms, "commission_rate")
    vat_rate = _ratio(job.terms, "vat_rate")
    floor = int(_term(job.terms, "pay_floor_hourly"))
    rules = _rules(job.terms, job.kind, job.currency)
    booked = job.quote["split"]
    lines = []
    n = len(assignments)
    for i, a in enumerate(assignments):
        if job.kind == "shift" or (
            job.kind == "task" and hasattr(job, "task") and job.task.mode == "hourly"
        ):
            worked = Fraction(a.engaged_seconds, 3600)
            minimum = Fraction(int(_term(job.terms, "minimum_paid_hours")))
            hours = max(worked, minimum) if a.sent_home_early else worked
            if job.kind == "shift":
                rules = PriceRules.from_dict(
                    {**rules.as_dict(), "per_hour": job.shift.hourly_rate_minor, "minimum": 0}
                )
            priced = quote(
                rules,
                PriceInput(
                    start=timezone.localtime(job.starts_at),
                    hours=hours,
                    zone=job.zone.code if job.zone else "",
                ),
                commission_rate=commission,
                vat_rate=vat_rate,
            )
            split = priced.split
            paid_hours = hours
        else:
            # Upfront price: the booked net, shared between workers without losing a cent.
            net = Money(booked["net"], job.currency).allocate([1] * n)[i].minor
            split = split_price(net, commission_rate=commission, vat_rate=vat_rate)
            paid_hours = Fraction(a.engaged_seconds, 3600)
        topup = pay_floor_topup(
            worker_part=split.worker, engaged_seconds=a.engaged_seconds, floor_per_hour=floor
        )
        lines.append({"assignment": a, "split": split, "topup": topup, "hours": paid_hours})
    return lines


def _adjusted_lines(job: Job, lines: list[dict[str, Any]], net: int) -> list[dict[str, Any]]:
    """The workers' lines at a dispute's adjusted net price: shared in proportion to what each
    line was priced at (``pricing.share_adjusted_net``), split under the job's frozen terms, and
    the pay-floor top-up worked out again on each worker's new part."""
    commission = _ratio(job.terms, "commission_rate")
    vat_rate = _ratio(job.terms, "vat_rate")
    floor = int(_term(job.terms, "pay_floor_hourly"))
    shares = share_adjusted_net([line["split"].net for line in lines], net)
    adjusted = []
    for line, share in zip(lines, shares, strict=True):
        split = split_price(share, commission_rate=commission, vat_rate=vat_rate)
        topup = pay_floor_topup(
            worker_part=split.worker,
            engaged_seconds=line["assignment"].engaged_seconds,
            floor_per_hour=floor,
        )
        adjusted.append({**line, "split": split, "topup": topup, "net_before": line["split"].net})
    return adjusted


def _receipt(
    job: Job,
    lines: list[dict[str, Any]],
    kind: str,
    adjustment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    total = {
        k: sum(getattr(line["split"], k) for line in lines)
        for k in ("net", "worker", "coop", "vat", "total")
    }
    return {
        "kind": kind,
        "currency": job.currency,
        "booked": job.quote,
        "net": total["net"],
        "worker": total["worker"],
        "coop": total["coop"],
        "vat": total["vat"],
        "total": total["total"],
        "topup": sum(line["topup"] for line in lines),
        "workers": [
            {
                "worker": line["assignment"].worker_id,
                "name": line["assignment"].worker.get_full_name()
                or line["assignment"].worker.get_username(),
                "hours": f"{float(line['hours']):.2f}",
                "engaged_seconds": line["assignment"].engaged_seconds,
                "sent_home_early": line["assignment"].sent_home_early,
                "net": line["split"].net,
                "pay": line["split"].worker,
                "topup": line["topup"],
                **({"net_before": line["net_before"]} if "net_before" in line else {}),
            }
            for line in lines
        ],
        # A dispute's decision changed the price: which case, and the amounts it replaced.
        **({"adjustment": adjustment} if adjustment is not None else {}),
        "terms": {
            k: {
                "value": v["value"],
                "version": v["version"],
                "source": v["source"],
                "ref": v["ref"],
            }
            for k, v in job.terms.items()
            if k
            in (
                "commission_rate",
                "vat_rate",
                "pay_floor_hourly",
                "minimum_paid_hours",
                "cancellation_fee",
                f"pricing_{job.kind}",
            )
        },
    }


def _post_settlement(
    job: Job,
    lines: list[dict[str, Any]],
    actor: User | None,
    kind: str,
    adjustment: dict[str, Any] | None = None,
) -> None:
    cur = job.currency
    legs: list[LegSpec] = []
    client = f"user:{job.client_id}"
    for line in lines:
        split = line["split"]
        worker = f"user:{line['assignment'].worker_id}"
        legs += [
            debit("client_receivable", Money(split.total, cur), client),
            credit("worker_payable", Money(split.worker, cur), worker),
            credit("revenue_fees", Money(split.coop, cur)),
            credit("tax_vat_payable", Money(split.vat, cur)),
        ]
        if line["topup"]:
            legs += [
                debit("solidarity_fund", Money(line["topup"], cur)),
                credit("worker_payable", Money(line["topup"], cur), worker),
            ]
    receipt = _receipt(job, lines, kind, adjustment)
    # Nothing to pay (e.g. a timesheet of a few seconds): the receipt is frozen, no money moves.
    txn = None
    if any(leg.amount.minor for leg in legs):
        txn = transaction_post(
            cooperative=job.cooperative,
            kind=f"job_{kind}",
            legs=legs,
            actor=actor,
            memo=f"{job.reference} {job.title}"[:300],
            reference=job.reference,
        )
    for line in lines:
        a = line["assignment"]
        a.pay_minor = line["split"].worker
        a.topup_minor = line["topup"]
        a.save(update_fields=["pay_minor", "topup_minor"])
    job.settlement = txn
    job.receipt = receipt
    job.save(update_fields=["settlement", "receipt"])


def _settlement_lines(job: Job) -> list[dict[str, Any]]:
    assignments = list(
        Assignment.objects.select_related("worker")
        .filter(job=job, status=AssignmentStatus.ACTIVE)
        .order_by("slot")
    )
    return _worker_lines(job, assignments)


def _settle(
    job: Job,
    actor: User | None,
    *,
    lines: list[dict[str, Any]] | None = None,
    adjusted_by: Case | None = None,
) -> None:
    """Settle an approved job from its timesheet; ``adjusted_by``: at the net price a dispute's
    decision set (``Case.adjusted_net_minor``) instead."""
    lines = lines if lines is not None else _settlement_lines(job)
    adjustment = None
    if adjusted_by is not None and adjusted_by.adjusted_net_minor is not None:
        before = _receipt(job, lines, "settlement")
        lines = _adjusted_lines(job, lines, adjusted_by.adjusted_net_minor)
        adjustment = {
            "case": adjusted_by.pk,
            "net_before": before["net"],
            "vat_before": before["vat"],
            "total_before": before["total"],
            "worker_before": before["worker"],
        }
    assignments = [line["assignment"] for line in lines]
    _post_settlement(job, lines, actor, "settlement", adjustment)
    _move(
        job,
        "settle",
        actor=actor,
        roles={"system"},
        data={
            "transaction": job.settlement_id,
            "total": job.receipt["total"] if job.receipt else 0,
        },
    )
    _notify_many(job, [a.worker_id for a in assignments], "job.settled", job.title)


@transaction.atomic
def job_approve(
    *, cooperative: Cooperative, job_id: int, actor: User | None, system: bool = False
) -> Job:
    """The client approves the work (or the timesheet is approved automatically after the
    deadline); the job is then settled in one balanced ledger transaction."""
    job = _lock_job(cooperative, job_id)
    roles = {"system"} if system else job_roles(job=job, user=actor)
    _move(job, "approve", actor=actor, roles=roles)
    _settle(job, actor)
    return job


def cancellation_charges(
    *, job: Job, holders: list[Assignment], now: dt.datetime
) -> list[dict[str, Any]]:
    """What cancelling now would pay each assigned worker (and bill the client), under the
    job's frozen terms: the minimum hours on a shift cancelled late, the cancellation fee on a
    ride, delivery or task that had a worker. Writes nothing; the web shows it before confirming.
    """
    if not holders:
        return []
    commission = _ratio(job.terms, "commission_rate")
    vat_rate = _ratio(job.terms, "vat_rate")
    late_hours = int(_term(job.terms, "late_cancellation_hours"))
    lines: list[dict[str, Any]] = []
    if job.kind == "shift":
        if job.starts_at - now >= dt.timedelta(hours=late_hours):
            return []
        hours = Fraction(int(_term(job.terms, "minimum_paid_hours")))
        net = round(hours * job.shift.hourly_rate_minor)
        for a in holders:
            lines.append(
                {
                    "assignment": a,
                    "hours": hours,
                    "topup": 0,
                    "split": split_price(net, commission_rate=commission, vat_rate=vat_rate),
                }
            )
        return lines
    fee = int(_term(job.terms, "cancellation_fee"))
    for a in holders:
        # The whole fee goes to the worker: no commission on a cancellation.
        lines.append(
            {
                "assignment": a,
                "hours": Fraction(0),
                "topup": 0,
                "split": split_price(fee, commission_rate=Fraction(0), vat_rate=vat_rate),
            }
        )
    return lines


@transaction.atomic
def job_cancel(
    *,
    cooperative: Cooperative,
    job_id: int,
    actor: User | None,
    reason: str = "",
    system: bool = False,
    now: dt.datetime | None = None,
) -> Job:
    """Cancel a job. A shift cancelled less than the late-cancellation delay before it starts pays
    every assigned worker the minimum hours; a ride, delivery or task cancelled after a worker was
    assigned pays that worker the cancellation fee. Both are billed to the client."""
    now = now or timezone.now()
    job = _lock_job(cooperative, job_id)
    roles = {"system"} if system else job_roles(job=job, user=actor)
    holders = list(
        Assignment.objects.select_related("worker")
        .filter(job=job, status=AssignmentStatus.ACTIVE)
        .order_by("slot")
    )
    if not lifecycle.allowed("cancel", state=job.status, kind=job.kind, roles=roles)[0]:
        _move(job, "cancel", actor=actor, roles=roles)  # raises the right error
    lines = [] if system else cancellation_charges(job=job, holders=holders, now=now)
    job.cancelled_by = "system" if system else ("client" if "client" in roles else "coordinator")
    job.cancellation_fee_minor = sum(line["split"].net for line in lines)
    job.save(update_fields=["cancelled_by", "cancellation_fee_minor"])
    if lines:
        _post_settlement(job, lines, actor, "cancellation")
    Assignment.objects.filter(
        job=job, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED]
    ).update(status=AssignmentStatus.CANCELLED, slot=None)
    Offer.objects.filter(job=job, status=OfferStatus.OFFERED).update(status=OfferStatus.WITHDRAWN)
    _move(
        job,
        "cancel",
        actor=actor,
        roles=roles,
        data={"reason": reason[:300], "fee": job.cancellation_fee_minor},
    )
    _notify_many(job, [a.worker_id for a in holders], "job.cancelled", job.title)
    return job


# --- Live position ------------------------------------------------------------------------------


def worker_position_update(
    *,
    cooperative: Cooperative,
    worker: User,
    lat: float,
    lon: float,
    now: dt.datetime | None = None,
) -> WorkerProfile:
    """Record where a worker is and tell the clients of their active jobs, with an ETA. Limited to
    one update every few seconds per worker."""
    profile = _profile(cooperative, worker)
    point = check_point(lat, lon)
    now = now or timezone.now()
    if not cache.add(f"pos:{cooperative.pk}:{worker.pk}", 1, timeout=POSITION_MIN_INTERVAL_S):
        raise errors.PositionTooFrequent(seconds=POSITION_MIN_INTERVAL_S)
    WorkerProfile.objects.filter(pk=profile.pk).update(
        last_lat=point.lat, last_lon=point.lon, last_seen_at=now
    )
    profile.last_lat, profile.last_lon, profile.last_seen_at = point.lat, point.lon, now
    speeds = parameter_in_force(cooperative=cooperative, key="vehicle_speeds_kmh").value
    active = Job.objects.filter(
        cooperative=cooperative,
        assignments__worker_id=worker.pk,
        assignments__status=AssignmentStatus.ACTIVE,
        status__in=[lifecycle.ASSIGNED, lifecycle.EN_ROUTE, lifecycle.STARTED],
    ).distinct()
    for job in active:
        if job.status == lifecycle.STARTED and job.dropoff_lat is not None:
            target = Point(job.dropoff_lat, float(job.dropoff_lon or 0))
        else:
            target = Point(job.lat, job.lon)
        leg = route(point, target, vehicle=profile.vehicle, speeds=speeds)
        publish(
            Event(
                "job.position",
                cooperative.pk,
                {
                    "job": job.pk,
                    "lat": point.lat,
                    "lon": point.lon,
                    "eta_s": leg.duration_s,
                    "distance_m": leg.distance_m,
                },
                (f"job-{job.pk}",),
            )
        )
    return profile


# --- Ratings, messages, notifications -----------------------------------------------------------


@transaction.atomic
def rating_submit(
    *,
    cooperative: Cooperative,
    job_id: int,
    rater: User,
    ratee_id: int,
    score: int,
    comment: str = "",
) -> Rating:
    """Rate the other side of a finished job, once. Ratings are double-blind, and they never rank
    workers for dispatch."""
    require_authenticated(user=rater)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise errors.ScoreInvalid()
    job = _lock_job(cooperative, job_id)
    if job.status not in (
        lifecycle.COMPLETED,
        lifecycle.APPROVED,
        lifecycle.SETTLED,
        lifecycle.DISPUTED,
    ):
        raise errors.RatingNotAllowed()
    workers = set(
        Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE).values_list(
            "worker_id", flat=True
        )
    )
    allowed_pairs = {(job.client_id, w) for w in workers} | {(w, job.client_id) for w in workers}
    if (rater.pk, ratee_id) not in allowed_pairs:
        raise errors.RatingNotAllowed()
    if Rating.objects.filter(job=job, rater_id=rater.pk, ratee_id=ratee_id).exists():
        raise errors.RatingTwice()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                job=job,
                rater_id=rater.pk,
                ratee_id=ratee_id,
                score=score,
                comment=comment.strip()[:2000],
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise errors.RatingTwice() from None
    audit_append(
        cooperative=cooperative,
        actor=rater,
        action="rating.submitted",
        target=rating,
        data={"job": job.pk, "ratee": ratee_id},
    )
    return rating


def _display_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _notify(job: Job, user_id: int, kind: str, text: str, **params: Any) -> None:
    """One user's notification (see ``_notify_many``)."""
    _notify_many(job, [user_id], kind, text, **params)


def _notify_many(
    job: Job, user_ids: Iterable[int], kind: str, text: str, **params: Any
) -> list[Notification]:
    """In-app notifications, stored as their kind and parameters (see ``notifications``) in one
    insert, each announced live to its user, and e-mailed once the transaction commits (one
    background task for all of them; none when it rolls back)."""
    users = sorted(set(user_ids))
    if not users:
        return []
    notes = Notification.objects.bulk_create(
        [
            Notification(
                cooperative_id=job.cooperative_id,
                user_id=user_id,
                kind=kind,
                params={"title": job.title, **params},
                text=text[:300],
                job=job,
            )
            for user_id in users
        ]
    )
    for user_id in users:
        publish(
            Event(
                kind, job.cooperative_id, {"job": job.pk, "text": text[:300]}, (f"user-{user_id}",)
            )
        )
    _email_after_commit([n.pk for n in notes])
    return notes


def _sending_language() -> str:
    """The language for recipients who never chose one: the one active now, as governance does."""
    return translation.get_language() or settings.LANGUAGE_CODE


def _email_after_commit(notification_ids: list[int]) -> None:
    """Enqueue the e-mails of these notifications once the transaction commits (at once outside
    one). With ``TASKS_BACKEND=database`` that is one task row; a worker sends them."""
    enqueue = partial(tasks.email_notifications.enqueue, notification_ids, _sending_language())
    transaction.on_commit(enqueue, robust=True)


def _announce_notice(cooperative_id: int, job_id: int, user_id: int, kind: str, text: str) -> None:
    """The live event of a notification stored without ``_notify_many`` (the claim statement's)."""
    publish(Event(kind, cooperative_id, {"job": job_id, "text": text[:300]}, (f"user-{user_id}",)))


# When this process last enqueued the e-mail outbox's drain (``time.monotonic()``).
_drained_at: list[float] = [float("-inf")]


def _email_outbox_after_commit() -> None:
    """After commit, drain the e-mail outbox (``emails.send_pending``): at most once per
    ``NOTIFICATION_EMAIL_DEBOUNCE_SECONDS`` in this process, so a busy claim path enqueues one
    task now and then instead of one per claim (what a skipped commit leaves is sent by the
    next drain, or by ``coopwork tick``)."""

    def kick() -> None:
        debounce = float(getattr(settings, "NOTIFICATION_EMAIL_DEBOUNCE_SECONDS", 0))
        now = time.monotonic()
        if debounce > 0 and now - _drained_at[0] < debounce:
            return
        _drained_at[0] = now
        tasks.email_pending_notifications.enqueue()

    transaction.on_commit(kick, robust=True)


@transaction.atomic
def message_post(*, cooperative: Cooperative, job_id: int, sender: User, body: str) -> Message:
    """Post a message on a job; the other parties get an in-app notification."""
    require_authenticated(user=sender)
    text = body.strip()
    if not text or len(text) > 4000:
        raise errors.MessageEmpty()
    job = Job.objects.filter(cooperative=cooperative, pk=job_id).first()
    if job is None:
        raise errors.JobNotFound()
    roles = job_roles(job=job, user=sender)
    if not roles:
        raise _not_yours(job, sender)
    message = Message.objects.create(job=job, sender=sender, body=text)
    parties = _parties(job)
    _notify_many(job, parties - {sender.pk}, "job.message", text[:120], excerpt=text[:120])
    audit_append(
        cooperative=cooperative,
        actor=sender,
        action="job.message",
        target=message,
        data={"job": job.pk},
    )
    _announce(job, "job.message", {"message": message.pk})
    return message


def notifications_mark_read(
    *, user: User, ids: list[int] | None = None, cooperative: Cooperative | None = None
) -> int:
    """Mark the user's own unread notifications read: those given, or all of them (of one co-op
    when ``cooperative`` is given). Returns how many were marked."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# --- Incidents and disputes ---------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    cooperative: Cooperative,
    job_id: int,
    actor: User,
    kind: str,
    summary: str,
    statement: str,
    evidence: Any = None,
) -> Case:
    """Report an incident, or dispute a finished job (which then waits for a decision).

    The other people on the job (its client, its workers) are told, and have the governed
    ``case_response_hours`` (in force today) to make their statement before a coordinator may
    decide without it."""
    job = _lock_job(cooperative, job_id)
    roles = job_roles(job=job, user=actor)
    if not roles:
        raise _not_yours(job, actor)
    if kind not in Case.CaseKind.values:
        raise errors.KindUnknown()
    if not summary.strip() or not statement.strip():
        raise errors.MessageEmpty()
    evidence = _evidence_checked(evidence)
    hours = int(parameter_in_force(cooperative=cooperative, key="case_response_hours").value)
    case = Case.objects.create(
        job=job,
        kind=kind,
        opened_by=actor,
        summary=summary.strip()[:300],
        respond_by=timezone.now() + dt.timedelta(hours=hours),
    )
    Statement.objects.create(
        case=case, author=actor, side=_side(roles), text=statement.strip(), evidence=evidence
    )
    if kind == Case.CaseKind.DISPUTE:
        _move(job, "dispute", actor=actor, roles=roles, data={"case": case.pk})
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="case.opened",
        target=case,
        data={"job": job.pk, "kind": kind, "respond_hours": hours},
    )
    _notify_many(job, _parties(job) - {actor.pk}, "case.opened", case.summary, summary=case.summary)
    return case


EVIDENCE_MAX_BYTES = 10_000_000
# What an evidence file must start with: photos and PDF documents, recognised by their content
# (the name and the type the browser claims are not trusted).
EVIDENCE_SIGNATURES = {
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"%PDF-": "pdf",
}
# What a delivery's proof photo may be.
PHOTO_TYPES = frozenset({"jpeg", "png", "webp"})


def _file_type(file: Any) -> str | None:
    """``jpeg``, ``png``, ``webp`` or ``pdf`` from the file's first bytes, or None."""
    file.seek(0)
    head = file.read(12)
    file.seek(0)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((kind for sig, kind in EVIDENCE_SIGNATURES.items() if head.startswith(sig)), None)


def _evidence_checked(evidence: Any) -> Any:
    """The uploaded file, if it is a photo or a PDF of at most ``EVIDENCE_MAX_BYTES``."""
    if not evidence:
        return ""
    size = getattr(evidence, "size", None) or 0
    if size > EVIDENCE_MAX_BYTES:
        raise errors.EvidenceTooLarge(maximum=EVIDENCE_MAX_BYTES // 1_000_000)
    if size == 0 or _file_type(evidence) is None:
        raise errors.EvidenceType()
    return evidence


def _side(roles: set[str]) -> str:
    for side in ("client", "worker", "coordinator"):
        if side in roles:
            return side
    return "other"


@transaction.atomic
def case_statement_add(
    *, cooperative: Cooperative, case_id: int, actor: User, text: str, evidence: Any = None
) -> Statement:
    case = (
        Case.objects.select_for_update()
        .filter(pk=case_id, job__cooperative=cooperative)
        .select_related("job")
        .first()
    )
    if case is None:
        raise errors.CaseNotFound()
    if case.status != Case.Status.OPEN:
        raise errors.CaseClosed()
    roles = job_roles(job=case.job, user=actor)
    if not roles:
        raise _not_yours(case.job, actor)
    if not text.strip():
        raise errors.MessageEmpty()
    statement = Statement.objects.create(
        case=case,
        author=actor,
        side=_side(roles),
        text=text.strip(),
        evidence=_evidence_checked(evidence),
    )
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="case.statement",
        target=statement,
        data={"case": case.pk},
    )
    # The others involved: the job's client and workers, and whoever opened the case.
    excerpt = statement.text[:120]
    _notify_many(
        case.job,
        (_parties(case.job) | {case.opened_by_id}) - {actor.pk},
        "case.statement",
        excerpt,
        excerpt=excerpt,
    )
    return statement


@dataclass(frozen=True)
class CaseHearing:
    """Who must still be heard on an open case, and until when they are waited for."""

    waiting_for: list[tuple[int, str, str]]  # (user id, side, name) of parties without a statement
    respond_by: dt.datetime | None

    def decidable(self, now: dt.datetime) -> bool:
        """Every party has made a statement, or the response period is over (a case opened
        before the rule, without ``respond_by``, may be decided at once)."""
        return not self.waiting_for or self.respond_by is None or now >= self.respond_by


def case_hearing(*, case: Case) -> CaseHearing:
    """Whether the client and every worker on the case's job has made a statement (two
    queries, one when the statements are prefetched). Coordinators' statements are welcome but
    nobody waits for them."""
    job = case.job
    heard = {s.author_id for s in case.statements.all()}
    waiting: list[tuple[int, str, str]] = []
    if job.client_id not in heard:
        waiting.append((job.client_id, "client", _display_name(job.client)))
    for a in (
        Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE)
        .select_related("worker")
        .order_by("slot", "id")
    ):
        if a.worker_id not in heard and a.worker_id != job.client_id:
            waiting.append((a.worker_id, "worker", _display_name(a.worker)))
    return CaseHearing(waiting, case.respond_by)


# "Not absurd": an adjusted price is at most twice what the job was booked at or would be
# settled at, and never above the largest price a booking may carry.
ADJUSTMENT_FACTOR = 2
ADJUSTMENT_CEILING = 10_000_000


@transaction.atomic
def case_decide(
    *,
    cooperative: Cooperative,
    case_id: int,
    actor: User,
    outcome: str,
    decision: str,
    adjusted_net_minor: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """A coordinator decides a case, giving reasons. A decided dispute returns the job to
    approved, and it is settled: at the booked or timesheet price, or with the outcome
    ``adjust`` at ``adjusted_net_minor`` (the job's new price before VAT, in minor units; the
    co-op's part, VAT and the workers' parts follow from it under the job's frozen terms, and
    the pay-floor top-up still applies).

    Too early (``case_response_pending``) while a party (the client, a worker on the job) has
    not made a statement and the response period since the opening runs. Everyone involved is
    told the decision. Nothing is written when it is refused."""
    require_role(user=actor, cooperative=cooperative, roles={RoleName.COORDINATOR})
    now = now or timezone.now()
    job_id = (
        Case.objects.filter(pk=case_id, job__cooperative=cooperative)
        .values_list("job_id", flat=True)
        .first()
    )
    if job_id is None:
        raise errors.CaseNotFound()
    job = _lock_job(cooperative, job_id)  # the job first, as case_open does
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("job__client").get(pk=case_id)
    )
    if case.status != Case.Status.OPEN:
        raise errors.CaseClosed()
    if not decision.strip():
        raise errors.MessageEmpty()
    if outcome not in Case.Outcome.values:
        raise errors.KindUnknown()
    settles = case.kind == Case.CaseKind.DISPUTE and job.status == lifecycle.DISPUTED
    adjusting = outcome == Case.Outcome.ADJUST or adjusted_net_minor is not None
    if adjusting and (
        outcome != Case.Outcome.ADJUST or not settles or job.settlement_id is not None
    ):
        raise errors.AdjustmentNotAllowed()
    if adjusting and adjusted_net_minor is None:
        raise errors.AdjustmentRequired()
    hearing = case_hearing(case=case)
    if not hearing.decidable(now):
        raise errors.CaseResponsePending(until=hearing.respond_by)
    lines = None
    if adjusting:
        lines = _settlement_lines(job)
        if not lines:  # nobody to pay: there is no price to adjust
            raise errors.AdjustmentNotAllowed()
        unadjusted = sum(line["split"].net for line in lines)
        maximum = min(
            ADJUSTMENT_CEILING, ADJUSTMENT_FACTOR * max(unadjusted, int(job.quote["split"]["net"]))
        )
        if (
            isinstance(adjusted_net_minor, bool)
            or not isinstance(adjusted_net_minor, int)
            or not 0 <= adjusted_net_minor <= maximum
        ):
            raise errors.AdjustmentOutOfRange(minimum=0, maximum=maximum, currency=job.currency)
    case.status = Case.Status.DECIDED
    case.outcome = outcome
    case.decision = decision.strip()
    case.decided_by = actor
    case.decided_at = now
    case.adjusted_net_minor = adjusted_net_minor if adjusting else None
    case.save()
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="case.decided",
        target=case,
        data={
            "outcome": outcome,
            "decision": case.decision,
            **({"adjusted_net": case.adjusted_net_minor} if adjusting else {}),
            # Decided without someone's statement, once the response period was over.
            "unheard": [user_id for user_id, _side, _name in hearing.waiting_for],
        },
    )
    if settles:
        _move(job, "resolve", actor=actor, roles={"coordinator"}, data={"case": case.pk})
        if job.settlement_id is None:
            _settle(job, actor, lines=lines, adjusted_by=case if adjusting else None)
        else:
            _move(job, "settle", actor=actor, roles={"system"})
    involved = (
        _parties(job)
        | {case.opened_by_id}
        | set(Statement.objects.filter(case=case).values_list("author_id", flat=True))
    )
    excerpt = case.decision[:120]
    _notify_many(job, involved - {actor.pk}, "case.decided", excerpt, decision=excerpt)
    return case


# --- Timed transitions --------------------------------------------------------------------------


def offers_expire(*, now: dt.datetime, batch: int = 500) -> int:
    """Expire the offers nobody answered in time, each with its audit entry and a live event to
    its worker (their offers list drops it). Offers another transaction holds (being accepted,
    withdrawn by a claim) are skipped: that transaction answers them. Returns how many expired."""
    expired = 0
    while True:
        with transaction.atomic():
            due = list(
                Offer.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=OfferStatus.OFFERED, expires_at__lt=now)
                .select_related("job__cooperative")
                .order_by("expires_at", "id")[:batch]
            )
            for offer in due:
                offer.status = OfferStatus.EXPIRED
                offer.answered_at = now
                offer.save(update_fields=["status", "answered_at"])
                cooperative = offer.job.cooperative
                audit_append(
                    cooperative=cooperative,
                    actor=None,
                    action="offer.expired",
                    target=offer,
                    data={"job": offer.job_id, "worker": offer.worker_id},
                )
                publish(
                    Event(
                        "offer.expired",
                        cooperative.pk,
                        {"offer": offer.pk, "job": offer.job_id},
                        (f"user-{offer.worker_id}",),
                    )
                )
        expired += len(due)
        if len(due) < batch:
            return expired


def run_due_transitions(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Expire offers, auto-approve timesheets past their deadline and cancel open jobs long past
    their start. Each item runs in its own transaction; safe to run from several workers."""
    now = now or timezone.now()
    counts = {"offers_expired": offers_expire(now=now), "auto_approved": 0, "expired_jobs": 0}
    for job in Job.objects.filter(status=lifecycle.COMPLETED).select_related("cooperative"):
        hours = int(_term(job.terms, "timesheet_auto_approve_hours"))
        if job.completed_at and job.completed_at + dt.timedelta(hours=hours) <= now:
            try:
                job_approve(cooperative=job.cooperative, job_id=job.pk, actor=None, system=True)
                counts["auto_approved"] += 1
            except errors.TransitionNotAllowed:
                pass  # someone approved it meanwhile
            except CoopError:
                # One job that cannot be settled must not stop the others: it stays completed
                # for a coordinator, and the failure is in the log.
                logger.exception("auto-approval of job %s failed", job.pk)
    # Nobody holds a position (a worker who gave theirs back does not keep the job alive).
    holding = Assignment.objects.filter(job=OuterRef("pk"), status=AssignmentStatus.ACTIVE)
    stale = (
        Job.objects.filter(status=lifecycle.OPEN, starts_at__lt=now - dt.timedelta(hours=1))
        .exclude(Exists(holding))
        .select_related("cooperative")
    )
    for job in stale:
        try:
            job_cancel(
                cooperative=job.cooperative,
                job_id=job.pk,
                actor=None,
                system=True,
                reason="nobody took it in time",
                now=now,
            )
            counts["expired_jobs"] += 1
        except errors.TransitionNotAllowed:
            pass
        except CoopError:
            logger.exception("expiring job %s failed", job.pk)
    return counts


# --- Invoices -----------------------------------------------------------------------------------


@transaction.atomic
def invoice_issue(
    *,
    cooperative: Cooperative,
    client_id: int,
    period_start: dt.date,
    period_end: dt.date,
    actor: User | None,
) -> Invoice:
    """Issue a business client's invoice for a period: every job they booked as a business that
    was settled or cancelled with a charge. Jobs they booked privately are not on it."""
    if actor is not None:
        require_role(
            user=actor, cooperative=cooperative, roles={RoleName.COORDINATOR, RoleName.BOARD}
        )
    if period_end < period_start:
        raise errors.TimesInvalid(reason=_("the period ends before it starts"))
    # One invoice at a time per co-op: numbers stay gapless and the overlap check holds.
    advisory_xact_lock(f"invoice-number:{cooperative.pk}")
    # Periods of one client never overlap, so no job is invoiced twice.
    if Invoice.objects.filter(
        cooperative=cooperative,
        client_id=client_id,
        period_start__lte=period_end,
        period_end__gte=period_start,
    ).exists():
        raise errors.InvoiceExists()
    jobs = list(
        Job.objects.filter(
            cooperative=cooperative,
            client_id=client_id,
            client_is_business=True,
            receipt__isnull=False,
            starts_at__date__gte=period_start,
            starts_at__date__lte=period_end,
        )
        .filter(Q(status=lifecycle.SETTLED) | Q(status=lifecycle.CANCELLED))
        .order_by("starts_at", "id")
    )
    if not jobs:
        raise errors.NothingToInvoice()
    number = (
        Invoice.objects.filter(cooperative=cooperative).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    lines = [
        {
            "job": j.pk,
            "reference": j.reference,
            "title": j.title,
            "kind": j.kind,
            "date": j.starts_at.date().isoformat(),
            "net": j.receipt["net"],
            "vat": j.receipt["vat"],
            "total": j.receipt["total"],
            "status": j.status,
        }
        for j in jobs
        if j.receipt
    ]
    invoice = Invoice.objects.create(
        cooperative=cooperative,
        client_id=client_id,
        number=number,
        period_start=period_start,
        period_end=period_end,
        currency=cooperative.currency,
        net_minor=sum(line["net"] for line in lines),
        vat_minor=sum(line["vat"] for line in lines),
        total_minor=sum(line["total"] for line in lines),
        lines=lines,
    )
    audit_append(
        cooperative=cooperative,
        actor=actor,
        action="invoice.issued",
        target=invoice,
        data={"number": number, "client": client_id, "total": invoice.total_minor},
    )
    return invoice
