"""The worker area, built for a phone: offers and open jobs with the worker's pay, claim or refuse
(refusing never counts against anyone), my jobs with clock-in by code, start and finish, delivery
proof, earnings, profile and availability, and the iCalendar feed of my shifts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.marketplace import services
from coopwork.web import market
from coopwork.web.http import actor, add_form_error, coop_view, form_error
from coopwork.web.market_forms import (
    AvailabilityForm,
    ClockInForm,
    FinishForm,
    PositionForm,
    ProfileForm,
)
from coopwork.web.market_http import done, failed


def _work_url(coop: Cooperative) -> str:
    return reverse("web:work", args=[coop.slug])


def _back(request: HttpRequest, coop: Cooperative, job_id: int | None = None) -> str:
    """Back to the page the action was made from: the job's page or the worker area."""
    if job_id is not None and request.POST.get("next") == "job":
        return reverse("web:job", args=[coop.slug, job_id])
    return _work_url(coop)


def _target(job_id: int) -> str:
    return f"#job-{job_id}-errors"


@require_GET
@coop_view
def work(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.work_page(cooperative=coop, user=request.user)
    return render(request, "web/work/home.html", {"coop": coop, "page": page})


@require_GET
@coop_view
def work_live(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.work_page(cooperative=coop, user=request.user)
    response = render(request, "web/work/_lists.html", {"coop": coop, "page": page})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@coop_view
def claim(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    try:
        assignment = services.job_claim(cooperative=coop, job_id=job_id, worker=actor(request))
    except CoopError as exc:
        return failed(request, coop, exc, _target(job_id))
    if assignment.status == "waitlisted":
        message = _("All positions are taken: you are on the waiting list.")
    else:
        message = _("It is yours: %(title)s.") % {"title": assignment.job.title}
    return done(request, _back(request, coop, job_id), message)


@require_POST
@coop_view
def offer_accept(request: HttpRequest, coop: Cooperative, offer_id: int) -> HttpResponse:
    try:
        assignment = services.offer_accept(
            cooperative=coop, offer_id=offer_id, worker=actor(request)
        )
    except CoopError as exc:
        return failed(request, coop, exc, f"#offer-{offer_id}-errors")
    return done(
        request, _work_url(coop), _("It is yours: %(title)s.") % {"title": assignment.job.title}
    )


@require_POST
@coop_view
def offer_refuse(request: HttpRequest, coop: Cooperative, offer_id: int) -> HttpResponse:
    try:
        services.offer_refuse(cooperative=coop, offer_id=offer_id, worker=actor(request))
    except CoopError as exc:
        return failed(request, coop, exc, f"#offer-{offer_id}-errors")
    return done(request, _work_url(coop), _("Offer refused. Refusing never counts against you."))


@require_POST
@coop_view
def release(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    try:
        services.job_release(cooperative=coop, job_id=job_id, worker=actor(request))
    except CoopError as exc:
        return failed(request, coop, exc, _target(job_id))
    return done(
        request,
        _back(request, coop, job_id),
        _("You gave the job back. This never counts against you."),
    )


@require_POST
@coop_view
def clock_in(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = ClockInForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        services.job_clock_in(
            cooperative=coop, job_id=job_id, worker=actor(request), code=form.cleaned_data["code"]
        )
    except CoopError as exc:
        return failed(request, coop, exc, _target(job_id))
    return done(request, _back(request, coop, job_id), _("Started. Have a good job!"))


@require_POST
@coop_view
def depart(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    try:
        services.job_transition(
            cooperative=coop, job_id=job_id, transition="depart", actor=actor(request)
        )
    except CoopError as exc:
        return failed(request, coop, exc, _target(job_id))
    return done(
        request, _back(request, coop, job_id), _("On your way: the client sees you coming.")
    )


@require_POST
@coop_view
def finish(request: HttpRequest, coop: Cooperative, job_id: int) -> HttpResponse:
    form = FinishForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise form_error(form)
        services.job_clock_out(
            cooperative=coop,
            job_id=job_id,
            worker=actor(request),
            code=form.cleaned_data["code"],
            proof_code=form.cleaned_data["proof_code"],
            proof_text=form.signature(),
            proof_file=form.cleaned_data["proof_file"],
        )
    except CoopError as exc:
        return failed(request, coop, exc, _target(job_id))
    return done(
        request,
        _back(request, coop, job_id),
        _("Done. The client approves your time, or it is approved automatically."),
    )


@require_POST
@coop_view
def position(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    """The browser's position while on a job (navigator.geolocation). Answers JSON; a refusal
    (too frequent, not a worker) is a quiet 4xx that the script ignores."""
    form = PositionForm(request.POST)
    try:
        if not form.is_valid():
            raise form_error(form)
        services.worker_position_update(
            cooperative=coop,
            worker=actor(request),
            lat=form.cleaned_data["lat"],
            lon=form.cleaned_data["lon"],
        )
    except CoopError as exc:
        return JsonResponse({"ok": False, "code": exc.code}, status=exc.status)
    return JsonResponse({"ok": True})


@require_GET
@coop_view
def earnings(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.earnings_page(
        cooperative=coop, user=request.user, period=request.GET.get("period", "week")
    )
    return render(request, "web/work/earnings.html", {"coop": coop, "page": page})


def _profile_initial(page: market.ProfilePage) -> dict[str, object]:
    p = page.profile
    if p is None:
        return {"vehicle": "bike", "capacity_kg": 10, "seats": 0, "active": True}
    return {
        "skills": ", ".join(p.skills),
        "vehicle": p.vehicle,
        "capacity_kg": p.capacity_kg,
        "seats": p.seats,
        "zones": [z.code for z in p.zones.all()],
        "active": p.active,
    }


def _availability_initial(page: market.ProfilePage) -> dict[str, object]:
    initial: dict[str, object] = {}
    if page.profile is None:
        return initial
    for slot in page.profile.weekly.all():
        initial.setdefault(f"d{slot.weekday}_start", slot.start)
        initial.setdefault(f"d{slot.weekday}_end", slot.end)
    for i, ex in enumerate(page.profile.exceptions.all()[:3]):
        initial.update(
            {
                f"x{i}_date": ex.date,
                f"x{i}_available": "1" if ex.available else "0",
                f"x{i}_start": ex.start,
                f"x{i}_end": ex.end,
                f"x{i}_note": ex.note,
            }
        )
    return initial


def _render_profile(
    request: HttpRequest,
    coop: Cooperative,
    *,
    profile_form: ProfileForm | None = None,
    availability_form: AvailabilityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = market.profile_page(cooperative=coop, user=request.user)
    return render(
        request,
        "web/work/profile.html",
        {
            "coop": coop,
            "page": page,
            "calendar_url": request.build_absolute_uri(page.calendar_url)
            if page.calendar_url
            else "",
            "profile_form": profile_form
            or ProfileForm(initial=_profile_initial(page), zones=page.zones),
            "availability_form": availability_form
            or AvailabilityForm(initial=_availability_initial(page)),
        },
        status=status,
    )


@coop_view
def profile(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    if request.method != "POST":
        return _render_profile(request, coop)
    zones = [(z.code, z.name) for z in coop.zones.all()]
    form = ProfileForm(request.POST, zones=zones)
    if not form.is_valid():
        return _render_profile(request, coop, profile_form=form, status=400)
    try:
        services.worker_profile_save(
            cooperative=coop,
            user=actor(request),
            skills=form.skill_list(),
            vehicle=form.cleaned_data["vehicle"],
            capacity_kg=form.cleaned_data["capacity_kg"],
            seats=form.cleaned_data["seats"],
            zone_codes=form.cleaned_data["zones"],
            active=form.cleaned_data["active"],
        )
    except CoopError as exc:
        fields = {"quantity_invalid": "capacity_kg", "vehicle_mismatch": "vehicle"}
        if exc.params.get("field") == "seats":
            fields["quantity_invalid"] = "seats"
        add_form_error(form, exc, fields=fields)
        return _render_profile(request, coop, profile_form=form, status=exc.status)
    return done(request, reverse("web:work_profile", args=[coop.slug]), _("Profile saved."))


@require_POST
@coop_view
def availability(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, coop, availability_form=form, status=400)
    try:
        services.worker_availability_set(
            cooperative=coop,
            user=actor(request),
            weekly=form.weekly(),
            exceptions=form.exceptions(),
        )
    except CoopError as exc:
        add_form_error(form, exc)
        return _render_profile(request, coop, availability_form=form, status=exc.status)
    return done(
        request,
        reverse("web:work_profile", args=[coop.slug]) + "#availability",
        _("Availability saved."),
    )


@require_GET
@coop_view
def calendar(request: HttpRequest, coop: Cooperative, token: str) -> HttpResponse:
    """The worker's shifts as an iCalendar feed. The secret link is the credential: calendar
    apps fetch it without a session."""
    feed = market.calendar_feed(cooperative=coop, token=token)
    response = HttpResponse(feed, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{coop.slug}-shifts.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
