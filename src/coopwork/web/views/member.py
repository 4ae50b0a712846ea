"""A member's own page: shares, certificate, history, and requests to buy or redeem shares."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.members import services
from coopwork.web import pages
from coopwork.web.forms import QuantityForm
from coopwork.web.http import actor, add_form_error, coop_view, download


def _render(
    request: HttpRequest,
    coop: Cooperative,
    *,
    buy_form: QuantityForm | None = None,
    redeem_form: QuantityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = pages.member_page(cooperative=coop, user=request.user)
    return render(
        request,
        "web/member/me.html",
        {
            "coop": coop,
            "page": page,
            "buy_form": buy_form or QuantityForm(prefix="buy"),
            "redeem_form": redeem_form or QuantityForm(prefix="redeem"),
        },
        status=status,
    )


@require_GET
@coop_view
def me(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    return _render(request, coop)


@require_POST
@coop_view
def buy(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    form = QuantityForm(request.POST, prefix="buy")
    if not form.is_valid():
        return _render(request, coop, buy_form=form, status=400)
    try:
        services.share_purchase_request(
            cooperative=coop, user=actor(request), quantity=form.cleaned_data["quantity"]
        )
    except CoopError as exc:
        add_form_error(form, exc, fields={"shares_above_maximum": "quantity"})
        return _render(request, coop, buy_form=form, status=exc.status)
    messages.success(
        request,
        _("Your request is recorded. The board confirms it once your payment has arrived."),
    )
    return redirect("web:me", slug=coop.slug)


@require_POST
@coop_view
def redeem(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    form = QuantityForm(request.POST, prefix="redeem")
    if not form.is_valid():
        return _render(request, coop, redeem_form=form, status=400)
    try:
        share_request = services.share_redemption_request(
            cooperative=coop, user=actor(request), quantity=form.cleaned_data["quantity"]
        )
    except CoopError as exc:
        add_form_error(form, exc)
        return _render(request, coop, redeem_form=form, status=exc.status)
    messages.success(
        request,
        _("Your redemption request is recorded. It can be paid from %(date)s.")
        % {"date": formats.date_format(share_request.eligible_on, "DATE_FORMAT")},
    )
    return redirect("web:me", slug=coop.slug)


@require_GET
@coop_view
def certificate(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    return download(pages.certificate_document(cooperative=coop, user=request.user))
