"""The marketplace's jobs: quote and book, list and read, and the client's side of a job
(approve, cancel, send a worker home, record a no-show), ratings, messages and cases.

Who may do what is the marketplace's own rule, checked in its services and selectors: a job is
seen by its client, its workers, the co-op's coordinators and workers who may take it while it is
open; anyone else, and any other co-op's job, gets 404 ``job_not_found``.
"""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile
from ninja.pagination import paginate

from coopwork.api import access
from coopwork.api.schemas.common import (
    ERRORS,
    IdempotencyKeyHeader,
    IdPath,
    Pagination,
    Rendered,
    SlugPath,
)
from coopwork.api.schemas.jobs import (
    AssignmentOut,
    BookingIn,
    CaseIn,
    CaseOut,
    JobOut,
    JobReceiptOut,
    JobStateOut,
    JobStatus,
    JobSummaryOut,
    MessageIn,
    MessageOut,
    QuoteOut,
    RatingIn,
    RatingOut,
    ReasonIn,
    StatementIn,
    StatementOut,
    WorkerIn,
)
from coopwork.marketplace.selectors import job_messages, job_receipt, job_view, jobs_for
from coopwork.marketplace.services import (
    case_open,
    case_statement_add,
    job_approve,
    job_book,
    job_cancel,
    job_quote,
    job_send_home,
    job_transition,
    job_worker_no_show,
    message_post,
    rating_submit,
)

router = Router(tags=["jobs"])

ListRole = Literal["client", "worker", "coordinator"]


# --- Quote and book ------------------------------------------------------------------------------


@router.post("/coops/{slug}/quotes", response={200: QuoteOut, **ERRORS})
def quote_create(request: HttpRequest, slug: SlugPath, payload: BookingIn) -> QuoteOut:
    """The upfront price of a job and its split (worker, co-op, VAT), under the parameters in
    force today. Writes nothing. Same body as booking (signed-in users)."""
    coop = access.cooperative(slug)
    return QuoteOut.of(job_quote(cooperative=coop, request=payload.to_domain()))


@router.post("/coops/{slug}/jobs", response={201: JobOut, **ERRORS})
def job_create(request: HttpRequest, slug: SlugPath, payload: BookingIn) -> Status:
    """Book a job (any signed-in user): the price, its split and the parameters it used are frozen
    on the job, which opens to workers (or, a ``draft``, waits to be published). Refusals:
    ``outside_service_area``, ``quantity_invalid``, ``times_invalid``, ``vehicle_mismatch``."""
    coop = access.cooperative(slug)
    job = job_book(
        cooperative=coop,
        client=access.acting_user(request),
        request=payload.to_domain(),
        business=payload.business,
        draft=payload.draft,
    )
    return Status(201, JobOut.booked(job))


@router.get("/coops/{slug}/jobs", response={200: list[JobSummaryOut], **ERRORS})
@paginate(Pagination)
def job_list(
    request: HttpRequest,
    slug: SlugPath,
    role: ListRole = "client",
    status: JobStatus | None = None,
) -> Any:
    """My jobs, latest start first: those I booked (``role=client``), those I hold or held a
    position on (``role=worker``), or all the co-op's jobs (``role=coordinator``, coordinators)."""
    coop = access.cooperative(slug)
    return Rendered(
        jobs_for(cooperative=coop, user=access.acting_user(request), role=role, status=status),
        JobSummaryOut.of,
    )


@router.get("/coops/{slug}/jobs/{job_id}", response={200: JobOut, **ERRORS})
def job_detail(request: HttpRequest, slug: SlugPath, job_id: IdPath) -> JobOut:
    """One job with its kind's details, its frozen quote and terms, who is on it, its receipt,
    ratings, cases and the transitions open to me now."""
    coop = access.cooperative(slug)
    return JobOut.of_view(
        job_view(cooperative=coop, job_id=job_id, user=access.acting_user(request))
    )


@router.get("/coops/{slug}/jobs/{job_id}/receipt", response={200: JobReceiptOut, **ERRORS})
def receipt_detail(request: HttpRequest, slug: SlugPath, job_id: IdPath) -> JobReceiptOut:
    """The job's one receipt, identical for its client and its workers: the booked price until
    settlement, then what was charged and paid (with any pay-floor top-up)."""
    coop = access.cooperative(slug)
    return JobReceiptOut.of(
        job_receipt(cooperative=coop, job_id=job_id, user=access.acting_user(request))
    )


# --- The client's side ---------------------------------------------------------------------------


@router.post("/coops/{slug}/jobs/{job_id}/approve", response={200: JobStateOut, **ERRORS})
def approve(
    request: HttpRequest,
    slug: SlugPath,
    job_id: IdPath,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Approve the work (client or coordinator; Idempotency-Key). The job is settled at once in
    one balanced ledger transaction, and the answer carries the receipt."""
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="jobs.approve",
        key=idempotency_key,
        request_data={"job_id": job_id},
        run=lambda: JobStateOut.of(
            job_approve(cooperative=coop, job_id=job_id, actor=access.acting_user(request))
        ),
    )


@router.post("/coops/{slug}/jobs/{job_id}/cancel", response={200: JobStateOut, **ERRORS})
def cancel(
    request: HttpRequest,
    slug: SlugPath,
    job_id: IdPath,
    payload: ReasonIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status:
    """Cancel the job (client or coordinator; Idempotency-Key). A shift cancelled late pays its
    workers the minimum hours, a ride, delivery or task with a worker pays the cancellation fee;
    both are billed to the client (see ``cancellation`` on the job first)."""
    coop = access.cooperative(slug)
    return access.idempotent(
        request,
        coop=coop,
        operation="jobs.cancel",
        key=idempotency_key,
        request_data={"job_id": job_id, **payload.model_dump()},
        run=lambda: JobStateOut.of(
            job_cancel(
                cooperative=coop,
                job_id=job_id,
                actor=access.acting_user(request),
                reason=payload.reason,
            )
        ),
    )


@router.post("/coops/{slug}/jobs/{job_id}/send-home", response={200: AssignmentOut, **ERRORS})
def send_home(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: WorkerIn
) -> AssignmentOut:
    """Send a clocked-in worker home early (client or coordinator): they are clocked out now
    and paid at least the minimum hours."""
    coop = access.cooperative(slug)
    return AssignmentOut.of(
        job_send_home(
            cooperative=coop,
            job_id=job_id,
            worker_id=payload.worker_id,
            actor=access.acting_user(request),
        )
    )


@router.post("/coops/{slug}/jobs/{job_id}/no-show", response={200: JobStateOut, **ERRORS})
def no_show(request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: WorkerIn) -> JobStateOut:
    """Record that a worker did not come (client or coordinator, once the clock-in tolerance
    after the start has passed). Their position is freed and they are not paid."""
    coop = access.cooperative(slug)
    return JobStateOut.of(
        job_worker_no_show(
            cooperative=coop,
            job_id=job_id,
            worker_id=payload.worker_id,
            actor=access.acting_user(request),
        )
    )


# The lifecycle's transitions that carry no data (``depart`` has its own route, under work).
PlainTransition = Literal["publish", "no_show", "close_no_show"]


@router.post(
    "/coops/{slug}/jobs/{job_id}/transitions/{transition}",
    response={200: JobStateOut, **ERRORS},
)
def transition_make(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, transition: PlainTransition
) -> JobStateOut:
    """Make one of the job's transitions that carry no data, when the job's ``transitions`` list
    it for me: ``publish`` a draft (its client or a coordinator); ``no_show``, nobody came for
    the whole job (its client or a coordinator, once the clock-in tolerance after the start has
    passed: its workers are not paid and no cancellation fee is charged); ``close_no_show``, a
    coordinator cancels a no-show job. The other transitions have their own routes (approve,
    cancel, cases, claims). Refusals: ``transition_not_allowed`` (409), ``not_your_job``."""
    coop = access.cooperative(slug)
    return JobStateOut.of(
        job_transition(
            cooperative=coop,
            job_id=job_id,
            transition=transition,
            actor=access.acting_user(request),
        )
    )


# --- Ratings, messages, cases --------------------------------------------------------------------


@router.post("/coops/{slug}/jobs/{job_id}/ratings", response={201: RatingOut, **ERRORS})
def rating_create(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: RatingIn
) -> Status:
    """Rate the other side of a finished job, once (``rating_already_given``). Double-blind: it
    is published when both have rated or after the delay in force. Ratings never rank workers."""
    coop = access.cooperative(slug)
    rating = rating_submit(
        cooperative=coop,
        job_id=job_id,
        rater=access.acting_user(request),
        ratee_id=payload.ratee_id,
        score=payload.score,
        comment=payload.comment,
    )
    return Status(201, RatingOut.of(rating))


@router.get("/coops/{slug}/jobs/{job_id}/messages", response={200: list[MessageOut], **ERRORS})
def message_list(request: HttpRequest, slug: SlugPath, job_id: IdPath) -> list[MessageOut]:
    """The job's messages, oldest first (the people on the job)."""
    coop = access.cooperative(slug)
    found = job_messages(cooperative=coop, job_id=job_id, user=access.acting_user(request))
    return [MessageOut.of(m) for m in found]


@router.post("/coops/{slug}/jobs/{job_id}/messages", response={201: MessageOut, **ERRORS})
def message_create(
    request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: MessageIn
) -> Status:
    """Write on the job (the people on it); the others are notified."""
    coop = access.cooperative(slug)
    message = message_post(
        cooperative=coop, job_id=job_id, sender=access.acting_user(request), body=payload.body
    )
    return Status(201, MessageOut.of(message))


@router.post("/coops/{slug}/jobs/{job_id}/cases", response={201: CaseOut, **ERRORS})
def case_create(request: HttpRequest, slug: SlugPath, job_id: IdPath, payload: CaseIn) -> Status:
    """Report an incident, or dispute a finished job (client or worker), with a first
    statement. A dispute holds the job until a coordinator decides."""
    coop = access.cooperative(slug)
    case = case_open(
        cooperative=coop,
        job_id=job_id,
        actor=access.acting_user(request),
        kind=payload.kind,
        summary=payload.summary,
        statement=payload.statement,
    )
    return Status(201, CaseOut.of(case))


@router.post("/coops/{slug}/jobs/{job_id}/cases/with-evidence", response={201: CaseOut, **ERRORS})
def case_create_with_evidence(
    request: HttpRequest,
    slug: SlugPath,
    job_id: IdPath,
    payload: Form[CaseIn],
    evidence: File[UploadedFile],
) -> Status:
    """The same, with a file as evidence: ``multipart/form-data`` with the fields ``kind``,
    ``summary`` and ``statement`` and an ``evidence`` file, a photo (JPEG, PNG, WebP) or a PDF
    of at most 10 MB, recognised by its content: ``evidence_too_large`` (413) or
    ``evidence_type_not_allowed`` (415) otherwise, and nothing is recorded."""
    coop = access.cooperative(slug)
    case = case_open(
        cooperative=coop,
        job_id=job_id,
        actor=access.acting_user(request),
        kind=payload.kind,
        summary=payload.summary,
        statement=payload.statement,
        evidence=evidence,
    )
    return Status(201, CaseOut.of(case))


@router.post("/coops/{slug}/cases/{case_id}/statements", response={201: StatementOut, **ERRORS})
def statement_create(
    request: HttpRequest, slug: SlugPath, case_id: IdPath, payload: StatementIn
) -> Status:
    """Add my side's statement to an open case (the people on its job)."""
    coop = access.cooperative(slug)
    statement = case_statement_add(
        cooperative=coop, case_id=case_id, actor=access.acting_user(request), text=payload.text
    )
    return Status(201, StatementOut.of(statement))


@router.post(
    "/coops/{slug}/cases/{case_id}/statements/with-evidence",
    response={201: StatementOut, **ERRORS},
)
def statement_create_with_evidence(
    request: HttpRequest,
    slug: SlugPath,
    case_id: IdPath,
    payload: Form[StatementIn],
    evidence: File[UploadedFile],
) -> Status:
    """The same, with a file as evidence: ``multipart/form-data`` with a ``text`` field and an
    ``evidence`` file (a photo or a PDF of at most 10 MB; ``evidence_too_large`` (413) or
    ``evidence_type_not_allowed`` (415) otherwise)."""
    coop = access.cooperative(slug)
    statement = case_statement_add(
        cooperative=coop,
        case_id=case_id,
        actor=access.acting_user(request),
        text=payload.text,
        evidence=evidence,
    )
    return Status(201, StatementOut.of(statement))
