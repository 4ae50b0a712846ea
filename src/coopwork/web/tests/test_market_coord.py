"""The coordinator board: live list by status, assigning by hand, deciding cases and issuing
business invoices as PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coopwork import testing
from coopwork.core.money import Money
from coopwork.marketplace.models import Assignment, Case, Invoice
from coopwork.marketplace.services import (
    case_open,
    case_statement_add,
    job_approve,
    job_claim,
    job_clock_in,
    job_clock_out,
)

from . import market_builders as mb
from .conftest import htmx
from .pdf import assert_pdf_contains

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(coop):
    return mb.client_user(coop, "owner")


@pytest.fixture
def nora(coop):
    return mb.coordinator(coop, "nora")


@pytest.fixture
def coordinating(nora, login):
    return login(nora)


def settled_shift(coop, owner, worker):
    start = mb.soon(5)
    job = mb.shift(coop, owner, start)
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=2),
    )
    job_approve(cooperative=coop, job_id=job.pk, actor=owner)
    return job


def test_board_needs_the_coordinator_role(coop, other_coop, login, client):
    assert login(testing.make_user("plain")).get("/c/alpha/coord/").status_code == 403
    assert login(mb.coordinator(other_coop, "othercoord")).get("/c/alpha/coord/").status_code == 403
    assert client.get("/c/alpha/coord/").status_code == 302


def test_board_lists_jobs_by_status_and_refreshes(coop, owner, coordinating):
    ride = mb.ride(coop, owner)
    shift = mb.shift(coop, owner)
    html = coordinating.get("/c/alpha/coord/").content.decode()
    assert ride.reference in html and shift.reference in html
    assert 'data-live-ws="/ws/events/"' in html and "/c/alpha/coord/live/" in html
    fragment = coordinating.get("/c/alpha/coord/live/", **htmx()).content.decode()
    assert 'id="col-open"' in fragment and ride.reference in fragment
    assert "2 jobs in progress or to fill." in fragment


def test_assign_and_reassign_by_hand(coop, owner, coordinating):
    first = mb.worker(coop, "first")
    second = mb.worker(coop, "second")
    job = mb.ride(coop, owner)
    response = coordinating.post(f"/c/alpha/coord/jobs/{job.pk}/assign/", {"worker": first.pk})
    assert response.status_code == 302
    assignment = Assignment.objects.get(job=job, status="active")
    assert assignment.worker == first and assignment.manual
    response = coordinating.post(
        f"/c/alpha/coord/jobs/{job.pk}/assign/",
        {"worker": second.pk, "replace": first.pk},
        follow=True,
    )
    assert "second now holds a position" in response.content.decode()
    assert Assignment.objects.get(job=job, status="active").worker == second


def test_assigning_a_non_worker_is_refused_and_writes_nothing(coop, owner, coordinating):
    job = mb.ride(coop, owner)
    before = mb.rows()
    response = coordinating.post(
        f"/c/alpha/coord/jobs/{job.pk}/assign/", {"worker": owner.pk}, **htmx()
    )
    assert response.status_code == 403
    assert response["HX-Retarget"] == f"#board-job-{job.pk}-errors"
    assert mb.rows() == before


def test_only_coordinators_assign(coop, owner, login):
    worker = mb.worker(coop, "w")
    job = mb.ride(coop, owner)
    before = mb.rows()
    response = login(worker).post(f"/c/alpha/coord/jobs/{job.pk}/assign/", {"worker": worker.pk})
    assert response.status_code == 403
    assert mb.rows() == before


def _disputed_shift(coop, owner, worker):
    """A one-hour timesheet on a four-hour shift, disputed by its client."""
    start = mb.soon(5)
    job = mb.shift(coop, owner, start)
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=1),
    )
    case = case_open(
        cooperative=coop, job_id=job.pk, actor=owner, kind="dispute", summary="Short",
        statement="Left after an hour.",
    )  # fmt: skip
    return job, case


def test_a_dispute_waits_for_the_workers_statement(coop, owner, coordinating, login):
    worker = mb.worker(coop, "w")
    job, case = _disputed_shift(coop, owner, worker)
    html = coordinating.get("/c/alpha/coord/").content.decode()
    assert "Left after an hour." in html and f"/c/alpha/coord/cases/{case.pk}/decide/" in html
    assert "data-case-waiting" in html and "Waiting for the statement of w:" in html
    before = mb.rows()
    response = coordinating.post(
        f"/c/alpha/coord/cases/{case.pk}/decide/",
        {"outcome": "uphold", "decision": "Too soon."},
        **htmx(),
    )
    assert response.status_code == 409
    assert "Not every side has been heard yet." in response.content.decode()
    assert mb.rows() == before
    french = coordinating.get("/c/alpha/coord/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "En attente de la déclaration de w\xa0:" in french
    # The job's page tells the people on it until when they may answer.
    page = login(worker).get(f"/c/alpha/jobs/{job.pk}/").content.decode()
    assert "Everyone on the job may give their side until" in page
    login(worker).post(
        f"/c/alpha/jobs/{job.pk}/cases/{case.pk}/statement/", {"text": "I was sent home."}
    )
    html = coordinating.get("/c/alpha/coord/").content.decode()
    assert "Every side has been heard." in html and "data-case-waiting" not in html


def test_decide_a_dispute(coop, owner, coordinating):
    worker = mb.worker(coop, "w")
    job, case = _disputed_shift(coop, owner, worker)
    case_statement_add(cooperative=coop, case_id=case.pk, actor=worker, text="Sent home.")
    response = coordinating.post(
        f"/c/alpha/coord/cases/{case.pk}/decide/", {"outcome": "uphold", "decision": ""}
    )
    assert response.status_code == 400  # reasons are required
    response = coordinating.post(
        f"/c/alpha/coord/cases/{case.pk}/decide/",
        {"outcome": "uphold", "decision": "The timesheet shows one hour, paid as such."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    job.refresh_from_db()
    assert case.status == "decided" and job.status == "settled"
    assert "adjustment" not in job.receipt
    assert Case.objects.filter(status="open").count() == 0


def test_decide_a_dispute_with_an_adjusted_price(coop, owner, coordinating, login):
    worker = mb.worker(coop, "w")
    job, case = _disputed_shift(coop, owner, worker)
    case_statement_add(cooperative=coop, case_id=case.pk, actor=worker, text="Sent home.")
    html = coordinating.get("/c/alpha/coord/").content.decode()
    assert f'id="adjusted-{case.pk}" type="number" name="adjusted_price"' in html
    booked = Money(job.quote["split"]["net"], "EUR").localized("en")
    assert f"Booked at {booked} before VAT." in html
    decide = f"/c/alpha/coord/cases/{case.pk}/decide/"
    before = mb.rows()
    # Without a price, with a price too high, or a price with "the job stands": refused.
    for data, status, code in [
        ({"outcome": "adjust"}, 400, "Give the adjusted price of the job, before VAT."),
        ({"outcome": "adjust", "adjusted_price": "1000.00"}, 400, "must be between €0.00 and"),
        ({"outcome": "adjust", "adjusted_price": "-1"}, 400, "must be between €0.00 and"),
        ({"outcome": "uphold", "adjusted_price": "15"}, 409, "An adjusted price goes only"),
    ]:
        response = coordinating.post(decide, {"decision": "Reasons.", **data}, **htmx())
        assert response.status_code == status, data
        assert code in response.content.decode(), data
    assert mb.rows() == before
    response = coordinating.post(
        decide,
        {"outcome": "adjust", "adjusted_price": "15.00", "decision": "Sent home early."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    job.refresh_from_db()
    assert (case.outcome, case.adjusted_net_minor, job.status) == ("adjust", 1500, "settled")
    assert job.receipt["net"] == 1500 and job.receipt["total"] == 1800
    # Both sides see the same receipt, with the adjustment on it.
    before_net = Money(job.receipt["adjustment"]["net_before"], "EUR").localized("en")
    for user in (owner, worker):
        page = login(user).get(f"/c/alpha/jobs/{job.pk}/").content.decode()
        assert "data-receipt-adjustment" in page
        assert (
            f"Price adjusted by a coordinator's decision on a dispute: {before_net} before "
            "VAT became €15.00 (the client pays €18.00 instead of"
        ) in page


def test_invoice_issue_and_pdf(coop, owner, coordinating, login):
    worker = mb.worker(coop, "w")
    job = settled_shift(coop, owner, worker)
    html = coordinating.get("/c/alpha/coord/").content.decode()
    assert f'<option value="{owner.pk}">' in html
    today = timezone.localdate()
    period = {
        "client": owner.pk,
        "period_start": (today - dt.timedelta(days=30)).isoformat(),
        "period_end": (today + dt.timedelta(days=1)).isoformat(),
    }
    response = coordinating.post("/c/alpha/coord/invoices/", period, follow=True)
    assert "Invoice № 1 issued" in response.content.decode()
    invoice = Invoice.objects.get()
    response = coordinating.get(f"/c/alpha/invoices/{invoice.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF-")
    assert_pdf_contains(content, job.reference)
    # The client finds it among their bookings and downloads it; another client may not.
    owning = login(owner)
    listing = owning.get("/c/alpha/jobs/").content.decode()
    assert f"/c/alpha/invoices/{invoice.pk}.pdf" in listing and "My invoices" in listing
    assert owning.get(f"/c/alpha/invoices/{invoice.pk}.pdf").status_code == 200
    other = login(mb.client_user(coop, "otherclient"))
    assert other.get(f"/c/alpha/invoices/{invoice.pk}.pdf").status_code == 403
    # The same period again overlaps: refused, nothing written.
    before = mb.rows()
    response = coordinating.post("/c/alpha/coord/invoices/", period, **htmx())
    assert response.status_code == 409 and response["HX-Retarget"] == "#invoice-errors"
    assert mb.rows() == before


def test_nothing_to_invoice(coop, owner, coordinating):
    today = timezone.localdate().isoformat()
    response = coordinating.post(
        "/c/alpha/coord/invoices/",
        {"client": owner.pk, "period_start": today, "period_end": today},
    )
    assert response.status_code == 400
    assert "no settled jobs in that period" in response.content.decode()
    assert Invoice.objects.count() == 0
