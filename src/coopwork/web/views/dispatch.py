"""Dispatch pages: a worker's offer with its explanation, the coordinators' rounds (each with the
explanation of every pair), running a zone's round by hand, and the fairness trade-off curve every
member can read before voting on the weight (an SVG drawn here, no chart library)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.errors import CoopError, ValidationError
from coopwork.core.models import Cooperative
from coopwork.dispatch import selectors, services
from coopwork.dispatch.selectors import Curve
from coopwork.marketplace.selectors import zones
from coopwork.web import market
from coopwork.web.http import actor, coop_view
from coopwork.web.market_http import done, failed


@require_GET
@coop_view
def offer(request: HttpRequest, coop: Cooperative, offer_id: int) -> HttpResponse:
    found = selectors.offer_for_worker(cooperative=coop, user=request.user, offer_id=offer_id)
    context = {
        "coop": coop,
        "offer": found,
        "pay": market.job_card(found.job).pay,
        "open": found.expires_at > timezone.now(),
    }
    return render(request, "web/dispatch/offer.html", context)


@require_GET
@coop_view
def rounds(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    zone = request.GET.get("zone") or None
    found = list(selectors.rounds_for(cooperative=coop, user=request.user, zone_code=zone))
    context = {"coop": coop, "rounds": found, "zones": zones(cooperative=coop), "zone": zone}
    return render(request, "web/dispatch/rounds.html", context)


@require_GET
@coop_view
def round_detail(request: HttpRequest, coop: Cooperative, round_id: int) -> HttpResponse:
    found = selectors.round_get(cooperative=coop, user=request.user, round_id=round_id)
    return render(request, "web/dispatch/round.html", {"coop": coop, "round": found})


@require_POST
@coop_view
def round_run(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    try:
        try:
            zone_id = int(request.POST.get("zone", ""))
        except ValueError:
            raise ValidationError(code="zone_required") from None
        rnd = services.dispatch_round_run(
            cooperative=coop, zone_id=zone_id, actor=actor(request), force=True
        )
    except CoopError as exc:
        return failed(request, coop, exc, "#run-errors")
    assert rnd is not None  # forced
    return done(
        request,
        reverse("web:dispatch_round", args=[coop.slug, rnd.pk]),
        _("Round done: %(offers)s offers made.") % {"offers": rnd.offers_made},
    )


# --- The trade-off curve ------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 52


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    weight: int
    label: str
    current: bool
    title: str


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ChartPoint]
    polyline: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def _nice_max(value: float, step: float) -> float:
    return max(step, step * (int(value / step) + 1))


def _chart(curve: Curve) -> Chart | None:
    if not curve.points:
        return None
    xs = [max(0.0, p.extra_distance_pct) for p in curve.points]
    ys = [p.gini_earnings for p in curve.points]
    x_step = 5.0 if max(xs) <= 40 else 20.0
    x_max = _nice_max(max(xs), x_step)
    y_max = min(1.0, _nice_max(max(ys), 0.1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(v: float) -> float:
        return round(LEFT + plot_w * v / x_max, 1)

    def sy(v: float) -> float:
        return round(TOP + plot_h * (1 - v / y_max), 1)

    points = []
    for p, x, y in zip(curve.points, xs, ys, strict=True):
        minutes = formats.number_format(p.weight / 60, 1)
        points.append(
            ChartPoint(
                x=sx(x),
                y=sy(y),
                weight=p.weight,
                label=_("%(minutes)s min") % {"minutes": minutes},
                current=p.weight == curve.current_weight,
                title=_("Weight %(minutes)s min: %(extra)s %% more distance, Gini %(gini)s")
                % {
                    "minutes": minutes,
                    "extra": formats.number_format(p.extra_distance_pct, 1),
                    "gini": formats.number_format(p.gini_earnings, 3),
                },
            )
        )
    n_x = round(x_max / x_step)
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=HEIGHT - BOTTOM,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        x_ticks=[
            Tick(sx(i * x_step), f"{formats.number_format(i * x_step, 0)} %")
            for i in range(n_x + 1)
        ],
        y_ticks=[
            Tick(sy(i / 10), formats.number_format(i / 10, 1)) for i in range(round(y_max * 10) + 1)
        ],
    )


@require_GET
@coop_view
def curve(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    found = selectors.fairness_curve(cooperative=coop, user=request.user)
    context = {"coop": coop, "curve": found, "chart": _chart(found)}
    return render(request, "web/dispatch/curve.html", context)
