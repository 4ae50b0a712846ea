"""In-app notifications of the marketplace: the list, and marking them read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.models import Cooperative
from coopwork.core.services import user_job_emails_set
from coopwork.marketplace.services import notifications_mark_read
from coopwork.web import market
from coopwork.web.http import actor, coop_view
from coopwork.web.market_http import done


@require_GET
@coop_view
def notifications(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = market.notifications_page(cooperative=coop, user=request.user)
    return render(request, "web/notifications.html", {"coop": coop, "page": page})


@require_POST
@coop_view
def notifications_read(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    # The page query checks the sign-in and gives this co-op's notifications (the service marks
    # only the user's own rows).
    page = market.notifications_page(cooperative=coop, user=request.user)
    notifications_mark_read(user=actor(request), ids=page.ids)
    return done(request, reverse("web:notifications", args=[coop.slug]))


@require_POST
@coop_view
def notifications_email(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    """Turn the e-mail copies of my job notifications on or off (a checkbox: absent is off)."""
    enabled = request.POST.get("job_emails") == "on"
    user_job_emails_set(user=actor(request), enabled=enabled)
    message = (
        _("Your job notifications will also come by e-mail.")
        if enabled
        else _("Your job notifications will no longer come by e-mail; they stay here.")
    )
    return done(request, reverse("web:notifications", args=[coop.slug]), message)
