"""Every refusal of the marketplace over HTTP: its status, its stable code, a French message when
asked in French, and nothing written (jobs, assignments, ledger legs, audit entries and every other
row a request could write are counted before and after). Bad input never gives a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coopwork.marketplace.services import job_claim, offer_create, offer_refuse

from .conftest import Api
from .test_marketplace_world import (  # noqa: F401  (fixture)
    REPUBLIQUE,
    MarketWorld,
    assert_refused,
    counts,
    delivery_body,
    later,
    market_fixture,
    ride_body,
    shift_body,
    task_body,
)

LYON = {"address": "Place Bellecour, Lyon", "lat": 45.7578, "lon": 4.8320}
MARSEILLE = {"address": "Vieux-Port, Marseille", "lat": 43.2951, "lon": 5.3740}
KEY = {"Idempotency-Key": "refused-1"}


def _post(api: Api, path: str, body: Any = None, **kwargs: Any) -> Any:
    return lambda lang: api.post(path, body, lang=lang, **kwargs)


# --- A transition not allowed from the current state, or for the caller's role -------------------


def test_transitions_not_allowed_from_the_current_state(market: MarketWorld) -> None:
    client, worker = market.api("client"), market.api("worker")
    assigned = market.job("assigned_shift")
    started = market.job("started_shift")
    base = "/coops/alpha/jobs"
    # Approving work not done yet.
    assert_refused(
        _post(client, f"{base}/{assigned.pk}/approve", headers=KEY), 409, "transition_not_allowed"
    )
    # Clocking out before clocking in.
    assert_refused(
        _post(worker, f"{base}/{assigned.pk}/clock-out", {}), 409, "transition_not_allowed"
    )
    # Cancelling a shift under way.
    assert_refused(
        _post(client, f"{base}/{started.pk}/cancel", {}, headers=KEY), 409, "transition_not_allowed"
    )
    # Giving back a position once the shift has started; claiming a started job.
    assert_refused(_post(worker, f"{base}/{started.pk}/release"), 409, "transition_not_allowed")
    assert_refused(
        _post(market.api("other_worker"), f"{base}/{started.pk}/claim"),
        409,
        "transition_not_allowed",
    )
    # "On my way" is for rides and deliveries, not shifts.
    assert_refused(_post(worker, f"{base}/{assigned.pk}/depart"), 409, "transition_not_allowed")
    # Approving twice: the second finds the job settled.
    completed = market.job("completed_ride")
    assert client.post(f"{base}/{completed.pk}/approve", headers=KEY).status_code == 200
    assert_refused(
        _post(client, f"{base}/{completed.pk}/approve", headers={"Idempotency-Key": "again"}),
        409,
        "transition_not_allowed",
    )


def test_transitions_not_allowed_for_the_callers_role(market: MarketWorld) -> None:
    client, worker = market.api("client"), market.api("worker")
    completed = market.job("completed_ride")
    ride = market.job("assigned_ride")
    base = "/coops/alpha/jobs"
    # The worker may not approve their own work, nor cancel the client's job.
    assert_refused(
        _post(worker, f"{base}/{completed.pk}/approve", headers=KEY), 403, "not_your_job"
    )
    assert_refused(_post(worker, f"{base}/{ride.pk}/cancel", {}, headers=KEY), 403, "not_your_job")
    # The client may not say the worker is on the way, nor clock in for them.
    assert_refused(_post(client, f"{base}/{ride.pk}/depart"), 403, "not_your_job")
    assert_refused(_post(client, f"{base}/{ride.pk}/clock-in", {}), 403, "not_your_job")
    # Only coordinators assign by hand and decide cases.
    walter = market.user("worker").pk
    assert_refused(
        _post(client, f"{base}/{ride.pk}/assign", {"worker_id": walter}), 403, "permission_denied"
    )


# --- Clocking in -------------------------------------------------------------------------------


def test_clock_in_without_the_code_or_with_a_wrong_one(market: MarketWorld) -> None:
    worker = market.api("worker")
    job = market.job("soon_shift")
    path = f"/coops/alpha/jobs/{job.pk}/clock-in"
    assert_refused(_post(worker, path, {}), 400, "clock_code_invalid")
    assert_refused(_post(worker, path, {"code": ""}), 400, "clock_code_invalid")
    wrong = "000000" if job.clock_code != "000000" else "111111"
    assert_refused(_post(worker, path, {"code": wrong}), 400, "clock_code_invalid")
    # The right code works.
    assert worker.post(path, {"code": job.clock_code}).status_code == 200
    # And only once.
    assert_refused(_post(worker, path, {"code": job.clock_code}), 409, "transition_not_allowed")


def test_clock_in_far_outside_the_shifts_time(market: MarketWorld) -> None:
    job = market.job("assigned_shift")  # starts in three days
    body = assert_refused(
        _post(
            market.api("worker"), f"/coops/alpha/jobs/{job.pk}/clock-in", {"code": job.clock_code}
        ),
        400,
        "clock_time_invalid",
    )
    assert body["details"] == {"minutes": 60}


def test_a_delivery_needs_its_proof(market: MarketWorld, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = market.job("started_photo_delivery")
    worker = market.api("worker")
    assert_refused(_post(worker, f"/coops/alpha/jobs/{job.pk}/clock-out", {}), 400, "proof_missing")

    def empty_photo(lang: str) -> Any:
        photo = SimpleUploadedFile("door.jpg", b"", "image/jpeg")
        return worker.client.post(
            f"/api/v1/coops/alpha/jobs/{job.pk}/clock-out/photo",
            {"photo": photo},
            headers={"Accept-Language": lang},
        )

    assert_refused(empty_photo, 400, "quantity_invalid")

    def no_photo(lang: str) -> Any:
        return worker.client.post(
            f"/api/v1/coops/alpha/jobs/{job.pk}/clock-out/photo",
            {},
            headers={"Accept-Language": lang},
        )

    assert_refused(no_photo, 422, "invalid_request")

    def not_a_photo(lang: str) -> Any:
        page = SimpleUploadedFile("door.jpg", b"<html>a web page</html>", "image/jpeg")
        return worker.client.post(
            f"/api/v1/coops/alpha/jobs/{job.pk}/clock-out/photo",
            {"photo": page},
            headers={"Accept-Language": lang},
        )

    assert_refused(not_a_photo, 415, "proof_photo_invalid")


# --- Booking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/coops/alpha/quotes", "/coops/alpha/jobs"])
def test_a_booking_outside_the_service_area(market: MarketWorld, path: str) -> None:
    client = market.api("client")
    start = later(4, 10)
    for body in (
        shift_body(start, place=LYON),
        ride_body(start, pickup=LYON, dropoff=REPUBLIQUE),
        delivery_body(start, pickup=LYON),
        task_body(start, place=LYON),
    ):
        assert_refused(_post(client, path, body), 400, "outside_service_area")


NEGATIVE_OR_ABSURD = [
    ("shift", {"positions": 0}, "positions"),
    ("shift", {"positions": -1}, "positions"),
    ("shift", {"positions": 51}, "positions"),
    ("shift", {"positions": 10**400}, "positions"),
    ("shift", {"hourly_rate_minor": -2000}, "hourly_rate_minor"),
    ("shift", {"hourly_rate_minor": 0}, "hourly_rate_minor"),
    ("shift", {"hourly_rate_minor": 10**30}, "hourly_rate_minor"),
    ("shift", {"break_minutes": -30}, "break_minutes"),
    ("shift", {"break_minutes": 8 * 60}, "break_minutes"),
    ("ride", {"passengers": 0}, "passengers"),
    ("ride", {"passengers": 40}, "passengers"),
    ("ride", {"dropoff": MARSEILLE}, "distance_km"),
    ("delivery", {"weight_g": 0}, "weight_g"),
    ("delivery", {"weight_g": -5}, "weight_g"),
    ("delivery", {"weight_g": 10_000_000}, "weight_g"),
    ("task", {"fixed_price_minor": -1}, "fixed_price_minor"),
    ("task", {"fixed_price_minor": 0}, "fixed_price_minor"),
    ("task", {"fixed_price_minor": None}, "fixed_price_minor"),
    (
        "task",
        {"mode": "hourly", "fixed_price_minor": None, "estimated_hours": "0"},
        "estimated_hours",
    ),
    (
        "task",
        {"mode": "hourly", "fixed_price_minor": None, "estimated_hours": "-2"},
        "estimated_hours",
    ),
    (
        "task",
        {"mode": "hourly", "fixed_price_minor": None, "estimated_hours": "400"},
        "estimated_hours",
    ),
]
BODIES = {"shift": shift_body, "ride": ride_body, "delivery": delivery_body, "task": task_body}


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    NEGATIVE_OR_ABSURD,
    ids=[f"{k}-{f}-{i}" for i, (k, _c, f) in enumerate(NEGATIVE_OR_ABSURD)],
)
def test_negative_or_absurd_quantities(
    market: MarketWorld, kind: str, change: dict[str, Any], field: str
) -> None:
    body = BODIES[kind](later(4, 10), **change)
    for path in ("/coops/alpha/quotes", "/coops/alpha/jobs"):
        refusal = assert_refused(_post(market.api("client"), path, body), 400, "quantity_invalid")
        assert refusal["details"]["field"] == field


def test_impossible_times(market: MarketWorld) -> None:
    client = market.api("client")
    start = later(4, 10)
    yesterday = start - dt.timedelta(days=5)
    for body in (
        shift_body(start, ends_at=(start - dt.timedelta(hours=1)).isoformat()),
        shift_body(start, ends_at=(start + dt.timedelta(hours=20)).isoformat()),
        shift_body(yesterday),
        shift_body(start + dt.timedelta(days=800)),
        ride_body(yesterday),
        delivery_body(start, dropoff_until=(start - dt.timedelta(hours=1)).isoformat()),
    ):
        assert_refused(_post(client, "/coops/alpha/jobs", body), 400, "times_invalid")


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": "2031-05-06T10:00:00"},  # naive: no UTC offset
        {"starts_at": "2031-05-06"},
        {"starts_at": "not a time"},
        {"starts_at": 1_800_000_000},
        {"place": {**REPUBLIQUE, "lat": 91}},
        {"place": {**REPUBLIQUE, "lon": -181}},
        {"place": {**REPUBLIQUE, "lat": "48.8"}},
        {"place": {**REPUBLIQUE, "lat": True}},
        {"place": {**REPUBLIQUE, "lat": None}},
        {"place": {**REPUBLIQUE, "address": ""}},
        {"place": {**REPUBLIQUE, "address": "x" * 301}},
        {"place": {**REPUBLIQUE, "address": "nul\x00byte"}},
        {"positions": "3"},
        {"positions": 2.0},
        {"positions": True},
        {"hourly_rate_minor": 20.5},
        {"kind": "spaceship"},
        {"kind": None},
        {"surprise": 1},
        {"skills": ["x"] * 51},
        {"business": "yes"},
    ],
)
def test_malformed_booking_fields(market: MarketWorld, change: dict[str, Any]) -> None:
    body = shift_body(later(4, 10), **change)
    for path in ("/coops/alpha/quotes", "/coops/alpha/jobs"):
        assert_refused(_post(market.api("client"), path, body), 422, "invalid_request")


@pytest.mark.parametrize("raw", ['{"kind": "shift", "lat": NaN}', "{not json", "", "[]", "null"])
def test_malformed_json(market: MarketWorld, raw: str) -> None:
    client = market.api("client")
    send = lambda lang: client.request("POST", "/coops/alpha/jobs", raw=raw, lang=lang)  # noqa: E731
    code = send("en").json()["code"]
    assert code in {"malformed_request", "invalid_request"}
    assert_refused(send, 400 if code == "malformed_request" else 422, code)


def test_non_finite_and_overflowing_values(market: MarketWorld) -> None:
    client = market.api("client")
    nan = shift_body(later(4, 10))
    raw_nan = (
        '{"kind": "ride", "pickup": {"address": "a", "lat": NaN, "lon": 2.3}, '
        '"dropoff": {"address": "b", "lat": Infinity, "lon": 2.3}, '
        '"starts_at": "2031-05-06T10:00:00+02:00"}'
    )
    assert_refused(
        lambda lang: client.request("POST", "/coops/alpha/quotes", raw=raw_nan, lang=lang),
        422,
        "invalid_request",
    )
    # The last minute of year 9999, west of UTC, is past the last datetime Python can hold.
    edge = {**nan, "starts_at": "9999-12-31T23:00:00-12:00", "ends_at": "9999-12-31T23:30:00-12:00"}
    response = client.post("/coops/alpha/jobs", edge)
    assert 400 <= response.status_code < 500, response.content
    assert_refused(
        _post(client, "/coops/alpha/jobs", edge), response.status_code, response.json()["code"]
    )


# --- Ratings -----------------------------------------------------------------------------------


def test_a_rating_given_twice(market: MarketWorld) -> None:
    job = market.job("completed_ride")
    client = market.api("client")
    path = f"/coops/alpha/jobs/{job.pk}/ratings"
    body = {"ratee_id": market.user("worker").pk, "score": 5}
    assert client.post(path, body).status_code == 201
    assert_refused(_post(client, path, body), 409, "rating_already_given")
    assert_refused(_post(client, path, {**body, "score": 1}), 409, "rating_already_given")


def test_ratings_out_of_range_or_of_the_wrong_person(market: MarketWorld) -> None:
    job = market.job("completed_ride")
    client = market.api("client")
    path = f"/coops/alpha/jobs/{job.pk}/ratings"
    walter = market.user("worker").pk
    for score in (0, 6, -1, 10**6):
        assert_refused(
            _post(client, path, {"ratee_id": walter, "score": score}), 400, "score_invalid"
        )
    assert_refused(_post(client, path, {"ratee_id": walter, "score": 4.5}), 422, "invalid_request")
    otto = market.user("other_worker").pk
    assert_refused(_post(client, path, {"ratee_id": otto, "score": 5}), 400, "rating_not_allowed")
    # Not before the job is done.
    ride = market.job("assigned_ride")
    assert_refused(
        _post(client, f"/coops/alpha/jobs/{ride.pk}/ratings", {"ratee_id": walter, "score": 5}),
        400,
        "rating_not_allowed",
    )


# --- Someone else's job; another co-op's job ---------------------------------------------------


def test_someone_elses_job(market: MarketWorld) -> None:
    otto, nora = market.api("other_worker"), market.api("stranger")
    started = market.job("started_shift")
    assigned = market.job("assigned_shift")
    base = "/coops/alpha/jobs"
    # Another worker cannot act on Walter's position: told so while they may see the shift (to
    # join it if a position frees), and 404 once it is under way, as when they read it.
    assert_refused(_post(otto, f"{base}/{assigned.pk}/release"), 403, "not_your_job")
    assert_refused(_post(otto, f"{base}/{started.pk}/clock-out", {}), 404, "job_not_found")
    # ...nor read a job under way; a stranger reads nothing.
    assert_refused(lambda lang: otto.get(f"{base}/{started.pk}", lang=lang), 404, "job_not_found")
    for path in (f"{base}/{assigned.pk}", f"{base}/{assigned.pk}/receipt"):
        assert_refused(lambda lang, p=path: nora.get(p, lang=lang), 404, "job_not_found")
    # A stranger cannot write on it, cancel it or send anyone home, and is not told it exists.
    assert_refused(
        _post(nora, f"{base}/{assigned.pk}/messages", {"body": "hi"}), 404, "job_not_found"
    )
    assert_refused(
        _post(nora, f"{base}/{assigned.pk}/cancel", {}, headers=KEY), 404, "job_not_found"
    )
    walter = market.user("worker").pk
    assert_refused(
        _post(nora, f"{base}/{started.pk}/send-home", {"worker_id": walter}), 404, "job_not_found"
    )


def test_another_coops_job(market: MarketWorld) -> None:
    """A job of alpha through beta's paths is not found, even for the people on it."""
    job = market.job("completed_ride")
    for role in ("client", "worker", "foreign_coordinator"):
        api = market.api(role)
        assert_refused(
            lambda lang, a=api: a.get(f"/coops/beta/jobs/{job.pk}", lang=lang), 404, "job_not_found"
        )
        assert_refused(
            _post(api, f"/coops/beta/jobs/{job.pk}/approve", headers=KEY), 404, "job_not_found"
        )
    assert_refused(
        lambda lang: market.api("client").get(f"/coops/nowhere/jobs/{job.pk}", lang=lang),
        404,
        "cooperative_not_found",
    )


# --- Workers -----------------------------------------------------------------------------------


def test_claims_that_do_not_fit(market: MarketWorld) -> None:
    from coopwork.marketplace.services import job_book
    from coopwork.marketplace.tests.helpers import ride_request, shift_request

    otto = market.api("other_worker")
    ride = market.job("assigned_ride")
    base = "/coops/alpha/jobs"
    assert_refused(_post(otto, f"{base}/{ride.pk}/claim"), 409, "job_taken")
    assert_refused(_post(market.api("worker"), f"{base}/{ride.pk}/claim"), 409, "already_on_job")
    client = market.user("client")
    van = job_book(
        cooperative=market.coop, client=client, request=ride_request(later(4, 9), vehicle="van")
    )
    assert_refused(_post(otto, f"{base}/{van.pk}/claim"), 400, "vehicle_mismatch")
    skilled = job_book(
        cooperative=market.coop,
        client=client,
        request=shift_request(later(4, 9), skills=("forklift",)),
    )
    body = assert_refused(_post(otto, f"{base}/{skilled.pk}/claim"), 400, "missing_skills")
    assert body["details"] == {"skills": "forklift"}


def test_offers_that_are_not_open(market: MarketWorld) -> None:
    offer = market.job("offer")
    otto, walter = market.api("other_worker"), market.api("worker")
    # Not Otto's offer.
    for action in ("accept", "refuse"):
        assert_refused(
            _post(otto, f"/coops/alpha/offers/{offer.pk}/{action}"), 404, "offer_not_found"
        )
    # Refused already: nothing left to accept.
    offer_refuse(cooperative=market.coop, offer_id=offer.pk, worker=market.user("worker"))
    assert_refused(_post(walter, f"/coops/alpha/offers/{offer.pk}/accept"), 404, "offer_not_found")
    # An offer whose job someone else took is withdrawn.
    job = market.job("open_shift")
    second = offer_create(
        cooperative=market.coop, job_id=job.pk, worker_id=market.user("worker").pk, explanation={}
    )
    job_claim(cooperative=market.coop, job_id=job.pk, worker=market.user("other_worker"))
    assert_refused(_post(walter, f"/coops/alpha/offers/{second.pk}/accept"), 404, "offer_not_found")


def test_position_updates_are_rate_limited(market: MarketWorld) -> None:
    worker = market.api("worker")
    body = {"lat": 48.85, "lon": 2.35}
    assert worker.post("/coops/alpha/work/position", body).status_code == 200
    refusal = assert_refused(
        _post(worker, "/coops/alpha/work/position", body), 400, "position_rate_limited"
    )
    assert refusal["details"] == {"seconds": 3}
    # Another worker is not limited by Walter's updates.
    assert market.api("other_worker").post("/coops/alpha/work/position", body).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"lat": 91, "lon": 2.35},
        {"lat": 48.85, "lon": 181},
        {"lat": "48.85", "lon": 2.35},
        {"lat": 48.85},
        {"lat": None, "lon": 2.35},
    ],
)
def test_bad_coordinates(market: MarketWorld, body: dict[str, Any]) -> None:
    assert_refused(
        _post(market.api("worker"), "/coops/alpha/work/position", body), 422, "invalid_request"
    )


def test_bad_profiles_and_availability(market: MarketWorld) -> None:
    worker = market.api("worker")

    def put(path: str, body: Any) -> Any:
        return lambda lang: worker.put(path, body, lang=lang)

    profile = "/coops/alpha/work/profile"
    assert_refused(put(profile, {"vehicle": "car", "capacity_kg": -1}), 400, "quantity_invalid")
    assert_refused(put(profile, {"vehicle": "car", "seats": 30}), 400, "quantity_invalid")
    assert_refused(put(profile, {"vehicle": "car", "zones": ["mars"]}), 400, "outside_service_area")
    assert_refused(put(profile, {"vehicle": "rocket"}), 422, "invalid_request")
    slots = "/coops/alpha/work/availability"
    slot = {"weekday": 0, "start": "09:00", "end": "17:00"}
    assert_refused(put(slots, {"weekly": [{**slot, "weekday": 7}]}), 400, "quantity_invalid")
    assert_refused(put(slots, {"weekly": [{**slot, "end": "08:00"}]}), 400, "times_invalid")
    assert_refused(
        put(slots, {"weekly": [{**slot, "start": "09:00+01:00"}]}), 422, "invalid_request"
    )
    assert_refused(put(slots, {"weekly": [{**slot, "start": "25:00"}]}), 422, "invalid_request")
    assert_refused(
        put(slots, {"weekly": [], "exceptions": [{"date": "2031-01-01", "available": True}]}),
        400,
        "times_invalid",
    )


# --- Coordination ------------------------------------------------------------------------------


def test_bad_zones(market: MarketWorld) -> None:
    cora = market.api("coordinator")
    square = [[45.70, 4.77], [45.70, 4.93], [45.80, 4.93], [45.80, 4.77]]
    for body in (
        {"code": "lyon", "name": "Lyon", "polygon": square[:2]},
        {"code": "lyon", "name": "Lyon", "polygon": [[200, 0], *square[1:]]},
        {"code": "Lyon Centre!", "name": "Lyon", "polygon": square},
        {"code": "lyon", "name": "  ", "polygon": square},
    ):
        assert_refused(_post(cora, "/coops/alpha/zones", body), 400, "zone_invalid")
    assert_refused(
        _post(cora, "/coops/alpha/zones", {"code": "paris", "name": "Paris", "polygon": square}),
        409,
        "zone_exists",
    )
    for polygon in ([[45.7, 4.7, 1]] * 3, [["a", "b"]] * 3, [[float("nan")] * 2] * 3):
        body = {"code": "lyon", "name": "Lyon", "polygon": polygon}
        response = cora.post("/coops/alpha/zones", body)
        assert response.status_code in (400, 422), response.content
        assert_refused(
            _post(cora, "/coops/alpha/zones", body), response.status_code, response.json()["code"]
        )


def test_bad_invoices(market: MarketWorld) -> None:
    job = market.job("settled_ride")
    cora = market.api("coordinator")
    day = job.starts_at.date()
    clara = market.user("client").pk
    body = {"client_id": clara, "period_start": day.isoformat(), "period_end": day.isoformat()}
    backwards = {**body, "period_start": (day + dt.timedelta(days=3)).isoformat()}
    assert_refused(
        _post(cora, "/coops/alpha/invoices", backwards, headers=KEY), 400, "times_invalid"
    )
    empty = {**body, "client_id": market.user("stranger").pk}
    assert_refused(
        _post(cora, "/coops/alpha/invoices", empty, headers=KEY), 400, "nothing_to_invoice"
    )
    assert cora.post("/coops/alpha/invoices", body, headers=KEY).status_code == 201
    # Another key cannot invoice the same period twice.
    assert_refused(
        _post(cora, "/coops/alpha/invoices", body, headers={"Idempotency-Key": "other"}),
        409,
        "invoice_exists",
    )
    assert_refused(
        _post(cora, "/coops/alpha/invoices", {**body, "client_id": 0}, headers=KEY),
        422,
        "invalid_request",
    )


def test_cases_and_messages_refused(market: MarketWorld) -> None:
    job = market.job("completed_ride")
    client, cora = market.api("client"), market.api("coordinator")
    base = f"/coops/alpha/jobs/{job.pk}"
    assert_refused(_post(client, f"{base}/messages", {"body": "   "}), 400, "message_empty")
    assert_refused(_post(client, f"{base}/messages", {"body": "x" * 4001}), 422, "invalid_request")
    case_body = {"kind": "incident", "summary": " ", "statement": "What happened"}
    assert_refused(_post(client, f"{base}/cases", case_body), 400, "message_empty")
    assert_refused(
        _post(client, f"{base}/cases", {**case_body, "kind": "complaint"}), 422, "invalid_request"
    )
    case = market.job("case")
    decide = f"/coops/alpha/cases/{case.pk}/decide"
    assert_refused(_post(cora, decide, {"outcome": "noted", "decision": " "}), 400, "message_empty")
    assert cora.post(decide, {"outcome": "noted", "decision": "Noted."}).status_code == 200
    assert_refused(
        _post(cora, decide, {"outcome": "noted", "decision": "Again"}), 409, "case_closed"
    )
    assert_refused(
        _post(client, f"/coops/alpha/cases/{case.pk}/statements", {"text": "More"}),
        409,
        "case_closed",
    )
    assert_refused(
        _post(cora, "/coops/alpha/cases/999999/decide", {"outcome": "", "decision": "x"}),
        404,
        "case_not_found",
    )


def test_a_no_show_is_not_recorded_before_the_tolerance(market: MarketWorld) -> None:
    job = market.job("soon_shift")  # starts in ten minutes
    assert_refused(
        _post(
            market.api("client"),
            f"/coops/alpha/jobs/{job.pk}/no-show",
            {"worker_id": market.user("worker").pk},
        ),
        409,
        "transition_not_allowed",
    )


def test_money_moves_need_an_idempotency_key(market: MarketWorld) -> None:
    client, cora = market.api("client"), market.api("coordinator")
    completed, ride = market.job("completed_ride"), market.job("assigned_ride")
    settled = market.job("settled_ride")
    day = settled.starts_at.date().isoformat()
    invoice = {"client_id": market.user("client").pk, "period_start": day, "period_end": day}
    for api, path, body in (
        (client, f"/coops/alpha/jobs/{completed.pk}/approve", None),
        (client, f"/coops/alpha/jobs/{ride.pk}/cancel", {}),
        (cora, "/coops/alpha/invoices", invoice),
    ):
        assert_refused(_post(api, path, body), 400, "idempotency_key_required")
        assert_refused(
            _post(api, path, body, headers={"Idempotency-Key": ""}), 400, "idempotency_key_required"
        )
        assert_refused(
            _post(api, path, body, headers={"Idempotency-Key": "k" * 201}),
            400,
            "idempotency_key_too_long",
        )


# --- Malformed ids and query strings -----------------------------------------------------------

ID_ROUTES = [
    ("GET", "/coops/alpha/jobs/{id}", None),
    ("GET", "/coops/alpha/jobs/{id}/receipt", None),
    ("POST", "/coops/alpha/jobs/{id}/claim", None),
    ("POST", "/coops/alpha/jobs/{id}/approve", None),
    ("POST", "/coops/alpha/offers/{id}/accept", None),
    ("POST", "/coops/alpha/cases/{id}/statements", {"text": "x"}),
    ("GET", "/coops/alpha/invoices/{id}.pdf", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ID_ROUTES)
@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "1e3", "1.0", str(2**63), "9" * 100, "%00"])
def test_malformed_ids(market: MarketWorld, method: str, path: str, body: Any, bad_id: str) -> None:
    api = market.api("coordinator")
    assert_refused(
        lambda lang: api.request(method, path.format(id=bad_id), body, lang=lang, headers=KEY),
        422,
        "invalid_request",
    )


def test_unknown_ids_are_not_found(market: MarketWorld) -> None:
    api = market.api("coordinator")
    for path, code in (
        ("/coops/alpha/jobs/999999", "job_not_found"),
        ("/coops/alpha/jobs/999999/receipt", "job_not_found"),
        ("/coops/alpha/invoices/999999.pdf", "invoice_not_found"),
    ):
        assert_refused(lambda lang, p=path: api.get(p, lang=lang), 404, code)
    assert_refused(
        _post(api, "/coops/alpha/jobs/999999/approve", headers=KEY), 404, "job_not_found"
    )


@pytest.mark.parametrize(
    "query",
    [
        "role=boss",
        "status=lost",
        "page=0",
        "page_size=201",
        "page=abc",
        "page=99999999999999999999",
    ],
)
def test_query_strings_are_validated(market: MarketWorld, query: str) -> None:
    client = market.api("client")
    assert_refused(
        lambda lang: client.get(f"/coops/alpha/jobs?{query}", lang=lang), 422, "invalid_request"
    )


def test_bad_body_values_on_actions(market: MarketWorld) -> None:
    job = market.job("started_shift")
    client = market.api("client")
    base = f"/coops/alpha/jobs/{job.pk}"
    for body in ({"worker_id": 10**400}, {"worker_id": "3"}, {"worker_id": 0}, {}, {"x": 1}):
        assert_refused(_post(client, f"{base}/send-home", body), 422, "invalid_request")
    # A worker who is not on the job cannot be sent home.
    assert_refused(
        _post(client, f"{base}/send-home", {"worker_id": market.user("other_worker").pk}),
        409,
        "transition_not_allowed",
    )
    assert_refused(
        _post(market.api("coordinator"), "/coops/alpha/notifications/read", {"ids": [0]}),
        422,
        "invalid_request",
    )


EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00",
    "2031-02-30T10:00:00Z",
    "2031-05-06T10:00:00+25:00",
]


@pytest.mark.parametrize("kind", ["shift", "ride", "delivery", "task"])
def test_times_at_the_edges_of_the_calendar_are_refused(market: MarketWorld, kind: str) -> None:
    """The first and last instants Python can hold, with extreme offsets, impossible dates and
    offsets: always a 4xx, never a 500, and nothing written."""
    client = market.api("client")
    body = BODIES[kind](later(4, 10))
    fields = [f for f in ("starts_at", "ends_at", "pickup_from", "dropoff_until") if f in body]
    before = counts()
    for field in fields:
        for edge in EDGE_TIMES:
            for path in ("/coops/alpha/quotes", "/coops/alpha/jobs"):
                response = client.post(path, {**body, field: edge})
                assert 400 <= response.status_code < 500, (field, edge, response.content[:300])
                assert response.json()["code"] in {"times_invalid", "invalid_request"}
    assert counts() == before


def test_worker_area_queries_and_bodies_are_bounded(market: MarketWorld) -> None:
    walter, cora = market.api("worker"), market.api("coordinator")
    for query in ("count=0", "count=61", "period=year", "count=abc"):
        assert_refused(
            lambda lang, q=query: walter.get(f"/coops/alpha/work/earnings/periods?{q}", lang=lang),
            422,
            "invalid_request",
        )
    assert_refused(
        lambda lang: walter.put(
            "/coops/alpha/work/availability",
            {"weekly": [], "exceptions": [{"date": "99999-01-01"}]},
            lang=lang,
        ),
        422,
        "invalid_request",
    )
    too_many = {"code": "x", "name": "X", "polygon": [[48.8, 2.3]] * 1001}
    assert_refused(_post(cora, "/coops/alpha/zones", too_many), 422, "invalid_request")
    off_the_globe = {"code": "x", "name": "X", "polygon": [[1e308, 1e308]] * 3}
    assert_refused(_post(cora, "/coops/alpha/zones", off_the_globe), 400, "zone_invalid")
    hours = task_body(later(4, 10), mode="hourly", fixed_price_minor=None, estimated_hours="1e400")
    assert_refused(_post(market.api("client"), "/coops/alpha/jobs", hours), 422, "invalid_request")
    assert_refused(
        _post(cora, "/coops/alpha/notifications/read", {"ids": list(range(1, 502))}),
        422,
        "invalid_request",
    )
