"""Every kind's full path over HTTP, from quote and booking to settled.

The clock is moved to the job's real hours (``clock``), so clocking in and out happens over HTTP
at the times a worker would. After each settlement the ledger is balanced (the settlement
transaction and the whole trial balance) and the receipt is the same for the client and the
worker. Default parameters: commission 12 %, VAT 20 %, pay floor 14.50/h, 4 minimum hours.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coopwork.ledger.models import Leg
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace.models import DeliveryDetail, Job

from .test_marketplace_world import (  # noqa: F401  (fixtures)
    Clock,
    MarketWorld,
    clock_fixture,
    counts,
    delivery_body,
    later,
    market_fixture,
    ride_body,
    shift_body,
    task_body,
)

KEY = {"Idempotency-Key": "settle-1"}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json()


def _money(minor: int) -> dict[str, Any]:
    return {"minor": minor, "currency": "EUR"}


def assert_settled_and_balanced(world: MarketWorld, job_id: int) -> dict[str, Any]:
    """The job is settled in one balanced transaction, the books balance, and client and
    worker read the same receipt. Returns it."""
    job = Job.objects.get(pk=job_id)
    assert job.status == "settled"
    assert job.settlement_id is not None
    legs = list(
        Leg.objects.filter(transaction_id=job.settlement_id).values_list("amount", flat=True)
    )
    assert legs and sum(legs) == 0
    books = trial_balance(cooperative=world.coop)
    assert books.balanced
    as_client = _ok(world.api("client").get(f"/coops/alpha/jobs/{job_id}/receipt"))
    as_worker = _ok(world.api("worker").get(f"/coops/alpha/jobs/{job_id}/receipt"))
    assert as_client == as_worker
    assert as_client["kind"] == "settlement"
    # The split adds up: worker + co-op = net, net + VAT = total, all in integer minor units.
    assert as_client["worker"]["minor"] + as_client["coop"]["minor"] == as_client["net"]["minor"]
    assert as_client["net"]["minor"] + as_client["vat"]["minor"] == as_client["total"]["minor"]
    # Both see it in the job too.
    detail = _ok(world.api("worker").get(f"/coops/alpha/jobs/{job_id}"))
    assert detail["receipt"] == as_client
    return as_client


def test_shift_from_quote_to_settled(market: MarketWorld, clock: Clock) -> None:
    client, worker = market.api("client"), market.api("worker")
    start = later(2, 9)
    body = shift_body(start, positions=1, break_minutes=30)

    quote = _ok(client.post("/coops/alpha/quotes", body))
    # 7.5 h × 20.00 = 150.00 net; 12 % to the co-op; 20 % VAT.
    assert quote["split"]["net"] == _money(15000)
    assert quote["split"]["coop"] == _money(1800)
    assert quote["split"]["worker"] == _money(13200)
    assert quote["split"]["vat"] == _money(3000)
    assert quote["split"]["total"] == _money(18000)
    assert quote["split"]["commission_rate"] == "3/25"
    assert quote["split"]["vat_rate"] == "1/5"
    assert [line["code"] for line in quote["lines"]] == ["hours"]
    assert Job.objects.count() == 0  # a quote writes nothing

    job = _ok(client.post("/coops/alpha/jobs", body), 201)
    assert job["status"] == "open"
    assert job["quote"] == quote  # frozen at booking
    assert job["terms"]["commission_rate"]["value"] == "3/25"
    assert job["terms"]["pay_floor_hourly"]["value"] == 1450
    assert job["detail"] == {
        "kind": "shift",
        "site_name": "Café République",
        "break_minutes": 30,
        "hourly_rate": _money(2000),
    }
    assert job["zone"] == {"code": "paris", "name": "Paris"}
    code = job["codes"]["clock_code"]
    assert len(code) == 6
    job_id = job["id"]

    # The worker sees it among open jobs, with the pay, but not the code.
    open_jobs = _ok(worker.get("/coops/alpha/work/open-jobs"))
    assert [j["id"] for j in open_jobs["items"]] == [job_id]
    assert open_jobs["items"][0]["pay_per_position"] == _money(13200)
    seen = _ok(worker.get(f"/coops/alpha/jobs/{job_id}"))
    assert seen["can_claim"] is True and seen["codes"] is None and seen["client"] is None

    claimed = _ok(worker.post(f"/coops/alpha/jobs/{job_id}/claim"))
    assert claimed["status"] == "active" and claimed["slot"] == 1
    detail = _ok(worker.get(f"/coops/alpha/jobs/{job_id}"))
    assert detail["status"] == "assigned"
    assert detail["roles"] == ["worker"]
    assert {t["name"] for t in detail["transitions"]} == {"start"}
    assert detail["codes"] is None  # the site gives it on arrival

    clock.set(start + dt.timedelta(minutes=2))
    started = _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-in", {"code": code}))
    assert started["clock_in_at"] is not None
    clock.set(start + dt.timedelta(hours=8, minutes=2))
    # Clocking out takes the shift's code too; without it nothing is written.
    before = counts()
    refused = worker.post(f"/coops/alpha/jobs/{job_id}/clock-out", {})
    assert (refused.status_code, refused.json()["code"]) == (400, "clock_code_invalid")
    assert counts() == before
    done = _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-out", {"code": code}))
    assert done["engaged_seconds"] == 7 * 3600 + 30 * 60  # 8 h less the 30-minute break
    detail = _ok(client.get(f"/coops/alpha/jobs/{job_id}"))
    assert detail["status"] == "completed"
    assert "approve" in {t["name"] for t in detail["transitions"]}

    approved = _ok(client.post(f"/coops/alpha/jobs/{job_id}/approve", headers=KEY))
    assert approved["status"] == "settled"
    receipt = assert_settled_and_balanced(market, job_id)
    assert receipt["total"] == _money(18000)
    assert receipt["workers"][0]["pay"] == _money(13200)
    assert receipt["workers"][0]["topup"] == _money(0)  # 17.60/h is above the floor
    assert receipt["workers"][0]["hours"] == "7.50"
    assert approved["receipt"] == receipt

    earnings = _ok(worker.get("/coops/alpha/work/earnings"))
    assert earnings["jobs"] == 1
    assert earnings["pay"] == _money(13200)
    assert earnings["hours"] == "7.50"


def test_ride_from_booking_to_settled_with_the_pay_floor(market: MarketWorld, clock: Clock) -> None:
    client, worker = market.api("client"), market.api("worker")
    start = later(2, 10)
    job = _ok(client.post("/coops/alpha/jobs", ride_body(start)), 201)
    assert job["detail"] == {"kind": "ride", "passengers": 1}
    assert job["vehicle_required"] == "car"
    assert job["distance_m"] > 0 and job["dropoff"] is not None
    job_id = job["id"]

    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/claim"))
    clock.set(start - dt.timedelta(minutes=20))
    assert _ok(worker.post(f"/coops/alpha/jobs/{job_id}/depart"))["status"] == "en_route"
    assert _ok(worker.post("/coops/alpha/work/position", {"lat": 48.86, "lon": 2.36})) == {
        "lat": 48.86,
        "lon": 2.36,
    }
    clock.set(start)
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-in", {}))
    # The client waits for the worker; the pay floor covers the whole engaged hour.
    clock.set(start + dt.timedelta(minutes=45))
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-out", {}))
    approved = _ok(client.post(f"/coops/alpha/jobs/{job_id}/approve", headers=KEY))
    assert approved["status"] == "settled"
    receipt = assert_settled_and_balanced(market, job_id)
    line = receipt["workers"][0]
    # Engaged from the clock-in tolerance before the start (60 min) to drop-off: 1 h 45.
    assert line["engaged_seconds"] == 105 * 60
    floor = round(105 * 1450 / 60)
    assert line["pay"]["minor"] + line["topup"]["minor"] == max(floor, line["pay"]["minor"])
    assert line["topup"]["minor"] > 0
    assert receipt["topup"] == line["topup"]


def test_delivery_with_a_code_from_booking_to_settled(market: MarketWorld, clock: Clock) -> None:
    client, worker = market.api("client"), market.api("worker")
    start = later(2, 11)
    job = _ok(client.post("/coops/alpha/jobs", delivery_body(start)), 201)
    assert job["detail"]["proof_kind"] == "code"
    code = job["codes"]["proof_code"]
    job_id = job["id"]
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/claim"))
    # The worker never sees the recipient's code.
    assert _ok(worker.get(f"/coops/alpha/jobs/{job_id}"))["codes"] is None
    clock.set(start)
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-in", {}))
    clock.set(start + dt.timedelta(minutes=40))
    done = _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-out", {"proof_code": code}))
    assert done["clock_out_at"] is not None
    assert DeliveryDetail.objects.get(job_id=job_id).delivered_at is not None
    _ok(client.post(f"/coops/alpha/jobs/{job_id}/approve", headers=KEY))
    assert_settled_and_balanced(market, job_id)


def test_delivery_with_a_photo_uploaded_as_multipart(
    market: MarketWorld, clock: Clock, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client, worker = market.api("client"), market.api("worker")
    start = later(2, 12)
    job = _ok(client.post("/coops/alpha/jobs", delivery_body(start, proof_kind="photo")), 201)
    job_id = job["id"]
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/claim"))
    clock.set(start)
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-in", {}))
    clock.set(start + dt.timedelta(minutes=30))
    photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff\xe0 a tiny jpeg", "image/jpeg")
    response = worker.client.post(
        f"/api/v1/coops/alpha/jobs/{job_id}/clock-out/photo", {"photo": photo}
    )
    assert _ok(response)["clock_out_at"] is not None
    detail = DeliveryDetail.objects.get(job_id=job_id)
    assert detail.proof_file.read() == b"\xff\xd8\xff\xe0 a tiny jpeg"
    _ok(client.post(f"/coops/alpha/jobs/{job_id}/approve", headers=KEY))
    assert_settled_and_balanced(market, job_id)


@pytest.mark.parametrize("mode", ["fixed", "hourly"])
def test_task_from_booking_to_settled(market: MarketWorld, clock: Clock, mode: str) -> None:
    client, worker = market.api("client"), market.api("worker")
    start = later(2, 14)
    extra = (
        {"mode": "fixed", "fixed_price_minor": 9000}
        if mode == "fixed"
        else {"mode": "hourly", "fixed_price_minor": None, "estimated_hours": "2.5"}
    )
    job = _ok(client.post("/coops/alpha/jobs", task_body(start, **extra)), 201)
    assert job["detail"]["mode"] == mode
    if mode == "fixed":
        assert job["detail"]["fixed_price"] == _money(9000)
        assert job["quote"]["split"]["net"] == _money(9000)
    else:
        assert job["detail"]["estimated_hours"] == "2.50"
    job_id = job["id"]
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/claim"))
    clock.set(start)
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-in", {}))
    clock.set(start + dt.timedelta(hours=2))
    _ok(worker.post(f"/coops/alpha/jobs/{job_id}/clock-out", {}))
    _ok(client.post(f"/coops/alpha/jobs/{job_id}/approve", headers=KEY))
    receipt = assert_settled_and_balanced(market, job_id)
    if mode == "fixed":
        assert receipt["net"] == _money(9000)  # the price agreed, whatever the time taken


def test_a_shift_with_two_positions_a_waitlist_and_a_worker_sent_home(
    market: MarketWorld, clock: Clock
) -> None:
    from coopwork.marketplace.tests.helpers import make_worker

    client, walter, otto = market.api("client"), market.api("worker"), market.api("other_worker")
    third = make_worker(market.coop, "third", skills=("service",), vehicle="car")
    start = later(2, 9)
    job = _ok(client.post("/coops/alpha/jobs", shift_body(start, positions=2)), 201)
    job_id, code = job["id"], job["codes"]["clock_code"]
    assert _ok(walter.post(f"/coops/alpha/jobs/{job_id}/claim"))["status"] == "active"
    assert _ok(otto.post(f"/coops/alpha/jobs/{job_id}/claim"))["status"] == "active"
    from .conftest import Api

    waiting = _ok(Api(third).post(f"/coops/alpha/jobs/{job_id}/claim"))
    assert waiting["status"] == "waitlisted" and waiting["slot"] is None
    # Otto gives his position back: the waiting worker takes it.
    assert _ok(otto.post(f"/coops/alpha/jobs/{job_id}/release"))["status"] == "assigned"
    people = _ok(client.get(f"/coops/alpha/jobs/{job_id}"))["assignments"]
    assert sorted(a["worker"]["id"] for a in people if a["status"] == "active") == sorted(
        [market.user("worker").pk, third.pk]
    )

    clock.set(start)
    _ok(walter.post(f"/coops/alpha/jobs/{job_id}/clock-in", {"code": code}))
    _ok(Api(third).post(f"/coops/alpha/jobs/{job_id}/clock-in", {"code": code}))
    # The client sends Walter home after an hour: he is paid the 4 minimum hours.
    clock.set(start + dt.timedelta(hours=1))
    home = _ok(
        client.post(
            f"/coops/alpha/jobs/{job_id}/send-home", {"worker_id": market.user("worker").pk}
        )
    )
    assert home["sent_home_early"] is True
    clock.set(start + dt.timedelta(hours=8))
    _ok(Api(third).post(f"/coops/alpha/jobs/{job_id}/clock-out", {"code": code}))
    _ok(client.post(f"/coops/alpha/jobs/{job_id}/approve", headers=KEY))
    receipt = assert_settled_and_balanced(market, job_id)
    lines = {line["worker_id"]: line for line in receipt["workers"]}
    assert lines[market.user("worker").pk]["hours"] == "4.00"
    assert lines[market.user("worker").pk]["net"] == _money(4 * 2000)
    assert lines[third.pk]["net"] == _money(8 * 2000)


def test_a_ride_offered_then_accepted_and_followed_live(market: MarketWorld) -> None:
    offer = market.job("offer")
    worker = market.api("worker")
    offers = _ok(worker.get("/coops/alpha/work/offers"))
    assert [o["id"] for o in offers] == [offer.pk]
    assert offers[0]["job"]["pay_per_position"]["minor"] > 0
    accepted = _ok(worker.post(f"/coops/alpha/offers/{offer.pk}/accept"))
    assert accepted["status"] == "active"
    assert _ok(worker.get("/coops/alpha/work/offers")) == []
