"""Booking: a kind chooser, then one form per kind with the full price shown before confirming.

The price comes from ``marketplace.services.job_quote`` (htmx asks for it as fields change, and a
"see the price" button does the same without JavaScript); the confirm button, shown only next to a
valid price, calls ``job_book``. A refusal (outside the service area, absurd quantities, times)
comes back with its 4xx status and its message next to the field it concerns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.core.money import Money
from coopwork.marketplace.services import job_book, job_quote
from coopwork.web import market
from coopwork.web.http import actor, coop_view
from coopwork.web.market_forms import BOOKING_FORMS, BookingForm

# Which form field a refusal belongs to (quantity errors name the domain's field).
QUANTITY_FIELDS = {
    "positions": "positions",
    "hourly_rate_minor": "hourly_rate",
    "break_minutes": "break_minutes",
    "passengers": "passengers",
    "weight_g": "weight_kg",
    "parcel_size": "parcel_size",
    "fixed_price_minor": "fixed_price",
    "estimated_hours": "estimated_hours",
    "distance_km": "dropoff_address",
}


def _kind_form(kind: str) -> type[BookingForm]:
    form_class = BOOKING_FORMS.get(kind)
    if form_class is None:
        raise Http404
    return form_class


def _initial(kind: str) -> dict[str, Any]:
    """Sensible first values: tomorrow, in working hours."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    if kind == "shift":
        return {"date": tomorrow, "start": dt.time(9), "end": dt.time(17), "break_minutes": 30}
    if kind == "ride":
        return {"date": tomorrow, "time": dt.time(10)}
    if kind == "delivery":
        return {
            "date": tomorrow,
            "pickup_from": dt.time(10),
            "pickup_until": dt.time(10, 30),
            "dropoff_from": dt.time(10, 30),
            "dropoff_until": dt.time(12),
        }
    return {"date": tomorrow, "start": dt.time(14), "end": dt.time(17)}


def _message(form: BookingForm, exc: CoopError) -> tuple[str | None, str]:
    """The form field an error concerns, and its message in words of the form."""
    if exc.code == "outside_service_area":
        return f"{form.places[0][0]}_address", exc.render_message()
    if exc.code == "vehicle_mismatch" and "vehicle" in form.fields:
        return "vehicle", exc.render_message()
    if exc.code == "quantity_invalid":
        domain_field = str(exc.params.get("field", ""))
        name = QUANTITY_FIELDS.get(domain_field)
        if name is None or name not in form.fields:
            return None, exc.render_message()
        low, high = exc.params.get("minimum"), exc.params.get("maximum")
        if domain_field.endswith("_minor") and isinstance(low, int) and isinstance(high, int):
            low_s = market.money_text(Money(low, form.currency))
            high_s = market.money_text(Money(high, form.currency))
        elif domain_field == "weight_g" and isinstance(low, int) and isinstance(high, int):
            low_s, high_s = f"{low / 1000:g} kg", f"{high / 1000:g} kg"
        else:
            low_s, high_s = str(low), str(high)
        if name == "dropoff_address":
            return name, _("The trip is too long: at most %(maximum)s km.") % {"maximum": high_s}
        if name == "parcel_size":
            return name, exc.render_message()
        label = str(form.fields[name].label)
        return name, _("%(label)s must be between %(minimum)s and %(maximum)s.") % {
            "label": label,
            "minimum": low_s,
            "maximum": high_s,
        }
    return None, exc.render_message()


def _missing(form: BookingForm) -> list[str]:
    """What the form still needs, in words: a stop by its name rather than its three fields."""
    places = dict(form.places)
    names: list[str] = []
    for name in form.errors:
        prefix, _sep, part = name.rpartition("_")
        if prefix in places and part in ("known", "address", "lat", "lon"):
            label = str(places[prefix])
        elif name in form.fields:
            label = str(form.fields[name].label)
        else:
            continue
        if label not in names:
            names.append(label)
    return names


@require_GET
@coop_view
def book(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.book_page(cooperative=coop, user=request.user)
    return render(request, "web/book/choose.html", {"coop": coop, "page": page})


def _render_form(
    request: HttpRequest,
    coop: Cooperative,
    kind: str,
    form: BookingForm,
    *,
    price: market.PriceView | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    page = market.book_page(cooperative=coop, user=request.user)
    return render(
        request,
        "web/book/form.html",
        {
            "coop": coop,
            "page": page,
            "kind": kind,
            "kind_label": {k: label for k, label, _d in market.KINDS}[kind],
            "form": form,
            "price": price,
            "quote_error": error,
        },
        status=status,
    )


@coop_view
def book_kind(request: HttpRequest, coop: Cooperative, kind: str) -> HttpResponse:
    form_class = _kind_form(kind)
    if request.method != "POST":
        form = form_class(initial=_initial(kind), currency=coop.currency)
        return _render_form(request, coop, kind, form)
    form = form_class(request.POST, currency=coop.currency)
    if not form.is_valid():
        return _render_form(request, coop, kind, form, status=400)
    try:
        booking = form.to_request()
        if request.POST.get("action") in ("confirm", "draft"):
            job = job_book(
                cooperative=coop,
                client=actor(request),
                request=booking,
                business=bool(form.cleaned_data.get("business")),
                draft=request.POST.get("action") == "draft",
            )
        else:
            priced = job_quote(cooperative=coop, request=booking)
            return _render_form(request, coop, kind, form, price=market.quote_view(priced))
    except CoopError as exc:
        field, text = _message(form, exc)
        form.add_error(field, text)
        return _render_form(request, coop, kind, form, status=exc.status)
    return redirect("web:job", slug=coop.slug, job_id=job.pk)


@require_GET
@coop_view
def book_quote(request: HttpRequest, coop: Cooperative, kind: str) -> HttpResponse:
    """htmx: the price and its breakdown for the form as it is now, checked by the service."""
    form = _kind_form(kind)(request.GET, currency=coop.currency)
    if not form.is_valid():
        missing = _missing(form)
        return render(
            request,
            "web/book/_quote.html",
            {"coop": coop, "price": None, "missing": missing, "kind": kind},
        )
    try:
        priced = job_quote(cooperative=coop, request=form.to_request())
    except CoopError as exc:
        _field, text = _message(form, exc)
        return render(
            request,
            "web/_error_inline.html",
            {"coop": coop, "error": exc, "message": text},
            status=exc.status,
        )
    return render(
        request,
        "web/book/_quote.html",
        {"coop": coop, "price": market.quote_view(priced), "kind": kind},
    )
