"""Every kind's full path through the services, from booking to settled, with exact money.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL. Amounts are EUR cents; the default
parameters are commission 12 %, VAT 20 %, pay floor 14.50/h, minimum 4 paid hours.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coopwork.core.services import parameter_set
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace import errors, lifecycle
from coopwork.marketplace.models import Assignment, AssignmentStatus, DeliveryDetail, Notification
from coopwork.marketplace.selectors import job_get, receipt
from coopwork.marketplace.services import (
    job_approve,
    job_book,
    job_cancel,
    job_claim,
    job_clock_in,
    job_clock_out,
    job_quote,
    job_release,
    job_send_home,
    job_transition,
)

from .helpers import (
    RIVOLI_ORSAY_M,
    at,
    balance,
    completed_ride,
    counts,
    delivery_request,
    holder,
    make_client,
    make_worker,
    ride_request,
    settlement_legs,
    shift_request,
    task_request,
    weekday,
)

pytestmark = pytest.mark.django_db


def assert_receipt_same_for_both(coop, job, client, worker):
    as_client = receipt(job=job_get(cooperative=coop, job_id=job.pk, user=client))
    as_worker = receipt(job=job_get(cooperative=coop, job_id=job.pk, user=worker))
    assert as_client == as_worker
    return as_client


# --- Shift ------------------------------------------------------------------------------------


def test_shift_multi_position_claim_waitlist_clock_approve_settle(coop):
    client = make_client("bistro")
    w1, w2, w3 = (make_worker(coop, n, skills=("waiter",)) for n in ("ana", "ben", "chloe"))
    start = at(weekday(3), 9)
    job = job_book(
        cooperative=coop,
        client=client,
        business=True,
        request=shift_request(start, positions=2, break_minutes=30, skills=("waiter",)),
    )
    assert job.status == lifecycle.OPEN
    assert len(job.clock_code) == 6
    # 2 positions × (8 h − 30 min) × 20.00 = 2 × 7.5 × 2000 = 30000
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [("hours", 30000)]
    # co-op 12 % = 3600; workers 26400; VAT 20 % = 6000; total 36000
    assert {k: job.quote["split"][k] for k in ("net", "worker", "coop", "vat", "total")} == {
        "net": 30000,
        "worker": 26400,
        "coop": 3600,
        "vat": 6000,
        "total": 36000,
    }

    a1 = job_claim(cooperative=coop, job_id=job.pk, worker=w1)
    assert (a1.status, a1.slot) == (AssignmentStatus.ACTIVE, 1)
    job.refresh_from_db()
    assert job.status == lifecycle.OPEN  # one position still free
    a2 = job_claim(cooperative=coop, job_id=job.pk, worker=w2)
    assert (a2.status, a2.slot) == (AssignmentStatus.ACTIVE, 2)
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    a3 = job_claim(cooperative=coop, job_id=job.pk, worker=w3)
    assert (a3.status, a3.slot) == (AssignmentStatus.WAITLISTED, None)

    # Ben gives his position back: Chloe, first on the waiting list, takes his slot.
    job_release(cooperative=coop, job_id=job.pk, worker=w2)
    a3.refresh_from_db()
    a2.refresh_from_db()
    assert (a2.status, a2.slot) == (AssignmentStatus.RELEASED, None)
    assert (a3.status, a3.slot) == (AssignmentStatus.ACTIVE, 2)
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    assert Notification.objects.filter(user=w3, kind="job.promoted", job=job).count() == 1

    # Parameters change after booking: this job keeps the commission it was booked under.
    parameter_set(
        cooperative=coop,
        key="commission_rate",
        value="20/100",
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="statutes art. 12, amended",
        actor=None,
    )

    for w in (w1, w3):
        job_clock_in(cooperative=coop, job_id=job.pk, worker=w, code=job.clock_code, now=start)
    job.refresh_from_db()
    assert job.status == lifecycle.STARTED
    assert job.started_at == start
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=w1,
        now=start + dt.timedelta(hours=8),
    )
    job.refresh_from_db()
    assert job.status == lifecycle.STARTED  # Chloe is still working
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=w3,
        now=start + dt.timedelta(hours=8),
    )
    job.refresh_from_db()
    assert job.status == lifecycle.COMPLETED
    assert job.completed_at == start + dt.timedelta(hours=8)

    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.status == lifecycle.SETTLED
    # Each worker: 7.5 h × 2000 = 15000 net; co-op 12 % (frozen) = 1800; worker 13200;
    # VAT 3000; total 18000. Pay floor 7.5 × 1450 = 10875 < 13200: no top-up.
    r = assert_receipt_same_for_both(coop, job, client, w1)
    assert (r["kind"], r["net"], r["worker"], r["coop"], r["vat"], r["total"], r["topup"]) == (
        "settlement",
        30000,
        26400,
        3600,
        6000,
        36000,
        0,
    )
    assert [(w["worker"], w["hours"], w["net"], w["pay"], w["topup"]) for w in r["workers"]] == [
        (w1.pk, "7.50", 15000, 13200, 0),
        (w3.pk, "7.50", 15000, 13200, 0),
    ]
    assert r["terms"]["commission_rate"]["value"] == "3/25"
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 36000,
        ("worker_payable", holder(w1)): -13200,
        ("worker_payable", holder(w3)): -13200,
        ("revenue_fees", ""): -3600,
        ("tax_vat_payable", ""): -6000,
    }
    assert trial_balance(cooperative=coop).balanced
    assert balance(coop, "worker_payable", holder(w2)) == 0
    for a in (a1, a3):
        a.refresh_from_db()
        assert (a.engaged_seconds, a.pay_minor, a.topup_minor) == (27000, 13200, 0)

    # The same shift booked now uses the new commission: 30000 × 20 % = 6000.
    later = job_book(
        cooperative=coop,
        client=client,
        request=shift_request(start, positions=2, break_minutes=30, skills=("waiter",)),
    )
    assert (later.quote["split"]["coop"], later.quote["split"]["worker"]) == (6000, 24000)
    assert later.terms["commission_rate"]["value"] == "1/5"
    # ... and the settled job's frozen price and receipt did not move.
    job.refresh_from_db()
    assert job.quote["split"]["coop"] == 3600
    assert receipt(job=job) == r


def test_partly_filled_shift_can_start(coop):
    """Two positions, one claimed: the worker who came can still clock in and be paid."""
    client = make_client("hall")
    worker = make_worker(coop, "solo")
    start = at(weekday(2), 14)
    job = job_book(
        cooperative=coop, client=client, request=shift_request(start, hours=4, positions=2)
    )
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job.refresh_from_db()
    assert job.status == lifecycle.OPEN
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=4),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # 4 h × 2000 = 8000; co-op 960; worker 7040; VAT 1600; total 9600 (booked 2 positions: 19200)
    assert (job.receipt["net"], job.receipt["worker"], job.receipt["total"]) == (8000, 7040, 9600)
    assert job.quote["split"]["total"] == 19200
    assert trial_balance(cooperative=coop).balanced


def test_a_claim_that_fills_the_job_is_one_audit_entry_on_the_job(coop):
    """The claim that takes the last free position records the claim and the fill in one entry on
    the job (assignment, slot, from, to); an earlier position of a shift is recorded on its
    assignment. The job's timeline reads the fill from that entry."""
    from coopwork.core.audit import audit_seal
    from coopwork.core.models import AuditEntry
    from coopwork.marketplace.selectors import job_timeline

    client = make_client("hall")
    first, second = make_worker(coop, "first"), make_worker(coop, "second")
    rider = make_worker(coop, "rider", vehicle="car")
    shift = job_book(
        cooperative=coop, client=client, request=shift_request(at(weekday(2), 14), positions=2)
    )
    ride = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(2), 10)))
    a1 = job_claim(cooperative=coop, job_id=shift.pk, worker=first)
    a2 = job_claim(cooperative=coop, job_id=shift.pk, worker=second)
    a3 = job_claim(cooperative=coop, job_id=ride.pk, worker=rider)

    def claims(job):
        entries = AuditEntry.objects.filter(action__in=["job.claimed", "job.fill"]).order_by("id")
        return [
            (e.action, e.object_type, e.actor_id, e.data)
            for e in entries
            if e.data.get("job") == job.pk
            or (e.object_type == "marketplace.job" and e.object_id == str(job.pk))
        ]

    assert claims(shift) == [
        ("job.claimed", "marketplace.assignment", first.pk, {"job": shift.pk, "slot": 1}),
        (
            "job.claimed",
            "marketplace.job",
            second.pk,
            {"assignment": a2.pk, "slot": 2, "from": "open", "to": "assigned"},
        ),
    ]
    assert a1.slot == 1
    assert claims(ride) == [
        (
            "job.claimed",
            "marketplace.job",
            rider.pk,
            {"assignment": a3.pk, "slot": 1, "from": "open", "to": "assigned"},
        )
    ]
    audit_seal()  # the test's transaction never commits: seal as a commit would
    for job, worker in ((shift, second), (ride, rider)):
        steps = job_timeline(job=job)
        assert [(s.status, s.by) for s in steps] == [("open", "hall"), ("assigned", str(worker))]


# --- Ride -------------------------------------------------------------------------------------


def test_ride_accept_depart_start_complete_approve(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    start = at(weekday(3), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    assert job.distance_m == RIVOLI_ORSAY_M
    # car at 28 km/h: 2492 × 3.6 / 28 = 320.4 → 321 s
    assert job.duration_s == 321
    assert job.vehicle_required == "car"
    # base 250; 2.492 km × 110 = 274.12 → 274; 5.35 min × 30 = 160.5 → 160 (half to even);
    # 684 < minimum 700 → +16
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [
        ("base", 250),
        ("distance", 274),
        ("duration", 160),
        ("minimum", 16),
    ]
    # 700: co-op 84; worker 616; VAT 140; total 840
    split = job.quote["split"]
    assert (split["net"], split["worker"], split["coop"], split["vat"], split["total"]) == (
        700,
        616,
        84,
        140,
        840,
    )

    a = job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    job.refresh_from_db()
    assert job.status == lifecycle.ASSIGNED
    job_transition(cooperative=coop, job_id=job.pk, transition="depart", actor=driver)
    job.refresh_from_db()
    assert job.status == lifecycle.EN_ROUTE
    job_clock_in(
        cooperative=coop, job_id=job.pk, worker=driver, now=start + dt.timedelta(minutes=5)
    )
    job.refresh_from_db()
    assert job.status == lifecycle.STARTED
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=driver,
        now=start + dt.timedelta(minutes=20),
    )
    job.refresh_from_db()
    assert job.status == lifecycle.COMPLETED
    a.refresh_from_db()
    # Booked ahead: engaged from the clock-in tolerance (60 min) before pick-up, to drop-off:
    # 60 + 20 = 80 min = 4800 s, of which 5 min waiting at pick-up.
    assert (a.engaged_seconds, a.waiting_seconds) == (4800, 300)

    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.status == lifecycle.SETTLED
    # Pay floor: 80 min × 1450/h = 1933.33 → 1933; worker part 616 → top-up 1317.
    r = assert_receipt_same_for_both(coop, job, client, driver)
    assert (r["net"], r["worker"], r["coop"], r["vat"], r["total"], r["topup"]) == (
        700,
        616,
        84,
        140,
        840,
        1317,
    )
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 840,
        ("worker_payable", holder(driver)): -(616 + 1317),
        ("revenue_fees", ""): -84,
        ("tax_vat_payable", ""): -140,
        ("solidarity_fund", ""): 1317,
    }
    assert balance(coop, "worker_payable", holder(driver)) == 1933
    assert trial_balance(cooperative=coop).balanced


# --- Delivery ---------------------------------------------------------------------------------


def book_delivery(coop, client, proof):
    pickup = at(weekday(4), 11)
    job = job_book(cooperative=coop, client=client, request=delivery_request(pickup, proof=proof))
    return job, pickup


# base 350; 2.492 km × 90 = 224.28 → 224; bike 15 km/h: 2492 × 3.6 / 15 = 598.08 → 599 s,
# 9.983 min × 10 = 99.83 → 100; net 674 (≥ minimum 600)
# co-op 674 × 12 % = 80.88 → 81; worker 593; VAT 134.8 → 135; total 809
DELIVERY_SPLIT = (674, 593, 81, 135, 809)


def deliver(coop, job, courier, pickup, **proof):
    job_claim(cooperative=coop, job_id=job.pk, worker=courier)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=courier, now=pickup)
    return job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=courier,
        now=pickup + dt.timedelta(minutes=25),
        **proof,
    )


def settle_and_check_delivery(coop, job, client, courier):
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.status == lifecycle.SETTLED
    r = assert_receipt_same_for_both(coop, job, client, courier)
    # Engaged from 60 min before pick-up to drop-off 25 min after: 85 min = 5100 s;
    # floor 5100 / 3600 × 1450 = 2054.17 → 2054; top-up 2054 − 593 = 1461
    assert (r["net"], r["worker"], r["coop"], r["vat"], r["total"], r["topup"]) == (
        *DELIVERY_SPLIT,
        1461,
    )
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 809,
        ("worker_payable", holder(courier)): -(593 + 1461),
        ("revenue_fees", ""): -81,
        ("tax_vat_payable", ""): -135,
        ("solidarity_fund", ""): 1461,
    }
    assert trial_balance(cooperative=coop).balanced
    return job


def test_delivery_with_a_code(coop):
    client = make_client("shop")
    courier = make_worker(coop, "courier")
    job, pickup = book_delivery(coop, client, "code")
    s = job.quote["split"]
    assert (s["net"], s["worker"], s["coop"], s["vat"], s["total"]) == DELIVERY_SPLIT
    assert job.duration_s == 599
    code = DeliveryDetail.objects.get(job=job).proof_code
    assert len(code) == 4 and code.isdigit()
    job_claim(cooperative=coop, job_id=job.pk, worker=courier)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=courier, now=pickup)
    end = pickup + dt.timedelta(minutes=25)
    wrong = "0000" if code != "0000" else "1111"
    for bad in ("", wrong):
        before = counts()
        with pytest.raises(errors.ProofMissing) as exc:
            job_clock_out(
                cooperative=coop,
                job_id=job.pk,
                code=job.clock_code,
                worker=courier,
                now=end,
                proof_code=bad,
            )
        assert exc.value.code == "proof_missing"
        assert counts() == before
    job.refresh_from_db()
    assert job.status == lifecycle.STARTED
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=courier,
        now=end,
        proof_code=code,
    )
    assert DeliveryDetail.objects.get(job=job).delivered_at == end
    settle_and_check_delivery(coop, job, client, courier)


def test_delivery_with_a_signature(coop):
    client = make_client("florist")
    courier = make_worker(coop, "courier")
    job, pickup = book_delivery(coop, client, "signature")
    with pytest.raises(errors.ProofMissing):
        deliver(coop, job, courier, pickup, proof_text="   ")
    job.refresh_from_db()
    assert job.status == lifecycle.STARTED  # the claim and clock-in stand; the finish does not
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=courier,
        now=pickup + dt.timedelta(minutes=25),
        proof_text="data:image/png;base64,iVBORw0KGgo=",
    )
    assert DeliveryDetail.objects.get(job=job).proof_text == "data:image/png;base64,iVBORw0KGgo="
    settle_and_check_delivery(coop, job, client, courier)


def test_delivery_with_a_photo(coop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = make_client("bakery")
    courier = make_worker(coop, "courier")
    job, pickup = book_delivery(coop, client, "photo")
    with pytest.raises(errors.ProofMissing):
        deliver(coop, job, courier, pickup)  # no photo
    # Not a photo, whatever its name and claimed type say (or an empty file): refused, and the
    # delivery stays under way.
    for name, content in (("door.jpg", b"<html>not a photo</html>"), ("door.pdf", b"%PDF-1.7")):
        bogus = SimpleUploadedFile(name, content, "image/jpeg")
        with pytest.raises(errors.ProofPhotoInvalid):
            job_clock_out(
                cooperative=coop,
                job_id=job.pk,
                worker=courier,
                now=pickup + dt.timedelta(minutes=25),
                proof_file=bogus,
            )
    assert DeliveryDetail.objects.get(job=job).delivered_at is None
    photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff\xe0 a tiny jpeg", "image/jpeg")
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=courier,
        now=pickup + dt.timedelta(minutes=25),
        proof_file=photo,
    )
    detail = DeliveryDetail.objects.get(job=job)
    assert detail.proof_file.name.startswith("proofs/")
    assert detail.proof_file.read() == b"\xff\xd8\xff\xe0 a tiny jpeg"
    settle_and_check_delivery(coop, job, client, courier)


# --- Task -------------------------------------------------------------------------------------


def test_task_fixed_price(coop):
    client = make_client("household")
    cleaner = make_worker(coop, "cleaner")
    start = at(weekday(2), 9)
    job = job_book(cooperative=coop, client=client, request=task_request(start, fixed=12000))
    # fixed 12000: co-op 1440; worker 10560; VAT 2400; total 14400
    s = job.quote["split"]
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [("fixed", 12000)]
    assert (s["net"], s["worker"], s["coop"], s["vat"], s["total"]) == (
        12000,
        10560,
        1440,
        2400,
        14400,
    )
    job_claim(cooperative=coop, job_id=job.pk, worker=cleaner)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=cleaner, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=cleaner,
        now=start + dt.timedelta(hours=4),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # Fixed price: paid the booked worker part even though it took 4 h (floor 4 × 1450 = 5800).
    r = assert_receipt_same_for_both(coop, job, client, cleaner)
    assert (r["net"], r["worker"], r["coop"], r["vat"], r["total"], r["topup"]) == (
        12000,
        10560,
        1440,
        2400,
        14400,
        0,
    )
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 14400,
        ("worker_payable", holder(cleaner)): -10560,
        ("revenue_fees", ""): -1440,
        ("tax_vat_payable", ""): -2400,
    }
    assert trial_balance(cooperative=coop).balanced


def test_task_hourly(coop):
    client = make_client("household")
    handy = make_worker(coop, "handy")
    start = at(weekday(2), 9)
    job = job_book(
        cooperative=coop,
        client=client,
        request=task_request(start, mode="hourly", estimated_hours=Decimal("2.5")),
    )
    # Estimate: 2.5 h × 2800 = 7000 (≥ minimum 2500)
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [("hours", 7000)]
    job_claim(cooperative=coop, job_id=job.pk, worker=handy)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=handy, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=handy,
        now=start + dt.timedelta(hours=3, minutes=15),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # Paid on the hours worked: 3.25 h × 2800 = 9100; co-op 1092; worker 8008; VAT 1820;
    # total 10920. Floor 3.25 × 1450 = 4712.5 < 8008: no top-up.
    r = assert_receipt_same_for_both(coop, job, client, handy)
    assert (r["net"], r["worker"], r["coop"], r["vat"], r["total"], r["topup"]) == (
        9100,
        8008,
        1092,
        1820,
        10920,
        0,
    )
    assert r["workers"][0]["hours"] == "3.25"
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 10920,
        ("worker_payable", holder(handy)): -8008,
        ("revenue_fees", ""): -1092,
        ("tax_vat_payable", ""): -1820,
    }
    assert trial_balance(cooperative=coop).balanced
    assert Assignment.objects.get(job=job).pay_minor == 8008


# --- Pay floor --------------------------------------------------------------------------------


def test_short_ride_with_long_engaged_time_gets_the_exact_topup(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    start = at(weekday(3), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    # The passenger keeps the driver waiting 40 minutes at pick-up; drop-off at start + 60 min.
    job_clock_in(
        cooperative=coop, job_id=job.pk, worker=driver, now=start + dt.timedelta(minutes=40)
    )
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=driver,
        now=start + dt.timedelta(hours=1),
    )
    a = Assignment.objects.get(job=job, worker=driver)
    # Engaged from 60 min before the booked start to drop-off: 2 h = 7200 s, 40 min waiting.
    assert (a.engaged_seconds, a.waiting_seconds) == (7200, 2400)
    fund_before = balance(coop, "solidarity_fund")
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # Floor 2 h × 1450 = 2900; the ride's worker part is 616 → top-up 2900 − 616 = 2284.
    r = receipt(job=job)
    assert (r["worker"], r["topup"]) == (616, 2284)
    assert [(w["worker"], w["pay"], w["topup"], w["engaged_seconds"]) for w in r["workers"]] == [
        (driver.pk, 616, 2284, 7200)
    ]
    a.refresh_from_db()
    assert (a.pay_minor, a.topup_minor) == (616, 2284)
    # The fund pays it (a debit to the equity fund), the worker is owed the floor exactly.
    assert balance(coop, "solidarity_fund") == fund_before - 2284
    assert balance(coop, "worker_payable", holder(driver)) == 2900
    # The client still pays only the ride: 840.
    assert balance(coop, "client_receivable", holder(client)) == 840
    assert trial_balance(cooperative=coop).balanced


def test_ride_accepted_days_ahead_is_not_paid_for_the_days_in_between(coop):
    """Regression: engaged time used to run from the acceptance, so a ride accepted four days
    ahead drew four days of pay floor from the solidarity fund."""
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    start = at(weekday(4), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=driver, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=driver,
        now=start + dt.timedelta(minutes=6),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # 66 min engaged: 3960 / 3600 × 1450 = 1595; top-up 1595 − 616 = 979
    assert Assignment.objects.get(job=job).engaged_seconds == 3960
    assert job.receipt["topup"] == 979


def test_on_demand_ride_counts_from_acceptance(coop):
    """Booked for right now: engaged time runs from the acceptance (travel to pick-up is paid)."""
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    job = job_book(
        cooperative=coop,
        client=client,
        request=ride_request(timezone.now() + dt.timedelta(minutes=10)),
    )
    a = job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    assert a.assigned_at is not None
    end = a.assigned_at + dt.timedelta(minutes=30)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=driver, now=end - dt.timedelta(minutes=8))
    job_clock_out(cooperative=coop, job_id=job.pk, code=job.clock_code, worker=driver, now=end)
    a.refresh_from_db()
    assert a.engaged_seconds == 1800


# --- Minimum paid hours and cancellations -------------------------------------------------------


def test_worker_sent_home_after_one_hour_is_paid_four(coop):
    client = make_client("warehouse")
    worker = make_worker(coop, "packer")
    start = at(weekday(3), 8)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, rate=2000))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    # The client (not a coordinator) sends the worker home: the job completes.
    a = job_send_home(
        cooperative=coop,
        job_id=job.pk,
        worker_id=worker.pk,
        actor=client,
        now=start + dt.timedelta(hours=1),
    )
    assert (a.sent_home_early, a.engaged_seconds) == (True, 3600)
    job.refresh_from_db()
    assert job.status == lifecycle.COMPLETED
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # Paid max(1 h, 4 h) = 4 h × 2000 = 8000; co-op 960; worker 7040; VAT 1600; total 9600
    r = receipt(job=job)
    assert (r["net"], r["worker"], r["coop"], r["vat"], r["total"], r["topup"]) == (
        8000,
        7040,
        960,
        1600,
        9600,
        0,
    )
    assert (r["workers"][0]["hours"], r["workers"][0]["sent_home_early"]) == ("4.00", True)
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 9600,
        ("worker_payable", holder(worker)): -7040,
        ("revenue_fees", ""): -960,
        ("tax_vat_payable", ""): -1600,
    }
    assert trial_balance(cooperative=coop).balanced


def test_minimum_hours_follow_the_parameter_frozen_at_booking(coop):
    parameter_set(
        cooperative=coop,
        key="minimum_paid_hours",
        value=3,
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="statutes art. 14",
        actor=None,
    )
    client = make_client("warehouse")
    worker = make_worker(coop, "packer")
    start = at(weekday(3), 8)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, rate=2000))
    parameter_set(
        cooperative=coop,
        key="minimum_paid_hours",
        value=6,
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="statutes art. 14, amended",
        actor=None,
    )
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_send_home(
        cooperative=coop,
        job_id=job.pk,
        worker_id=worker.pk,
        actor=client,
        now=start + dt.timedelta(hours=1),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # 3 h (booked under the version saying 3) × 2000 = 6000
    assert job.receipt["net"] == 6000


def test_worker_sent_home_after_five_hours_is_paid_five(coop):
    client = make_client("warehouse")
    worker = make_worker(coop, "packer")
    start = at(weekday(3), 8)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, rate=2000))
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_send_home(
        cooperative=coop,
        job_id=job.pk,
        worker_id=worker.pk,
        actor=client,
        now=start + dt.timedelta(hours=5),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    assert job.receipt["net"] == 10000  # 5 h × 2000: the minimum does not cap


def test_shift_cancelled_ten_hours_before_pays_each_worker_the_minimum(coop):
    client = make_client("event")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    start = at(weekday(3), 18)
    job = job_book(
        cooperative=coop, client=client, request=shift_request(start, positions=2, rate=2000)
    )
    for w in (w1, w2):
        job_claim(cooperative=coop, job_id=job.pk, worker=w)
    job = job_cancel(
        cooperative=coop,
        job_id=job.pk,
        actor=client,
        reason="event called off",
        now=start - dt.timedelta(hours=10),
    )
    assert (job.status, job.cancelled_by) == (lifecycle.CANCELLED, "client")
    # Each worker: 4 h × 2000 = 8000; co-op 960; worker 7040; VAT 1600; total 9600
    assert job.cancellation_fee_minor == 16000
    r = receipt(job=job)
    assert (r["kind"], r["net"], r["worker"], r["coop"], r["vat"], r["total"]) == (
        "cancellation",
        16000,
        14080,
        1920,
        3200,
        19200,
    )
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 19200,
        ("worker_payable", holder(w1)): -7040,
        ("worker_payable", holder(w2)): -7040,
        ("revenue_fees", ""): -1920,
        ("tax_vat_payable", ""): -3200,
    }
    assert set(Assignment.objects.filter(job=job).values_list("status", flat=True)) == {
        AssignmentStatus.CANCELLED
    }
    assert Notification.objects.filter(job=job, kind="job.cancelled").count() == 2
    assert trial_balance(cooperative=coop).balanced


def test_shift_cancelled_48_hours_before_pays_nothing(coop):
    client = make_client("event")
    w1 = make_worker(coop, "w1")
    start = at(weekday(4), 18)
    job = job_book(cooperative=coop, client=client, request=shift_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=w1)
    legs_before = counts()["legs"]
    job = job_cancel(
        cooperative=coop, job_id=job.pk, actor=client, now=start - dt.timedelta(hours=48)
    )
    assert (job.status, job.cancellation_fee_minor, job.settlement_id, job.receipt) == (
        lifecycle.CANCELLED,
        0,
        None,
        None,
    )
    assert counts()["legs"] == legs_before
    assert balance(coop, "worker_payable", holder(w1)) == 0
    assert trial_balance(cooperative=coop).balanced


@pytest.mark.parametrize(
    ("late_hours", "before", "minimum_paid"),
    [
        (24, dt.timedelta(hours=24), False),  # exactly 24 h ahead: not late
        (24, dt.timedelta(hours=24) - dt.timedelta(seconds=1), True),  # a second less: late
        (48, dt.timedelta(hours=47, minutes=59), True),  # the co-op's own limit, frozen on it
        (48, dt.timedelta(hours=48), False),
    ],
)
def test_the_late_cancellation_limit_is_the_parameter_to_the_second(
    coop, late_hours, before, minimum_paid
):
    if late_hours != 24:
        parameter_set(
            cooperative=coop,
            key="late_cancellation_hours",
            value=late_hours,
            effective_from=timezone.localdate(),
            source="statutes",
            source_ref="general assembly",
            actor=None,
        )
    client, worker = make_client("event"), make_worker(coop, "w1")
    start = at(weekday(4), 18)
    job = job_book(cooperative=coop, client=client, request=shift_request(start, rate=2000))
    assert job.terms["late_cancellation_hours"]["value"] == late_hours
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job = job_cancel(cooperative=coop, job_id=job.pk, actor=client, now=start - before)
    assert job.status == lifecycle.CANCELLED
    # Late: the 4 hours' minimum at 20.00 is paid; otherwise nothing moves.
    paid = balance(coop, "worker_payable", holder(worker))
    assert paid == (4 * 2000 * 88 // 100 if minimum_paid else 0), paid  # less the commission
    assert trial_balance(cooperative=coop).balanced


def test_ride_cancelled_after_assignment_pays_the_fee_to_the_worker(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    start = at(weekday(3), 10)
    job = job_book(cooperative=coop, client=client, request=ride_request(start))
    job_claim(cooperative=coop, job_id=job.pk, worker=driver)
    job_transition(cooperative=coop, job_id=job.pk, transition="depart", actor=driver)
    job = job_cancel(cooperative=coop, job_id=job.pk, actor=client, reason="changed my mind")
    # Fee 500, all to the worker (no commission); VAT 100; the client owes 600.
    assert job.cancellation_fee_minor == 500
    assert settlement_legs(job) == {
        ("client_receivable", holder(client)): 600,
        ("worker_payable", holder(driver)): -500,
        ("tax_vat_payable", ""): -100,
    }
    r = receipt(job=job)
    assert (r["net"], r["worker"], r["coop"], r["vat"], r["total"]) == (500, 500, 0, 100, 600)
    assert trial_balance(cooperative=coop).balanced


def test_ride_cancelled_before_anyone_took_it_is_free(coop):
    client = make_client("rider")
    job = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 10)))
    job = job_cancel(cooperative=coop, job_id=job.pk, actor=client)
    assert (job.status, job.cancellation_fee_minor, job.settlement_id) == ("cancelled", 0, None)


# --- Time windows are local time ---------------------------------------------------------------


def test_time_windows_use_the_local_time_at_booking_and_at_settlement(coop):
    """A night surcharge (22:00-06:00, Paris time) applies to a shift starting at 22:30 in
    Paris, whatever time zone the start was given in, and the settlement prices the same hours
    the same way."""
    parameter_set(
        cooperative=coop,
        key="pricing_shift",
        value={
            "per_hour": 0,
            "windows": [
                {
                    "code": "night",
                    "weekdays": [0, 1, 2, 3, 4, 5, 6],
                    "start": "22:00:00",
                    "end": "06:00:00",
                    "percent": "25",
                }
            ],
        },
        effective_from=timezone.localdate(),
        source="statutes",
        source_ref="statutes annex 2",
        actor=None,
    )
    client = make_client("club")
    worker = make_worker(coop, "night")
    start = at(weekday(3), 22, 30).astimezone(dt.UTC)  # given in UTC, as an API client might
    job = job_book(cooperative=coop, client=client, request=shift_request(start, hours=4))
    # 4 h × 2000 = 8000; night +25 % = 2000 → 10000
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [
        ("hours", 8000),
        ("time_window", 2000),
    ]
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=4),
    )
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # Settled on the same rules: 10000; co-op 1200; worker 8800; VAT 2000; total 12000
    assert (job.receipt["net"], job.receipt["worker"], job.receipt["total"]) == (10000, 8800, 12000)


def test_a_ride_given_in_utc_at_night_gets_the_night_surcharge(coop):
    start = at(weekday(3), 22, 30).astimezone(dt.UTC)
    job = job_book(cooperative=coop, client=make_client("late"), request=ride_request(start))
    # 684 (see the ride above); night +25 % of 684 = 171 → 855 (above the 700 minimum)
    assert [(line["code"], line["amount"]) for line in job.quote["lines"]] == [
        ("base", 250),
        ("distance", 274),
        ("duration", 160),
        ("time_window", 171),
    ]


# --- Quotes and frozen terms ----------------------------------------------------------------------


def test_job_quote_prices_without_writing(coop):
    request = ride_request(at(weekday(3), 10))
    before = counts()
    q = job_quote(cooperative=coop, request=request)
    assert counts() == before
    job = job_book(cooperative=coop, client=make_client("c"), request=request)
    assert q.as_dict() == job.quote


def test_a_ride_keeps_its_price_and_terms_after_the_rules_change(coop):
    client = make_client("rider")
    driver = make_worker(coop, "driver", vehicle="car")
    job = completed_ride(coop, client, driver)
    assert job.terms["pricing_ride"]["source"] == "default"
    versions = [
        parameter_set(
            cooperative=coop,
            key=key,
            value=value,
            effective_from=timezone.localdate(),
            source="statutes",
            source_ref="general assembly, resolution 7",
            actor=None,
        )
        for key, value in (
            ("commission_rate", "30/100"),
            ("pricing_ride", {"base": 1000, "per_km": 500, "minimum": 5000}),
            ("pay_floor_hourly", 5000),
        )
    ]
    job = job_approve(cooperative=coop, job_id=job.pk, actor=client)
    # Settled as booked: 700 net, 616 to the worker, 84 to the co-op; 69 min engaged at the
    # booked floor: 4140 / 3600 × 1450 = 1667.5 → 1668; top-up 1052.
    assert (job.receipt["net"], job.receipt["worker"], job.receipt["coop"]) == (700, 616, 84)
    assert job.receipt["topup"] == 1052
    # The next ride uses the new rules: 1000 + 2.492 km × 500 = 1246 → 2246 < 5000 → 5000;
    # co-op 30 % = 1500.
    later = job_book(cooperative=coop, client=client, request=ride_request(at(weekday(3), 12)))
    assert (later.quote["split"]["net"], later.quote["split"]["coop"]) == (5000, 1500)
    # Each price traces back to the decision that set its rules.
    for key, version in zip(
        ("commission_rate", "pricing_ride", "pay_floor_hourly"), versions, strict=True
    ):
        assert later.terms[key]["version"] == version.pk
        assert later.terms[key]["ref"] == "general assembly, resolution 7"
        assert job.terms[key]["version"] is None
