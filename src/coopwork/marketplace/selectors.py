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
)
from .services import job_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

JOB_RELATED = ("shift", "ride", "delivery", "task", "zone", "client", "cooperative")


def job_get(*, cooperative: Cooperative, job_id: int, user: User | AnonymousUser) -> Job:
    """A job its viewer may see: its client, its workers, coordinators, and workers who may take
    it while it is open. Anyone else gets 404, as for another co-op's job."""
    job = (
        Job.objects.select_related(*JOB_RELATED).filter(cooperative=cooperative, pk=job_id).first()
    )
    if job is None or not user.is_authenticated:
        raise errors.JobNotFound()
    roles = job_roles(job=job, user=user)
    if roles:
        return job
    if job.status in (lifecycle.OPEN, lifecycle.ASSIGNED) and worker_profile(
        cooperative=cooperative, user=user
    ):
        return job
    if Assignment.objects.filter(job=job, worker_id=user.pk).exists():
        return job
    raise errors.JobNotFound()


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
    """Open jobs this worker can take: skills and vehicle fit, not already on them. Sorted by
    start time; this list is never ranked by ratings."""
    profile = worker_profile(cooperative=cooperative, user=user)
    if profile is None or not profile.active:
        return []
    jobs = (
        Job.objects.select_related(*JOB_RELATED)
        .filter(
            cooperative=cooperative,
            status=lifecycle.OPEN,
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
