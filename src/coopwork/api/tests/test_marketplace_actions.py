"""The happy path of every marketplace endpoint the full paths do not already walk: lists and
filters, the job as each side sees it, cancelling (with its charge), no-shows, double-blind
ratings, messages and notifications, disputes to a decision, hand assignment and the board,
invoices and their PDF, zones, and the worker's profile, availability, earnings and offers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from coopwork.ledger.models import Leg
from coopwork.ledger.selectors import trial_balance
from coopwork.marketplace.models import Assignment, Case, Job, Notification, Statement

from .conftest import Api
from .test_marketplace_world import (  # noqa: F401  (fixtures)
    REPUBLIQUE,
    SECRETS,
    Clock,
    MarketWorld,
    clock_fixture,
    counts,
    later,
    market_fixture,
    ride_body,
    shift_body,
)

KEY = {"Idempotency-Key": "action-1"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json()


def _balanced(world: MarketWorld, job: Job) -> None:
    job.refresh_from_db()
    assert job.settlement_id is not None
    assert (
        sum(Leg.objects.filter(transaction_id=job.settlement_id).values_list("amount", flat=True))
        == 0
    )
    assert trial_balance(cooperative=world.coop).balanced


# --- Lists -------------------------------------------------------------------------------------


def test_job_lists_by_role_status_and_page(market: MarketWorld) -> None:
    open_shift = market.job("open_shift")
    assigned = market.job("assigned_ride")
    settled = market.job("settled_ride")
    client, walter, cora = market.api("client"), market.api("worker"), market.api("coordinator")

    mine = _ok(client.get("/coops/alpha/jobs"))
    assert mine["count"] == 3
    # Latest start first.
    starts = [j["starts_at"] for j in mine["items"]]
    assert starts == sorted(starts, reverse=True)
    assert {j["id"] for j in mine["items"]} == {open_shift.pk, assigned.pk, settled.pk}
    settled_only = _ok(client.get("/coops/alpha/jobs?status=settled"))
    assert [j["id"] for j in settled_only["items"]] == [settled.pk]
    assert settled_only["items"][0]["status_label"] == "settled"
    page = _ok(client.get("/coops/alpha/jobs?page=2&page_size=2"))
    assert page["count"] == 3 and len(page["items"]) == 1

    work = _ok(walter.get("/coops/alpha/jobs?role=worker"))
    assert {j["id"] for j in work["items"]} == {assigned.pk, settled.pk}
    assert _ok(walter.get("/coops/alpha/jobs"))["count"] == 0  # Walter booked nothing
    every = _ok(cora.get("/coops/alpha/jobs?role=coordinator&status=open"))
    assert [j["id"] for j in every["items"]] == [open_shift.pk]
    # In French, the status label follows.
    french = _ok(client.get("/coops/alpha/jobs?status=settled", lang="fr"))
    assert french["items"][0]["status_label"] != "settled"


def test_the_job_as_each_side_sees_it(market: MarketWorld) -> None:
    job = market.job("assigned_ride")
    as_client = _ok(market.api("client").get(f"/coops/alpha/jobs/{job.pk}"))
    assert as_client["roles"] == ["client"]
    assert as_client["client"]["name"] == "Clara Cliente"
    assert [a["worker"]["name"] for a in as_client["assignments"]] == ["Walter Travailleur"]
    assert {t["name"] for t in as_client["transitions"]} == {"cancel", "no_show"}
    assert as_client["cancellation"]["reason"] == "assigned"
    assert as_client["cancellation"]["net"] == {"minor": 500, "currency": "EUR"}
    assert as_client["codes"] == {"clock_code": "", "proof_code": ""}
    assert as_client["receipt"]["kind"] == "quote"
    assert as_client["address"].startswith("10 rue de Rivoli")

    as_worker = _ok(market.api("worker").get(f"/coops/alpha/jobs/{job.pk}"))
    assert as_worker["roles"] == ["worker"]
    assert as_worker["cancellation"] is None and as_worker["codes"] is None
    assert {t["name"] for t in as_worker["transitions"]} == {"depart", "start"}

    # Another worker may look at it (in case the position frees up) but sees nobody on it.
    as_other = _ok(market.api("other_worker").get(f"/coops/alpha/jobs/{job.pk}"))
    assert as_other["roles"] == [] and as_other["can_claim"] is True
    assert as_other["client"] is None and as_other["assignments"] == []
    assert as_other["receipt"] is None and as_other["transitions"] == []
    text = str(as_other)
    assert "Clara" not in text and "Walter" not in text

    as_coordinator = _ok(market.api("coordinator").get(f"/coops/alpha/jobs/{job.pk}"))
    assert as_coordinator["roles"] == ["coordinator"]
    assert "cancel" in {t["name"] for t in as_coordinator["transitions"]}


# --- Cancelling --------------------------------------------------------------------------------


def test_cancelling_an_assigned_ride_charges_the_fee_to_the_worker(market: MarketWorld) -> None:
    job = market.job("assigned_ride")
    client = market.api("client")
    cancelled = _ok(
        client.post(f"/coops/alpha/jobs/{job.pk}/cancel", {"reason": "Plans changed"}, headers=KEY)
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelled_by"] == "client"
    assert cancelled["cancellation_fee"] == {"minor": 500, "currency": "EUR"}
    receipt = cancelled["receipt"]
    assert receipt["kind"] == "cancellation"
    # The whole fee goes to the worker: no commission on a cancellation; VAT on top.
    assert receipt["worker"] == {"minor": 500, "currency": "EUR"}
    assert receipt["coop"] == {"minor": 0, "currency": "EUR"}
    assert receipt["total"] == {"minor": 600, "currency": "EUR"}
    _balanced(market, job)
    # The worker, whose position was cancelled, reads the same receipt.
    assert _ok(market.api("worker").get(f"/coops/alpha/jobs/{job.pk}/receipt")) == receipt
    assert _ok(client.get(f"/coops/alpha/jobs/{job.pk}/receipt")) == receipt


def test_a_shift_cancelled_late_pays_the_minimum_hours(market: MarketWorld) -> None:
    job = market.job("soon_shift")  # starts in ten minutes: less than 24 hours ahead
    cancelled = _ok(
        market.api("coordinator").post(f"/coops/alpha/jobs/{job.pk}/cancel", {}, headers=KEY)
    )
    assert cancelled["cancelled_by"] == "coordinator"
    line = cancelled["receipt"]["workers"][0]
    assert line["hours"] == "4.00"
    assert line["net"] == {"minor": 4 * 2000, "currency": "EUR"}
    _balanced(market, job)


def test_an_open_job_is_cancelled_at_no_charge(market: MarketWorld) -> None:
    job = market.job("open_shift")
    legs = Leg.objects.count()
    cancelled = _ok(
        market.api("client").post(f"/coops/alpha/jobs/{job.pk}/cancel", {}, headers=KEY)
    )
    assert cancelled["cancellation_fee"]["minor"] == 0
    assert cancelled["receipt"]["kind"] == "quote"
    assert Leg.objects.count() == legs


def test_a_worker_who_did_not_come(market: MarketWorld) -> None:
    job = market.job("late_shift")
    walter = market.user("worker")
    state = _ok(
        market.api("client").post(f"/coops/alpha/jobs/{job.pk}/no-show", {"worker_id": walter.pk})
    )
    assert state["status"] == "open"  # the position is free again
    assert Assignment.objects.get(job=job, worker=walter).status == "no_show"


def test_a_draft_is_published_through_its_transition(market: MarketWorld) -> None:
    client, walter = market.api("client"), market.api("worker")
    draft = _ok(client.post("/coops/alpha/jobs", {**shift_body(later(4, 9)), "draft": True}), 201)
    assert draft["status"] == "requested"
    assert {t["name"] for t in draft["transitions"]} == {"publish", "cancel"}
    path = f"/coops/alpha/jobs/{draft['id']}"
    assert walter.get(path).status_code == 404  # workers do not see a draft
    assert draft["id"] not in [
        j["id"] for j in _ok(walter.get("/coops/alpha/work/open-jobs"))["items"]
    ]
    published = _ok(client.post(f"{path}/transitions/publish"))
    assert published["status"] == "open"
    assert draft["id"] in [j["id"] for j in _ok(walter.get("/coops/alpha/work/open-jobs"))["items"]]
    again = client.post(f"{path}/transitions/publish")
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")


def test_nobody_came_for_the_whole_job(market: MarketWorld) -> None:
    job = market.job("late_shift")
    client, coordinator = market.api("client"), market.api("coordinator")
    path = f"/coops/alpha/jobs/{job.pk}"
    assert "no_show" in {t["name"] for t in _ok(client.get(path))["transitions"]}
    before = counts()
    # A transition with its own route (and data) is not made here.
    other = client.post(f"{path}/transitions/cancel")
    assert other.status_code in (400, 422) and other.json()["code"], other.content
    assert counts() == before
    assert _ok(client.post(f"{path}/transitions/no_show"))["status"] == "no_show"
    assert Assignment.objects.get(job=job).status == "no_show"
    refused = client.post(f"{path}/transitions/close_no_show")
    assert refused.status_code == 403 and refused.json()["code"] == "not_your_job"
    assert _ok(coordinator.post(f"{path}/transitions/close_no_show"))["status"] == "cancelled"
    job.refresh_from_db()
    assert (job.cancellation_fee_minor, job.settlement_id) == (0, None)  # nothing charged


# --- Ratings, messages, notifications ----------------------------------------------------------


def test_ratings_are_double_blind(market: MarketWorld) -> None:
    job = market.job("completed_ride")
    client, worker = market.api("client"), market.api("worker")
    path = f"/coops/alpha/jobs/{job.pk}"
    given = _ok(
        client.post(f"{path}/ratings", {"ratee_id": market.user("worker").pk, "score": 5}),
        201,
    )
    assert given["score"] == 5 and given["rater_id"] == market.user("client").pk
    # Hidden from both until the worker rates back.
    assert _ok(worker.get(path))["ratings"] == []
    assert _ok(client.get(path))["ratings"] == []
    _ok(
        worker.post(
            f"{path}/ratings",
            {"ratee_id": market.user("client").pk, "score": 4, "comment": "Kind"},
        ),
        201,
    )
    both = _ok(client.get(path))["ratings"]
    assert sorted(r["score"] for r in both) == [4, 5]
    assert _ok(worker.get(path))["ratings"] == both


def test_messages_and_notifications(market: MarketWorld) -> None:
    job = market.job("assigned_ride")
    client, worker = market.api("client"), market.api("worker")
    path = f"/coops/alpha/jobs/{job.pk}/messages"
    sent = _ok(client.post(path, {"body": "  Ring twice, please.  "}), 201)
    assert sent["body"] == "Ring twice, please."
    assert sent["sender"]["name"] == "Clara Cliente"
    _ok(worker.post(path, {"body": "Will do."}), 201)
    thread = _ok(worker.get(path))
    assert [m["body"] for m in thread] == ["Ring twice, please.", "Will do."]
    assert _ok(market.api("coordinator").get(path)) == thread

    inbox = _ok(worker.get("/coops/alpha/notifications"))
    assert inbox["count"] == 1
    note = inbox["items"][0]
    assert note["kind"] == "job.message" and note["job_id"] == job.pk and note["read_at"] is None
    # Rendered in the reader's language, whatever the writer's.
    assert note["params"] == {"title": job.title, "excerpt": "Ring twice, please."}
    assert note["message"] == f"New message on {job.title}: Ring twice, please."
    french = _ok(worker.get("/coops/alpha/notifications", lang="fr"))["items"][0]
    assert french["message"] == f"Nouveau message sur {job.title}\xa0: Ring twice, please."
    assert _ok(worker.get("/coops/alpha/notifications?unread=true"))["count"] == 1
    assert _ok(worker.post("/coops/alpha/notifications/read", {"ids": [note["id"]]})) == {
        "marked": 1
    }
    assert _ok(worker.get("/coops/alpha/notifications?unread=true"))["count"] == 0
    # The client's own notification, in another co-op: marking all here leaves it unread.
    elsewhere = Notification.objects.create(
        cooperative=market.other, user=market.user("client"), kind="job.message", text="beta"
    )
    # Here: the worker's reply and the claim's "taken" notice.
    assert _ok(client.post("/coops/alpha/notifications/read", {}))["marked"] == 2
    elsewhere.refresh_from_db()
    assert elsewhere.read_at is None
    assert (
        Notification.objects.filter(user=market.user("client"), read_at__isnull=True).count() == 1
    )


# --- Incidents and disputes --------------------------------------------------------------------


def test_a_dispute_heard_and_decided_then_settled(market: MarketWorld) -> None:
    job = market.job("completed_ride")
    client, worker, cora = market.api("client"), market.api("worker"), market.api("coordinator")
    case = _ok(
        client.post(
            f"/coops/alpha/jobs/{job.pk}/cases",
            {"kind": "dispute", "summary": "Wrong route", "statement": "It took a detour."},
        ),
        201,
    )
    assert case["status"] == "open" and case["kind"] == "dispute"
    assert [s["side"] for s in case["statements"]] == ["client"]
    assert _ok(client.get(f"/coops/alpha/jobs/{job.pk}"))["status"] == "disputed"
    statement = _ok(
        worker.post(
            f"/coops/alpha/cases/{case['id']}/statements", {"text": "Roadworks on the quay."}
        ),
        201,
    )
    assert statement["side"] == "worker"
    decided = _ok(
        cora.post(
            f"/coops/alpha/cases/{case['id']}/decide",
            {"outcome": "uphold", "decision": "Roadworks confirmed; the fare stands."},
        )
    )
    assert decided["status"] == "decided" and decided["outcome"] == "uphold"
    assert [s["side"] for s in decided["statements"]] == ["client", "worker"]
    detail = _ok(client.get(f"/coops/alpha/jobs/{job.pk}"))
    assert detail["status"] == "settled"
    assert detail["cases"][0]["decision"].startswith("Roadworks confirmed")
    _balanced(market, job)


def test_an_incident_reported_by_the_worker(market: MarketWorld) -> None:
    job = market.job("started_ride")
    case = _ok(
        market.api("worker").post(
            f"/coops/alpha/jobs/{job.pk}/cases",
            {"kind": "incident", "summary": "Flat tyre", "statement": "Ten minutes lost."},
        ),
        201,
    )
    assert case["opened_by"]["name"] == "Walter Travailleur"
    assert _ok(market.api("worker").get(f"/coops/alpha/jobs/{job.pk}"))["status"] == "started"


def _upload(
    api: Api, path: str, fields: dict[str, Any], name: str, content: bytes, lang: str = "en"
):
    evidence = SimpleUploadedFile(name, content, "application/octet-stream")
    return api.client.post(
        f"/api/v1{path}", {**fields, "evidence": evidence}, headers={"Accept-Language": lang}
    )


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_evidence_attached_to_a_case_and_a_statement(
    market: MarketWorld, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = market.job("completed_ride")
    client, worker = market.api("client"), market.api("worker")
    fields = {"kind": "dispute", "summary": "Dented door", "statement": "See the photo."}
    case = _ok(
        _upload(client, f"/coops/alpha/jobs/{job.pk}/cases/with-evidence", fields, "d.png", PNG),
        201,
    )
    assert case["kind"] == "dispute" and case["statements"][0]["has_evidence"] is True
    assert _ok(client.get(f"/coops/alpha/jobs/{job.pk}"))["status"] == "disputed"
    statement = _ok(
        _upload(
            worker,
            f"/coops/alpha/cases/{case['id']}/statements/with-evidence",
            {"text": "The dent was there before: my check-in report."},
            "report.pdf",
            PDF,
        ),
        201,
    )
    assert statement["side"] == "worker" and statement["has_evidence"] is True
    stored = Statement.objects.get(pk=statement["id"])
    assert stored.evidence.read() == PDF
    assert Statement.objects.get(pk=case["statements"][0]["id"]).evidence.read() == PNG


def test_evidence_refused_with_a_clear_code_and_nothing_written(
    market: MarketWorld, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = market.job("completed_ride")
    client = market.api("client")
    path = f"/coops/alpha/jobs/{job.pk}/cases/with-evidence"
    fields = {"kind": "incident", "summary": "Scratch", "statement": "A scratch."}
    before = (Case.objects.count(), Statement.objects.count())
    cases = [
        ("big.pdf", PDF + b"0" * 10_000_000, 413, "evidence_too_large"),
        ("run.exe", b"MZ\x90\x00 not a picture", 415, "evidence_type_not_allowed"),
        ("fake.jpg", b"<html>not a jpeg</html>", 415, "evidence_type_not_allowed"),
        ("empty.png", b"", 415, "evidence_type_not_allowed"),
    ]
    for name, content, status, code in cases:
        english = _upload(client, path, fields, name, content)
        assert (english.status_code, english.json()["code"]) == (status, code), name
        french = _upload(client, path, fields, name, content, lang="fr")
        assert french.json()["code"] == code
        assert french.json()["message"] != english.json()["message"]
    # No file, or no statement: the request itself is invalid.
    missing = client.client.post(f"/api/v1{path}", fields)
    assert missing.status_code == 422
    no_text = _upload(client, path, {"kind": "incident", "summary": "x"}, "d.png", PNG)
    assert no_text.status_code == 422
    assert (Case.objects.count(), Statement.objects.count()) == before
    assert not list(tmp_path.rglob("*.*"))  # no file kept either
    assert _ok(client.get(f"/coops/alpha/jobs/{job.pk}"))["status"] == "completed"


# --- Coordination ------------------------------------------------------------------------------


def test_assigning_and_reassigning_by_hand_on_the_board(market: MarketWorld) -> None:
    job = market.job("open_ride")
    cora = market.api("coordinator")
    otto, walter = market.user("other_worker"), market.user("worker")
    given = _ok(cora.post(f"/coops/alpha/jobs/{job.pk}/assign", {"worker_id": otto.pk}))
    assert given["manual"] is True and given["worker"]["id"] == otto.pk
    swapped = _ok(
        cora.post(
            f"/coops/alpha/jobs/{job.pk}/assign",
            {"worker_id": walter.pk, "replace_worker_id": otto.pk},
        )
    )
    assert swapped["worker"]["id"] == walter.pk and swapped["slot"] == 1
    board = _ok(cora.get("/coops/alpha/coordination/board"))
    columns = {c["status"]: c for c in board["columns"]}
    assert [j["id"] for j in columns["assigned"]["jobs"]] == [job.pk]
    assert [w["worker"]["id"] for w in columns["assigned"]["jobs"][0]["workers"]] == [walter.pk]
    assert columns["assigned"]["jobs"][0]["assignable"] is True
    # Walter was told; Otto's position was taken back.
    assert Notification.objects.filter(user=walter, kind="job.assigned").count() == 1
    assert Assignment.objects.get(job=job, worker=otto).status == "removed"


def test_invoices_issued_listed_and_printed(market: MarketWorld) -> None:
    job = market.job("settled_ride")
    cora, client = market.api("coordinator"), market.api("client")
    day = job.starts_at.date()
    invoice = _ok(
        cora.post(
            "/coops/alpha/invoices",
            {
                "client_id": market.user("client").pk,
                "period_start": day.replace(day=1).isoformat(),
                "period_end": day.isoformat(),
            },
            headers=KEY,
        ),
        201,
    )
    assert invoice["number"] == 1
    assert [line["job_id"] for line in invoice["lines"]] == [job.pk]
    assert invoice["total"] == {"minor": job.receipt["total"], "currency": "EUR"}
    assert invoice["net"]["minor"] + invoice["vat"]["minor"] == invoice["total"]["minor"]
    assert _ok(client.get("/coops/alpha/invoices"))["items"] == [invoice]
    assert _ok(market.api("board").get("/coops/alpha/invoices"))["items"] == [invoice]
    assert _ok(market.api("stranger").get("/coops/alpha/invoices"))["count"] == 0
    pdf = client.get(f"/coops/alpha/invoices/{invoice['id']}.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_zones_added_and_listed(market: MarketWorld) -> None:
    lyon = [[45.70, 4.77], [45.70, 4.93], [45.80, 4.93], [45.80, 4.77]]
    added = _ok(
        market.api("board").post(
            "/coops/alpha/zones", {"code": " Lyon ", "name": "Lyon", "polygon": lyon}
        ),
        201,
    )
    assert added == {"code": "lyon", "name": "Lyon", "polygon": lyon}
    listed = _ok(Api().get("/coops/alpha/zones"))
    assert [z["code"] for z in listed] == ["lyon", "paris"]
    # A ride can now start in Lyon.
    body = ride_body(
        later(4, 10),
        pickup={"address": "Place Bellecour, Lyon", "lat": 45.7578, "lon": 4.8320},
        dropoff={"address": "Part-Dieu, Lyon", "lat": 45.7606, "lon": 4.8593},
    )
    booked = _ok(market.api("client").post("/coops/alpha/jobs", body), 201)
    assert booked["zone"]["code"] == "lyon"


# --- The worker area ---------------------------------------------------------------------------


def test_profile_and_availability(market: MarketWorld) -> None:
    walter = market.api("worker")
    profile = _ok(walter.get("/coops/alpha/work/profile"))
    assert profile["vehicle"] == "car" and profile["skills"] == ["service"]
    assert profile["calendar_url"].startswith("/c/alpha/calendar/")
    saved = _ok(
        walter.put(
            "/coops/alpha/work/profile",
            {
                "skills": [" Bar ", "service", "bar"],
                "vehicle": "cargo_bike",
                "capacity_kg": 80,
                "seats": 0,
                "zones": ["paris"],
            },
        )
    )
    assert saved["skills"] == ["bar", "service"]
    assert saved["vehicle"] == "cargo_bike" and saved["zones"] == ["paris"]
    week = _ok(
        walter.put(
            "/coops/alpha/work/availability",
            {
                "weekly": [
                    {"weekday": 0, "start": "09:00", "end": "13:00"},
                    {"weekday": 2, "start": "14:00:00", "end": "18:30"},
                ],
                "exceptions": [
                    {"date": "2031-01-01", "available": False, "note": "New Year"},
                    {"date": "2031-01-04", "available": True, "start": "10:00", "end": "12:00"},
                ],
            },
        )
    )
    assert week["weekly"] == [
        {"weekday": 0, "start": "09:00:00", "end": "13:00:00"},
        {"weekday": 2, "start": "14:00:00", "end": "18:30:00"},
    ]
    assert [e["date"] for e in week["exceptions"]] == ["2031-01-01", "2031-01-04"]
    # Leaving exceptions out keeps them.
    kept = _ok(walter.put("/coops/alpha/work/availability", {"weekly": []}))
    assert kept["weekly"] == [] and len(kept["exceptions"]) == 2
    # A new worker saves a first profile.
    newcomer = market.user("stranger")
    from coopwork.core.services import role_grant

    role_grant(cooperative=market.coop, user=newcomer, role="worker", actor=None)
    nora = market.api("stranger")
    assert nora.get("/coops/alpha/work/profile").json()["code"] == "not_a_worker"
    first = _ok(nora.put("/coops/alpha/work/profile", {"vehicle": "bike"}))
    assert first["vehicle"] == "bike" and first["skills"] == []


def test_open_jobs_offers_and_earnings(market: MarketWorld) -> None:
    open_shift = market.job("open_shift")
    offer = market.job("offer")  # on the open ride
    market.job("settled_ride")
    walter, otto = market.api("worker"), market.api("other_worker")
    open_jobs = _ok(otto.get("/coops/alpha/work/open-jobs"))
    assert {j["id"] for j in open_jobs["items"]} == {open_shift.pk, offer.job_id}
    refused = _ok(walter.post(f"/coops/alpha/offers/{offer.pk}/refuse"))
    assert refused["status"] == "refused"
    assert refused["job"]["id"] == offer.job_id
    assert _ok(walter.get("/coops/alpha/work/offers")) == []
    earnings = _ok(walter.get("/coops/alpha/work/earnings"))
    assert earnings["jobs"] == 1
    assert earnings["total"]["minor"] == earnings["pay"]["minor"] + earnings["topup"]["minor"]
    periods = _ok(walter.get("/coops/alpha/work/earnings/periods?period=week&count=2"))
    assert len(periods) == 2
    assert all(set(p) == {"start", "jobs", "engaged_seconds", "pay", "topup"} for p in periods)
    months = _ok(walter.get("/coops/alpha/work/earnings/periods?period=month&count=3"))
    assert [dt.date.fromisoformat(p["start"]).day for p in months] == [1, 1, 1]
    assert _ok(otto.get("/coops/alpha/work/earnings"))["jobs"] == 0


def test_a_quote_is_the_price_booking_freezes(market: MarketWorld) -> None:
    client = market.api("client")
    body = shift_body(later(5, 22), positions=2)  # a night shift: the night surcharge applies
    before = counts()
    quote = _ok(client.post("/coops/alpha/quotes", body))
    assert counts() == before
    assert {line["code"] for line in quote["lines"]} >= {"hours"}
    booked = _ok(client.post("/coops/alpha/jobs", body), 201)
    assert booked["quote"] == quote
    assert booked["positions"] == 2
    assert booked["receipt"]["booked"] == quote
    assert booked["address"] == REPUBLIQUE["address"]


def test_no_secret_reaches_a_stranger_anywhere(market: MarketWorld) -> None:
    """Everything a stranger may call answers without a word about the world's jobs."""
    for name in ("settled_ride", "assigned_ride", "invoice", "case", "offer"):
        market.job(name)
    nora = market.api("stranger")
    for path in (
        "/coops/alpha/jobs",
        "/coops/alpha/jobs?role=worker",
        "/coops/alpha/invoices",
        "/coops/alpha/notifications",
        "/coops/alpha/zones",
    ):
        text = nora.get(path).content.decode()
        for secret in SECRETS:
            assert secret not in text, (path, secret)
