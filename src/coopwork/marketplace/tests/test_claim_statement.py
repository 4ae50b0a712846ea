"""The one-statement claim (``claim_sql``, PostgreSQL) against the locked ORM path.

Each case is decided both ways on the same state: the locked path in a savepoint rolled back,
then the statement. They must agree on the winner's rows (assignment, job status, offers, audit
entries, the live event) and on every refusal's code, and the statement must decide the usual
cases in one round trip, leaving only the waiting list and several positions to the locked path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coopwork.core.audit import audit_verify_chain, chain_key
from coopwork.core.errors import CoopError
from coopwork.core.models import AuditEntry
from coopwork.marketplace import claim_sql, lifecycle, services
from coopwork.marketplace.models import (
    Assignment,
    AssignmentStatus,
    Job,
    Notification,
    Offer,
    WorkerProfile,
)
from coopwork.marketplace.services import job_book, job_cancel, job_claim, offer_create

from .helpers import (
    at,
    counts,
    delivery_request,
    make_client,
    make_coordinator,
    make_worker,
    ride_request,
    shift_request,
    task_request,
    weekday,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def claim_statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements run for a claim, without the one-off PREPARE and the savepoint a caller's
    transaction needs (tests run inside one; a request does not)."""
    skip = ("PREPARE", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in queries if not q["sql"].startswith(skip)]


def outcome(fn: Any, **kwargs: Any) -> str:
    try:
        result = fn(**kwargs)
    except CoopError as exc:
        return exc.code
    if result is None:
        return "undecided"
    return str(result.status)


def locked_outcome(**kwargs: Any) -> str:
    """What the locked ORM path answers, with nothing kept."""
    with transaction.atomic():
        answer = outcome(services._claim_locked, **kwargs)
        transaction.set_rollback(True)
    return answer


def statement_outcome(coop, job_id: int, worker) -> str:
    return outcome(services._claim_one_statement, cooperative=coop, job_id=job_id, worker=worker)


@pytest.fixture
def cast(coop):
    return {
        "client": make_client("client"),
        "driver": make_worker(coop, "driver", vehicle="car"),
        "rival": make_worker(coop, "rival", vehicle="car"),
        "cyclist": make_worker(coop, "cyclist", vehicle="bike", capacity_kg=5),
        "stranger": make_client("stranger"),
        "coordinator": make_coordinator(coop, "coord"),
    }


def test_every_refusal_is_the_locked_paths_refusal(coop, other_coop, cast):
    client, driver, rival = cast["client"], cast["driver"], cast["rival"]
    day = weekday(3)
    ride = job_book(cooperative=coop, client=client, request=ride_request(at(day, 10)))
    skilled = job_book(
        cooperative=coop, client=client, request=shift_request(at(day, 9), skills=("forklift",))
    )
    heavy = job_book(
        cooperative=coop,
        client=client,
        request=delivery_request(at(day, 10), size="M", weight_g=8000),
    )
    cancelled = job_book(cooperative=coop, client=client, request=task_request(at(day, 14)))
    job_cancel(cooperative=coop, job_id=cancelled.pk, actor=client)
    elsewhere = job_book(cooperative=other_coop, client=client, request=ride_request(at(day, 11)))
    job_claim(cooperative=coop, job_id=ride.pk, worker=driver)
    idle = make_worker(coop, "idle", vehicle="car")
    WorkerProfile.objects.filter(user=idle).update(active=False)

    cases = [
        (ride.pk, rival, "job_taken"),
        (ride.pk, driver, "already_on_job"),
        (ride.pk, cast["stranger"], "not_a_worker"),
        (ride.pk, cast["coordinator"], "not_a_worker"),
        (ride.pk, idle, "not_a_worker"),
        (skilled.pk, driver, "missing_skills"),
        (heavy.pk, cast["cyclist"], "vehicle_mismatch"),
        (cancelled.pk, driver, "transition_not_allowed"),
        (elsewhere.pk, driver, "job_not_found"),
        (10**9, driver, "job_not_found"),
    ]
    fresh = job_book(cooperative=coop, client=client, request=ride_request(at(day, 12)))
    cases.append((fresh.pk, cast["cyclist"], "vehicle_mismatch"))
    for job_id, worker, code in cases:
        kwargs = {"cooperative": coop, "job_id": job_id, "worker": worker}
        before = counts()
        assert locked_outcome(**kwargs) == code, (job_id, worker)
        with CaptureQueriesContext(connection) as queries:
            assert statement_outcome(coop, job_id, worker) == code, (job_id, worker)
        assert outcome(job_claim, **kwargs) == code
        assert counts() == before
        executed = claim_statements(queries)
        assert len(executed) == 1 and executed[0].startswith("EXECUTE"), executed


def _job_rows(job: Job) -> dict[str, Any]:
    job.refresh_from_db()
    assignments = list(
        Assignment.objects.filter(job=job).values(
            "worker_id", "status", "slot", "manual", "clock_in_at", "pay_minor", "topup_minor"
        )
    )
    offers = sorted(
        (o.worker_id, o.status, o.answered_at is not None) for o in Offer.objects.filter(job=job)
    )
    audit = [
        (e.action, e.actor_id, e.actor_label, e.object_type, e.data)
        for e in AuditEntry.objects.filter(chain=chain_key(job.cooperative)).order_by("id")
        if e.data.get("job") == job.pk
        or (e.object_type == "marketplace.job" and e.object_id == str(job.pk))
    ]
    # The client's notification, written in the claim's transaction by both paths.
    notes = list(
        Notification.objects.filter(job=job).values_list("user_id", "kind", "params", "text")
    )
    return {
        "status": job.status,
        "assignments": assignments,
        "offers": offers,
        "audit": audit,
        "notifications": notes,
    }


def _normalised(rows: dict[str, Any]) -> dict[str, Any]:
    """The rows with the job's own id taken out, so two jobs can be compared."""
    audit = []
    for action, actor, label, object_type, data in rows["audit"]:
        data = {k: (k.upper() if k in ("job", "assignment") else v) for k, v in data.items()}
        audit.append((action, actor, label, object_type, data))
    return {**rows, "audit": audit}


@pytest.mark.parametrize("kind", ["ride", "delivery", "task", "shift"])
def test_a_win_writes_what_the_locked_path_writes(
    coop, cast, received, kind, django_capture_on_commit_callbacks
):
    client, driver, rival = cast["client"], cast["driver"], cast["rival"]
    day = weekday(3)
    request = {
        "ride": ride_request(at(day, 10)),
        "delivery": delivery_request(at(day, 10)),
        "task": task_request(at(day, 10)),
        "shift": shift_request(at(day, 9)),
    }[kind]
    by_lock, by_statement = (
        job_book(cooperative=coop, client=client, request=request) for _ in range(2)
    )
    now = timezone.now()
    for job in (by_lock, by_statement):  # offers to both: the winner's accepted, the other's gone
        for worker in (driver, rival):
            offer_create(
                cooperative=coop, job_id=job.pk, worker_id=worker.pk, explanation={}, now=now
            )
    received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        a1 = services._claim_locked(cooperative=coop, job_id=by_lock.pk, worker=driver)
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        a2 = services._claim_one_statement(cooperative=coop, job_id=by_statement.pk, worker=driver)
    assert a2 is not None
    assert [sql.split()[0] for sql in claim_statements(queries)] == ["EXECUTE"]

    stored = Assignment.objects.get(pk=a2.pk)
    for field in [f.attname for f in Assignment._meta.concrete_fields]:  # the row, as stored
        assert getattr(a2, field) == getattr(stored, field), field
    assert not a2._state.adding and a2._state.db == stored._state.db
    assert a2.worker is driver and a1.status == a2.status == AssignmentStatus.ACTIVE
    lock_rows = _normalised(_job_rows(by_lock))
    statement_rows = _normalised(_job_rows(by_statement))
    assert statement_rows == lock_rows
    assert statement_rows["status"] == lifecycle.ASSIGNED
    # One entry on the job records both the claim and the fill it caused.
    assert [a[0] for a in statement_rows["audit"] if a[0].startswith("job.")] == [
        "job.booked",
        "job.claimed",
    ]
    entry = AuditEntry.objects.get(action="job.claimed", object_id=str(by_statement.pk))
    assert (entry.object_type, entry.actor_id) == ("marketplace.job", driver.pk)
    assert entry.data == {"assignment": a2.pk, "slot": 1, "from": "open", "to": "assigned"}
    assert statement_rows["offers"] == sorted(
        [(driver.pk, "accepted", True), (rival.pk, "withdrawn", False)]
    )
    # The client is told, after commit, by both paths alike.
    assert statement_rows["notifications"] == [
        (
            client.pk,
            "job.taken",
            {"title": by_statement.title, "worker": "driver"},
            by_statement.title,
        )
    ]
    # Two live events each, the same apart from the job: the fill, and the client's notification
    # (published after commit, outside the claim's transaction).
    assert [(e.name, e.payload.get("status")) for e in received] == [
        ("job.fill", "assigned"),
        ("job.taken", None),
    ] * 2
    assert received[2].audiences == (f"job-{by_statement.pk}", f"coop-{coop.pk}-coordinator")
    assert received[3].audiences == (f"user-{client.pk}",)
    # The co-op's workers are pinged by both fills, at no extra query (one EXECUTE above).
    assert received[0].pinged == received[2].pinged == (f"work-{coop.pk}",)
    # Sealed (here by the check itself: the test's transaction never commits), the chain is intact.
    assert audit_verify_chain(chain_key(coop)) is None
    assert not AuditEntry.objects.filter(chain=chain_key(coop), seq__isnull=True).exists()


def test_the_waiting_list_and_several_positions_go_through_the_lock(coop, cast):
    client, driver, rival = cast["client"], cast["driver"], cast["rival"]
    one = job_book(cooperative=coop, client=client, request=shift_request(at(weekday(3), 9)))
    two = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    assert statement_outcome(coop, one.pk, driver) == AssignmentStatus.ACTIVE
    # A full one-position shift: the statement cannot put a worker on the waiting list.
    assert statement_outcome(coop, one.pk, rival) == "undecided"
    assert outcome(job_claim, cooperative=coop, job_id=one.pk, worker=rival) == "waitlisted"
    # Several positions: the free slot is chosen under the lock.
    assert statement_outcome(coop, two.pk, driver) == "undecided"
    assert outcome(job_claim, cooperative=coop, job_id=two.pk, worker=driver) == "active"
    assert outcome(job_claim, cooperative=coop, job_id=two.pk, worker=rival) == "active"
    assert sorted(Assignment.objects.filter(job=two).values_list("slot", flat=True)) == [1, 2]


def test_the_unique_index_still_backs_the_statement(coop, cast):
    """Break the invariant by hand (an open one-position job with its slot held): the index
    refuses the statement's insert, the caller's transaction survives, and the locked path says
    the job is taken. Nothing is written."""
    client, driver, rival = cast["client"], cast["driver"], cast["rival"]
    ride = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    Assignment.objects.create(
        job=ride, worker=rival, status=AssignmentStatus.ACTIVE, slot=1, assigned_at=timezone.now()
    )
    before = counts()
    with transaction.atomic():  # a caller's transaction
        with pytest.raises(IntegrityError), transaction.atomic():
            claim_sql.claim_one_position(
                cooperative=coop,
                job_id=ride.pk,
                worker_id=driver.pk,
                worker_label=str(driver),
                worker_name=str(driver),
                now=timezone.now(),
            )
        assert outcome(job_claim, cooperative=coop, job_id=ride.pk, worker=driver) == "job_taken"
        assert Job.objects.get(pk=ride.pk).status == lifecycle.OPEN  # still usable
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_the_statement_is_prepared_once_per_connection(coop, cast):
    client, driver = cast["client"], cast["driver"]
    rides = [
        job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 8 + i)))
        for i in range(3)
    ]
    connection.close()  # a new session: nothing prepared yet
    cache.clear()  # no sealing of the chain in the last AUDIT_SEAL_DEBOUNCE_SECONDS
    with CaptureQueriesContext(connection) as queries:
        for ride in rides:
            job_claim(cooperative=coop, job_id=ride.pk, worker=driver)
            if ride == rides[0]:
                # Committed on its own (no transaction open), and sealed right after, as
                # audit_append's entries are.
                pending = AuditEntry.objects.filter(chain=chain_key(coop), seq__isnull=True)
                assert not pending.exists()
    verbs = [q["sql"].split()[0] for q in queries if "coopwork_marketplace_claim_one" in q["sql"]]
    assert verbs == ["PREPARE", "EXECUTE", "EXECUTE", "EXECUTE"]
    assert audit_verify_chain(chain_key(coop)) is None
    last = AuditEntry.objects.filter(chain=chain_key(coop)).order_by("-seq")[:3]
    assert [(e.action, e.object_id) for e in reversed(last)] == [
        ("job.claimed", str(ride.pk)) for ride in rides
    ]


@pytest.mark.django_db(transaction=True)
def test_a_session_that_lost_the_statement_prepares_it_again(coop, cast):
    """DISCARD ALL (or a pooler handing out another session) drops prepared statements."""
    client, driver = cast["client"], cast["driver"]
    rides = [
        job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 8 + i)))
        for i in range(3)
    ]
    job_claim(cooperative=coop, job_id=rides[0].pk, worker=driver)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert outcome(job_claim, cooperative=coop, job_id=rides[1].pk, worker=driver) == "active"
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with transaction.atomic():  # inside a caller's transaction too
        assert outcome(job_claim, cooperative=coop, job_id=rides[2].pk, worker=driver) == "active"
    assert set(
        Job.objects.filter(pk__in=[r.pk for r in rides]).values_list("status", flat=True)
    ) == {lifecycle.ASSIGNED}


def test_a_jobs_quote_and_terms_are_stored_out_of_line(coop, cast):
    """A status change then writes a small row version (migration 0004): the quote and terms
    stay where they are, and still read back whole."""
    ride = job_book(
        cooperative=coop, client=cast["client"], request=ride_request(at(weekday(3), 10))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute"
            " WHERE attrelid = 'marketplace_job'::regclass AND attname IN ('quote', 'terms')"
        )
        assert dict(cursor.fetchall()) == {"quote": "e", "terms": "e"}
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'marketplace_job'::regclass")
        assert "toast_tuple_target=256" in cursor.fetchone()[0]
        cursor.execute(
            "SELECT reltoastrelid::regclass::text FROM pg_class"
            " WHERE oid = 'marketplace_job'::regclass"
        )
        toast = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(DISTINCT chunk_id) FROM {toast}")
        assert cursor.fetchone()[0] >= 2  # this job's quote and terms, at least
    job_claim(cooperative=coop, job_id=ride.pk, worker=cast["driver"])
    fresh = Job.objects.get(pk=ride.pk)
    assert fresh.quote == ride.quote and fresh.terms == ride.terms


def _claim_waiting_on(
    coop, job_id: int, worker, hold: Callable[[], Any], *, commit: bool = True
) -> tuple[str, int]:
    """Run ``hold`` in a transaction of its own that keeps the job's row lock, start ``worker``'s
    claim, wait until that claim waits for the lock (pg_stat_activity), then end the holder's
    transaction. Returns the claim's outcome and how many times it ran the statement."""
    holding, release = threading.Event(), threading.Event()
    answer: dict[str, Any] = {}

    def holder() -> None:
        try:
            with transaction.atomic():
                Job.objects.select_for_update().get(pk=job_id)
                hold()
                holding.set()
                assert release.wait(30)
                if not commit:
                    transaction.set_rollback(True)
        except BaseException as exc:
            answer["holder"] = exc
            holding.set()
        finally:
            connection.close()

    def claimant() -> None:
        try:
            with CaptureQueriesContext(connection) as queries:
                answer["outcome"] = outcome(
                    job_claim, cooperative=coop, job_id=job_id, worker=worker
                )
            answer["statements"] = sum(q["sql"].startswith("EXECUTE") for q in queries)
        except BaseException as exc:
            answer["claimant"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=claimant)]
    threads[0].start()
    assert holding.wait(30)
    threads[1].start()
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE %s",
                [f"EXECUTE {claim_sql.NAME}%"],
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the claim never waited for the job's lock")
    release.set()
    for t in threads:
        t.join(60)
    assert "holder" not in answer and "claimant" not in answer, answer
    return answer["outcome"], answer["statements"]


@pytest.mark.django_db(transaction=True)
def test_a_claim_that_waited_for_the_lock_is_answered_from_the_locked_row(coop, cast):
    """The claim finds the job open, then waits for another transaction's lock on it. Whatever
    that transaction did, the claim answers as the locked path would, and runs the statement once
    (the job's locked row and a fresh read of the claimant's assignments tell it what happened),
    except after a change that left the job open (an edit, a new offer), where it runs again
    with a new snapshot and wins: then the offers made meanwhile are answered too (the rival's
    withdrawn, the claimant's own accepted), which a snapshot from before them would miss."""
    client, driver, rival = cast["client"], cast["driver"], cast["rival"]

    def ride(hour: int) -> Job:
        return job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), hour)))

    def claim_as(worker) -> Callable[[int], Any]:
        return lambda job_id: job_claim(cooperative=coop, job_id=job_id, worker=worker)

    def edit(job_id: int) -> None:
        Job.objects.filter(pk=job_id).update(title="Edited while open")

    def cancel(job_id: int) -> None:
        job_cancel(cooperative=coop, job_id=job_id, actor=client)

    def offer_to(*workers) -> Callable[[int], Any]:
        def make(job_id: int) -> None:
            for w in workers:
                offer_create(cooperative=coop, job_id=job_id, worker_id=w.pk, explanation={})

        return make

    cases = [
        # (what the holder does, does it commit, the claim's answer, statements run)
        (claim_as(rival), True, "job_taken", 1),
        (claim_as(driver), True, "already_on_job", 1),  # the same worker tapped twice
        (cancel, True, "transition_not_allowed", 1),
        (claim_as(rival), False, AssignmentStatus.ACTIVE, 1),  # the rival's claim rolled back
        (edit, True, AssignmentStatus.ACTIVE, 2),
        (offer_to(rival, driver), True, AssignmentStatus.ACTIVE, 2),
    ]
    for hour, (hold, commit, expected, statements) in enumerate(cases, start=8):
        job = ride(hour)
        got = _claim_waiting_on(coop, job.pk, driver, partial(hold, job.pk), commit=commit)
        assert got == (expected, statements), (hold, commit)
        holders = Assignment.objects.filter(job=job, status=AssignmentStatus.ACTIVE)
        assert holders.count() == (0 if expected == "transition_not_allowed" else 1)
        if expected == AssignmentStatus.ACTIVE:
            assert holders.get().worker_id == driver.pk
            assert Job.objects.get(pk=job.pk).status == lifecycle.ASSIGNED
    offers = Offer.objects.filter(job=job).values_list("worker_id", "status")  # the last case
    assert sorted(offers) == sorted([(rival.pk, "withdrawn"), (driver.pk, "accepted")])
    # A job deleted while the claim waited (nothing deletes jobs today): not found, even for a
    # worker the snapshot's job would have refused for the vehicle.
    gone = ride(20)
    got = _claim_waiting_on(
        coop, gone.pk, cast["cyclist"], lambda: Job.objects.filter(pk=gone.pk).delete()
    )
    assert got == ("job_not_found", 2)
    assert audit_verify_chain(chain_key(coop)) is None
