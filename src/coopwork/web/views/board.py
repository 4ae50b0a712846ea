"""The board's page: applications, share requests, transfers, registers, books and parameters.

Every action answers htmx with a fragment that replaces the card it came from, and a plain form
post with a redirect back to the board (or an error page with the error's 4xx status).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative
from coopwork.members import services
from coopwork.web import pages
from coopwork.web.forms import AdmitForm, PaymentForm, ReasonForm, TransferForm
from coopwork.web.http import actor, coop_view, download, error_response, form_error, is_htmx


def _done(
    request: HttpRequest, coop: Cooperative, template: str, message: str, **context: object
) -> HttpResponse:
    if is_htmx(request):
        return render(request, template, {"coop": coop, "message": message, **context})
    messages.success(request, message)
    return redirect("web:board", slug=coop.slug)


def _failed(request: HttpRequest, coop: Cooperative, exc: CoopError, target: str) -> HttpResponse:
    return error_response(request, exc, cooperative=coop, target=target)


@require_GET
@coop_view
def board(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    page = pages.board_page(cooperative=coop, user=request.user)
    return render(
        request,
        "web/board/board.html",
        {
            "coop": coop,
            "page": page,
            "admit_form": AdmitForm(),
            "payment_form": PaymentForm(initial={"payment_method": "bank_transfer"}),
            "transfer_form": TransferForm(),
        },
    )


def _act(
    request: HttpRequest,
    coop: Cooperative,
    form: forms.Form,
    target: str,
    perform: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """Validate ``form``, run the board action, and render a domain refusal into ``target``."""
    try:
        if not form.is_valid():
            raise form_error(form)
        return perform(form.cleaned_data)
    except CoopError as exc:
        return _failed(request, coop, exc, target)


@require_POST
@coop_view
def application_admit(request: HttpRequest, coop: Cooperative, application_id: int) -> HttpResponse:
    def perform(data: dict[str, Any]) -> HttpResponse:
        member = services.application_admit(
            cooperative=coop,
            application_id=application_id,
            actor=actor(request),
            payment_method=data["payment_method"],
            payment_reference=data["payment_reference"],
            reason=data["note"],
        )
        message = _("%(name)s is admitted as member № %(number)s.") % {
            "name": member.display_name,
            "number": member.register_number,
        }
        return _done(request, coop, "web/board/_application_done.html", message, member=member)

    return _act(
        request, coop, AdmitForm(request.POST), f"#application-{application_id}-errors", perform
    )


@require_POST
@coop_view
def application_reject(
    request: HttpRequest, coop: Cooperative, application_id: int
) -> HttpResponse:
    def perform(data: dict[str, Any]) -> HttpResponse:
        application = services.application_reject(
            cooperative=coop,
            application_id=application_id,
            actor=actor(request),
            reason=data["reason"],
        )
        message = _("The application of %(name)s was rejected.") % {
            "name": application.display_name
        }
        return _done(
            request, coop, "web/board/_application_done.html", message, application=application
        )

    return _act(
        request, coop, ReasonForm(request.POST), f"#application-{application_id}-errors", perform
    )


@require_POST
@coop_view
def purchase_confirm(request: HttpRequest, coop: Cooperative, request_id: int) -> HttpResponse:
    def perform(data: dict[str, Any]) -> HttpResponse:
        movement = services.share_purchase_confirm(
            cooperative=coop,
            request_id=request_id,
            actor=actor(request),
            payment_method=data["payment_method"],
            payment_reference=data["payment_reference"],
        )
        message = ngettext(
            "%(count)s share entered in the register for member № %(number)s.",
            "%(count)s shares entered in the register for member № %(number)s.",
            movement.quantity,
        ) % {
            "count": movement.quantity,
            "number": movement.member.register_number,
        }
        return _done(request, coop, "web/board/_request_done.html", message, movement=movement)

    return _act(request, coop, PaymentForm(request.POST), f"#request-{request_id}-errors", perform)


@require_POST
@coop_view
def redemption_pay(request: HttpRequest, coop: Cooperative, request_id: int) -> HttpResponse:
    def perform(data: dict[str, Any]) -> HttpResponse:
        movement = services.share_redemption_pay(
            cooperative=coop,
            request_id=request_id,
            actor=actor(request),
            payment_method=data["payment_method"],
            payment_reference=data["payment_reference"],
        )
        message = ngettext(
            "%(count)s share of member № %(number)s was paid back.",
            "%(count)s shares of member № %(number)s were paid back.",
            -movement.quantity,
        ) % {
            "count": -movement.quantity,
            "number": movement.member.register_number,
        }
        return _done(request, coop, "web/board/_request_done.html", message, movement=movement)

    return _act(request, coop, PaymentForm(request.POST), f"#request-{request_id}-errors", perform)


@require_POST
@coop_view
def request_reject(request: HttpRequest, coop: Cooperative, request_id: int) -> HttpResponse:
    def perform(data: dict[str, Any]) -> HttpResponse:
        services.share_request_reject(
            cooperative=coop, request_id=request_id, actor=actor(request), reason=data["reason"]
        )
        return _done(request, coop, "web/board/_request_done.html", _("The request was rejected."))

    return _act(request, coop, ReasonForm(request.POST), f"#request-{request_id}-errors", perform)


@require_POST
@coop_view
def transfer(request: HttpRequest, coop: Cooperative) -> HttpResponse:
    def perform(data: dict[str, Any]) -> HttpResponse:
        out, _into = services.share_transfer(
            cooperative=coop,
            from_register_number=data["from_register_number"],
            to_register_number=data["to_register_number"],
            quantity=data["quantity"],
            reference=data["reference"],
            actor=actor(request),
        )
        message = ngettext(
            "%(count)s share transferred from member № %(from)s to member № %(to)s.",
            "%(count)s shares transferred from member № %(from)s to member № %(to)s.",
            -out.quantity,
        ) % {
            "count": -out.quantity,
            "from": out.member.register_number,
            "to": out.counterparty.register_number if out.counterparty else "",
        }
        return _done(request, coop, "web/board/_transfer_done.html", message)

    return _act(request, coop, TransferForm(request.POST), "#transfer-result", perform)


@require_GET
@coop_view
def register_export(
    request: HttpRequest, coop: Cooperative, register: str, fmt: str
) -> HttpResponse:
    document = pages.register_document(
        cooperative=coop, user=request.user, register=register, fmt=fmt
    )
    return download(document)


@require_GET
@coop_view
def member_certificate(
    request: HttpRequest, coop: Cooperative, register_number: int
) -> HttpResponse:
    document = pages.certificate_document(
        cooperative=coop, user=request.user, register_number=register_number
    )
    return download(document)
