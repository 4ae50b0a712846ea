"""Bad input is refused with its stable code, and nothing is written.

Every refusal below snapshots the row counts (jobs, assignments, ledger legs, audit entries,
ratings, messages, notifications, cases, offers, zones) before the call and checks them after.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from coopwork.core.errors import CoopError
from coopwork.core.services import parameter_set
from coopwork.marketplace import lifecycle
from coopwork.marketplace.booking import Place, RideRequest, ShiftRequest
from coopwork.marketplace.models import Job
from coopwork.marketplace.selectors import job_get
from coopwork.marketplace.services import (
    case_open,
    job_approve,
    job_book,
    job_cancel,
    job_claim,
    job_clock_in,
    job_clock_out,
    job_release,
    job_send_home,
    job_transition,
    message_post,
    rating_submit,
    zone_create,
)

from .helpers import (
    LYON,
    PARIS_SQUARE,
    RIVOLI,
    at,
    completed_ride,
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

pytestmark = pytest.mark.django_db


def refused(code: str, fn: Any, /, **kwargs: Any) -> CoopError:
    before = counts()
    with pytest.raises(CoopError) as exc:
        fn(**kwargs)
    assert exc.value.code == code, exc.value
    assert counts() == before
    return exc.value


@pytest.fixture
def people(coop):
    return {
        "client": make_client("client"),
        "worker": make_worker(coop, "worker", vehicle="car"),
        "other": make_worker(coop, "other", vehicle="car"),
        "stranger": make_client("stranger"),
        "coordinator": make_coordinator(coop, "coord"),
    }


@pytest.fixture
def shift(coop, people):
    start = at(weekday(3), 9)
    job = job_book(cooperative=coop, client=people["client"], request=shift_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=people["worker"])
    job.refresh_from_db()
    return job


# --- Transitions: wrong state, wrong role, wrong kind -------------------------------------------


def test_transition_not_allowed_from_the_current_state(coop, people, shift):
    refused(
        "transition_not_allowed",
        job_approve,
        cooperative=coop,
        job_id=shift.pk,
        actor=people["client"],
    )
    refused(
        "transition_not_allowed",
        job_clock_out,
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
    )


def test_transition_not_allowed_for_the_kind(coop, people, shift):
    # "On my way" is for rides and deliveries.
    refused(
        "transition_not_allowed",
        job_transition,
        cooperative=coop,
        job_id=shift.pk,
        transition="depart",
        actor=people["worker"],
    )


def test_transition_not_allowed_for_the_role(coop, people):
    job = completed_ride(coop, people["client"], people["worker"])
    refused("not_your_job", job_approve, cooperative=coop, job_id=job.pk, actor=people["worker"])
    # Those who may not see the job are not told it exists (as when they read it).
    for actor in ("stranger", "other"):
        refused("job_not_found", job_approve, cooperative=coop, job_id=job.pk, actor=people[actor])
    ride = job_book(
        cooperative=coop, client=people["client"], request=ride_request(at(weekday(3), 12))
    )
    job_claim(cooperative=coop, job_id=ride.pk, worker=people["other"])
    refused(
        "not_your_job",
        job_transition,
        cooperative=coop,
        job_id=ride.pk,
        transition="depart",
        actor=people["client"],
    )
    refused("not_your_job", job_cancel, cooperative=coop, job_id=ride.pk, actor=people["other"])


def test_cancelling_a_started_job_is_refused(coop, people, shift):
    job_clock_in(
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
        code=shift.clock_code,
        now=shift.starts_at,
    )
    refused(
        "transition_not_allowed",
        job_cancel,
        cooperative=coop,
        job_id=shift.pk,
        actor=people["client"],
    )


@pytest.mark.parametrize(
    "transition", ["cancel", "fill", "reopen", "start", "complete", "settle", "dispute", "resolve"]
)
def test_transitions_with_money_or_assignments_need_their_own_service(
    coop, people, shift, transition
):
    """Regression: job_transition applied any transition, so a client could cancel an assigned
    shift 10 h before it starts without paying the worker's minimum hours, and a coordinator
    could mark a job settled with nothing in the ledger."""
    for actor in ("client", "coordinator", "worker"):
        refused(
            "transition_not_allowed",
            job_transition,
            cooperative=coop,
            job_id=shift.pk,
            transition=transition,
            actor=people[actor],
        )
    refused(
        "transition_not_allowed",
        job_transition,
        cooperative=coop,
        job_id=shift.pk,
        transition=transition,
        actor=None,
        system=True,
    )


def test_approve_and_settle_cannot_skip_the_ledger(coop, people):
    job = completed_ride(coop, people["client"], people["worker"])
    for transition, actor in (("approve", "client"), ("approve", "coordinator")):
        refused(
            "transition_not_allowed",
            job_transition,
            cooperative=coop,
            job_id=job.pk,
            transition=transition,
            actor=people[actor],
        )
    job.refresh_from_db()
    assert (job.status, job.settlement_id) == (lifecycle.COMPLETED, None)


def test_unknown_transition(coop, people, shift):
    refused(
        "transition_not_allowed",
        job_transition,
        cooperative=coop,
        job_id=shift.pk,
        transition="teleport",
        actor=people["coordinator"],
    )


def test_claiming_a_cancelled_job(coop, people):
    job = job_book(
        cooperative=coop, client=people["client"], request=ride_request(at(weekday(3), 10))
    )
    job_cancel(cooperative=coop, job_id=job.pk, actor=people["client"])
    refused(
        "transition_not_allowed",
        job_claim,
        cooperative=coop,
        job_id=job.pk,
        worker=people["worker"],
    )


# --- Clocking in ---------------------------------------------------------------------------------


def test_clock_in_without_the_code(coop, people, shift):
    for code in ("", "   "):
        refused(
            "clock_code_invalid",
            job_clock_in,
            cooperative=coop,
            job_id=shift.pk,
            worker=people["worker"],
            code=code,
            now=shift.starts_at,
        )


def test_clock_in_with_a_wrong_code(coop, people, shift):
    wrong = "000000" if shift.clock_code != "000000" else "111111"
    refused(
        "clock_code_invalid",
        job_clock_in,
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
        code=wrong,
        now=shift.starts_at,
    )


@pytest.mark.parametrize("code", ["", "wrong"])
def test_clock_out_without_the_shifts_code(coop, people, shift, code):
    worker = people["worker"]
    job_clock_in(
        cooperative=coop,
        job_id=shift.pk,
        worker=worker,
        code=shift.clock_code,
        now=shift.starts_at,
    )
    wrong = code and ("000000" if shift.clock_code != "000000" else "111111")
    refused(
        "clock_code_invalid",
        job_clock_out,
        cooperative=coop,
        job_id=shift.pk,
        worker=worker,
        code=wrong,
        now=shift.starts_at + dt.timedelta(hours=2),
    )
    out = job_clock_out(
        cooperative=coop,
        job_id=shift.pk,
        worker=worker,
        code=shift.clock_code,
        now=shift.starts_at + dt.timedelta(hours=2),
    )
    assert out.clock_out_at == shift.starts_at + dt.timedelta(hours=2)


@pytest.mark.parametrize("offset", [-61, 61, -24 * 60, 3 * 60])
def test_clock_in_far_outside_the_shift(coop, people, shift, offset):
    refused(
        "clock_time_invalid",
        job_clock_in,
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
        code=shift.clock_code,
        now=shift.starts_at + dt.timedelta(minutes=offset),
    )


@pytest.mark.parametrize("offset", [-60, 60])
def test_clock_in_at_the_edge_of_the_tolerance(coop, people, shift, offset):
    a = job_clock_in(
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
        code=f" {shift.clock_code} ",
        now=shift.starts_at + dt.timedelta(minutes=offset),
    )
    assert a.clock_in_at == shift.starts_at + dt.timedelta(minutes=offset)


def test_clocking_in_twice(coop, people, shift):
    job_clock_in(
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
        code=shift.clock_code,
        now=shift.starts_at,
    )
    refused(
        "transition_not_allowed",
        job_clock_in,
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
        code=shift.clock_code,
        now=shift.starts_at,
    )


# --- Service area ------------------------------------------------------------------------------


def test_booking_outside_the_service_area(coop, people):
    zone_create(cooperative=coop, code="paris", name="Paris", polygon=PARIS_SQUARE, actor=None)
    lyon_shift = shift_request(at(weekday(3), 9), place=LYON)
    refused(
        "outside_service_area",
        job_book,
        cooperative=coop,
        client=people["client"],
        request=lyon_shift,
    )
    refused(
        "outside_service_area",
        job_book,
        cooperative=coop,
        client=people["client"],
        request=ride_request(at(weekday(3), 10), pickup=LYON, dropoff=LYON),
    )
    # Inside: booked, and the job knows its zone.
    job = job_book(
        cooperative=coop, client=people["client"], request=shift_request(at(weekday(3), 9))
    )
    assert job.zone is not None and job.zone.code == "paris"


def test_a_zone_surcharge_reaches_the_price(coop, people):
    zone_create(cooperative=coop, code="paris", name="Paris", polygon=PARIS_SQUARE, actor=None)
    parameter_set(
        cooperative=coop,
        key="pricing_shift",
        value={"per_hour": 0, "zone_percent": {"paris": "10"}},
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="annex",
        actor=None,
    )
    job = job_book(
        cooperative=coop, client=people["client"], request=shift_request(at(weekday(3), 9))
    )
    # 8 h × 2000 = 16000; zone +10 % = 1600
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [
        ("hours", 16000),
        ("zone", 1600),
    ]


def test_zone_create_checks_its_input_and_its_author(coop, people):
    zone = zone_create(
        cooperative=coop,
        code="Centre",
        name=" Paris centre ",
        polygon=PARIS_SQUARE,
        actor=people["coordinator"],
    )
    assert (zone.code, zone.name, zone.polygon) == ("centre", "Paris centre", PARIS_SQUARE)
    good = {"cooperative": coop, "code": "north", "name": "North", "polygon": PARIS_SQUARE}
    refused("zone_exists", zone_create, **{**good, "code": "centre"}, actor=None)
    for bad in (
        {"polygon": PARIS_SQUARE[:2]},
        {"polygon": [[48.8, 2.3], [48.9, 2.4], [91, 2.3]]},
        {"polygon": [[48.8, 2.3], [48.9, 2.4], ["north", 2.3]]},
        {"polygon": [[48.8, 2.3], [48.9, 2.4], [48.9]]},
        {"polygon": "not a list"},
        {"code": ""},
        {"code": "no spaces"},
        {"name": "   "},
    ):
        refused("zone_invalid", zone_create, **{**good, **bad}, actor=None)
    refused("permission_denied", zone_create, **good, actor=people["worker"])


# --- Negative or absurd quantities -----------------------------------------------------------


def base_shift(**changes: Any) -> ShiftRequest:
    start = at(weekday(3), 9)
    values: dict[str, Any] = {
        "title": "Waiter",
        "site_name": "Bistro",
        "place": RIVOLI,
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=8),
        "hourly_rate_minor": 2000,
        "positions": 1,
        "break_minutes": 0,
    }
    return ShiftRequest(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"positions": 0}, "quantity_invalid"),
        ({"positions": 500}, "quantity_invalid"),
        ({"positions": -1}, "quantity_invalid"),
        ({"hourly_rate_minor": 0}, "quantity_invalid"),
        ({"hourly_rate_minor": -2000}, "quantity_invalid"),
        ({"hourly_rate_minor": 10**9}, "quantity_invalid"),
        ({"break_minutes": 8 * 60}, "quantity_invalid"),  # as long as the shift
        ({"break_minutes": 9 * 60}, "quantity_invalid"),  # longer than the shift
        ({"break_minutes": -5}, "quantity_invalid"),
        ({"ends_at": at(weekday(3), 8)}, "times_invalid"),  # ends before it starts
        ({"ends_at": at(weekday(3), 9)}, "times_invalid"),  # ends as it starts
        ({"ends_at": at(weekday(3), 9) + dt.timedelta(hours=17)}, "times_invalid"),  # > 16 h
        (
            {
                "starts_at": timezone.now() - dt.timedelta(hours=2),
                "ends_at": timezone.now() + dt.timedelta(hours=2),
            },
            "times_invalid",
        ),  # starts in the past
        (
            {
                "starts_at": timezone.now() + dt.timedelta(days=400),
                "ends_at": timezone.now() + dt.timedelta(days=400, hours=2),
            },
            "times_invalid",
        ),  # more than a year away
        (
            {
                "starts_at": dt.datetime(2027, 1, 5, 9, 0),
                "ends_at": dt.datetime(2027, 1, 5, 17, 0),
            },
            "times_invalid",
        ),  # no time zone
        ({"place": Place("Nowhere", 91.0, 0.0)}, "times_invalid"),  # coordinates out of range
    ],
)
def test_absurd_shifts(coop, people, changes, code):
    refused(
        code, job_book, cooperative=coop, client=people["client"], request=base_shift(**changes)
    )


@pytest.mark.parametrize(
    ("request_factory", "code"),
    [
        (lambda s: delivery_request(s, weight_g=10_000_000), "quantity_invalid"),  # 10 t
        (lambda s: delivery_request(s, weight_g=0), "quantity_invalid"),
        (lambda s: delivery_request(s, weight_g=-1), "quantity_invalid"),
        (lambda s: delivery_request(s, size="XL"), "quantity_invalid"),
        (lambda s: delivery_request(s, proof="telepathy"), "proof_missing"),
        (
            lambda s: RideRequest(pickup=RIVOLI, dropoff=RIVOLI, starts_at=s, passengers=0),
            "quantity_invalid",
        ),
        (
            lambda s: RideRequest(pickup=RIVOLI, dropoff=RIVOLI, starts_at=s, passengers=9),
            "quantity_invalid",
        ),
        (
            lambda s: RideRequest(pickup=RIVOLI, dropoff=RIVOLI, starts_at=s, vehicle="rocket"),
            "vehicle_mismatch",
        ),
        # Paris → Marseille is about 660 km: more than the 500 km a ride may be.
        (
            lambda s: ride_request(s, dropoff=Place("Marseille", 43.2965, 5.3698)),
            "quantity_invalid",
        ),
        (lambda s: ride_request(timezone.now() - dt.timedelta(hours=1)), "times_invalid"),
        (lambda s: task_request(s, fixed=0), "quantity_invalid"),
        (lambda s: task_request(s, fixed=None), "quantity_invalid"),
        (lambda s: task_request(s, fixed=-100), "quantity_invalid"),
        (
            lambda s: task_request(s, mode="hourly", estimated_hours=Decimal(0)),
            "quantity_invalid",
        ),
        (
            lambda s: task_request(s, mode="hourly", estimated_hours=Decimal(13)),
            "quantity_invalid",
        ),
        (lambda s: task_request(s, mode="per_smile"), "job_kind_unknown"),
        (lambda s: task_request(s, hours=13), "times_invalid"),
    ],
)
def test_absurd_rides_deliveries_and_tasks(coop, people, request_factory, code):
    request = request_factory(at(weekday(3), 10))
    refused(code, job_book, cooperative=coop, client=people["client"], request=request)


def test_delivery_drop_off_window_before_pick_up(coop, people):
    start = at(weekday(3), 10)
    request = delivery_request(start)
    bad = type(request)(
        **{
            **request.__dict__,
            "dropoff_from": start - dt.timedelta(hours=2),
            "dropoff_until": start - dt.timedelta(hours=1),
        }
    )
    refused("times_invalid", job_book, cooperative=coop, client=people["client"], request=bad)


def test_anonymous_client_cannot_book(coop):
    from django.contrib.auth.models import AnonymousUser

    refused(
        "not_authenticated",
        job_book,
        cooperative=coop,
        client=AnonymousUser(),
        request=shift_request(at(weekday(3), 9)),
    )


# --- Claims that do not fit ---------------------------------------------------------------------


def test_claims_that_do_not_fit(coop, people):
    client = people["client"]
    skilled = job_book(
        cooperative=coop,
        client=client,
        request=shift_request(at(weekday(3), 9), skills=("forklift",)),
    )
    refused(
        "missing_skills", job_claim, cooperative=coop, job_id=skilled.pk, worker=people["worker"]
    )
    cyclist = make_worker(coop, "cyclist", vehicle="bike", capacity_kg=5)
    ride = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    refused("vehicle_mismatch", job_claim, cooperative=coop, job_id=ride.pk, worker=cyclist)
    heavy = job_book(
        cooperative=coop,
        client=client,
        request=delivery_request(at(weekday(3), 10), size="M", weight_g=8000),
    )
    refused("vehicle_mismatch", job_claim, cooperative=coop, job_id=heavy.pk, worker=cyclist)
    refused("not_a_worker", job_claim, cooperative=coop, job_id=ride.pk, worker=people["stranger"])
    job_claim(cooperative=coop, job_id=ride.pk, worker=people["worker"])
    refused("job_taken", job_claim, cooperative=coop, job_id=ride.pk, worker=people["other"])
    shift = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(3), 9), positions=2)
    )
    job_claim(cooperative=coop, job_id=shift.pk, worker=people["worker"])
    refused("already_on_job", job_claim, cooperative=coop, job_id=shift.pk, worker=people["worker"])


# --- Someone else's job ---------------------------------------------------------------------------


def test_someone_elses_job(coop, people, shift):
    """A worker who may take the shift (it is assigned, they may join if a position frees) is told
    it is not theirs; once it is under way, or for anyone who may not see it, it does not exist
    for them (404, as when they read it)."""
    other, stranger = people["other"], people["stranger"]
    refused("not_your_job", job_release, cooperative=coop, job_id=shift.pk, worker=other)
    refused("job_not_found", job_release, cooperative=coop, job_id=shift.pk, worker=stranger)
    refused(
        "not_your_job",
        job_clock_in,
        cooperative=coop,
        job_id=shift.pk,
        worker=other,
        code=shift.clock_code,
        now=shift.starts_at,
    )
    refused(
        "not_your_job",
        message_post,
        cooperative=coop,
        job_id=shift.pk,
        sender=other,
        body="hello",
    )
    job_clock_in(
        cooperative=coop,
        job_id=shift.pk,
        worker=people["worker"],
        code=shift.clock_code,
        now=shift.starts_at,
    )
    refused(
        "job_not_found",
        job_clock_out,
        cooperative=coop,
        job_id=shift.pk,
        worker=other,
        now=shift.starts_at + dt.timedelta(hours=8),
    )
    refused(
        "job_not_found",
        job_send_home,
        cooperative=coop,
        job_id=shift.pk,
        worker_id=people["worker"].pk,
        actor=stranger,
    )
    refused(
        "job_not_found",
        message_post,
        cooperative=coop,
        job_id=shift.pk,
        sender=stranger,
        body="hello",
    )
    refused(
        "job_not_found",
        case_open,
        cooperative=coop,
        job_id=shift.pk,
        actor=other,
        kind="incident",
        summary="x",
        statement="y",
    )
    job_clock_out(
        cooperative=coop,
        job_id=shift.pk,
        code=shift.clock_code,
        worker=people["worker"],
        now=shift.starts_at + dt.timedelta(hours=8),
    )
    refused("job_not_found", job_approve, cooperative=coop, job_id=shift.pk, actor=stranger)
    refused("job_not_found", job_approve, cooperative=coop, job_id=shift.pk, actor=other)
    # The worker on it may not approve their own timesheet: they know the job, so 403.
    refused("not_your_job", job_approve, cooperative=coop, job_id=shift.pk, actor=people["worker"])
    with pytest.raises(CoopError) as exc:
        job_get(cooperative=coop, job_id=shift.pk, user=people["stranger"])
    assert exc.value.code == "job_not_found"


# --- Another co-op's job ----------------------------------------------------------------------


def test_another_coops_job_is_not_found(coop, other_coop, people):
    b_client = make_client("b-client")
    b_job = job_book(
        cooperative=other_coop, client=b_client, request=ride_request(at(weekday(3), 10))
    )
    b_worker = make_worker(other_coop, "b-driver", vehicle="car")
    job_claim(cooperative=other_coop, job_id=b_job.pk, worker=b_worker)
    a_worker = people["worker"]
    calls: list[tuple[Any, dict[str, Any]]] = [
        (job_claim, {"worker": a_worker}),
        (job_release, {"worker": a_worker}),
        (job_clock_in, {"worker": a_worker}),
        (job_clock_out, {"worker": a_worker}),
        (job_approve, {"actor": people["coordinator"]}),
        (job_cancel, {"actor": people["coordinator"]}),
        (job_transition, {"transition": "depart", "actor": a_worker}),
        (job_send_home, {"worker_id": b_worker.pk, "actor": people["coordinator"]}),
        (message_post, {"sender": people["client"], "body": "hi"}),
        (
            rating_submit,
            {"rater": people["client"], "ratee_id": b_worker.pk, "score": 5},
        ),
        (
            case_open,
            {"actor": people["client"], "kind": "incident", "summary": "s", "statement": "t"},
        ),
    ]
    for fn, kwargs in calls:
        refused("job_not_found", fn, cooperative=coop, job_id=b_job.pk, **kwargs)
    # Even B's own client and worker cannot reach it through co-op A.
    refused("job_not_found", job_cancel, cooperative=coop, job_id=b_job.pk, actor=b_client)
    with pytest.raises(CoopError) as exc:
        job_get(cooperative=coop, job_id=b_job.pk, user=b_client)
    assert exc.value.code == "job_not_found"
    b_job.refresh_from_db()
    assert b_job.status == lifecycle.ASSIGNED
    assert Job.objects.filter(cooperative=coop).count() == 0


# --- Messages name the quantity in the reader's language ------------------------------------------


def test_a_quantity_is_named_in_the_readers_language_not_by_its_field():
    from django.utils import translation

    from coopwork.marketplace.errors import FIELD_LABELS, QuantityAbsurd

    error = QuantityAbsurd(field="capacity_kg", minimum=0, maximum=2000)
    with translation.override("en"):
        assert error.render_message() == "The capacity, in kg, must be between 0 and 2,000."
    with translation.override("fr"):
        assert error.render_message() == (
            "Valeur attendue pour la capacité, en kg,\xa0: entre 0 et 2\xa0000."
        )
    assert error.as_dict()["details"]["field"] == "capacity_kg"  # the machine name stays
    # Every quantity the marketplace checks has a label, in both languages.
    for field, label in FIELD_LABELS.items():
        with translation.override("fr"):
            french = QuantityAbsurd(field=field, minimum=1, maximum=2).render_message()
            assert french.startswith(f"Valeur attendue pour {label}\xa0:"), french
        assert str(label) != field
