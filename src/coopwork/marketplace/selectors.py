"""Reads of the marketplace: what each side sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from coopwork.core.models import Cooperative, RoleName
from coopwork.core.money import Money
from coopwork.core.selectors import user_roles

from . import errors, lifecycle
from .models import (
    Assignment,
    AssignmentStatus,
    Case,
    Invoice,
    Job,
    Message,
    Notification,
    Offer,
    OfferStatus,
    Rating,
    WorkerProfile,
    Zone,
)
from .services import job_roles, job_visible, work_group, worker_may_take_jobs

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

JOB_RELATED = ("shift", "ride", "delivery", "task", "zone", "client", "cooperative")


def job_get(*, cooperative: Cooperative, job_id: int, user: User | AnonymousUser) -> Job:
    """A job its viewer may see: its client, its workers, coordinators, and workers who may take
    it while it is open. Anyone else gets 404, as for another co-op's job."""
    job = (
        Job.objects.select_related(*JOB_RELATED).filter(cooperative=cooperative, pk=job_id).first()
    )
    if job is None or not job_visible(job=job, user=user):
        raise errors.JobNotFound()
    return job


def work_live_group(*, slug: str, user: User | AnonymousUser) -> str | None:
    """The live group of the worker area of the co-op ``slug`` (``services.work_group``), or
    None when ``user`` may not hear it: no such co-op, or not a worker with a profile there."""
    cooperative = Cooperative.objects.filter(slug=slug).first()
    if cooperative is None or not worker_may_take_jobs(cooperative=cooperative, user=user):
        return None
    return work_group(cooperative.pk)


def worker_profile(*, cooperative: Cooperative, user: User | AnonymousUser) -> WorkerProfile | None:
    if not user.is_authenticated:
        return None
    if RoleName.WORKER not in user_roles(user=user, cooperative=cooperative):
        return None
    return (
        WorkerProfile.objects.filter(cooperative=cooperative, user_id=user.pk)
        .prefetch_related("zones", "weekly", "exceptions")
        .first()
    )


def open_jobs_for_worker(*, cooperative: Cooperative, user: User) -> list[Job]:
    """Open jobs this worker can take: skills and vehicle fit, not already on them; and full
    shifts not yet started, whose waiting list they can join (``status`` says which). Sorted by
    start time; this list is never ranked by ratings."""
    profile = worker_profile(cooperative=cooperative, user=user)
    if profile is None or not profile.active:
        return []
    jobs = (
        Job.objects.select_related(*JOB_RELATED)
        .filter(
            Q(status=lifecycle.OPEN) | Q(status=lifecycle.ASSIGNED, kind="shift"),
            cooperative=cooperative,
            auto_dispatch=False,
            starts_at__gte=timezone.now() - dt.timedelta(hours=1),
        )
        # One subquery, so both conditions hold on the same assignment row.
        .exclude(
            Exists(
                Assignment.objects.filter(
                    job=OuterRef("pk"),
                    worker_id=user.pk,
                    status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED],
                )
            )
        )
        .order_by("starts_at")
    )
    skills = set(profile.skills)
    return [
        j
        for j in jobs
        if set(j.skills) <= skills
        and (not j.vehicle_required or j.vehicle_required == profile.vehicle)
    ]


def offers_for_worker(*, cooperative: Cooperative, user: User) -> list[Offer]:
    return list(
        Offer.objects.select_related("job", "job__zone")
        .filter(
            job__cooperative=cooperative,
            worker_id=user.pk,
            status=OfferStatus.OFFERED,
            expires_at__gt=timezone.now(),
        )
        .order_by("expires_at")
    )


def worker_jobs(*, cooperative: Cooperative, user: User) -> list[Assignment]:
    return list(
        Assignment.objects.select_related("job", "job__shift", "job__zone")
        .filter(job__cooperative=cooperative, worker_id=user.pk)
        .exclude(status=AssignmentStatus.RELEASED)
        .order_by("-job__starts_at")
    )


def client_jobs(*, cooperative: Cooperative, user: User) -> list[Job]:
    return list(
        Job.objects.select_related(*JOB_RELATED)
        .filter(cooperative=cooperative, client_id=user.pk)
        .order_by("-starts_at")
    )


def coordinator_board(*, cooperative: Cooperative) -> dict[str, list[Job]]:
    """Every live job grouped by status, for the coordinator's board."""
    recent = timezone.now() - dt.timedelta(days=2)
    jobs = (
        Job.objects.select_related(*JOB_RELATED)
        .prefetch_related("assignments__worker")
        .filter(cooperative=cooperative)
        .filter(~Q(status__in=lifecycle.FINAL) | Q(updated_at__gte=recent))
        .order_by("starts_at")
    )
    board: dict[str, list[Job]] = {state: [] for state in lifecycle.STATES}
    for job in jobs:
        board[job.status].append(job)
    return board


@dataclass(frozen=True)
class Earnings:
    jobs: int
    pay: Money
    topup: Money
    hours: float


def worker_earnings(
    *, cooperative: Cooperative, user: User, since: dt.date | None = None
) -> Earnings:
    qs = Assignment.objects.filter(
        job__cooperative=cooperative, worker_id=user.pk, job__settlement__isnull=False
    )
    if since is not None:
        qs = qs.filter(job__starts_at__date__gte=since)
    agg = qs.aggregate(
        n=Count("id"), pay=Sum("pay_minor"), topup=Sum("topup_minor"), secs=Sum("engaged_seconds")
    )
    return Earnings(
        jobs=int(agg["n"] or 0),
        pay=Money(int(agg["pay"] or 0), cooperative.currency),
        topup=Money(int(agg["topup"] or 0), cooperative.currency),
        hours=round(int(agg["secs"] or 0) / 3600, 2),
    )


def receipt(*, job: Job) -> dict[str, Any]:
    """The one receipt both sides see: the frozen booking quote until settlement, then what was
    charged and paid. Amounts are minor units."""
    if job.receipt:
        return dict(job.receipt)
    split = job.quote["split"]
    return {
        "kind": "quote",
        "currency": job.currency,
        "booked": job.quote,
        "net": split["net"],
        "worker": split["worker"],
        "coop": split["coop"],
        "vat": split["vat"],
        "total": split["total"],
        "topup": 0,
        "workers": [],
        "terms": {
            k: v
            for k, v in job.terms.items()
            if k in ("commission_rate", "vat_rate", "pay_floor_hourly", f"pricing_{job.kind}")
        },
    }


def ratings_visible(*, job: Job, now: dt.datetime | None = None) -> list[Rating]:
    """Double-blind: a rating shows once the rated person has rated back, or after the delay in
    force when the job was booked."""
    now = now or timezone.now()
    days = int(job.terms["rating_publish_days"]["value"])
    ratings = list(Rating.objects.filter(job=job).select_related("rater", "ratee"))
    given = {(r.rater_id, r.ratee_id) for r in ratings}
    return [
        r
        for r in ratings
        if (r.ratee_id, r.rater_id) in given or r.created_at + dt.timedelta(days=days) <= now
    ]


def messages(*, job: Job) -> list[Message]:
    return list(Message.objects.filter(job=job).select_related("sender"))


def notifications(
    *, user: User, cooperative: Cooperative, unread_only: bool = False
) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user_id=user.pk, cooperative=cooperative)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("job")


def cases(*, job: Job) -> list[Case]:
    return list(Case.objects.filter(job=job).prefetch_related("statements__author"))


def invoices(*, cooperative: Cooperative, client: User | None = None) -> list[Invoice]:
    qs = Invoice.objects.filter(cooperative=cooperative)
    if client is not None:
        qs = qs.filter(client_id=client.pk)
    return list(qs.select_related("client"))


def calendar_profile(*, token: str) -> WorkerProfile | None:
    if not token or len(token) > 64:
        return None
    return (
        WorkerProfile.objects.select_related("user", "cooperative")
        .filter(calendar_token=token)
        .first()
    )


# --- Reads for the web pages (worker area, client's job page, coordinator board) ----------------


def worker_profiles(*, cooperative: Cooperative) -> list[WorkerProfile]:
    """The co-op's active worker profiles, for a coordinator assigning by hand (by name, never
    ranked by ratings)."""
    return list(
        WorkerProfile.objects.filter(
            cooperative=cooperative,
            active=True,
            user__coop_roles__cooperative=cooperative,
            user__coop_roles__role=RoleName.WORKER,
        )
        .select_related("user")
        .prefetch_related("zones")
        .distinct()
        .order_by("user__username")
    )


def job_assignments(*, job: Job) -> list[Assignment]:
    """Who holds a position on the job, then the waiting list, in order."""
    return list(
        Assignment.objects.select_related("worker")
        .filter(job=job, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED])
        .order_by("status", "slot", "created_at", "id")
    )


@dataclass(frozen=True)
class TimelineStep:
    action: str
    at: dt.datetime
    status: str
    by: str


def job_timeline(*, job: Job) -> list[TimelineStep]:
    """The job's changes of status, oldest first, read from the audit log."""
    from coopwork.core.models import AuditEntry

    entries = AuditEntry.objects.filter(
        cooperative_id=job.cooperative_id, object_type="marketplace.job", object_id=str(job.pk)
    ).order_by("seq")
    steps = []
    for entry in entries:
        if entry.action == "job.booked":
            status = lifecycle.OPEN
        elif isinstance(entry.data, dict) and "to" in entry.data:
            status = str(entry.data["to"])
        else:
            continue
        steps.append(
            TimelineStep(
                action=entry.action.removeprefix("job."),
                at=entry.created_at,
                status=status,
                by=entry.actor_label,
            )
        )
    return steps


@dataclass(frozen=True)
class Tracking:
    worker_id: int
    name: str
    lat: float
    lon: float
    seen_at: dt.datetime
    eta_s: int
    distance_m: int


def job_tracking(*, job: Job) -> list[Tracking]:
    """Where the job's workers last were and how far they are from the next stop (pick-up, or
    drop-off once started), the same figures the live ``job.position`` events carry."""
    from coopwork.core.selectors import parameter_value

    from .geo import Point
    from .routing import route

    if job.status not in (lifecycle.ASSIGNED, lifecycle.EN_ROUTE, lifecycle.STARTED):
        return []
    profiles = WorkerProfile.objects.filter(
        cooperative_id=job.cooperative_id,
        user__assignments__job=job,
        user__assignments__status=AssignmentStatus.ACTIVE,
        last_lat__isnull=False,
        last_lon__isnull=False,
        last_seen_at__isnull=False,
    ).select_related("user")
    if job.status == lifecycle.STARTED and job.dropoff_lat is not None:
        target = Point(job.dropoff_lat, float(job.dropoff_lon or 0))
    else:
        target = Point(job.lat, job.lon)
    speeds = parameter_value(cooperative=job.cooperative, key="vehicle_speeds_kmh")
    found = []
    for profile in profiles:
        assert profile.last_lat is not None and profile.last_lon is not None
        assert profile.last_seen_at is not None
        leg = route(
            Point(profile.last_lat, profile.last_lon),
            target,
            vehicle=profile.vehicle,
            speeds=speeds,
        )
        found.append(
            Tracking(
                worker_id=profile.user_id,
                name=profile.user.get_full_name() or profile.user.get_username(),
                lat=profile.last_lat,
                lon=profile.last_lon,
                seen_at=profile.last_seen_at,
                eta_s=leg.duration_s,
                distance_m=leg.distance_m,
            )
        )
    return found


@dataclass(frozen=True)
class CancellationPreview:
    """What cancelling now would charge the client: the same rule as ``services.job_cancel``."""

    net: int
    vat: int
    total: int
    reason: str  # "none", "late_shift" (minimum hours) or "assigned" (cancellation fee)
    hours: int
    workers: int


def cancellation_preview(*, job: Job, now: dt.datetime | None = None) -> CancellationPreview:
    from fractions import Fraction

    from coopwork.core.parameters import parse_ratio

    from .pricing import split_price

    now = now or timezone.now()
    holders = Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE).count()
    terms = job.terms
    vat_rate = parse_ratio(terms["vat_rate"]["value"])
    late = int(terms["late_cancellation_hours"]["value"])
    net, reason, hours = 0, "none", 0
    if holders and job.kind == "shift":
        if job.starts_at - now < dt.timedelta(hours=late):
            hours = int(terms["minimum_paid_hours"]["value"])
            rate = job.shift.hourly_rate_minor
            net = holders * round(Fraction(hours) * rate)
            reason = "late_shift"
    elif holders:
        net = holders * int(terms["cancellation_fee"]["value"])
        reason = "assigned"
    # Each worker's line is split (and its VAT rounded) separately, as at cancellation.
    vat = 0
    if holders and net:
        vat = (
            holders
            * split_price(net // holders, commission_rate=Fraction(0), vat_rate=vat_rate).vat
        )
    return CancellationPreview(
        net=net, vat=vat, total=net + vat, reason=reason, hours=hours, workers=holders
    )


@dataclass(frozen=True)
class EarningsPeriod:
    start: dt.date
    pay: int
    topup: int
    seconds: int
    jobs: int


def worker_earnings_by_period(
    *, cooperative: Cooperative, user: User, period: str = "week", count: int = 8
) -> list[EarningsPeriod]:
    """The worker's settled pay per week (Monday first) or month, the ``count`` latest periods
    up to today, oldest first; empty periods included so a chart keeps its scale."""
    today = timezone.localdate()
    if period == "month":
        starts = []
        year, month = today.year, today.month
        for _ in range(count):
            starts.append(dt.date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        starts.reverse()
    else:
        monday = today - dt.timedelta(days=today.weekday())
        starts = [monday - dt.timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    buckets = {s: [0, 0, 0, 0] for s in starts}
    rows = Assignment.objects.filter(
        job__cooperative=cooperative,
        worker_id=user.pk,
        job__settlement__isnull=False,
        job__starts_at__date__gte=starts[0],
    ).values_list("job__starts_at", "pay_minor", "topup_minor", "engaged_seconds")
    for starts_at, pay, topup, seconds in rows:
        day = timezone.localtime(starts_at).date()
        key = day.replace(day=1) if period == "month" else day - dt.timedelta(days=day.weekday())
        if key in buckets:
            bucket = buckets[key]
            bucket[0] += pay
            bucket[1] += topup
            bucket[2] += seconds
            bucket[3] += 1
    return [EarningsPeriod(s, *buckets[s]) for s in starts]


def open_cases(*, cooperative: Cooperative) -> list[Case]:
    """Incidents and disputes waiting for a coordinator's decision, oldest first."""
    return list(
        Case.objects.filter(job__cooperative=cooperative, status=Case.Status.OPEN)
        .select_related("job__client", "opened_by")
        .prefetch_related("statements__author")
        .order_by("created_at", "id")
    )


def invoiceable_clients(*, cooperative: Cooperative) -> list[User]:
    """Business clients with a settled or late-cancelled job (something an invoice can carry)."""
    from django.contrib.auth import get_user_model

    client_ids = (
        Job.objects.filter(cooperative=cooperative, client_is_business=True, receipt__isnull=False)
        .values_list("client_id", flat=True)
        .distinct()
    )
    return list(get_user_model().objects.filter(pk__in=client_ids).order_by("username"))


def invoice_get(*, cooperative: Cooperative, invoice_id: int) -> Invoice | None:
    return (
        Invoice.objects.select_related("client", "cooperative")
        .filter(cooperative=cooperative, pk=invoice_id)
        .first()
    )


# --- Reads for the API: one call per request, with the same access rules as the pages ------------


def jobs_for(
    *, cooperative: Cooperative, user: User, role: str, status: str | None = None
) -> QuerySet[Job]:
    """The jobs one person lists, latest start first: those they booked (``client``), those they
    hold or held a position or waiting-list place on (``worker``; positions given back are left
    out), or every job of the co-op (``coordinator``, who must hold that role)."""
    from coopwork.core.permissions import require_authenticated, require_role

    require_authenticated(user=user)
    jobs = Job.objects.filter(cooperative=cooperative)
    if role == "coordinator":
        require_role(user=user, cooperative=cooperative, roles={RoleName.COORDINATOR})
    elif role == "worker":
        jobs = jobs.filter(
            Exists(
                Assignment.objects.filter(job=OuterRef("pk"), worker_id=user.pk).exclude(
                    status=AssignmentStatus.RELEASED
                )
            )
        )
    else:
        jobs = jobs.filter(client_id=user.pk)
    if status is not None:
        jobs = jobs.filter(status=status)
    return jobs.select_related(*JOB_RELATED).order_by("-starts_at", "-id")


def _receipt_workers(job: Job) -> set[int]:
    return {int(w["worker"]) for w in (job.receipt or {}).get("workers", [])}


@dataclass(frozen=True)
class JobView:
    """A job as one viewer may see it. People on the job (its client, its workers, the co-op's
    coordinators) see who is on it, the receipt, ratings and cases; a worker who may take the open
    job sees what it is, where, when and for what pay, and nothing about the people."""

    job: Job
    roles: frozenset[str]
    assignments: list[Assignment]
    transitions: list[lifecycle.Transition]
    receipt: dict[str, Any] | None
    can_claim: bool
    show_codes: bool
    cancellation: CancellationPreview | None
    ratings: list[Rating]
    cases: list[Case]

    @property
    def involved(self) -> bool:
        return bool(self.roles)


def job_view(
    *,
    cooperative: Cooperative,
    job_id: int,
    user: User | AnonymousUser,
    now: dt.datetime | None = None,
) -> JobView:
    job = job_get(cooperative=cooperative, job_id=job_id, user=user)
    viewer: User = user  # type: ignore[assignment]  # job_get refused anonymous users
    roles = frozenset(job_roles(job=job, user=viewer))
    available = lifecycle.available(state=job.status, kind=job.kind, roles=set(roles))
    if not roles:
        mine = Assignment.objects.filter(
            job=job,
            worker_id=viewer.pk,
            status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED],
        ).exists()
        return JobView(
            job=job,
            roles=roles,
            assignments=[],
            transitions=available,
            receipt=receipt(job=job) if viewer.pk in _receipt_workers(job) else None,
            can_claim=not mine and job.status in (lifecycle.OPEN, lifecycle.ASSIGNED),
            show_codes=False,
            cancellation=None,
            ratings=[],
            cases=[],
        )
    cancellation = None
    if lifecycle.allowed("cancel", state=job.status, kind=job.kind, roles=set(roles))[0]:
        cancellation = cancellation_preview(job=job, now=now)
    visible = ratings_visible(job=job, now=now)
    return JobView(
        job=job,
        roles=roles,
        assignments=job_assignments(job=job),
        transitions=available,
        receipt=receipt(job=job),
        can_claim=False,
        # The codes prove presence (shift) and delivery: only the client's side sees them, and
        # only while they are of use.
        show_codes=bool(roles & {"client", "coordinator"})
        and job.status
        in (lifecycle.OPEN, lifecycle.ASSIGNED, lifecycle.EN_ROUTE, lifecycle.STARTED),
        cancellation=cancellation,
        ratings=[
            r for r in visible if "coordinator" in roles or viewer.pk in (r.rater_id, r.ratee_id)
        ],
        cases=cases(job=job),
    )


def job_receipt(
    *, cooperative: Cooperative, job_id: int, user: User | AnonymousUser
) -> dict[str, Any]:
    """The one receipt of a job, for its client, its workers (also those paid a cancellation
    fee) and coordinators; anyone else who may see the job gets ``not_your_job``."""
    job = job_get(cooperative=cooperative, job_id=job_id, user=user)
    viewer: User = user  # type: ignore[assignment]  # job_get refused anonymous users
    if not job_roles(job=job, user=viewer) and viewer.pk not in _receipt_workers(job):
        raise errors.NotYourJob()
    return receipt(job=job)


def job_messages(
    *, cooperative: Cooperative, job_id: int, user: User | AnonymousUser
) -> list[Message]:
    """A job's messages, for the people on it (the same people who may write there)."""
    job = job_get(cooperative=cooperative, job_id=job_id, user=user)
    viewer: User = user  # type: ignore[assignment]  # job_get refused anonymous users
    if not job_roles(job=job, user=viewer):
        raise errors.NotYourJob()
    return messages(job=job)


def invoices_for(*, cooperative: Cooperative, user: User) -> list[Invoice]:
    """Every invoice for the co-op's coordinators and board; a client's own for anyone else."""
    roles = user_roles(user=user, cooperative=cooperative)
    if roles & {RoleName.COORDINATOR, RoleName.BOARD}:
        return invoices(cooperative=cooperative)
    return invoices(cooperative=cooperative, client=user)


def invoice_for_viewer(
    *, cooperative: Cooperative, invoice_id: int, user: User | AnonymousUser
) -> Invoice:
    """One invoice, for its client or the co-op's coordinators and board. Anyone else gets the
    same 404 as for an invoice that does not exist."""
    from coopwork.core.errors import NotFound

    invoice = invoice_get(cooperative=cooperative, invoice_id=invoice_id)
    if invoice is None or not user.is_authenticated:
        raise NotFound(code="invoice_not_found")
    if invoice.client_id != user.pk and not user_roles(user=user, cooperative=cooperative) & {
        RoleName.COORDINATOR,
        RoleName.BOARD,
    }:
        raise NotFound(code="invoice_not_found")
    return invoice


def zones(*, cooperative: Cooperative) -> list[Zone]:
    """The co-op's service areas (bookings must start inside one, once there are any)."""
    return list(Zone.objects.filter(cooperative=cooperative).order_by("code"))
