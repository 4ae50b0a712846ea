"""Answers shared by the marketplace's action views.

An action is a plain form post that works without JavaScript: it redirects back to the page it
came from with a message, or shows the error page with the error's 4xx status. With htmx the same
post answers a redirect the browser follows (``HX-Redirect``), and an error is a fragment swapped
into the form's error slot (the ``target``), with the same 4xx status.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from coopwork.core.errors import CoopError
from coopwork.core.models import Cooperative

from .http import error_response, is_htmx


def done(request: HttpRequest, url: str, message: str = "") -> HttpResponse:
    if message:
        messages.success(request, message)
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def failed(
    request: HttpRequest, coop: Cooperative, exc: CoopError, target: str = "#action-errors"
) -> HttpResponse:
    return error_response(request, exc, cooperative=coop, target=target)
