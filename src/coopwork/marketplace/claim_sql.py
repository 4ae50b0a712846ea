"""The claim of a one-position job as one PostgreSQL statement (the hot path of ``job_claim``).

Why raw SQL: accepting rides is the marketplace's hottest write. Through the ORM a winning claim
took 14 queries in a transaction (~6 ms of Python each); this statement does the same work in one
round trip, which it commits on its own when no transaction is open (the caller's transaction
otherwise). ``services.job_claim`` calls it on PostgreSQL and keeps the ORM path, which locks the
job with ``select_for_update``, for everything else: SQLite, shifts with several positions, the
waiting list, and any answer this statement cannot give for certain.

What the statement does, in order (each step reads the one before, so PostgreSQL runs them in
that order):

1. ``me``: the claimant's active worker profile in the co-op, if they hold the worker role.
2. ``snap``: the job as of the statement's snapshot, and ``job``: the same row locked
   ``FOR UPDATE``, only when the snapshot saw it open and only for a worker (a claim on a job
   already taken takes no lock and writes nothing). Under READ COMMITTED a locking read waits
   for a concurrent transaction holding the row to end and then locks the row's newest version
   and returns its current values, so a claim never acts on a stale status. When the locked row
   differs from the snapshot's (``xmin``), another transaction changed the job after the
   snapshot was taken (usually: a rival's claim took it while this one waited). Nothing is
   written then, and a refusal is answered from the locked row's status, kind, positions, skills
   and vehicle (the parcel's weight and the worker's profile still come from the snapshot), with
   the claimant's own live assignment read afresh by ``coopwork_marketplace_worker_on_job`` (a
   VOLATILE function's query takes a new snapshot, which sees what the rival committed), so the
   loser of a race is answered in the same round trip. A job changed but still open (an edit, a
   claim then a release, a new offer) needs the statement again, with a new snapshot.
   The rule this relies on: a transaction that writes rows this statement reads or updates
   under the job's lock (offers, assignments) also writes a new version of the job's row, as
   ``offer_create`` does; a job whose row is unchanged has nothing new for the snapshot to miss.
3. ``claimed``: the job moves open → assigned (the lifecycle's ``fill``) only if it is open and
   unchanged since the snapshot, has
   one position, is of a kind a worker may fill, the worker's skills cover the job's, the vehicle
   matches, a delivery's parcel is within the worker's capacity, and the worker holds no live
   assignment on it. These are ``_check_fit``'s rules, kept in step by the tests, which run every
   refusal through both paths.
4. ``held``: the assignment, slot 1. The unique index on (job, slot) still backs the lock up.
5. ``offers``: the job's other open offers are withdrawn, the worker's own is accepted (after
   the job's lock, the order ``offer_accept`` uses too), in one UPDATE.
6. ``audit``: one pending audit entry, ``job.claimed`` on the job with the assignment, its slot
   and the fill's states (``from``/``to``), exactly the row ``_claim_locked`` writes through
   ``audit_append`` for a claim that fills a job; ``audit_seal_after_commit`` seals it.
7. ``told``: the client's in-app notification that the worker took the job (``job.taken``), the
   row ``_claim_locked`` writes through ``_notify``, its e-mail still to send (``emailed_at``
   NULL: the outbox, drained after commit by ``emails.send_pending``), so the client is told
   exactly when the claim commits, at no extra round trip or commit.

The final SELECT returns the new assignment's id (NULL when nothing was claimed) and what the
caller needs to explain a refusal without another query.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import weakref
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import ProgrammingError, transaction

from coopwork.core.audit import chain_key
from coopwork.core.models import AuditEntry, Cooperative, Role, RoleName

from . import lifecycle
from .models import (
    Assignment,
    AssignmentStatus,
    DeliveryDetail,
    Job,
    Notification,
    Offer,
    OfferStatus,
    WorkerProfile,
)

FILL = lifecycle.TRANSITIONS["fill"]
# The kinds a worker may fill from OPEN, read from the state machine (all of them today).
FILL_KINDS = sorted(
    k
    for k in lifecycle.ALL_KINDS
    if lifecycle.allowed("fill", state=lifecycle.OPEN, kind=k, roles={"worker"})[0]
)
NAME = "coopwork_marketplace_claim_one"
# The kind of the client's notification (``notifications``), as ``_claim_locked`` writes it.
TAKEN = "job.taken"
# Whether a worker holds a live assignment on a job, read with a snapshot of its own (created by
# migration marketplace 0006).
WORKER_ON_JOB = "coopwork_marketplace_worker_on_job"
_WORD = re.compile(r"[a-z_.]+")


def _lit(*values: str) -> str:
    """Constants of the code (statuses, kinds, model labels) written into the statement."""
    words = [str(v) for v in values]
    for word in words:
        if not _WORD.fullmatch(word):
            raise ValueError(f"not a plain word: {word!r}")
    return ", ".join(f"'{w}'" for w in words)


# $1 co-op, $2 worker, $3 job, $4 now, $5 audit chain, $6 the worker's audit label, $7 the name
# the client's notification gives the worker. Table names
# and the other values are the code's own constants (checked by ``_lit``), never user input.
BODY = f"""
WITH me AS (
    SELECT p.skills, p.vehicle, p.capacity_kg
    FROM {WorkerProfile._meta.db_table} p
    WHERE p.cooperative_id = $1 AND p.user_id = $2 AND p.active
      AND EXISTS (
        SELECT 1 FROM {Role._meta.db_table} r
        WHERE r.cooperative_id = $1 AND r.user_id = $2 AND r.role = {_lit(RoleName.WORKER)})
),
snap AS (
    SELECT j.id, j.status, j.kind, j.positions, j.skills, j.vehicle_required,
           j.xmin::text AS version,
           (SELECT d.weight_g FROM {DeliveryDetail._meta.db_table} d
            WHERE d.job_id = j.id) AS weight_g
    -- the co-op is checked outside the primary-key lookup: given both in one WHERE, a generic
    -- plan may scan the co-op's index instead (every job of the co-op per claim)
    FROM (
        SELECT j0.id, j0.cooperative_id, j0.status, j0.kind, j0.positions, j0.skills,
               j0.vehicle_required, j0.xmin
        FROM {Job._meta.db_table} j0 WHERE j0.id = $3 OFFSET 0
    ) j
    WHERE j.cooperative_id = $1
),
job AS (
    SELECT j.id, j.status, j.kind, j.positions, j.skills, j.vehicle_required, snap.weight_g,
           j.client_id, j.title, j.xmin::text = snap.version AS unchanged
    FROM {Job._meta.db_table} j JOIN snap ON snap.id = j.id
    WHERE j.id = $3 AND snap.status = {_lit(lifecycle.OPEN)} AND EXISTS (SELECT 1 FROM me)
    FOR UPDATE OF j
),
mine AS (
    SELECT EXISTS (
        SELECT 1 FROM {Assignment._meta.db_table} a
        WHERE a.job_id = $3 AND a.worker_id = $2
          AND a.status IN ({_lit(AssignmentStatus.ACTIVE, AssignmentStatus.WAITLISTED)})
    ) AS live
),
claimed AS (
    UPDATE {Job._meta.db_table} t SET status = {_lit(FILL.target)}, updated_at = $4
    FROM job, me, mine
    WHERE t.id = $3 AND t.id = job.id AND job.unchanged AND t.status = {_lit(lifecycle.OPEN)}
      AND job.positions = 1 AND job.kind IN ({_lit(*FILL_KINDS)})
      AND job.skills <@ me.skills
      AND (job.vehicle_required = '' OR job.vehicle_required = me.vehicle)
      AND (job.weight_g IS NULL OR job.weight_g <= me.capacity_kg * 1000)
      AND NOT mine.live
    RETURNING t.id
),
held AS (
    INSERT INTO {Assignment._meta.db_table} (
        job_id, worker_id, status, slot, manual, created_at, assigned_at, clock_in_at,
        clock_out_at, sent_home_early, engaged_seconds, waiting_seconds, pay_minor, topup_minor)
    SELECT id, $2, {_lit(AssignmentStatus.ACTIVE)}, 1, false, $4, $4, NULL, NULL, false,
           0, 0, 0, 0
    FROM claimed
    RETURNING id
),
offers AS (
    UPDATE {Offer._meta.db_table}
    SET status = CASE WHEN worker_id = $2 THEN {_lit(OfferStatus.ACCEPTED)}
                      ELSE {_lit(OfferStatus.WITHDRAWN)} END,
        answered_at = CASE WHEN worker_id = $2 THEN $4 ELSE answered_at END
    WHERE job_id = $3 AND status = {_lit(OfferStatus.OFFERED)} AND EXISTS (SELECT 1 FROM held)
),
audit AS (
    INSERT INTO {AuditEntry._meta.db_table} (
        chain, seq, cooperative_id, actor_id, actor_label, action, object_type, object_id, data,
        created_at, prev_hash, hash)
    SELECT $5, NULL, $1, $2, $6, 'job.claimed', {_lit(Job._meta.label_lower)}, $3::text,
           jsonb_build_object('assignment', held.id, 'slot', 1,
                              'from', {_lit(lifecycle.OPEN)}::text,
                              'to', {_lit(FILL.target)}::text),
           $4, '', ''
    FROM held
),
told AS (
    INSERT INTO {Notification._meta.db_table} (
        cooperative_id, user_id, kind, params, text, job_id, created_at, read_at, emailed_at)
    SELECT $1, job.client_id, {_lit(TAKEN)},
           jsonb_build_object('title', job.title, 'worker', $7::text),
           left(job.title, 300), job.id, $4, NULL, NULL
    FROM held, job
    RETURNING user_id, text
)
SELECT (SELECT id FROM held), EXISTS (SELECT 1 FROM me), me.skills, me.vehicle, me.capacity_kg,
       snap.id IS NOT NULL,
       -- the locked row's values when there is one (current), the snapshot's otherwise
       coalesce(job.status, snap.status), coalesce(job.kind, snap.kind),
       coalesce(job.positions, snap.positions), coalesce(job.skills, snap.skills),
       coalesce(job.vehicle_required, snap.vehicle_required), snap.weight_g,
       -- decided: a refusal can be given from these values (not so for a job changed while open,
       -- nor for one that was there in the snapshot and gone when locked)
       coalesce(job.unchanged OR job.status <> {_lit(lifecycle.OPEN)},
                snap.status IS DISTINCT FROM {_lit(lifecycle.OPEN)}),
       CASE WHEN job.id IS NULL OR job.unchanged THEN mine.live
            ELSE {WORKER_ON_JOB}($3, $2) END,
       (SELECT user_id FROM told), (SELECT text FROM told)
FROM mine
LEFT JOIN me ON true
LEFT JOIN snap ON true
LEFT JOIN job ON true
"""  # noqa: S608
# Prepared once per database session (planning it cost more than running it; Django's cursors
# never prepare). This needs session pooling: with a pooler in transaction mode a session may
# lose it, which ``StatementLost`` covers.
PREPARE = f"PREPARE {NAME} (bigint, bigint, bigint, timestamptz, text, text, text) AS {BODY}"
EXECUTE = f"EXECUTE {NAME} (%s, %s, %s, %s, %s, %s, %s)"
# The database connections this process has prepared the statement on (a prepared statement
# lives as long as its session, whatever happens to the transaction that prepared it).
_prepared: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


class StatementLost(Exception):
    """The prepared statement was gone; it is prepared again on the next call."""


@dataclass(frozen=True)
class ClaimOutcome:
    """The statement's answer: the new assignment, or what explains a refusal."""

    assignment_id: int | None
    is_worker: bool
    worker_skills_raw: Any  # decoded on use (refusals only): jsonb comes back as text
    worker_vehicle: str
    worker_capacity_kg: int
    job_found: bool
    status: str
    kind: str
    positions: int
    job_skills_raw: Any
    vehicle_required: str
    weight_g: int | None
    stable: bool  # the values are enough to refuse (false: the job changed but is still open)
    already_on_job: bool
    client_id: int | None  # a win: the client told, and what their notification says
    told_text: str

    @property
    def worker_skills(self) -> list[str]:
        return _json(self.worker_skills_raw) or []

    @property
    def job_skills(self) -> list[str]:
        return _json(self.job_skills_raw) or []


def _json(value: Any) -> Any:
    # jsonb comes back as text through Django's psycopg set-up (JSONField decodes it itself).
    if isinstance(value, str):
        return json.loads(value)
    return value


def _execute(cursor: Any, raw: Any, params: list[Any]) -> Any:
    if raw not in _prepared:
        cursor.execute(PREPARE)
        _prepared[raw] = True
    try:
        cursor.execute(EXECUTE, params)
    except (ProgrammingError, psycopg.ProgrammingError) as exc:
        # Django's error carries the driver's as its cause; the driver's cursor raises its own
        sqlstate = getattr(exc, "sqlstate", None) or getattr(exc.__cause__, "sqlstate", None)
        if sqlstate != "26000":
            raise
        # The session lost it (DISCARD ALL, a pooler handing out another session).
        del _prepared[raw]
        raise StatementLost() from exc
    return cursor.fetchone()


def claim_one_position(
    *,
    cooperative: Cooperative,
    job_id: int,
    worker_id: int,
    worker_label: str,
    worker_name: str,
    now: dt.datetime,
) -> ClaimOutcome:
    """Run the claim statement (PostgreSQL only). Commits on its own outside a transaction."""
    params: list[Any] = [
        cooperative.pk,
        worker_id,
        job_id,
        now,
        chain_key(cooperative),
        worker_label,
        worker_name,
    ]
    conn = transaction.get_connection()  # once: each `connection.x` looks the connection up
    if conn.queries_logged or conn.execute_wrappers:
        # Django's cursor, so that query capture (DEBUG, tests) and execute wrappers see it.
        with conn.cursor() as cursor:
            row = _execute(cursor, conn.connection, params)
    else:
        # The driver's cursor: the same statement on the same connection and transaction,
        # without Django's cursor wrapper (about a third of the client's time per claim). Tools
        # that patch Django's cursor (tracing, error monitoring) do not see this statement.
        conn.close_if_health_check_failed()  # what Django's cursor() does first
        conn.ensure_connection()
        conn.validate_no_broken_transaction()
        raw = conn.connection
        with conn.wrap_database_errors, raw.cursor() as cursor:
            row = _execute(cursor, raw, params)
    (
        assignment_id,
        is_worker,
        worker_skills,
        worker_vehicle,
        capacity,
        found,
        status,
        kind,
        positions,
        job_skills,
        vehicle_required,
        weight_g,
        stable,
        live,
        client_id,
        told_text,
    ) = row
    return ClaimOutcome(
        assignment_id=assignment_id,
        is_worker=bool(is_worker),
        worker_skills_raw=worker_skills,
        worker_vehicle=worker_vehicle or "",
        worker_capacity_kg=capacity or 0,
        job_found=bool(found),
        status=status or "",
        kind=kind or "",
        positions=positions or 0,
        job_skills_raw=job_skills,
        vehicle_required=vehicle_required or "",
        weight_g=weight_g,
        stable=bool(stable),
        already_on_job=bool(live),
        client_id=client_id,
        told_text=told_text or "",
    )
