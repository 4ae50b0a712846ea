"""Invoices (gapless numbers, PDF) and the workers' iCalendar feeds."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.utils import timezone
from icalendar import Calendar

from coopwork.core.errors import CoopError
from coopwork.marketplace.documents import invoice_pdf, worker_calendar_ics
from coopwork.marketplace.models import Invoice, WorkerProfile
from coopwork.marketplace.selectors import calendar_profile, invoices
from coopwork.marketplace.services import (
    invoice_issue,
    job_approve,
    job_book,
    job_cancel,
    job_claim,
    job_clock_in,
    job_clock_out,
    job_release,
)

from .helpers import (
    at,
    counts,
    make_client,
    make_coordinator,
    make_worker,
    shift_request,
    weekday,
)

pytestmark = pytest.mark.django_db


def settled_shift(coop, client, worker, start, hours=4, business=True):
    job = job_book(
        cooperative=coop,
        client=client,
        business=business,
        request=shift_request(start, hours=hours),
    )
    job_claim(cooperative=coop, job_id=job.pk, worker=worker)
    job_clock_in(cooperative=coop, job_id=job.pk, worker=worker, code=job.clock_code, now=start)
    job_clock_out(
        cooperative=coop,
        job_id=job.pk,
        code=job.clock_code,
        worker=worker,
        now=start + dt.timedelta(hours=hours),
    )
    return job_approve(cooperative=coop, job_id=job.pk, actor=client)


@pytest.fixture
def billed(coop):
    """Client A: two settled shifts and a late cancellation; client B: one shift."""
    a, b = make_client("acme"), make_client("bolt")
    w1, w2 = make_worker(coop, "w1"), make_worker(coop, "w2")
    day1, day2 = weekday(3), weekday(5)
    j1 = settled_shift(coop, a, w1, at(day1, 9), hours=4)  # 8000 net, 1600 VAT, 9600
    j2 = settled_shift(coop, a, w2, at(day2, 9), hours=6)  # 12000 net, 2400 VAT, 14400
    late = job_book(cooperative=coop, client=a, business=True, request=shift_request(at(day2, 18)))
    job_claim(cooperative=coop, job_id=late.pk, worker=w1)
    # 10 h before: 4 h minimum × 2000 = 8000 net, 1600 VAT, 9600
    job_cancel(cooperative=coop, job_id=late.pk, actor=a, now=at(day2, 18) - dt.timedelta(hours=10))
    # Booked but not settled: not invoiced.
    job_book(cooperative=coop, client=a, business=True, request=shift_request(at(day2, 7)))
    # Settled, but booked privately (not as the business): not on the business's invoice.
    settled_shift(coop, a, w2, at(day1, 18), hours=2, business=False)
    jb = settled_shift(coop, b, w2, at(day1, 14), hours=2)  # 4000 net, 800 VAT, 4800
    return {"a": a, "b": b, "jobs": (j1, j2, late, jb), "start": day1, "end": day2}


def issue(coop, client, start, end, actor=None):
    return invoice_issue(
        cooperative=coop, client_id=client.pk, period_start=start, period_end=end, actor=actor
    )


def refused(code, **kwargs):
    before = (counts(), Invoice.objects.count())
    with pytest.raises(CoopError) as exc:
        invoice_issue(**kwargs)
    assert exc.value.code == code
    assert (counts(), Invoice.objects.count()) == before


def test_invoice_lines_and_totals(coop, billed):
    coordinator = make_coordinator(coop, "coord")
    inv = issue(coop, billed["a"], billed["start"], billed["end"], actor=coordinator)
    j1, j2, late, _ = billed["jobs"]
    assert inv.number == 1
    assert [(line["job"], line["net"], line["vat"], line["total"]) for line in inv.lines] == [
        (j1.pk, 8000, 1600, 9600),
        (j2.pk, 12000, 2400, 14400),
        (late.pk, 8000, 1600, 9600),
    ]
    assert [line["status"] for line in inv.lines] == ["settled", "settled", "cancelled"]
    # 8000 + 12000 + 8000 = 28000 net; 5600 VAT; 33600 total
    assert (inv.net_minor, inv.vat_minor, inv.total_minor, inv.currency) == (
        28000,
        5600,
        33600,
        "EUR",
    )
    assert [i.pk for i in invoices(cooperative=coop, client=billed["a"])] == [inv.pk]


def test_numbers_are_gapless_per_coop(coop, other_coop, billed):
    start, end = billed["start"], billed["end"]
    first = issue(coop, billed["a"], start, end)
    # A refused invoice does not use a number.
    refused(
        "nothing_to_invoice",
        cooperative=coop,
        client_id=billed["a"].pk,
        period_start=end + dt.timedelta(days=30),
        period_end=end + dt.timedelta(days=31),
        actor=None,
    )
    second = issue(coop, billed["b"], start, end)
    assert (first.number, second.number) == (1, 2)
    # Another co-op counts from 1.
    c = make_client("gamma")
    w = make_worker(other_coop, "w")
    settled_shift(other_coop, c, w, at(start, 9))
    assert issue(other_coop, c, start, end).number == 1


def test_a_period_is_invoiced_once(coop, billed):
    start, end = billed["start"], billed["end"]
    issue(coop, billed["a"], start, end)
    refused(
        "invoice_exists",
        cooperative=coop,
        client_id=billed["a"].pk,
        period_start=start,
        period_end=end,
        actor=None,
    )


def test_an_overlapping_period_is_refused(coop, billed):
    """Regression: only the exact same period was refused, so an overlapping one billed the
    jobs in the overlap a second time."""
    start, end = billed["start"], billed["end"]
    issue(coop, billed["a"], start, end)
    refused(
        "invoice_exists",
        cooperative=coop,
        client_id=billed["a"].pk,
        period_start=end,
        period_end=end + dt.timedelta(days=30),
        actor=None,
    )
    refused(
        "invoice_exists",
        cooperative=coop,
        client_id=billed["a"].pk,
        period_start=start - dt.timedelta(days=3),
        period_end=start,
        actor=None,
    )
    # The next period, after the end, is fine (if it has jobs).
    refused(
        "nothing_to_invoice",
        cooperative=coop,
        client_id=billed["a"].pk,
        period_start=end + dt.timedelta(days=1),
        period_end=end + dt.timedelta(days=30),
        actor=None,
    )


def test_bad_periods_and_authors(coop, billed):
    start, end = billed["start"], billed["end"]
    refused(
        "times_invalid",
        cooperative=coop,
        client_id=billed["a"].pk,
        period_start=end,
        period_end=start,
        actor=None,
    )
    refused(
        "permission_denied",
        cooperative=coop,
        client_id=billed["a"].pk,
        period_start=start,
        period_end=end,
        actor=billed["a"],
    )


def test_invoice_pdf(coop, billed, tmp_path):
    inv = issue(coop, billed["a"], billed["start"], billed["end"])
    pdf = invoice_pdf(invoice=inv)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "ALPHA-00001" in text
    assert "€336.00" in text  # the total, 33600 cents
    assert "€280.00" in text and "€56.00" in text  # net and VAT
    assert "acme" in text


def test_worker_calendar_lists_the_workers_shifts(coop):
    client = make_client("c")
    w, other = make_worker(coop, "w"), make_worker(coop, "other")
    s1, s2 = at(weekday(2), 9), at(weekday(4), 14)
    mine = [
        job_book(cooperative=coop, client=client, request=shift_request(s, hours=4))
        for s in (s1, s2)
    ]
    theirs = job_book(cooperative=coop, client=client, request=shift_request(s1, hours=4))
    given_back = job_book(cooperative=coop, client=client, request=shift_request(s2, hours=2))
    for job in mine:
        job_claim(cooperative=coop, job_id=job.pk, worker=w)
    job_claim(cooperative=coop, job_id=theirs.pk, worker=other)
    job_claim(cooperative=coop, job_id=given_back.pk, worker=w)
    job_release(cooperative=coop, job_id=given_back.pk, worker=w)

    profile = WorkerProfile.objects.get(cooperative=coop, user=w)
    assert calendar_profile(token=profile.calendar_token) == profile
    assert calendar_profile(token="") is None
    assert calendar_profile(token="nope") is None
    cal = Calendar.from_ical(worker_calendar_ics(profile=profile))
    events = cal.walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [s1, s2]
    assert [e.decoded("dtend") for e in events] == [
        s1 + dt.timedelta(hours=4),
        s2 + dt.timedelta(hours=4),
    ]
    assert [str(e["summary"]) for e in events] == ["Waiter", "Waiter"]
    assert [str(e["location"]) for e in events] == ["10 rue de Rivoli, Paris"] * 2
    assert {str(e["uid"]).split("-")[1] for e in events} == {str(j.pk) for j in mine}
    assert all(str(e["status"]) == "CONFIRMED" for e in events)
    assert str(cal["x-wr-calname"]) == "Alpha Coop — w"
    assert timezone.now() < s1
