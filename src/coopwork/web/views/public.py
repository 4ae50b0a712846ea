"""The co-op's public page and the membership application."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.members.services import application_submit, application_withdraw
from coopwork.web import flows, pages
from coopwork.web.forms import JoinForm, JoinWithAccountForm
from coopwork.web.http import actor, add_form_error, coop_view


@require_GET
@coop_view
def coop_home(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = pages.public_page(cooperative=coop, user=request.user)
    return render(request, "web/coop/public.html", {"coop": coop, "page": page})


@coop_view
def join(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    anonymous = not request.user.is_authenticated
    form_class = JoinWithAccountForm if anonymous else JoinForm
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fields = {
                "college_code": data["college"],
                "shares": data["shares"],
                "display_name": data["display_name"],
                "is_organisation": data["is_organisation"],
                "motivation": data["motivation"],
            }
            try:
                if anonymous:
                    user, _application = flows.signup_and_apply(
                        cooperative=coop,
                        username=data["username"],
                        email=data["email"],
                        password=data["password1"],
                        **fields,
                    )
                    login(request, user, backend="coopwork.core.throttle.ThrottledModelBackend")
                else:
                    application_submit(cooperative=coop, user=actor(request), **fields)
            except CoopError as exc:
                add_form_error(form, exc)
                status = exc.status
            else:
                return redirect("web:join_pending", slug=coop.slug)
        else:
            status = 400
    else:
        initial = {"college": request.GET.get("college", "")}
        form = form_class(initial=initial)
    page = pages.join_page(cooperative=coop, user=request.user)
    return render(
        request,
        "web/coop/join.html",
        {"coop": coop, "page": page, "form": form, "anonymous": anonymous},
        status=status,
    )


@require_GET
@coop_view
def join_quote(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    """htmx: the amount to pay for the chosen college and number of shares, checked live."""
    quote = pages.join_quote(
        cooperative=coop,
        college_code=request.GET.get("college", ""),
        shares=request.GET.get("shares", ""),
    )
    return render(request, "web/coop/_quote.html", {"coop": coop, "quote": quote})


@require_GET
@coop_view
def join_pending(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = pages.pending_page(cooperative=coop, user=request.user)
    return render(request, "web/coop/pending.html", {"coop": coop, "page": page})


@require_POST
@coop_view
def join_withdraw(request: HttpRequest, coop: Cooperative, application_id: int) -> HttpResponse:
    application_withdraw(cooperative=coop, application_id=application_id, user=actor(request))
    messages.success(request, _("Your application was withdrawn."))
    return redirect("web:coop", slug=coop.slug)
