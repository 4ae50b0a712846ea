"""The coordinator's board: every live job by status (refreshed by the co-op's event stream, or
polled), assigning and reassigning by hand, deciding incidents and disputes, and issuing business
clients' invoices."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.marketplace import services
from coopwork.web import market
from coopwork.web.http import actor, coop_view, download, form_error
from coopwork.web.market_forms import AssignForm, DecideForm, InvoiceForm
from coopwork.web.market_http import done, failed


def _coord_url(coop: Cooperative, anchor: str = "") -> str:
    return reverse("web:coord", args=[coop.slug]) + anchor


@require_GET
@coop_view
def coord(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.coord_page(cooperative=coop, user=request.user)
    return render(request, "web/coord/board.html", {"coop": coop, "page": page})


@require_GET
@coop_view
def coord_live(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.coord_page(cooperative=coop, user=request.user)
    response = render(request, "web/coord/_columns.html", {"coop": coop, "page": page})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@coop_view
def assign(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = AssignForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        assignment = services.job_assign(
            cooperative=coop,
            job_id=job_id,
            worker_id=form.cleaned_data["worker"],
            replace_worker_id=form.cleaned_data["replace"],
            actor=actor(request),
        )
    except CoopError as exc:
        return failed(request, coop, exc, f"#board-job-{job_id}-errors")
    name = assignment.worker.get_full_name() or assignment.worker.get_username()
    return done(
        request,
        _coord_url(coop),
        _("%(name)s now holds a position on %(ref)s.")
        % {"name": name, "ref": assignment.job.reference},
    )


@require_POST
@coop_view
def decide(request: HttpRequest, coop: Cooperative, case_id: int) -> HttpResponse:
    form = DecideForm(request.POST, currency=coop.currency)
    try:
        if not form.is_valid():
            raise form_error(form)
        case = services.case_decide(
            cooperative=coop,
            case_id=case_id,
            actor=actor(request),
            outcome=form.cleaned_data["outcome"],
            decision=form.cleaned_data["decision"],
            adjusted_net_minor=form.adjusted_net_minor(),
        )
    except CoopError as exc:
        return failed(request, coop, exc, f"#case-{case_id}-errors")
    return done(
        request,
        _coord_url(coop, "#cases"),
        _("The case on %(ref)s is decided.") % {"ref": case.job.reference},
    )


@require_POST
@coop_view
def invoice_issue(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    form = InvoiceForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        invoice = services.invoice_issue(
            cooperative=coop,
            client_id=form.cleaned_data["client"],
            period_start=form.cleaned_data["period_start"],
            period_end=form.cleaned_data["period_end"],
            actor=actor(request),
        )
    except CoopError as exc:
        return failed(request, coop, exc, "#invoice-errors")
    return done(
        request,
        _coord_url(coop, "#invoices"),
        _("Invoice № %(number)s issued: %(total)s.")
        % {
            "number": invoice.number,
            "total": market.money_text(market.Money(invoice.total_minor, invoice.currency)),
        },
    )


@require_GET
@coop_view
def invoice_pdf(request: HttpRequest, coop: Cooperative, invoice_id: int) -> HttpResponse:
    document = market.invoice_document(cooperative=coop, user=request.user, invoice_id=invoice_id)
    return download(document)
