"""The worker's side of the marketplace: claim, give back, go, clock in and out with proof,
answer offers, and the worker area (offers, open jobs, earnings, profile, availability, position).

Refusing an offer or giving a job back never counts against the worker. The iCalendar feed of a
worker's shifts is a web address (``calendar_url`` on the profile), not an API route.
"""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, P, QueryEx, Router, UploadedFile
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import ERRORS, IdPath, Pagination, Rendered, SlugPath
from coopwork.api.schemas.jobs import (
    AssignmentOut,
    ClockInIn,
    ClockOutIn,
    JobStateOut,
    JobSummaryOut,
)
from coopwork.api.schemas.work import (
    AvailabilityIn,
    EarningsOut,
    EarningsPeriodOut,
    OfferOut,
    PositionIn,
    PositionOut,
    ProfileIn,
    ProfileOut,
)
from coopwork.core.models import RoleName
from coopwork.marketplace import errors
from coopwork.marketplace.selectors import (
    offers_for_worker,
    open_jobs_for_worker,
    worker_earnings,
    worker_earnings_by_period,
    worker_profile,
)
from coopwork.marketplace.services import (
    job_claim,
    job_clock_in,
    job_clock_out,
    job_release,
    job_transition,
    offer_accept,
    offer_refuse,
    worker_availability_set,
    worker_position_update,
    worker_profile_save,
)

router = Router(tags=["work"])

WORKER = frozenset({RoleName.WORKER.value})
MAX_PHOTO_BYTES = 10_000_000

# --- A worker on a job ---------------------------------------------------------------------------


@router.post("/coops/{slug}/jobs/{job_id}/claim", response={200: AssignmentOut, **ERRORS})
def claim(request: HttpRequest, slug: SlugPath, job_id: IdPath) -> AssignmentOut:
    """Take a position (workers whose skills and vehicle fit). The first claim wins; on a full
    shift later claimants join the waiting list (``status: waitlisted``), on a full ride,
    delivery or task they get ``job_taken``."""
    coop = access.cooperative(slug)
    return AssignmentOut.of(
        job_claim(cooperative=coop, job_id=job_id, worker=access.acting_user(request))
    )


@router.post("/coops/{slug}/jobs/{job_id}/release", response={200: JobStateOut, **ERRORS})
def release(request: HttpRequest, slug: SlugPath, job_id: IdPath) -> JobStateOut:
    """Give my position (or waiting-list place) back before the job starts; the first on the
    waiting list takes it. This never counts against me."""
    coop = access.cooperative(slug)
    return JobStateOut.of(
        job_release(cooperative=coop, job_id=job_id, worker=access.acting_user(request))
    )


@router.post("/coops/{slug}/jobs/{job_id}/depart", response={200: JobStateOut, **ERRORS})
def depart(request: HttpRequest, slug: SlugPath, job_id: IdPath) -> JobStateOut:
    """On my way to the pick-up (rides and deliveries, the assigned worker)."""
    coop = access.cooperative(slug)
    return JobStateOut.of(
        job_transition(
            cooperative=coop, job_id=job_id, transition="depart", actor=access.acting_user(request)
        )
    )


@router.post("/coops/{slug}/jobs/{job_id}/clock-in", response={200: AssignmentOut, **ERRORS})
def clock_in(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: ClockInIn
) -> AssignmentOut:
    """Start: on a shift with the shift's code (``clock_code_invalid``) and near its start
    (``clock_time_invalid``); on a ride, delivery or task at pick-up or arrival."""
    coop = access.cooperative(slug)
    return AssignmentOut.of(
        job_clock_in(
            cooperative=coop, job_id=job_id, worker=access.acting_user(request), code=payload.code
        )
    )


@router.post("/coops/{slug}/jobs/{job_id}/clock-out", response={200: AssignmentOut, **ERRORS})
def clock_out(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: ClockOutIn
) -> AssignmentOut:
    """Finish. A shift takes its code, as at clock-in (``clock_code_invalid``). A delivery needs
    its proof: the recipient's code or a signature (a photo goes to ``clock-out/photo``);
    ``proof_missing`` otherwise. When every worker is done the job is completed and waits for
    approval."""
    coop = access.cooperative(slug)
    return AssignmentOut.of(
        job_clock_out(
            cooperative=coop,
            job_id=job_id,
            worker=access.acting_user(request),
            code=payload.code,
            proof_code=payload.proof_code,
            proof_text=payload.signature,
        )
    )


@router.post("/coops/{slug}/jobs/{job_id}/clock-out/photo", response={200: AssignmentOut, **ERRORS})
def clock_out_photo(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, photo: File[UploadedFile]
) -> AssignmentOut:
    """Finish a delivery whose proof is a photo: ``multipart/form-data`` with a ``photo`` file
    (at most 10 MB)."""
    coop = access.cooperative(slug)
    if not 1 <= (photo.size or 0) <= MAX_PHOTO_BYTES:
        raise errors.QuantityAbsurd(field="photo", minimum=1, maximum=MAX_PHOTO_BYTES)
    return AssignmentOut.of(
        job_clock_out(
            cooperative=coop, job_id=job_id, worker=access.acting_user(request), proof_file=photo
        )
    )


# --- Offers --------------------------------------------------------------------------------------


@router.post("/coops/{slug}/offers/{offer_id}/accept", response={200: AssignmentOut, **ERRORS})
def accept(request: HttpRequest, slug: SlugPath, offer_id: IdPath) -> AssignmentOut:
    """Accept an offer made to me: a claim of its job (``offer_not_found`` once it expired)."""
    coop = access.cooperative(slug)
    return AssignmentOut.of(
        offer_accept(cooperative=coop, offer_id=offer_id, worker=access.acting_user(request))
    )


@router.post("/coops/{slug}/offers/{offer_id}/refuse", response={200: OfferOut, **ERRORS})
def refuse(request: HttpRequest, slug: SlugPath, offer_id: IdPath) -> OfferOut:
    """Refuse an offer made to me. Refusing never counts against me."""
    coop = access.cooperative(slug)
    return OfferOut.of(
        offer_refuse(cooperative=coop, offer_id=offer_id, worker=access.acting_user(request))
    )


# --- The worker area -----------------------------------------------------------------------------


@router.get("/coops/{slug}/work/offers", response={200: list[OfferOut], **ERRORS})
def offer_list(request: HttpRequest, slug: SlugPath) -> list[OfferOut]:
    """Offers open to me, soonest expiry first, with the pay, the place and the time (workers)."""
    coop = access.cooperative_for(request, slug, WORKER)
    return [
        OfferOut.of(o)
        for o in offers_for_worker(cooperative=coop, user=access.acting_user(request))
    ]


@router.get("/coops/{slug}/work/open-jobs", response={200: list[JobSummaryOut], **ERRORS})
@paginate(Pagination)
def open_job_list(request: HttpRequest, slug: SlugPath) -> Any:
    """Open jobs my skills and vehicle fit, by start time; never ranked by ratings (workers)."""
    coop = access.cooperative_for(request, slug, WORKER)
    return Rendered(
        open_jobs_for_worker(cooperative=coop, user=access.acting_user(request)),
        JobSummaryOut.of,
    )


@router.get("/coops/{slug}/work/earnings", response={200: EarningsOut, **ERRORS})
def earnings(request: HttpRequest, slug: SlugPath) -> EarningsOut:
    """What my settled jobs paid, pay-floor top-ups included (workers)."""
    coop = access.cooperative_for(request, slug, WORKER)
    return EarningsOut.of(worker_earnings(cooperative=coop, user=access.acting_user(request)))


@router.get(
    "/coops/{slug}/work/earnings/periods", response={200: list[EarningsPeriodOut], **ERRORS}
)
def earnings_periods(
    request: HttpRequest,
    slug: SlugPath,
    period: Literal["week", "month"] = "week",
    count: QueryEx[int, P(ge=1, le=60)] = 8,
) -> list[EarningsPeriodOut]:
    """My settled pay per week (from Monday) or month, the latest ``count`` periods up to today,
    oldest first, empty periods included (workers)."""
    coop = access.cooperative_for(request, slug, WORKER)
    periods = worker_earnings_by_period(
        cooperative=coop, user=access.acting_user(request), period=period, count=count
    )
    return [EarningsPeriodOut.of(p, coop.currency) for p in periods]


@router.get("/coops/{slug}/work/profile", response={200: ProfileOut, **ERRORS})
def profile(request: HttpRequest, slug: SlugPath) -> ProfileOut:
    """My worker profile, availability and calendar link (``not_a_worker`` before I save one)."""
    coop = access.cooperative_for(request, slug, WORKER)
    found = worker_profile(cooperative=coop, user=access.acting_user(request))
    if found is None:
        raise errors.NotAWorker()
    return ProfileOut.of(found)


@router.put("/coops/{slug}/work/profile", response={200: ProfileOut, **ERRORS})
def profile_save(request: HttpRequest, slug: SlugPath, payload: ProfileIn) -> ProfileOut:
    """Create or update my profile: skills, vehicle, capacity, seats, zones (the worker role)."""
    coop = access.cooperative(slug)
    return ProfileOut.of(
        worker_profile_save(
            cooperative=coop,
            user=access.acting_user(request),
            skills=list(payload.skills),
            vehicle=payload.vehicle,
            capacity_kg=payload.capacity_kg,
            seats=payload.seats,
            zone_codes=list(payload.zones) if payload.zones is not None else None,
            active=payload.active,
        )
    )


@router.put("/coops/{slug}/work/availability", response={200: ProfileOut, **ERRORS})
def availability_save(request: HttpRequest, slug: SlugPath, payload: AvailabilityIn) -> ProfileOut:
    """Replace my weekly plan (local times) and, if given, my date exceptions."""
    coop = access.cooperative(slug)
    return ProfileOut.of(
        worker_availability_set(
            cooperative=coop,
            user=access.acting_user(request),
            weekly=[(s.weekday, s.start, s.end) for s in payload.weekly],
            exceptions=(
                [(e.date, e.available, e.start, e.end, e.note) for e in payload.exceptions]
                if payload.exceptions is not None
                else None
            ),
        )
    )


@router.post("/coops/{slug}/work/position", response={200: PositionOut, **ERRORS})
def position(request: HttpRequest, slug: SlugPath, payload: PositionIn) -> PositionOut:
    """Where I am now, while on a job: the clients of my active jobs see it with an ETA. At most
    one update every few seconds (``position_rate_limited``)."""
    coop = access.cooperative(slug)
    worker_position_update(
        cooperative=coop, worker=access.acting_user(request), lat=payload.lat, lon=payload.lon
    )
    return PositionOut(lat=payload.lat, lon=payload.lon)
