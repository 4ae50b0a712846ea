"""The marketplace's rules: every governed parameter a price or a pay depends on, each version
with the decision it came from. Receipts link here, to the exact version they used."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from coopwork.core.models import Cooperative
from coopwork.core.selectors import user_roles
from coopwork.web import market
from coopwork.web.http import coop_view


@require_GET
@coop_view
def rules(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    context = {
        "coop": coop,
        "rules": market.rules_page(cooperative=coop),
        # The fairness trade-off curve is for the co-op's people (any role), like its data.
        "can_see_curve": bool(user_roles(user=request.user, cooperative=coop)),
    }
    return render(request, "web/rules.html", context)
