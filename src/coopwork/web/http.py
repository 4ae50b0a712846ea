"""Shared plumbing of the web views: co-op lookup, domain errors as 4xx pages, htmx helpers.

A view decorated with ``coop_view`` receives the ``Cooperative`` named in the URL. Any
``CoopError`` it lets escape becomes a page (or, for htmx, a fragment) with the error's HTTP status
and its message in the user's language; a visitor who must sign in first is sent to the login page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from coopwork.core.errors import CoopError, NotAuthenticated, ValidationError
from coopwork.core.models import Cooperative
from coopwork.core.selectors import cooperative_get

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .pages import Document

CoopView = Callable[Concatenate[HttpRequest, Cooperative, ...], HttpResponse]


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def error_response(
    request: HttpRequest,
    exc: CoopError,
    *,
    cooperative: Cooperative | None = None,
    target: str | None = None,
) -> HttpResponse:
    """Render ``exc`` with its status: a fragment for htmx, otherwise a full page.

    ``target`` is the CSS selector of the element an htmx fragment replaces (its content), so an
    error shows right under the form that caused it.
    """
    context = {
        "error": exc,
        "message": exc.render_message(),
        "coop": cooperative,
        "back_url": _back_url(request, cooperative),
    }
    if is_htmx(request):
        response = render(request, "web/_error_inline.html", context, status=exc.status)
        if target:
            response["HX-Retarget"] = target
            response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "web/error.html", context, status=exc.status)


def _back_url(request: HttpRequest, cooperative: Cooperative | None) -> str:
    """Where the error page's "back" button leads: the page the failed action belongs to."""
    if cooperative is None:
        return reverse("web:home")
    if request.method == "POST":
        job = re.search(r"/jobs/(\d+)/", request.path)
        if job is not None:
            return reverse("web:job", args=[cooperative.slug, int(job[1])])
    for part, name in (
        ("/board/", "web:board"),
        ("/me/", "web:me"),
        ("/work/", "web:work"),
        ("/coord/", "web:coord"),
        ("/book/", "web:book"),
    ):
        if part in request.path and request.method == "POST":
            return reverse(name, args=[cooperative.slug])
    return reverse("web:coop", args=[cooperative.slug])


def coop_view(view: CoopView) -> Callable[..., HttpResponse]:
    """Resolve ``<slug>`` to the co-op and turn domain errors into 4xx responses."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        cooperative: Cooperative | None = None
        try:
            cooperative = cooperative_get(slug=slug)
            return view(request, cooperative, *args, **kwargs)
        except NotAuthenticated as exc:
            if request.method == "GET" and not is_htmx(request):
                return redirect_to_login(request.get_full_path())
            return error_response(request, exc, cooperative=cooperative)
        except CoopError as exc:
            return error_response(request, exc, cooperative=cooperative)

    return wrapper


# Which form field a domain error belongs to, so the message shows next to that field.
ERROR_FIELDS: dict[str, str] = {
    "college_unknown": "college",
    "college_closed": "college",
    "shares_below_minimum": "shares",
    "shares_above_maximum": "shares",
    "quantity_invalid": "shares",
    "display_name_required": "display_name",
    "username_taken": "username",
    "username_invalid": "username",
    "email_invalid": "email",
    "password_invalid": "password1",
    "payment_invalid": "payment_reference",
    "reason_required": "reason",
    "shares_insufficient": "quantity",
    "remainder_below_minimum": "quantity",
}


def add_form_error(form: Any, exc: CoopError, *, fields: dict[str, str] | None = None) -> None:
    """Attach a domain error to the form field it concerns (or to the whole form)."""
    mapping = {**ERROR_FIELDS, **(fields or {})}
    field = mapping.get(exc.code)
    if field is not None and field not in form.fields:
        field = None
    form.add_error(field, exc.render_message())


def actor(request: HttpRequest) -> User:
    """The user making the request, as the services take it.

    Services check authentication themselves (an anonymous user gets ``NotAuthenticated``), so
    handing them the ``AnonymousUser`` is safe; this only tells the type checker so.
    """
    return cast("User", request.user)


def form_error(form: Any) -> ValidationError:
    """A form that did not parse, as a domain validation error carrying the form's messages."""
    texts = [str(e) for errors in form.errors.values() for e in errors]
    return ValidationError(" ".join(texts) or None, code="form_invalid")


def download(document: Document) -> HttpResponse:
    """A generated document (register, certificate) as an attachment that is never cached."""
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
