"""A job's page, shared by its client, its workers and the co-op's coordinators, and the client's
actions on it: approve the timesheet, send a worker home, cancel, rate, write, report a case.

The page's live part (status, timeline, workers and their position, receipt) is also served alone:
``live.js`` fetches it when the job's websocket announces a change, and polls it every few seconds
when the socket cannot be opened.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.marketplace import services
from coopwork.web import market
from coopwork.web.http import actor, coop_view, form_error
from coopwork.web.market_forms import (
    CaseForm,
    MessageForm,
    RatingForm,
    ReasonForm,
    SendHomeForm,
    StatementForm,
)
from coopwork.web.market_http import done, failed


def _job_url(coop: Cooperative, job_id: int) -> str:
    return reverse("web:job", args=[coop.slug, job_id])


@require_GET
@coop_view
def jobs(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.jobs_page(cooperative=coop, user=request.user)
    return render(request, "web/jobs/list.html", {"coop": coop, "page": page})


@require_GET
@coop_view
def job(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    page = market.job_page(cooperative=coop, user=request.user, job_id=job_id)
    return render(request, "web/jobs/detail.html", {"coop": coop, "page": page})


@require_GET
@coop_view
def job_live(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    page = market.job_page(cooperative=coop, user=request.user, job_id=job_id)
    response = render(request, "web/jobs/_state.html", {"coop": coop, "page": page})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@coop_view
def job_messages(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    page = market.job_page(cooperative=coop, user=request.user, job_id=job_id)
    response = render(request, "web/jobs/_messages.html", {"coop": coop, "page": page})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@coop_view
def job_approve(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    try:
        job = services.job_approve(cooperative=coop, job_id=job_id, actor=actor(request))
    except CoopError as exc:
        return failed(request, coop, exc)
    total = market.money_text(market.receipt_view(job).total)
    return done(
        request,
        _job_url(coop, job_id),
        _("Timesheet approved. The job is settled: %(total)s.") % {"total": total},
    )


# The transitions without data that the job page offers as plain buttons, and what each says.
PLAIN = {
    "publish": gettext_lazy("The job is published: workers can see it and take it."),
    "no_show": gettext_lazy(
        "Recorded: nobody came. A coordinator closes the job; nothing is charged."
    ),
    "close_no_show": gettext_lazy("The job is closed: cancelled, at no charge."),
}


@require_POST
@coop_view
def job_transition(
    request: HttpRequest, coop: Cooperative, job_id: int, transition: str
) -> HttpResponse:
    if transition not in PLAIN:
        raise Http404("no such action")  # the others have their own forms
    try:
        services.job_transition(
            cooperative=coop, job_id=job_id, transition=transition, actor=actor(request)
        )
    except CoopError as exc:
        return failed(request, coop, exc)
    return done(request, _job_url(coop, job_id), str(PLAIN[transition]))


@require_POST
@coop_view
def job_cancel(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        job = services.job_cancel(
            cooperative=coop,
            job_id=job_id,
            actor=actor(request),
            reason=form.cleaned_data["reason"],
        )
    except CoopError as exc:
        return failed(request, coop, exc, "#cancel-errors")
    if job.cancellation_fee_minor:
        message = _("The job is cancelled. The cancellation charge is on your receipt.")
    else:
        message = _("The job is cancelled, at no charge.")
    return done(request, _job_url(coop, job_id), message)


@require_POST
@coop_view
def job_send_home(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = SendHomeForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        assignment = services.job_send_home(
            cooperative=coop,
            job_id=job_id,
            worker_id=form.cleaned_data["worker"],
            actor=actor(request),
        )
    except CoopError as exc:
        return failed(request, coop, exc)
    name = assignment.worker.get_full_name() or assignment.worker.get_username()
    return done(
        request,
        _job_url(coop, job_id),
        _("%(name)s is clocked out. They are paid at least the minimum hours.") % {"name": name},
    )


@require_POST
@coop_view
def job_rate(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = RatingForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        services.rating_submit(
            cooperative=coop,
            job_id=job_id,
            rater=actor(request),
            ratee_id=form.cleaned_data["ratee"],
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except CoopError as exc:
        return failed(request, coop, exc, "#rating-errors")
    return done(
        request,
        _job_url(coop, job_id),
        _("Thank you. Your rating stays hidden until the other side rates too."),
    )


@require_POST
@coop_view
def job_message(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = MessageForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        services.message_post(
            cooperative=coop, job_id=job_id, sender=actor(request), body=form.cleaned_data["body"]
        )
    except CoopError as exc:
        return failed(request, coop, exc, "#message-errors")
    return done(request, _job_url(coop, job_id) + "#messages")


@require_POST
@coop_view
def case_open(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = CaseForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise form_error(form)
        case = services.case_open(
            cooperative=coop,
            job_id=job_id,
            actor=actor(request),
            kind=form.cleaned_data["kind"],
            summary=form.cleaned_data["summary"],
            statement=form.cleaned_data["statement"],
            evidence=form.cleaned_data["evidence"],
        )
    except CoopError as exc:
        return failed(request, coop, exc, "#case-errors")
    if case.kind == "dispute":
        message = _("Your dispute is recorded. A coordinator will hear both sides and decide.")
    else:
        message = _("The incident is recorded. A coordinator will look at it.")
    return done(request, _job_url(coop, job_id) + "#cases", message)


@require_POST
@coop_view
def case_statement(
    request: HttpRequest, coop: Cooperative, job_id: int, case_id: int
) -> HttpResponse:
    form = StatementForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise form_error(form)
        services.case_statement_add(
            cooperative=coop,
            case_id=case_id,
            actor=actor(request),
            text=form.cleaned_data["text"],
            evidence=form.cleaned_data["evidence"],
        )
    except CoopError as exc:
        return failed(request, coop, exc, f"#case-{case_id}-errors")
    return done(request, _job_url(coop, job_id) + "#cases", _("Your statement is added."))
