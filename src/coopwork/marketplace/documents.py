"""Documents of the marketplace: invoice PDFs and workers' iCalendar feeds."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event

from coopwork.core.money import Money

from .models import Assignment, AssignmentStatus, Invoice, WorkerProfile


def invoice_pdf(*, invoice: Invoice) -> bytes:
    from weasyprint import HTML

    lines = [
        {
            **line,
            "net_m": Money(line["net"], invoice.currency),
            "vat_m": Money(line["vat"], invoice.currency),
            "total_m": Money(line["total"], invoice.currency),
        }
        for line in invoice.lines
    ]
    html = render_to_string(
        "marketplace/invoice.html",
        {
            "invoice": invoice,
            "coop": invoice.cooperative,
            "lines": lines,
            "net": Money(invoice.net_minor, invoice.currency),
            "vat": Money(invoice.vat_minor, invoice.currency),
            "total": Money(invoice.total_minor, invoice.currency),
            "generated_at": timezone.now(),
        },
    )
    return bytes(HTML(string=html).write_pdf())


def worker_calendar_ics(*, profile: WorkerProfile) -> bytes:
    """The worker's upcoming and recent jobs as an iCalendar feed."""
    cal = Calendar()
    cal.add("prodid", "-//coopwork//shifts//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{profile.cooperative.name} — {profile.user.get_username()}")
    since = timezone.now() - dt.timedelta(days=30)
    for a in (
        Assignment.objects.select_related("job")
        .filter(
            worker_id=profile.user_id,
            job__cooperative_id=profile.cooperative_id,
            status=AssignmentStatus.ACTIVE,
            job__starts_at__gte=since,
        )
        .order_by("job__starts_at")
    ):
        job = a.job
        event = Event()
        event.add("uid", f"job-{job.pk}-{a.pk}@coopwork")
        event.add("summary", job.title)
        event.add("dtstart", job.starts_at)
        event.add("dtend", job.ends_at)
        event.add("dtstamp", job.updated_at)
        event.add("location", job.address)
        event.add("status", "CANCELLED" if job.status == "cancelled" else "CONFIRMED")
        cal.add_component(event)
    return bytes(cal.to_ical())
